package filterpattern

import (
	"slices"
	"strconv"
	"strings"
)

// exprKind says what a node of a compiled JSON pattern tests.
type exprKind uint8

const (
	exAnd exprKind = iota
	exOr
	exCompare   // selector op value
	exNull      // IS NULL
	exTrue      // IS TRUE
	exFalse     // IS FALSE
	exNotExists // NOT EXISTS
)

// jexpr is a node of a compiled JSON pattern (§5.2).
type jexpr struct {
	kind exprKind
	kids []*jexpr // exAnd, exOr
	slot int      // the selector's slot, for the other kinds
	test valueTest
}

// jsonMatcher applies a JSON pattern. Every distinct selector gets a slot;
// one pass over the event fills the slots (scanJSON) and the expression is
// then evaluated against them, so an event is read once however many
// conditions the pattern has.
type jsonMatcher struct {
	expr  *jexpr
	root  *trieNode
	paths []string // canonical selector text by slot
	steps [][]step // selector steps by slot
	// unescaped are substrings every matching event holds unless it
	// contains a backslash; see unescapedLiterals. unescapedLit holds
	// them prepared for searching.
	unescaped    []string
	unescapedLit []literal
}

// maxNesting bounds parentheses in a JSON pattern, so that a hostile
// pattern cannot recurse without limit; AWS's own limit is unverified and
// 1024 characters allow at most 511 levels.
const maxNesting = 100

// jsonStops are the bytes that end a bare value in a JSON pattern.
const jsonStops = ")&|"

// parseJSON compiles a JSON pattern; s is trimmed and begins with '{'.
func parseJSON(s string) (*jsonMatcher, error) {
	if len(s) < 2 || s[len(s)-1] != '}' {
		// AWS's own sentence (FilterLogEvents, 2018).
		return nil, &SyntaxError{Msg: "If a filter pattern starts with '{' it must end with '}'"}
	}
	p := jsonParser{lexer: lexer{src: s[1 : len(s)-1]}, m: &jsonMatcher{root: newTrieNode()}}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, syntaxErrorf("unexpected %q in JSON filter pattern", p.upTo(""))
	}
	p.m.expr = e
	p.m.unescaped = p.m.unescapedLiterals(e)
	p.m.unescapedLit = newLiterals(p.m.unescaped)
	rarestFirst(p.m.unescapedLit)
	return p.m, nil
}

type jsonParser struct {
	lexer
	m *jsonMatcher
}

// or parses EXPR || EXPR ...; && binds tighter: "() > && > ||" (UG23).
func (p *jsonParser) or(depth int) (*jexpr, error) {
	e, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); p.consume("||"); p.skipSpace() {
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		e = join(exOr, e, r)
	}
	return e, nil
}

func (p *jsonParser) and(depth int) (*jexpr, error) {
	e, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); p.consume("&&"); p.skipSpace() {
		r, err := p.atom(depth)
		if err != nil {
			return nil, err
		}
		e = join(exAnd, e, r)
	}
	return e, nil
}

// join combines two nodes, flattening chains of one operator.
func join(kind exprKind, l, r *jexpr) *jexpr {
	if l.kind == kind {
		l.kids = append(l.kids, r)
		return l
	}
	return &jexpr{kind: kind, kids: []*jexpr{l, r}}
}

