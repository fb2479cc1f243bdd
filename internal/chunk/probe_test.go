package chunk_test

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// pick does what a storage does with Picks: it takes each key's 32 bytes
// out of one block's Bloom filter.
func pick(p *chunk.Probe, bloom []byte) []byte {
	n := uint64(len(bloom) / 32)
	var out []byte
	if n == 0 {
		return out
	}
	for _, h := range p.Picks() {
		off := (uint64(h) * n >> 32) * 32
		out = append(out, bloom[off:off+32]...)
	}
	return out
}

// TestProbeAgreesWithMayContain checks, on chunks of many blocks and terms
// that are in them, in other chunks or nowhere, that a probe's Mask, and
// its Admits on the bytes a storage picks from each block's Bloom filter,
// say what MayContain says of each block, and that SearchBlocks with that
// mask gives what Search gives.
func TestProbeAgreesWithMayContain(t *testing.T) {
	chunk.SetBlockTarget(t, 4000)
	evs := corpusEvents(21, 3000, baseTime)
	data, filter, _ := MustEncode(t, evs)
	blooms, ok := chunk.BlockBlooms(filter)
	if !ok || len(blooms) < 10 {
		t.Fatalf("BlockBlooms: %d blooms, ok %v; want many blocks", len(blooms), ok)
	}
	other := corpusEvents(22, 200, baseTime)
	r := logcorpus.NewRNG(23)
	admitted, refused := 0, 0
	for i := range 3000 {
		var terms []string
		for k := 1 + r.IntN(3); k > 0; k-- {
			src := evs
			if i%3 == 0 {
				src = other
			}
			term := randomSubstring(r, src[r.IntN(len(src))].Message)
			if i%5 == 0 {
				term += "zq#"
			}
			terms = append(terms, term)
		}
		p := chunk.NewProbe(terms)
		if p == nil {
			if slices.ContainsFunc(terms, func(s string) bool { return len(s) >= 3 }) {
				t.Fatalf("NewProbe(%q) = nil", terms)
			}
			continue
		}
		if short := p.Prefix(2); len(short.Picks()) > 2 || !slices.Equal(short.Picks(), p.Picks()[:len(short.Picks())]) {
			t.Fatalf("Prefix(2) of %d keys has picks %v of %v", len(p.Picks()), short.Picks(), p.Picks())
		} else {
			for _, bloom := range blooms {
				if p.Admits(pick(p, bloom)) && !short.Admits(pick(short, bloom)) {
					t.Fatalf("%q: a block admitted by all keys is refused by the first two", terms)
				}
			}
		}
		mask := p.Mask(nil, filter)
		if len(mask) != len(blooms) {
			t.Fatalf("Mask(%q) has %d entries for %d blocks", terms, len(mask), len(blooms))
		}
		for b, bloom := range blooms {
			// A filter of one block is its bloom behind a version 1 byte.
			want := chunk.MayContain(append([]byte{1}, bloom...), terms)
			if mask[b] != want {
				t.Fatalf("Mask(%q)[%d] = %v, MayContain of the block %v", terms, b, mask[b], want)
			}
			if got := p.Admits(pick(p, bloom)); got != want {
				t.Fatalf("Admits(%q) on block %d = %v, MayContain of the block %v", terms, b, got, want)
			}
			if want {
				admitted++
			} else {
				refused++
			}
		}
		if slices.Contains(mask, true) != chunk.MayContain(filter, terms) {
			t.Fatalf("Mask(%q) = %v, MayContain of the chunk %v", terms, mask, !slices.Contains(mask, true))
		}
		if i%50 == 0 {
			var viaFilter, viaMask [][]byte
			collect := func(dst *[][]byte) func(e *chunk.Event) bool {
				return func(e *chunk.Event) bool { *dst = append(*dst, bytes.Clone(e.Message)); return true }
			}
			s1, err1 := chunk.Search(data, filter, terms, math.MinInt64, math.MaxInt64, collect(&viaFilter))
			s2, err2 := chunk.SearchBlocks(data, mask, terms, math.MinInt64, math.MaxInt64, collect(&viaMask))
			if err1 != nil || err2 != nil || s1 != s2 || len(viaFilter) != len(viaMask) {
				t.Fatalf("%q: Search gave %d events, %d bytes scanned, %v; SearchBlocks %d, %d, %v",
					terms, len(viaFilter), s1, err1, len(viaMask), s2, err2)
			}
		}
	}
	if admitted == 0 || refused == 0 {
		t.Fatalf("%d blocks admitted, %d refused: the terms test nothing", admitted, refused)
	}
}

