package filterpattern

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// regexTerm is a compiled %...% expression.
type regexTerm struct {
	re *regexp.Regexp
	// lits are substrings every match contains; match checks them with a
	// byte search before running the automaton, which rejects most
	// events of a scan at memchr speed.
	lits []string
	// nfa, when set, matches instead of re; see compileNFA.
	nfa *nfa
}

// regexSymbols are the characters besides letters and digits AWS accepts
// inside %...%: the symbols ": _ # = @ / ; , -" and the operators
// "^ $ ? [ ] { } | \ * + ." (regex-expressions.html). Everything else,
// notably '(', ')', blanks and multi-byte characters, is refused.
const regexSymbols = ":_#=@/;,-^$?[]{}|\\*+."

// compileRegex checks body against AWS's character list and compiles it.
// Go's RE2 syntax covers every operator AWS documents (anchors, classes,
// {m,n}, ?, *, +, ., |, \d-style classes and \xHH escapes, which AWS
// suggests for characters it does not accept); matching is unanchored and
// case-sensitive.
func compileRegex(body string) (*regexTerm, error) {
	if body == "" {
		return nil, invalidTerm("%%")
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; !isAlnum(c) && strings.IndexByte(regexSymbols, c) < 0 {
			return nil, invalidTerm("%" + body + "%")
		}
	}
	parsed, err := syntax.Parse(body, syntax.Perl)
	if err != nil {
		return nil, syntaxErrorf("invalid regular expression %%%s%%: %v", body, err)
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, syntaxErrorf("invalid regular expression %%%s%%: %v", body, err)
	}
	simple := parsed.Simplify()
	return &regexTerm{re: re, lits: requiredLiterals(simple), nfa: compileNFA(simple)}, nil
}

func (r *regexTerm) match(s string) bool {
	for _, l := range r.lits {
		if !strings.Contains(s, l) {
			return false
		}
	}
	if r.nfa != nil {
		return r.nfa.match(s)
	}
	return r.re.MatchString(s)
}

// requiredLiterals returns literal strings every match of re contains.
// It looks through concatenations and mandatory repetitions only;
// alternations and optional parts contribute nothing.
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || len(re.Rune) == 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpConcat:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, requiredLiterals(sub)...)
		}
		return out
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	}
	return nil
}