func (p *jsonParser) atom(depth int) (*jexpr, error) {
	p.skipSpace()
	switch p.peek() {
	case '(':
		if depth >= maxNesting {
			return nil, syntaxErrorf("parentheses nested deeper than %d", maxNesting)
		}
		p.pos++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.consume(")") {
			return nil, syntaxErrorf("missing ')' in JSON filter pattern")
		}
		return e, nil
	case '$':
	case 0:
		return nil, syntaxErrorf("JSON filter pattern ends where a condition should be")
	default:
		return nil, syntaxErrorf("expected a $. selector at %q", p.upTo(""))
	}
	steps, text, err := p.selector()
	if err != nil {
		return nil, err
	}
	e := &jexpr{slot: p.m.slot(steps, text)}
	p.skipSpace()
	// Keywords are upper case as documented; lower case is refused
	// (unverified). "IS NOT" and "EXISTS" alone are not supported (UG23).
	switch {
	case p.keyword("IS", ""):
		p.skipSpace()
		switch {
		case p.keyword("NULL", jsonStops):
			e.kind = exNull
		case p.keyword("TRUE", jsonStops):
			e.kind = exTrue
		case p.keyword("FALSE", jsonStops):
			e.kind = exFalse
		default:
			return nil, syntaxErrorf("IS must be followed by NULL, TRUE or FALSE, not %q", p.upTo(jsonStops))
		}
		return e, nil
	case p.keyword("NOT", ""):
		p.skipSpace()
		if !p.keyword("EXISTS", jsonStops) {
			return nil, syntaxErrorf("NOT must be followed by EXISTS, not %q", p.upTo(jsonStops))
		}
		e.kind = exNotExists
		return e, nil
	}
	op, ok := p.op()
	if !ok {
		return nil, syntaxErrorf("expected an operator after %s, found %q", text, p.upTo(jsonStops))
	}
	e.kind = exCompare
	if e.test, err = p.value(op, jsonStops); err != nil {
		return nil, err
	}
	return e, nil
}

// step is one step of a selector: a member name, or an array index when
// key is empty and index >= 0.
type step struct {
	key   string
	index int
}

// isSelectorByte reports the characters of a member name in a selector:
// "alphanumeric strings that also support '-' and '_' characters" (UG23).
func isSelectorByte(c byte) bool { return isWordByte(c) || c == '-' }

// selector reads $.name, $.name[0].other, $.matrix[1][2]: members, then
// array elements, which "must follow a property" (UG23).
func (l *lexer) selector() ([]step, string, error) {
	start := l.pos
	l.pos++ // '$'
	var steps []step
	for {
		switch l.peek() {
		case '.':
			l.pos++
			name := l.word(isSelectorByte)
			if name == "" {
				return nil, "", syntaxErrorf("invalid selector %s", l.src[start:l.pos]+l.upTo(jsonStops))
			}
			steps = append(steps, step{key: name, index: -1})
			continue
		case '[':
			if len(steps) == 0 {
				break
			}
			l.pos++
			digits := l.word(isDigit)
			n, err := strconv.Atoi(digits)
			if err != nil || !l.consume("]") {
				return nil, "", syntaxErrorf("invalid array index in selector %s", l.src[start:l.pos]+l.upTo(jsonStops))
			}
			steps = append(steps, step{index: n})
			continue
		}
		break
	}
	text := l.src[start:l.pos]
	if len(steps) == 0 {
		return nil, "", syntaxErrorf("invalid selector %s", text+l.upTo(jsonStops))
	}
	if c := l.peek(); c != 0 && !isSpace(c) && strings.IndexByte("=!<>"+jsonStops, c) < 0 {
		return nil, "", syntaxErrorf("invalid selector %s", text+l.upTo(jsonStops))
	}
	return steps, text, nil
}

// slot returns the slot of a selector, adding it to the trie when new.
func (m *jsonMatcher) slot(steps []step, text string) int {
	canon := canonicalPath(steps)
	for i, p := range m.paths {
		if p == canon {
			return i
		}
	}
	m.paths = append(m.paths, canon)
	m.steps = append(m.steps, steps)
	m.root.add(steps, len(m.paths)-1)
	return len(m.paths) - 1
}