func TestProbeEdgeCases(t *testing.T) {
	for _, terms := range [][]string{nil, {}, {"ab"}, {"", "x", "yz"}} {
		if p := chunk.NewProbe(terms); p != nil {
			t.Errorf("NewProbe(%q) = %v, want nil", terms, p)
		}
	}
	p := chunk.NewProbe([]string{"abcd", "BCD"})
	if got := len(p.Picks()); got != 2 {
		t.Errorf("%d keys for abcd and BCD, want 2 (abc, bcd; folded, distinct)", got)
	}
	if p.Admits(nil) {
		t.Error("an empty pick (a block without trigrams) admits")
	}
	if !p.Admits(make([]byte, 33)) {
		t.Error("a pick of the wrong length refuses: it must say nothing")
	}
	if p.Mask(nil, nil) != nil || p.Mask(nil, []byte{9, 1}) != nil {
		t.Error("Mask of a missing or unknown filter is not nil")
	}
	// Messages too short for a trigram: a block with an empty Bloom
	// filter, which admits nothing.
	_, filter, _ := MustEncode(t, []chunk.Event{{Timestamp: 1, Seq: 1, Message: []byte("ab")}})
	blooms, ok := chunk.BlockBlooms(filter)
	if !ok || len(blooms) != 1 || len(blooms[0]) != 0 {
		t.Fatalf("BlockBlooms of a chunk of short messages = %d, %v", len(blooms), ok)
	}
	if m := p.Mask(nil, filter); len(m) != 1 || m[0] || p.Admits(pick(p, blooms[0])) {
		t.Errorf("a block without trigrams admits: mask %v", m)
	}
	if _, ok := chunk.BlockBlooms(nil); ok {
		t.Error("BlockBlooms of no filter is ok")
	}
}

// FuzzFilterReaders gives arbitrary filters to the readers a storage
// calls on filters it stored: none may panic, and what BlockBlooms finds
// must be what Mask tests.
func FuzzFilterReaders(f *testing.F) {
	_, filter, _ := MustEncode(f, corpusEvents(3, 50, baseTime))
	f.Add(filter, "Quarantined")
	f.Add([]byte{1}, "abc")
	f.Add([]byte{2, 1, 0}, "abc")
	f.Add([]byte{2, 2, 1, 0}, "abcd")
	f.Fuzz(func(t *testing.T, filter []byte, term string) {
		p := chunk.NewProbe([]string{term})
		blooms, ok := chunk.BlockBlooms(filter)
		if p == nil {
			return
		}
		mask := p.Mask(nil, filter)
		if !ok {
			if mask != nil {
				t.Fatalf("Mask of a filter BlockBlooms refuses = %v", mask)
			}
			return
		}
		if len(mask) != len(blooms) {
			t.Fatalf("Mask has %d entries, BlockBlooms %d blooms", len(mask), len(blooms))
		}
		for i, b := range blooms {
			if len(b)%32 != 0 {
				t.Fatalf("bloom %d is %d bytes", i, len(b))
			}
			if got := p.Admits(pick(p, b)); got != mask[i] {
				t.Fatalf("bloom %d: Admits %v, Mask %v", i, got, mask[i])
			}
		}
	})
}
