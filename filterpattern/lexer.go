package filterpattern

import "strings"

// lexer walks the text of a JSON or space-delimited pattern. It is shared
// by both parsers because their values (quoted strings, bare words with
// wildcards, numbers, %regex%) are written the same way.
type lexer struct {
	src string
	pos int
	// regexes counts the %...% values read so far, for the limit of two
	// per JSON or space-delimited pattern (§5.4).
	regexes int
}

// maxRegexes is AWS's limit on regular expressions in one JSON or
// space-delimited pattern (regex-expressions.html, "Quotas").
const maxRegexes = 2

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isWordByte reports the characters a term may hold unquoted: "terms that
// include characters other than alphanumeric or underscore must be placed
// inside double quotes" (UG23).
func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }

// isBareValueByte reports the characters an unquoted value may hold: word
// characters plus the sign, decimal point and exponent of numbers and the
// '*' wildcard, as in UG23's `123.123.*`, `*.html*` and `-2.5E+3`.
func isBareValueByte(c byte) bool {
	return isWordByte(c) || c == '.' || c == '*' || c == '+' || c == '-'
}

// trimSpace removes the blanks isSpace knows from both ends of s.
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func (l *lexer) eof() bool { return l.pos >= len(l.src) }

// peek returns the next byte, or 0 at the end.
func (l *lexer) peek() byte {
	if l.pos < len(l.src) {
		return l.src[l.pos]
	}
	return 0
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
}

// consume advances past s if the input continues with it.
func (l *lexer) consume(s string) bool {
	if strings.HasPrefix(l.src[l.pos:], s) {
		l.pos += len(s)
		return true
	}
	return false
}

// keyword consumes word if it stands alone: followed by the end, a blank
// or one of the bytes in stops.
func (l *lexer) keyword(word, stops string) bool {
	rest := l.src[l.pos:]
	if !strings.HasPrefix(rest, word) {
		return false
	}
	if len(rest) > len(word) {
		if c := rest[len(word)]; !isSpace(c) && strings.IndexByte(stops, c) < 0 {
			return false
		}
	}
	l.pos += len(word)
	return true
}

// word reads a run of bytes accepted by ok.
func (l *lexer) word(ok func(byte) bool) string {
	start := l.pos
	for l.pos < len(l.src) && ok(l.src[l.pos]) {
		l.pos++
	}
	return l.src[start:l.pos]
}

// upTo returns the text from the current position to the next blank or
// byte in stops, without consuming it; error messages quote it.
func (l *lexer) upTo(stops string) string {
	i := l.pos
	for i < len(l.src) && !isSpace(l.src[i]) && strings.IndexByte(stops, l.src[i]) < 0 {
		i++
	}
	return l.src[l.pos:i]
}

// quoted reads a double-quoted string at the current position and returns
// its text with \" and \\ unescaped; any other backslash stays as written.
// Escapes beyond these two are unverified.
func (l *lexer) quoted() (string, error) {
	start := l.pos
	l.pos++ // opening quote
	var b []byte
	from := l.pos
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; c {
		case '"':
			s := l.src[from:l.pos]
			if b != nil {
				s = string(append(b, s...))
			}
			l.pos++
			return s, nil
		case '\\':
			if l.pos+1 < len(l.src) && (l.src[l.pos+1] == '"' || l.src[l.pos+1] == '\\') {
				b = append(b, l.src[from:l.pos]...)
				b = append(b, l.src[l.pos+1])
				l.pos += 2
				from = l.pos
				continue
			}
		}
		l.pos++
	}
	return "", syntaxErrorf("unterminated quoted string %s", l.src[start:])
}

// op reads a comparison operator.
func (l *lexer) op() (cmpOp, bool) {
	switch {
	case l.consume("!="):
		return opNe, true
	case l.consume("<="):
		return opLe, true
	case l.consume(">="):
		return opGe, true
	case l.consume("="):
		return opEq, true
	case l.consume("<"):
		return opLt, true
	case l.consume(">"):
		return opGt, true
	}
	return 0, false
}

// value reads the value after a comparison operator. stops lists the
// structural bytes that may end a bare value in this kind of pattern.
func (l *lexer) value(op cmpOp, stops string) (valueTest, error) {
	l.skipSpace()
	if l.eof() {
		return valueTest{}, syntaxErrorf("missing value after %s", op)
	}
	switch l.peek() {
	case '"':
		s, err := l.quoted()
		if err != nil {
			return valueTest{}, err
		}
		if op != opEq && op != opNe {
			return valueTest{}, syntaxErrorf("%s needs a number, not %q", op, s)
		}
		return stringTest(op, s), nil
	case '%':
		end := strings.IndexByte(l.src[l.pos+1:], '%')
		if end < 0 {
			return valueTest{}, invalidTerm(l.upTo(stops))
		}
		body := l.src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		if op != opEq && op != opNe {
			return valueTest{}, syntaxErrorf("%s needs a number, not a regular expression", op)
		}
		if l.regexes++; l.regexes > maxRegexes {
			return valueTest{}, syntaxErrorf("a filter pattern may hold at most %d regular expressions", maxRegexes)
		}
		re, err := compileRegex(body)
		if err != nil {
			return valueTest{}, err
		}
		return valueTest{op: op, kind: vRegex, re: re}, nil
	}
	tok := l.word(isBareValueByte)
	if !l.eof() && !isSpace(l.peek()) && strings.IndexByte(stops, l.peek()) < 0 {
		l.pos -= len(tok)
		return valueTest{}, invalidTerm(l.upTo(stops))
	}
	if tok == "" {
		return valueTest{}, syntaxErrorf("missing value after %s", op)
	}
	if isNumber(tok) {
		f, _ := parseFloat(tok)
		return valueTest{op: op, kind: vNumber, text: tok, num: f}, nil
	}
	if op != opEq && op != opNe {
		return valueTest{}, syntaxErrorf("%s needs a number, not %q", op, tok)
	}
	return stringTest(op, tok), nil
}
