package filterpattern

import (
	"strconv"
	"strings"
)

// delimElem is one element of a space-delimited pattern (§5.3).
type delimElem struct {
	// ellipsis marks "...", which stands for any number of fields.
	ellipsis bool
	// name is the field's name; empty for an element left blank, as in
	// the trailing comma of UG23's [..., request=*.html*, status_code=4*,].
	name string
	// conds is an OR of ANDs of tests on the field; nil accepts any field.
	conds [][]valueTest
}

// delimMatcher applies a space-delimited pattern.
type delimMatcher struct {
	elems    []delimElem
	ellipsis bool // some element is "..."
	// starts are literals some field of every matching event begins
	// with (an element's only condition group requires = "lit" or
	// = lit*); see mayStart.
	starts []literal
}

// fieldStart returns what an element's conditions require its field to
// begin with: the literal of an equality test that is not a suffix or
// substring match, when the element has a single group of conditions.
func (e *delimElem) fieldStart() string {
	if len(e.conds) != 1 {
		return ""
	}
	for _, v := range e.conds[0] {
		if v.kind == vString && v.op == opEq && !v.prefix && v.text != "" {
			return v.text
		}
	}
	return ""
}

// mayStart reports whether some field of msg could begin with lit: a
// field starts the message, follows a blank, follows the opening quote or
// bracket of a quoted or bracketed field, or directly follows the closing
// one of the field before ("[a]b" is two fields). False rules the event out at
// memchr speed, before it is split.
func mayStart(msg string, lit literal) bool {
	for i := 0; ; {
		var j int
		if len(lit.text) == 1 {
			// Most starts are one digit or letter (status = 5*), found
			// several times an event: search without going through Index.
			j = strings.IndexByte(msg[i:], lit.text[0])
		} else {
			j = lit.index(msg[i:])
		}
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || fieldOpener[msg[j-1]] {
			return true
		}
		i = j + 1
	}
}

// fieldOpener holds the bytes a field may directly follow (see mayStart).
var fieldOpener = [256]bool{' ': true, '\t': true, '"': true, '[': true, ']': true}

// delimStops are the bytes that end a bare value in a space-delimited
// pattern.
const delimStops = ",&|"

// parseDelimited compiles a space-delimited pattern; s is trimmed and
// begins with '['.
func parseDelimited(s string) (*delimMatcher, error) {
	if len(s) < 2 || s[len(s)-1] != ']' {
		// Worded after AWS's sentence for '{' (unverified).
		return nil, &SyntaxError{Msg: "If a filter pattern starts with '[' it must end with ']'"}
	}
	body := s[1 : len(s)-1]
	if trimSpace(body) == "" {
		return nil, syntaxErrorf("a space-delimited filter pattern needs at least one field")
	}
	m := &delimMatcher{}
	names := map[string]bool{}
	l := lexer{src: body}
	for {
		l.skipSpace()
		var e delimElem
		switch {
		case l.consume("..."):
			e.ellipsis = true
			m.ellipsis = true
		case l.eof() || l.peek() == ',':
			// A blank element: an unnamed field.
		default:
			e.name = l.word(isWordByte)
			if e.name == "" {
				return nil, invalidTerm(l.upTo(delimStops))
			}
			// Two fields of one name would bind one name twice
			// (refused here, unverified).
			if names[e.name] {
				return nil, syntaxErrorf("field name %s is used twice", e.name)
			}
			names[e.name] = true
			l.skipSpace()
			if !l.eof() && l.peek() != ',' {
				conds, err := parseFieldConditions(&l, e.name)
				if err != nil {
					return nil, err
				}
				e.conds = conds
			}
		}
		m.elems = append(m.elems, e)
		if lit := e.fieldStart(); lit != "" {
			m.starts = append(m.starts, newLiteral(lit))
		}
		l.skipSpace()
		if l.eof() {
			return m, nil
		}
		if l.peek() != ',' {
			return nil, invalidTerm(l.upTo(delimStops))
		}
		l.pos++
	}
}

