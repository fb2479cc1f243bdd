package filterpattern

import (
	"cmp"
	"slices"
	"strings"
)

// literal is a substring a message is searched for, with the position of
// the byte of it least likely to occur in log text. strings.Index looks
// for a substring's first byte and checks each occurrence; when that byte
// is frequent, as the opening quote of a JSON member name is in a JSON
// event, it stops every few bytes and then falls back to a slower
// brute-force search. Looking for the rare byte instead lets IndexByte
// run over most of the message at memchr speed.
type literal struct {
	text string
	rare int // index in text of its rarest byte
}

// newLiteral prepares text, which is not empty, for searching.
func newLiteral(text string) literal {
	l := literal{text: text}
	for i := 1; i < len(text); i++ {
		if byteRank[text[i]] > byteRank[text[l.rare]] {
			l.rare = i
		}
	}
	return l
}

// newLiterals is newLiteral for each of texts.
func newLiterals(texts []string) []literal {
	if len(texts) == 0 {
		return nil
	}
	out := make([]literal, len(texts))
	for i, t := range texts {
		out[i] = newLiteral(t)
	}
	return out
}

// rarestFirst sorts lits, all of which a message must contain, so that
// the one least likely to be found is looked for first and most messages
// are ruled out by one search: by the rank of their rarest byte, then
// longest first.
func rarestFirst(lits []literal) {
	slices.SortStableFunc(lits, func(a, b literal) int {
		if c := cmp.Compare(byteRank[b.text[b.rare]], byteRank[a.text[a.rare]]); c != 0 {
			return c
		}
		return cmp.Compare(len(b.text), len(a.text))
	})
}

// in reports whether msg contains the literal: strings.Contains(msg,
// l.text).
func (l literal) in(msg string) bool { return l.index(msg) >= 0 }

// index returns the first index of the literal in msg, or -1:
// strings.Index(msg, l.text).
func (l literal) index(msg string) int {
	n := len(l.text)
	if n <= 1 || len(msg) <= 64 {
		// One byte is IndexByte already; a short message is searched
		// by brute force faster than by stopping at candidates.
		return strings.Index(msg, l.text)
	}
	c := l.text[l.rare]
	// i is where the rare byte is looked for: a match starting at s has
	// it at s+l.rare, and every s below i-l.rare has been ruled out.
	i, last := l.rare, len(msg)-n+l.rare
	fails := 0
	for i <= last {
		j := strings.IndexByte(msg[i:last+1], c)
		if j < 0 {
			return -1
		}
		i += j
		if s := i - l.rare; msg[s:s+n] == l.text {
			return s
		}
		i++
		// A byte that is not rare in this message after all: leave the
		// rest to strings.Index, as it does itself when its first byte
		// proves frequent.
		if fails++; fails > 4+i>>4 {
			if k := strings.Index(msg[i-l.rare:], l.text); k >= 0 {
				return i - l.rare + k
			}
			return -1
		}
	}
	return -1
}

// byteRank ranks bytes by how rarely they occur in log lines: 0 for the
// most frequent, higher for rarer, and highest for bytes not in
// byteFrequency.
var byteRank = func() [256]uint8 {
	var r [256]uint8
	for i := range r {
		r[i] = uint8(len(byteFrequency))
	}
	for i := range len(byteFrequency) {
		r[byteFrequency[i]] = uint8(i)
	}
	return r
}()

// byteFrequency lists the printable ASCII bytes from the most to the least
// frequent in log lines, as counted over internal/logcorpus's mix of JSON
// application logs, MariaDB and pgaudit audit lines and HTTP access lines.
// A poor guess only slows a search down; it never changes its result.
const byteFrequency = " \"e01,2:siotrad.6cn/5-3lp4uT_E78m9vghSbfRLMOAkICNyUHDPWG()Zw[]{}=K+';xqBzYFVQX><@?jJ*&!#$%^`|~\\\t"