func canonicalPath(steps []step) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range steps {
		if s.index < 0 {
			b.WriteByte('.')
			b.WriteString(s.key)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// match applies the pattern to one event.
func (m *jsonMatcher) match(msg string) bool {
	// Only a JSON object matches, blanks around it allowed (scanJSON):
	// its first and last bytes settle most events that are not JSON.
	if !maybeObject(msg) {
		return false
	}
	// An event without escapes spells its member names and strings as
	// the pattern does, so a missing literal rules it out at memchr
	// speed, before any parsing.
	if len(m.unescapedLit) > 0 && strings.IndexByte(msg, '\\') < 0 {
		for _, lit := range m.unescapedLit {
			if !lit.in(msg) {
				return false
			}
		}
	}
	return m.eval(msg)
}

// maybeObject reports whether msg, blanks around it aside, begins with '{'
// and ends with '}', as every event scanJSON accepts does.
func maybeObject(msg string) bool {
	i, j := 0, len(msg)
	for i < j && isSpace(msg[i]) {
		i++
	}
	for j > i && isSpace(msg[j-1]) {
		j--
	}
	return j-i >= 2 && msg[i] == '{' && msg[j-1] == '}'
}

// eval parses one event and evaluates the pattern on it.
func (m *jsonMatcher) eval(msg string) bool {
	var buf [16]jvalue
	vals := buf[:]
	if n := len(m.paths); n > len(buf) {
		vals = make([]jvalue, n)
	} else {
		vals = vals[:n]
	}
	if !scanJSON(msg, m.root, vals) {
		return false
	}
	return m.expr.eval(msg, vals)
}

// eval evaluates the expression against the slots one event filled.
// A comparison applies only to a string, number or boolean: "The SELECTOR
// must point to a value node (string or number) in the JSON. If it points
// to an array or object, the filter will not be applied" (UG23), so both
// = and != are false there, and for a missing member or null too
// (booleans compare as true/false, unverified).
func (e *jexpr) eval(msg string, vals []jvalue) bool {
	switch e.kind {
	case exAnd:
		for _, k := range e.kids {
			if !k.eval(msg, vals) {
				return false
			}
		}
		return true
	case exOr:
		for _, k := range e.kids {
			if k.eval(msg, vals) {
				return true
			}
		}
		return false
	case exNull:
		return vals[e.slot].kind == kNull
	case exTrue:
		return vals[e.slot].kind == kTrue
	case exFalse:
		return vals[e.slot].kind == kFalse
	case exNotExists:
		return vals[e.slot].kind == kMissing
	}
	text, ok := vals[e.slot].text(msg)
	return ok && e.test.match(text)
}

// required lists substrings every match contains: none. A JSON event may
// spell any member name or string with \u escapes, so no byte string is
// certain to appear in a matching event.
func (m *jsonMatcher) required() []string { return nil }

// unescapedLiterals lists substrings every event matching e holds when
// the event has no backslash, and so no escapes: the quoted member names
// of every selector that must be present, and the literal text of =
// comparisons. A compared value may be a number or boolean, so values
// are not quoted; member names always are.
func (m *jsonMatcher) unescapedLiterals(e *jexpr) []string {
	switch e.kind {
	case exAnd:
		var out []string
		for _, k := range e.kids {
			for _, l := range m.unescapedLiterals(k) {
				out = appendUnique(out, l)
			}
		}
		return out
	case exOr:
		out := m.unescapedLiterals(e.kids[0])
		for _, k := range e.kids[1:] {
			other := m.unescapedLiterals(k)
			out = slices.DeleteFunc(out, func(l string) bool { return !slices.Contains(other, l) })
		}
		return out
	case exNotExists:
		return nil
	}
	var out []string
	for _, st := range m.steps[e.slot] {
		if st.index < 0 {
			out = appendUnique(out, `"`+st.key+`"`)
		}
	}
	if e.kind == exCompare && e.test.op == opEq {
		switch e.test.kind {
		case vString:
			if e.test.text != "" {
				out = appendUnique(out, e.test.text)
			}
		case vRegex:
			for _, l := range e.test.re.lits {
				out = appendUnique(out, l)
			}
		}
	}
	return out
}
