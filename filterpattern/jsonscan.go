package filterpattern

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jkind is the kind of JSON value a slot holds.
type jkind uint8

const (
	kMissing jkind = iota // the selector names nothing in this event
	kString
	kNumber
	kTrue
	kFalse
	kNull
	kObject
	kArray
)

// jvalue is what one event holds at one selector. raw points into the
// event: a string's text between its quotes, still escaped when esc is
// set, or a number as written.
type jvalue struct {
	raw  string
	kind jkind
	esc  bool
}

// text returns the value as comparisons see it: a string unescaped, a
// number as written, a boolean as true or false. ok is false for
// anything else.
func (v *jvalue) text() (string, bool) {
	switch v.kind {
	case kString:
		if v.esc {
			return unescapeJSON(v.raw), true
		}
		return v.raw, true
	case kNumber:
		return v.raw, true
	case kTrue:
		return "true", true
	case kFalse:
		return "false", true
	}
	return "", false
}

// trieNode is one step of the selectors of a pattern: the members and
// elements below it that some selector goes through, and the slot of the
// selector that ends here, if any.
type trieNode struct {
	keys  []keyChild
	elems []elemChild
	slot  int   // -1 when no selector ends here
	slots []int // every slot at or below this node
}

type keyChild struct {
	name string
	node *trieNode
}

type elemChild struct {
	index int
	node  *trieNode
}

func newTrieNode() *trieNode { return &trieNode{slot: -1} }

// add records the selector steps, ending in slot.
func (n *trieNode) add(steps []step, slot int) {
	n.slots = append(n.slots, slot)
	if len(steps) == 0 {
		n.slot = slot
		return
	}
	s := steps[0]
	var next *trieNode
	if s.index < 0 {
		for _, c := range n.keys {
			if c.name == s.key {
				next = c.node
			}
		}
		if next == nil {
			next = newTrieNode()
			n.keys = append(n.keys, keyChild{s.key, next})
		}
	} else {
		for _, c := range n.elems {
			if c.index == s.index {
				next = c.node
			}
		}
		if next == nil {
			next = newTrieNode()
			n.elems = append(n.elems, elemChild{s.index, next})
		}
	}
	next.add(steps[1:], slot)
}

// key returns the child for a member name as the event spells it.
func (n *trieNode) key(raw string, esc bool) *trieNode {
	if len(n.keys) == 0 {
		return nil
	}
	name := raw
	if esc {
		name = unescapeJSON(raw)
	}
	for _, c := range n.keys {
		if c.name == name {
			return c.node
		}
	}
	return nil
}

func (n *trieNode) elem(i int) *trieNode {
	for _, c := range n.elems {
		if c.index == i {
			return c.node
		}
	}
	return nil
}

// maxJSONDepth is the deepest nesting of objects and arrays an event may
// have and still count as JSON; Jackson, which AWS's Java services commonly
// parse with, refuses documents nested deeper than 1000 (unverified for
// CloudWatch Logs).
const maxJSONDepth = 1000

// scanJSON validates msg as one JSON object, optionally surrounded by
// blanks, and records in vals the value found at each selector of root.
// Anything else — another JSON value, text around the object, invalid
// JSON — is not JSON to a filter pattern and scanJSON returns false
// (unverified: the documentation only shows whole-object events). When a
// member appears twice the last one counts, as in a parsed tree.
func scanJSON(msg string, root *trieNode, vals []jvalue) bool {
	sc := jscan{s: msg, vals: vals}
	sc.ws()
	if sc.i >= len(msg) || msg[sc.i] != '{' {
		return false
	}
	if !sc.value(root) {
		return false
	}
	sc.ws()
	return sc.i == len(msg)
}

// jscan is the state of one scanJSON call.
type jscan struct {
	s     string
	i     int
	depth int
	vals  []jvalue
}

func (sc *jscan) ws() {
	for sc.i < len(sc.s) && isSpace(sc.s[sc.i]) {
		sc.i++
	}
}

