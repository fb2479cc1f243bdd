package alarm

import "strings"

// The AlarmRule lexer. CloudWatch's parser reports errors by token
// ("Unsupported token 'Oldest' at char 67, must be: ')'"), so the rule is
// read as tokens: parentheses, commas, double-quoted strings and words.
// A word runs to the next space, parenthesis, comma or double quote,
// which is why an unquoted alarm name cannot hold any of them (the User
// Guide, "Alarm references").

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokComma
	tokWord   // a keyword, a bare alarm name or ARN, an AT_LEAST threshold
	tokQuoted // a double-quoted alarm name or ARN
)

type token struct {
	kind tokenKind
	// text is the token as written, quotes included: what error messages
	// quote.
	text string
	// value is the word, or the quoted string without its quotes and
	// escapes.
	value string
	// pos is the byte offset of the token in the rule.
	pos int
}

type lexer struct {
	src string
	pos int
	// peeked holds the next token once peek has read it.
	peeked *token
}

func isRuleSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// peek returns the next token without consuming it.
func (l *lexer) peek() (token, error) {
	if l.peeked == nil {
		t, err := l.scan()
		if err != nil {
			return t, err
		}
		l.peeked = &t
	}
	return *l.peeked, nil
}

// next consumes and returns the next token.
func (l *lexer) next() (token, error) {
	t, err := l.peek()
	l.peeked = nil
	return t, err
}

func (l *lexer) scan() (token, error) {
	for l.pos < len(l.src) && isRuleSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	single := func(k tokenKind) (token, error) {
		l.pos++
		return token{kind: k, text: l.src[start:l.pos], value: l.src[start:l.pos], pos: start}, nil
	}
	switch l.src[start] {
	case '(':
		return single(tokLParen)
	case ')':
		return single(tokRParen)
	case ',':
		return single(tokComma)
	case '"':
		return l.quoted()
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if isRuleSpace(c) || c == '(' || c == ')' || c == ',' || c == '"' {
			break
		}
		l.pos++
	}
	w := l.src[start:l.pos]
	return token{kind: tokWord, text: w, value: w, pos: start}, nil
}

// quoted reads a double-quoted name. A backslash escapes a double quote
// or a backslash (the User Guide documents \" for names holding double
// quotes; \\ is needed to end a name with a backslash and is unverified);
// any other backslash is kept as written.
func (l *lexer) quoted() (token, error) {
	start := l.pos
	var b strings.Builder
	i := start + 1
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == '\\' && i+1 < len(l.src) && (l.src[i+1] == '"' || l.src[i+1] == '\\'):
			b.WriteByte(l.src[i+1])
			i += 2
		case c == '"':
			l.pos = i + 1
			return token{kind: tokQuoted, text: l.src[start:l.pos], value: b.String(), pos: start}, nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	// Wording unverified.
	return token{}, ruleErr("Unterminated quoted alarm name at char %d", charIndex(l.src, start))
}

// quoteRef writes a reference as a quoted token that quoted reads back.
func quoteRef(ref string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(ref) + `"`
}

// charIndex is the position CloudWatch reports for the byte offset pos:
// a zero-based index in UTF-16 code units, as Java counts characters.
// Both published messages agree on zero-based: "()" fails at char 1.
func charIndex(s string, pos int) int {
	n := 0
	for _, r := range s[:pos] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// javaLength is the length of s in UTF-16 code units, the unit of the
// model's length constraints.
func javaLength(s string) int { return charIndex(s, len(s)) }
