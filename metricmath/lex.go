package metricmath

import (
	"strings"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tEOF    tokKind = iota
	tNumber         // 12, 1.5, .5, 1e3
	tString         // "text"
	tIdent          // a query Id: starts with a lower-case letter
	tName           // a function name or keyword: starts with an upper-case letter
	tOp             // + - * / ^ == != <= >= < > && || ( ) [ ] ,
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// lex splits an expression into tokens. AND and OR are returned as the
// operators && and ||, so the parser sees one spelling.
func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '.' {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && isDigit(src[k]) {
					for k < len(src) && isDigit(src[k]) {
						k++
					}
					j = k
				}
			}
			out = append(out, token{tNumber, src[i:j], i})
			i = j
		case c == '"':
			j := strings.IndexByte(src[i+1:], '"')
			if j < 0 {
				return nil, errSyntax
			}
			out = append(out, token{tString, src[i+1 : i+1+j], i})
			i += j + 2
		case isLetter(c) || c == '_':
			j := i
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j]) || src[j] == '_') {
				j++
			}
			word := src[i:j]
			switch {
			case word == "AND":
				out = append(out, token{tOp, "&&", i})
			case word == "OR":
				out = append(out, token{tOp, "||", i})
			case c >= 'a' && c <= 'z':
				out = append(out, token{tIdent, word, i})
			case c >= 'A' && c <= 'Z':
				out = append(out, token{tName, word, i})
			default:
				return nil, errSyntax
			}
			i = j
		default:
			if i+1 < len(src) {
				switch two := src[i : i+2]; two {
				case "==", "!=", "<=", ">=", "&&", "||":
					out = append(out, token{tOp, two, i})
					i += 2
					continue
				}
			}
			switch c {
			case '+', '-', '*', '/', '^', '<', '>', '(', ')', '[', ']', ',':
				out = append(out, token{tOp, string(c), i})
				i++
			default:
				return nil, errSyntax
			}
		}
	}
	return append(out, token{tEOF, "", len(src)}), nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