func (sc *jscan) set(n *trieNode, v jvalue) {
	if n != nil && n.slot >= 0 {
		sc.vals[n.slot] = v
	}
}

// value reads one value; n is the trie node for its position, nil when no
// selector goes through it.
func (sc *jscan) value(n *trieNode) bool {
	sc.ws()
	if sc.i >= len(sc.s) {
		return false
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		return sc.object(n)
	case c == '[':
		return sc.array(n)
	case c == '"':
		raw, esc, ok := sc.str()
		if !ok {
			return false
		}
		sc.set(n, jvalue{kind: kString, raw: raw, esc: esc})
	case c == '-' || isDigit(c):
		start := sc.i
		if !sc.number() {
			return false
		}
		sc.set(n, jvalue{kind: kNumber, raw: sc.s[start:sc.i]})
	case c == 't':
		return sc.literal("true", n, kTrue)
	case c == 'f':
		return sc.literal("false", n, kFalse)
	case c == 'n':
		return sc.literal("null", n, kNull)
	default:
		return false
	}
	return true
}

func (sc *jscan) literal(word string, n *trieNode, kind jkind) bool {
	if !strings.HasPrefix(sc.s[sc.i:], word) {
		return false
	}
	sc.i += len(word)
	sc.set(n, jvalue{kind: kind})
	return true
}

func (sc *jscan) object(n *trieNode) bool {
	if sc.depth++; sc.depth > maxJSONDepth {
		return false
	}
	sc.set(n, jvalue{kind: kObject})
	sc.i++ // '{'
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		sc.depth--
		return true
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return false
		}
		raw, esc, ok := sc.str()
		if !ok {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		var child *trieNode
		if n != nil {
			if child = n.key(raw, esc); child != nil {
				// A repeated member replaces what the earlier one
				// recorded, also below it.
				for _, s := range child.slots {
					sc.vals[s] = jvalue{}
				}
			}
		}
		if !sc.value(child) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
			continue
		case '}':
			sc.i++
			sc.depth--
			return true
		}
		return false
	}
}

func (sc *jscan) array(n *trieNode) bool {
	if sc.depth++; sc.depth > maxJSONDepth {
		return false
	}
	sc.set(n, jvalue{kind: kArray})
	sc.i++ // '['
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
		sc.i++
		sc.depth--
		return true
	}
	for k := 0; ; k++ {
		var child *trieNode
		if n != nil && len(n.elems) > 0 {
			child = n.elem(k)
		}
		if !sc.value(child) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
			continue
		case ']':
			sc.i++
			sc.depth--
			return true
		}
		return false
	}
}

// str reads a string at sc.i and returns its raw text between the quotes;
// esc reports whether it holds escapes. Control characters must be
// escaped, as RFC 8259 requires.
func (sc *jscan) str() (raw string, esc bool, ok bool) {
	s := sc.s
	i := sc.i + 1
	start := i
	for i < len(s) {
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' {
			i++
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '"':
			sc.i = i + 1
			return s[start:i], esc, true
		case '\\':
			esc = true
			if i+1 >= len(s) {
				return "", false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex4(s[i+2:i+6]) {
					return "", false, false
				}
				i += 6
			default:
				return "", false, false
			}
		default: // a control character
			return "", false, false
		}
	}
	return "", false, false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *jscan) number() bool {
	s, i := sc.s, sc.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && isDigit(s[i]):
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == d {
			return false
		}
	}
	sc.i = i
	return true
}

// unescapeJSON decodes the escapes of a string str has validated; a lone
// surrogate becomes U+FFFD.
func unescapeJSON(raw string) string {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hexRune(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hexRune(raw[i+2:i+6])); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // " \ /
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return string(b)
}

func hexRune(s string) rune {
	n, _ := strconv.ParseUint(s, 16, 32)
	return rune(n)
}