// parseFieldConditions reads `name op value (&& name op value | || name op
// value)*` after the element's name. Every condition must name the
// element's own field: UG23's [..., status_code = 4* && bytes > 1000] is
// refused by the console with "Invalid filter pattern" (awsdocs issue 21).
// && binds tighter than ||, as in JSON patterns.
func parseFieldConditions(l *lexer, name string) ([][]valueTest, error) {
	var or [][]valueTest
	var and []valueTest
	for first := true; ; first = false {
		if !first {
			l.skipSpace()
			if n := l.word(isWordByte); n != name {
				return nil, syntaxErrorf("condition on field %s names %q; each condition must name its own field", name, n+l.upTo(delimStops))
			}
			l.skipSpace()
		}
		op, ok := l.op()
		if !ok {
			return nil, invalidTerm(l.upTo(delimStops))
		}
		v, err := l.value(op, delimStops)
		if err != nil {
			return nil, err
		}
		and = append(and, v)
		l.skipSpace()
		switch {
		case l.consume("&&"):
		case l.consume("||"):
			or = append(or, and)
			and = nil
		default:
			return append(or, and), nil
		}
	}
}

// test reports whether one field satisfies the element.
func (e *delimElem) test(field string) bool {
	if e.conds == nil {
		return true
	}
	for _, and := range e.conds {
		ok := true
		for i := range and {
			if !and[i].match(field) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// span is the position of one field's text in an event.
type span struct{ start, end int }

// splitFields appends the fields of msg to dst. Fields are separated by
// runs of spaces or tabs; "the characters between a pair of square
// brackets [] or two double quotes ("") are treated as a single field"
// (UG23), without the brackets or quotes, as UG23's extracted values show.
// An opening bracket or quote without its closing one is an ordinary
// character. Whether runs of blanks count as one separator and whether a
// tab separates are unverified. Splitting stops after limit fields.
func splitFields(msg string, dst []span, limit int) []span {
	i := 0
	for len(dst) < limit {
		f, next, ok := nextField(msg, i)
		if !ok {
			return dst
		}
		dst = append(dst, f)
		i = next
	}
	return dst
}

// nextField finds the field of msg that starts at or after i (see
// splitFields) and where the search for the one after it starts; ok is
// false when no field is left.
func nextField(msg string, i int) (f span, next int, ok bool) {
	for i < len(msg) && (msg[i] == ' ' || msg[i] == '\t') {
		i++
	}
	if i >= len(msg) {
		return span{}, i, false
	}
	if c := msg[i]; c == '"' || c == '[' {
		closer := byte('"')
		if c == '[' {
			closer = ']'
		}
		if j := strings.IndexByte(msg[i+1:], closer); j >= 0 {
			return span{i + 1, i + 1 + j}, i + j + 2, true
		}
	}
	j := i
	for j < len(msg) && msg[j] != ' ' && msg[j] != '\t' {
		j++
	}
	return span{i, j}, j, true
}

// match applies the pattern to one event. Without "..." the event must
// have exactly as many fields as the pattern has elements: UG23's [w1=ERROR,
// w2] matches "ERROR message" but not "ERROR WARN message".
func (m *delimMatcher) match(msg string) bool {
	for _, lit := range m.starts {
		if !mayStart(msg, lit) {
			return false
		}
	}
	if !m.ellipsis {
		// Each field is tested as soon as it is split: most events fail
		// an early element and need not be split any further (metric
		// filters run this on every event ingested).
		i := 0
		for e := range m.elems {
			f, next, ok := nextField(msg, i)
			if !ok || !m.elems[e].test(msg[f.start:f.end]) {
				return false
			}
			i = next
		}
		_, _, more := nextField(msg, i)
		return !more
	}
	var buf [32]span
	return m.matchFields(msg, splitFields(msg, buf[:0], len(msg)))
}

// matchFields is wildcard matching with "..." as the star: on a mismatch
// the most recent "..." takes one more field and matching resumes after
// it, which finds a match whenever one exists in O(elements × fields).
func (m *delimMatcher) matchFields(msg string, fields []span) bool {
	if !m.ellipsis && len(fields) != len(m.elems) {
		return false
	}
	i, j := 0, 0
	star, mark := -1, 0
	for j < len(fields) {
		switch {
		case i < len(m.elems) && m.elems[i].ellipsis:
			star, mark = i, j
			i++
		case i < len(m.elems) && m.elems[i].test(msg[fields[j].start:fields[j].end]):
			i++
			j++
		case star >= 0:
			mark++
			i, j = star+1, mark
		default:
			return false
		}
	}
	for i < len(m.elems) && m.elems[i].ellipsis {
		i++
	}
	return i == len(m.elems)
}

// bind matches msg and returns its fields with, for each, the index of the
// element it is bound to. When "..." appears more than once, earlier ones
// take as few fields as they can.
func (m *delimMatcher) bind(msg string) ([]span, []int, bool) {
	fields := splitFields(msg, nil, len(msg))
	if !m.matchFields(msg, fields) {
		return nil, nil, false
	}
	ne, nf := len(m.elems), len(fields)
	owner := make([]int, nf)
	star := -1
	for i, e := range m.elems {
		if e.ellipsis {
			if star >= 0 {
				star = -2
				break
			}
			star = i
		}
	}
	switch {
	case star == -1: // one field per element
		for j := range owner {
			owner[j] = j
		}
		return fields, owner, true
	case star >= 0: // elements before "..." take the first fields, those after it the last
		after := ne - star - 1
		for j := range owner {
			switch {
			case j < star:
				owner[j] = j
			case j >= nf-after:
				owner[j] = ne - (nf - j)
			default:
				owner[j] = star
			}
		}
		return fields, owner, true
	}
	// memo[i*(nf+1)+j] is 0 unknown, 1 elements i.. match fields j.., 2 not.
	memo := make([]byte, (ne+1)*(nf+1))
	var can func(i, j int) bool
	can = func(i, j int) bool {
		if i == ne {
			return j == nf
		}
		k := i*(nf+1) + j
		if memo[k] == 0 {
			ok := false
			if m.elems[i].ellipsis {
				ok = can(i+1, j) || j < nf && can(i, j+1)
			} else {
				ok = j < nf && m.elems[i].test(msg[fields[j].start:fields[j].end]) && can(i+1, j+1)
			}
			memo[k] = 2
			if ok {
				memo[k] = 1
			}
		}
		return memo[k] == 1
	}
	for i, j := 0, 0; j < nf; {
		if m.elems[i].ellipsis {
			if can(i+1, j) {
				i++
				continue
			}
			owner[j] = i
			j++
			continue
		}
		owner[j] = i
		i++
		j++
	}
	return fields, owner, true
}

// extract returns the values a matching event binds, keyed as
// TestMetricFilter's extractedValues are: "$name" for a named field and
// "$N", N counted from 1 over the event's fields, for a field bound to a
// blank element or to "..." (UG23's example: "$status_code": "404",
// "$request": "GET /index.html HTTP/1.0", "$7": "1534", "$1": "127.0.0.1").
func (m *delimMatcher) extract(msg string) (map[string]string, bool) {
	fields, owner, ok := m.bind(msg)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(fields))
	for j, f := range fields {
		out[fieldKey(m.elems[owner[j]].name, j)] = msg[f.start:f.end]
	}
	return out, true
}

func fieldKey(name string, j int) string {
	if name != "" {
		return "$" + name
	}
	return "$" + strconv.Itoa(j+1)
}

// required lists substrings every match contains: the literal text of =
// conditions on fields whose conditions are all joined by &&. A field is
// a verbatim part of the event, so its text is too. Numbers contribute
// nothing, since 404 also equals a field written 404.0.
func (m *delimMatcher) required() []string {
	var out []string
	for _, e := range m.elems {
		if len(e.conds) != 1 {
			continue
		}
		for _, v := range e.conds[0] {
			if v.op != opEq {
				continue
			}
			switch v.kind {
			case vString:
				if v.text != "" {
					out = appendUnique(out, v.text)
				}
			case vRegex:
				for _, l := range v.re.lits {
					out = appendUnique(out, l)
				}
			}
		}
	}
	return out
}
