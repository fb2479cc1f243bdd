package filterpattern

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"unicode"
	"unicode/utf8"
)

// nfa is a %...% expression compiled to a position (Glushkov) automaton of
// at most 64 positions, simulated with one machine word per character.
// RE2 spends over 100 ns setting up each search and microseconds on an
// unanchored search without a literal prefix; the restricted dialect AWS
// accepts (no groups, §5.4) nearly always fits here instead, at a few
// nanoseconds per byte. compileNFA declines what it cannot represent and
// the caller keeps RE2 for it.
type nfa struct {
	// classes holds each position's character class as rune ranges.
	classes [][]rune
	// ascii[c] has the bit of every position whose class holds c.
	ascii [utf8.RuneSelf]uint64
	// follow[p] has the positions that may come after position p.
	follow []uint64
	// firstAny may begin a match anywhere; firstStart only at the start
	// of the text (branches opening with ^).
	firstAny, firstStart uint64
	// lastAny ends a match anywhere; lastEnd only at the end of the text
	// (branches closing with $).
	lastAny, lastEnd uint64
	// always: a branch matches the empty string wherever it is tried;
	// onlyEmpty: a ^...$ branch matches the empty text.
	always, onlyEmpty bool
}

const maxPositions = 64

// compileNFA builds the automaton for a simplified expression, or returns
// nil when it holds something the automaton does not model: an assertion
// other than ^ opening or $ closing a top-level branch, or more than 64
// positions.
func compileNFA(re *syntax.Regexp) *nfa {
	branches := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		branches = re.Sub
	}
	m := &nfa{}
	for _, br := range branches {
		subs := []*syntax.Regexp{br}
		if br.Op == syntax.OpConcat {
			subs = br.Sub
		}
		start := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
		if start {
			subs = subs[1:]
		}
		end := len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText
		if end {
			subs = subs[:len(subs)-1]
		}
		first, last, nullable, ok := m.build(&syntax.Regexp{Op: syntax.OpConcat, Sub: subs})
		if !ok {
			return nil
		}
		if start {
			m.firstStart |= first
		} else {
			m.firstAny |= first
		}
		if end {
			m.lastEnd |= last
		} else {
			m.lastAny |= last
		}
		if nullable {
			if start && end {
				m.onlyEmpty = true
			} else {
				m.always = true
			}
		}
	}
	for p, class := range m.classes {
		for i := 0; i+1 < len(class); i += 2 {
			for c := class[i]; c <= class[i+1] && c < utf8.RuneSelf; c++ {
				m.ascii[c] |= 1 << p
			}
		}
	}
	return m
}

// build adds re's positions and returns the positions that can begin and
// end its matches and whether it matches the empty string.
func (m *nfa) build(re *syntax.Regexp) (first, last uint64, nullable, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return 0, 0, true, true
	case syntax.OpLiteral:
		// The parser writes [Ee] as a case-folded literal E.
		fold := re.Flags&syntax.FoldCase != 0
		sub := make([]*syntax.Regexp, len(re.Rune))
		for i, r := range re.Rune {
			class := []rune{r, r}
			if fold {
				class = foldClass(r)
			}
			sub[i] = &syntax.Regexp{Op: syntax.OpCharClass, Rune: class}
		}
		return m.build(&syntax.Regexp{Op: syntax.OpConcat, Sub: sub})
	case syntax.OpCharClass:
		return m.position(re.Rune)
	case syntax.OpAnyCharNotNL:
		return m.position([]rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune})
	case syntax.OpAnyChar:
		return m.position([]rune{0, unicode.MaxRune})
	case syntax.OpCapture:
		return m.build(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		first, last, nullable, ok = m.build(re.Sub[0])
		if re.Op != syntax.OpQuest {
			for t := last; t != 0; t &= t - 1 {
				m.follow[bits.TrailingZeros64(t)] |= first
			}
		}
		return first, last, nullable || re.Op != syntax.OpPlus, ok
	case syntax.OpConcat:
		nullable = true
		for _, sub := range re.Sub {
			f, l, n, ok := m.build(sub)
			if !ok {
				return 0, 0, false, false
			}
			for t := last; t != 0; t &= t - 1 {
				m.follow[bits.TrailingZeros64(t)] |= f
			}
			if nullable {
				first |= f
			}
			if n {
				last |= l
			} else {
				last = l
			}
			nullable = nullable && n
		}
		return first, last, nullable, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			f, l, n, ok := m.build(sub)
			if !ok {
				return 0, 0, false, false
			}
			first, last, nullable = first|f, last|l, nullable || n
		}
		return first, last, nullable, true
	}
	// Assertions inside a branch, OpNoMatch, repeats Simplify left.
	return 0, 0, false, false
}

// position adds one position matching class.
func (m *nfa) position(class []rune) (first, last uint64, nullable, ok bool) {
	p := len(m.classes)
	if p == maxPositions {
		return 0, 0, false, false
	}
	m.classes = append(m.classes, class)
	m.follow = append(m.follow, 0)
	return 1 << p, 1 << p, false, true
}

// match reports whether the expression matches anywhere in s. It reads s
// a character at a time, as RE2 does: invalid UTF-8 bytes read as U+FFFD.
func (m *nfa) match(s string) bool {
	if m.always || m.onlyEmpty && s == "" {
		return true
	}
	var d uint64 // positions just matched
	for i := 0; i < len(s); {
		if d == 0 && i > 0 {
			// Nothing under way: skip characters no match can begin with.
			for i < len(s) && s[i] < utf8.RuneSelf && m.ascii[s[i]]&m.firstAny == 0 {
				i++
			}
			if i == len(s) {
				break
			}
		}
		var chars uint64
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			chars = m.ascii[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			chars = m.runeMask(r)
		}
		reach := m.firstAny
		if i == 0 {
			reach |= m.firstStart
		}
		for t := d; t != 0; t &= t - 1 {
			reach |= m.follow[bits.TrailingZeros64(t)]
		}
		d = reach & chars
		i += size
		if d&m.lastAny != 0 || i == len(s) && d&m.lastEnd != 0 {
			return true
		}
	}
	return false
}

// runeMask returns the positions whose class holds r, for r beyond ASCII.
func (m *nfa) runeMask(r rune) uint64 {
	var mask uint64
	for p, class := range m.classes {
		for i := 0; i+1 < len(class); i += 2 {
			if class[i] <= r && r <= class[i+1] {
				mask |= 1 << p
				break
			}
		}
	}
	return mask
}

// foldClass returns the runes equal to r under simple case folding, as
// single-rune ranges.
func foldClass(r rune) []rune {
	runes := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		runes = append(runes, f)
	}
	slices.Sort(runes)
	class := make([]rune, 0, 2*len(runes))
	for _, f := range runes {
		class = append(class, f, f)
	}
	return class
}
