package filterpattern

import (
	"strconv"
	"strings"
)

// Ref is a compiled reference to a value a match binds, as a metric
// filter's metricValue and dimension values write them (§6): $.path for
// JSON patterns, $name or $N for space-delimited ones.
type Ref struct {
	src string
	// root holds the one selector of a $.path reference; nil otherwise.
	root *trieNode
	// field is the name after '$' of a field reference.
	field string
}

// ParseRef compiles a reference. It returns a *SyntaxError for anything
// but $.path (a JSON selector, as in patterns) or $name / $N (a word).
func ParseRef(s string) (Ref, error) {
	if strings.HasPrefix(s, "$.") {
		l := lexer{src: s}
		steps, _, err := l.selector()
		if err != nil || !l.eof() {
			return Ref{}, syntaxErrorf("invalid reference %s", s)
		}
		root := newTrieNode()
		root.add(steps, 0)
		return Ref{src: s, root: root}, nil
	}
	if len(s) > 1 && s[0] == '$' {
		l := lexer{src: s, pos: 1}
		if name := l.word(isWordByte); l.eof() {
			return Ref{src: s, field: name}, nil
		}
	}
	return Ref{}, syntaxErrorf("invalid reference %s", s)
}

// String returns the reference as written.
func (r Ref) String() string { return r.src }

// Binds reports whether matches of p can bind r: a $.path for a JSON
// pattern, a $name naming one of a space-delimited pattern's fields, or a
// $N for any space-delimited pattern. Metric filters with other
// references are unverified against AWS and should be refused.
func (p *Pattern) Binds(r Ref) bool {
	switch {
	case r.root != nil:
		return p.kind == KindJSON
	case p.kind != KindDelimited:
		return false
	case isPosition(r.field):
		return true
	}
	for _, e := range p.delim.elems {
		if e.name == r.field {
			return true
		}
	}
	return false
}

// isPosition reports whether a field reference is a positional $N.
func isPosition(name string) bool {
	n, err := strconv.Atoi(name)
	return err == nil && n >= 1 && name[0] != '0'
}

// Lookup returns the value r names in message, for metric values and
// dimensions. A $.path resolves in any JSON event, matching or not, to a
// string (unescaped), a number (as written) or a boolean (true or false);
// null, objects, arrays and absent members have no value. A $name or $N
// resolves only in an event p matches, to the text Extract would report
// under that key. ok is false when r has no value.
func (p *Pattern) Lookup(message string, r Ref) (value string, ok bool) {
	if !p.Binds(r) {
		return "", false
	}
	if r.root != nil {
		var vals [1]jvalue
		if !scanJSON(message, r.root, vals[:]) {
			return "", false
		}
		return vals[0].text(message)
	}
	fields, owner, ok := p.delim.bind(message)
	if !ok {
		return "", false
	}
	for j, f := range fields {
		if fieldKey(p.delim.elems[owner[j]].name, j) == "$"+r.field {
			return message[f.start:f.end], true
		}
	}
	return "", false
}
