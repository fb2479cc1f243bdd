package chunk_test

import (
	"bytes"
	"index/suffixarray"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// TestMayContainNeverFalseNegative draws many terms from the messages of
// a chunk, whole runes or raw byte ranges, mixed case included, and checks
// that the chunk's filter admits every one, alone and in sets drawn from
// one message.
func TestMayContainNeverFalseNegative(t *testing.T) {
	evs := corpusEvents(11, 10000, baseTime)
	// Words that stress the folding: mixed case, multi-byte UTF-8, bytes
	// that are not UTF-8, and a message too short to have a trigram.
	for i, m := range []string{"ÉCHARPE Größe ПРИВЕТ мир", "MiXeD CaSe KeY=VaLuE", "\xff\xfe\x00binary\x80", "ab", "ΑΒΓ αβγ Straße STRASSE"} {
		evs = append(evs, chunk.Event{Timestamp: baseTime + int64(i), Seq: int64(1e9 + i), Message: []byte(m)})
	}
	_, filter, _ := MustEncode(t, evs)
	r := logcorpus.NewRNG(12)
	checked := 0
	for i := 0; i < 50000; i++ {
		msg := evs[r.IntN(len(evs))].Message
		var terms []string
		for k := 1 + r.IntN(3); k > 0; k-- {
			terms = append(terms, randomSubstring(r, msg))
		}
		if !chunk.MayContain(filter, terms) {
			t.Fatalf("MayContain(%q) = false for terms taken from message %q", terms, msg)
		}
		checked++
	}
	t.Logf("%d term sets from the chunk all admitted; filter %d bytes for %d events", checked, len(filter), len(evs))
}

// randomSubstring returns a piece of msg: rune-aligned half of the time,
// otherwise any byte range, possibly splitting a multi-byte rune.
func randomSubstring(r *logcorpus.RNG, msg []byte) string {
	if len(msg) == 0 {
		return ""
	}
	start := r.IntN(len(msg))
	end := min(len(msg), start+1+r.LongTail(40))
	if r.IntN(2) == 0 {
		for start > 0 && !utf8.RuneStart(msg[start]) {
			start--
		}
		for end < len(msg) && !utf8.RuneStart(msg[end]) {
			end++
		}
	}
	return string(msg[start:end])
}

func TestMayContainEdgeCases(t *testing.T) {
	_, filter, _ := MustEncode(t, []chunk.Event{{Timestamp: 1, Seq: 1, Message: []byte("connection refused by upstream")}})
	_, tiny, _ := MustEncode(t, []chunk.Event{{Timestamp: 1, Seq: 1, Message: []byte("ok")}, {Timestamp: 2, Seq: 2}})
	tests := []struct {
		name   string
		filter []byte
		terms  []string
		want   bool
	}{
		{"no terms", filter, nil, true},
		{"present", filter, []string{"refused"}, true},
		{"present, other case", filter, []string{"REFUSED"}, true},
		{"all present", filter, []string{"connection", "upstream"}, true},
		{"absent", filter, []string{"timeout"}, false},
		{"one of two absent", filter, []string{"connection", "timeout"}, false},
		{"short terms say nothing", filter, []string{"zz", "q", ""}, true},
		{"short and absent", filter, []string{"zz", "timeout"}, false},
		{"whole message", filter, []string{"connection refused by upstream"}, true},
		{"tiny chunk, short term", tiny, []string{"ok"}, true},
		{"tiny chunk, long term", tiny, []string{"okay"}, false},
		{"nil filter", nil, []string{"timeout"}, true},
		{"unknown version", append([]byte{99}, filter[1:]...), []string{"timeout"}, true},
		{"bad length", filter[:len(filter)-1], []string{"timeout"}, true},
	}
	for _, tt := range tests {
		if got := chunk.MayContain(tt.filter, tt.terms); got != tt.want {
			t.Errorf("%s: MayContain(%q) = %v, want %v", tt.name, tt.terms, got, tt.want)
		}
	}
}

// TestFalsePositiveRate measures how often the filter admits a chunk that
// holds no message with the term, for three kinds of absent term, and
// holds each under a bound with room to spare over the measured rate:
//
//   - a lone trigram not in the chunk: the Bloom filter's own rate;
//   - a random 6 to 12 character lower-case alphanumeric word;
//   - a corpus word with one letter changed (a typo, or a word from a
//     related vocabulary): the hard case, as most of its trigrams are
//     present.
func TestFalsePositiveRate(t *testing.T) {
	// Under a megabyte: one block, so one Bloom filter. A chunk of k
	// blocks admits a term when any of its blocks does, up to k times
	// this rate.
	evs := corpusEvents(21, 5000, baseTime)
	_, filter, _ := MustEncode(t, evs)
	var all []byte
	for _, e := range evs {
		all = append(all, e.Message...)
		all = append(all, '\n')
	}
	// A suffix array answers "is it anywhere?" in microseconds where
	// bytes.Contains over the megabytes would take a millisecond.
	lower := suffixarray.New(bytes.ToLower(all))
	r := logcorpus.NewRNG(22)
	rate := func(name string, bound float64, term func() string) {
		t.Helper()
		var tried, admitted int
		for tried < 20000 {
			w := term()
			// Absent even case-insensitively: the filter folds case, so
			// a case variant is a true trigram hit, not a false positive.
			if len(lower.Lookup([]byte(strings.ToLower(w)), 1)) > 0 {
				continue
			}
			tried++
			if chunk.MayContain(filter, []string{w}) {
				admitted++
			}
		}
		got := float64(admitted) / float64(tried)
		t.Logf("%s: %d of %d absent terms admitted (%.2f%%), filter %d bytes", name, admitted, tried, 100*got, len(filter))
		if got > bound {
			t.Errorf("%s: false-positive rate %.2f%%, want at most %.2f%%", name, 100*got, 100*bound)
		}
	}
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	rate("lone trigram", 0.12, func() string {
		return string([]byte{alnum[r.IntN(36)], alnum[r.IntN(36)], alnum[r.IntN(36)]})
	})
	rate("random word", 0.01, func() string {
		w := make([]byte, 6+r.IntN(7))
		for i := range w {
			w[i] = alnum[r.IntN(len(alnum))]
		}
		return string(w)
	})
	words := corpusWords(all)
	rate("corpus word, one letter changed", 0.25, func() string {
		w := []byte(words[r.IntN(len(words))])
		w[r.IntN(len(w))] = "abcdefghijklmnopqrstuvwxyz"[r.IntN(26)]
		return string(w)
	})
}

// corpusWords returns the distinct runs of at least six ASCII letters in
// text.
func corpusWords(text []byte) []string {
	seen := map[string]bool{}
	var words []string
	for _, f := range bytes.FieldsFunc(text, func(c rune) bool { return c > 'z' || c < 'A' || c > 'Z' && c < 'a' }) {
		if len(f) >= 6 && !seen[string(f)] {
			seen[string(f)] = true
			words = append(words, string(f))
		}
	}
	return words
}

// TestRareTermSkipsChunks checks the use the filter exists for: a term
// occurring a few times in a large corpus rules out most of its chunks.
func TestRareTermSkipsChunks(t *testing.T) {
	const chunks, per = 40, 10000
	c := logcorpus.New(31)
	var buf []byte
	holds := map[string]int{}    // chunks that hold each rare word
	admitted := map[string]int{} // chunks the filter admits for it
	for i := 0; i < chunks; i++ {
		evs := make([]chunk.Event, per)
		has := map[string]bool{}
		for j := range evs {
			ts := baseTime + int64(i*per+j)
			buf = c.Next(buf[:0], ts)
			evs[j] = chunk.Event{Timestamp: ts, Seq: int64(i*per + j), Message: bytes.Clone(buf)}
			for _, rare := range logcorpus.Rare {
				if bytes.Contains(buf, []byte(rare.Term)) {
					has[rare.Term] = true
				}
			}
		}
		_, filter, _ := MustEncode(t, evs)
		for _, rare := range logcorpus.Rare {
			if has[rare.Term] {
				holds[rare.Term]++
			}
			if chunk.MayContain(filter, []string{rare.Term}) {
				admitted[rare.Term]++
			} else if has[rare.Term] {
				t.Fatalf("chunk %d holds %q but its filter rules it out", i, rare.Term)
			}
		}
	}
	for _, rare := range logcorpus.Rare {
		w := rare.Term
		fp := admitted[w] - holds[w]
		t.Logf("%q: in %d of %d chunks, filter admits %d", w, holds[w], chunks, admitted[w])
		if fp > chunks/20 {
			t.Errorf("%q: filter admits %d chunks without it, want at most %d", w, fp, chunks/20)
		}
	}
}
