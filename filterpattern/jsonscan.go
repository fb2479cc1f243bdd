package filterpattern

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

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
	for sc.i < len(sc.s) {
		// Most events are compact JSON: one comparison settles it.
		if c := sc.s[sc.i]; c > ' ' || !isSpace(c) {
			return
		}
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
	if n == nil {
		return sc.skip()
	}
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
		start := sc.i + 1
		_, esc, ok := sc.str()
		if !ok {
			return false
		}
		sc.set(n, jvalue{kind: kString, start: start, end: sc.i - 1, esc: esc})
	case c == '-' || isDigit(c):
		start := sc.i
		if !sc.number() {
			return false
		}
		sc.set(n, jvalue{kind: kNumber, start: start, end: sc.i})
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

// skip validates one value no selector goes through, in one loop rather
// than a call per token: most of an event is skipped, so this is where a
// JSON pattern spends most of its time. arrays records, one bit per level
// below the value, whether each open container is an array; deep records
// the levels past 64, which real events rarely reach.
func (sc *jscan) skip() bool {
	var arrays uint64
	var deep []bool
	level := 0 // open containers within this value
	s := sc.s
	for {
		// A value.
		sc.ws()
		if sc.i >= len(s) {
			return false
		}
		switch c := s[sc.i]; {
		case c == '"':
			if _, _, ok := sc.str(); !ok {
				return false
			}
		case c == '-' || isDigit(c):
			if !sc.number() {
				return false
			}
		case c == 't':
			if !strings.HasPrefix(s[sc.i:], "true") {
				return false
			}
			sc.i += 4
		case c == 'f':
			if !strings.HasPrefix(s[sc.i:], "false") {
				return false
			}
			sc.i += 5
		case c == 'n':
			if !strings.HasPrefix(s[sc.i:], "null") {
				return false
			}
			sc.i += 4
		case c == '{' || c == '[':
			if sc.depth+level+1 > maxJSONDepth {
				return false
			}
			if level < 64 {
				arrays = arrays&^(1<<level) | b2u(c == '[')<<level
			} else {
				deep = append(deep[:level-64], c == '[')
			}
			level++
			sc.i++
			sc.ws()
			if sc.i < len(s) && (s[sc.i] == '}' && c == '{' || s[sc.i] == ']' && c == '[') {
				sc.i++
				level--
				break
			}
			if c == '{' {
				if !sc.memberName() {
					return false
				}
			}
			continue
		default:
			return false
		}
		// After a value: close containers, or go on to the next element.
		for {
			if level == 0 {
				return true
			}
			sc.ws()
			if sc.i >= len(s) {
				return false
			}
			array := level <= 64 && arrays&(1<<(level-1)) != 0 || level > 64 && deep[level-65]
			c := s[sc.i]
			sc.i++
			if c == ',' {
				if !array && !sc.memberName() {
					return false
				}
				break
			}
			if array && c == ']' || !array && c == '}' {
				level--
				continue
			}
			return false
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// memberName reads `"name" :` inside an object being skipped.
func (sc *jscan) memberName() bool {
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		return false
	}
	if _, _, ok := sc.str(); !ok {
		return false
	}
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
		return false
	}
	sc.i++
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
		// Find the next special byte eight bytes at a time; the lowest
		// flag of a word is exact, so it gives the byte's position.
		for i+8 <= len(s) {
			if m := specialInString(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto special
			}
			i += 8
		}
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' {
			i++
		}
	special:
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

// load8 reads s[i:i+8] as a little-endian word; the compiler turns it into
// one load.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialInString flags, in the high bit of each byte, the bytes of w that
// end or interrupt a JSON string's plain text: a quote, a backslash or a
// control character. These are the classic "has zero byte" and "has byte
// less than n" bit tricks; a borrow may flag bytes above a flagged one,
// never below, so the lowest flag is always right.
func specialInString(w uint64) uint64 {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((w-ones*0x20)&^w | (quote-ones)&^quote | (backslash-ones)&^backslash) & highs
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
