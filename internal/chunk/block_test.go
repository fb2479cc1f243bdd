package chunk_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// Chunks written before blocks existed (data and filter version 1) must
// read, search and merge as they always did: nothing acknowledged may be
// lost. The files were written by that encoder from corpusEvents(7, 300,
// baseTime).
func TestVersion1ChunksStillRead(t *testing.T) {
	data, err := os.ReadFile("testdata/v1-corpus-300.chunk")
	if err != nil {
		t.Fatal(err)
	}
	filter, err := os.ReadFile("testdata/v1-corpus-300.filter")
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != 1 || filter[0] != 1 {
		t.Fatalf("fixtures are versions %d and %d, want 1 and 1", data[0], filter[0])
	}
	evs := corpusEvents(7, 300, baseTime)
	want := sorted(evs)
	if meta, err := chunk.ReadMeta(data); err != nil || meta != metaOf(evs) {
		t.Errorf("ReadMeta = %+v, %v; want %+v", meta, err, metaOf(evs))
	}
	if diff := diffEvents(want, scanAll(t, data)); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	term := string(want[len(want)/2].Message[10:20])
	if !chunk.MayContain(filter, []string{term}) {
		t.Errorf("MayContain(%q) = false for a term the chunk holds", term)
	}
	var found []chunk.Event
	if _, err := chunk.Search(data, filter, []string{term}, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		if bytes.Contains(e.Message, []byte(term)) {
			found = append(found, *e)
		}
		return true
	}); err != nil || len(found) == 0 {
		t.Errorf("Search(%q) found %d events, error %v", term, len(found), err)
	}
	// Merging an old chunk with a new one gives a new chunk of both.
	more := corpusEvents(8, 200, baseTime+1)
	for i := range more {
		more[i].Seq += 1 << 20
	}
	fresh, _, _ := MustEncode(t, more)
	merged, mfilter, meta, err := chunk.Merge([][]byte{data, fresh})
	if err != nil {
		t.Fatal(err)
	}
	all := sorted(append(slices.Clone(evs), more...))
	if diff := cmp.Diff(metaOf(all), meta); diff != "" {
		t.Errorf("merged Meta (-want +got):\n%s", diff)
	}
	if diff := diffEvents(all, scanAll(t, merged)); diff != "" {
		t.Errorf("Scan of merged (-want +got):\n%s", diff)
	}
	if merged[0] != 2 || mfilter[0] != 2 {
		t.Errorf("merged chunk is version %d with a version %d filter, want 2 and 2", merged[0], mfilter[0])
	}
}

// Version 2 chunks written before a block's payload was split into frames
// (one zstd frame a block) must read, search and merge as before. The
// files were written by that encoder from corpusEvents(7, 300, baseTime)
// with blocks of 20,000 message bytes: three blocks.
func TestOneFrameBlocksStillRead(t *testing.T) {
	data, err := os.ReadFile("testdata/v2-one-frame-corpus-300.chunk")
	if err != nil {
		t.Fatal(err)
	}
	filter, err := os.ReadFile("testdata/v2-one-frame-corpus-300.filter")
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != 2 || filter[0] != 2 {
		t.Fatalf("fixtures are versions %d and %d, want 2 and 2", data[0], filter[0])
	}
	if blooms, ok := chunk.BlockBlooms(filter); !ok || len(blooms) != 3 {
		t.Fatalf("fixture filter has %d blocks (ok %v), want 3", len(blooms), ok)
	}
	evs := corpusEvents(7, 300, baseTime)
	want := sorted(evs)
	if diff := diffEvents(want, scanAll(t, data)); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	term := string(want[len(want)-1].Message[10:20])
	var found int
	if _, err := chunk.Search(data, filter, []string{term}, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		if bytes.Contains(e.Message, []byte(term)) {
			found++
		}
		return true
	}); err != nil || found == 0 {
		t.Errorf("Search(%q) found %d events, error %v", term, found, err)
	}
	merged, _, _, err := chunk.Merge([][]byte{data})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffEvents(want, scanAll(t, merged)); diff != "" {
		t.Errorf("Scan of merged (-want +got):\n%s", diff)
	}
}

// A chunk of many blocks reads like one of a single block: every window,
// both directions, merging.
func TestManyBlocks(t *testing.T) {
	chunk.SetBlockTarget(t, 2000)
	r := logcorpus.NewRNG(9)
	for i := range 100 {
		evs := randomEvents(r, 1+r.LongTail(2000))
		data, _, meta := MustEncode(t, evs)
		want := sorted(evs)
		if diff := cmp.Diff(metaOf(evs), meta); diff != "" {
			t.Fatalf("case %d: Meta (-want +got):\n%s", i, diff)
		}
		if diff := diffEvents(want, scanAll(t, data)); diff != "" {
			t.Fatalf("case %d: Scan (-want +got):\n%s", i, diff)
		}
		from := want[r.IntN(len(want))].Timestamp
		to := from + int64(r.IntN(30))
		var inWindow []chunk.Event
		for _, e := range want {
			if from <= e.Timestamp && e.Timestamp <= to {
				inWindow = append(inWindow, e)
			}
		}
		if diff := diffEvents(inWindow, MustScan(t, data, from, to)); diff != "" {
			t.Fatalf("case %d: Scan(%d, %d) (-want +got):\n%s", i, from, to, diff)
		}
		var back []chunk.Event
		if err := chunk.ScanBackward(data, from, to, func(e *chunk.Event) bool {
			c := *e
			c.Message = bytes.Clone(e.Message)
			back = append(back, c)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(back)
		if diff := diffEvents(inWindow, back); diff != "" {
			t.Fatalf("case %d: ScanBackward(%d, %d) (-want +got):\n%s", i, from, to, diff)
		}
		merged, _, _, err := chunk.Merge([][]byte{data})
		if err != nil {
			t.Fatalf("case %d: Merge: %v", i, err)
		}
		if diff := diffEvents(want, scanAll(t, merged)); diff != "" {
			t.Fatalf("case %d: Scan of merged (-want +got):\n%s", i, diff)
		}
	}
}

// Search decompresses only the blocks whose filter admits the terms, and
// never misses an event that contains them.
func TestSearchSkipsBlocks(t *testing.T) {
	chunk.SetBlockTarget(t, 64<<10)
	evs := corpusEvents(4, 20000, baseTime)
	rare := "Needle" + "InTheHaystack"
	for _, k := range []int{1234, 17000} {
		evs[k].Message = append(slices.Clone(evs[k].Message), " "+rare...)
	}
	data, filter, meta := MustEncode(t, evs)
	var hits int
	scanned, err := chunk.Search(data, filter, []string{rare}, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		if bytes.Contains(e.Message, []byte(rare)) {
			hits++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits != 2 {
		t.Errorf("Search found %d events holding %q, want 2", hits, rare)
	}
	// Two blocks hold the term; a false positive or two may join them.
	if scanned > 4*(64<<10+4096) || scanned == 0 {
		t.Errorf("Search decompressed %d of %d message bytes, want about two 64 KiB blocks", scanned, meta.RawBytes)
	}
	// Without usable terms, or with a missing filter, it reads every
	// block, and gives the events holding the longest term.
	for _, tc := range []struct {
		name   string
		filter []byte
		terms  []string
	}{{"short term", filter, []string{"ab"}}, {"no filter", nil, []string{rare}}, {"bad filter", []byte{2, 200}, []string{"ab", rare}}} {
		want := 0
		for _, e := range evs {
			if bytes.Contains(e.Message, []byte(tc.terms[len(tc.terms)-1])) {
				want++
			}
		}
		var n int
		scanned, err := chunk.Search(data, tc.filter, tc.terms, math.MinInt64, math.MaxInt64, func(*chunk.Event) bool { n++; return true })
		if err != nil || n != want || scanned != meta.RawBytes {
			t.Errorf("%s: Search gave %d events, scanned %d bytes, error %v; want %d, %d, nil", tc.name, n, scanned, err, want, meta.RawBytes)
		}
	}
	if !chunk.MayContain(filter, []string{rare}) {
		t.Errorf("MayContain(%q) = false for a chunk holding it", rare)
	}
}

// Damage to a chunk of many blocks is caught like damage to one block:
// an error, after none but the true events of the blocks before the
// damaged one.
func TestCorruptManyBlocks(t *testing.T) {
	chunk.SetBlockTarget(t, 300)
	evs := corpusEvents(5, 12, baseTime)
	data, _, _ := MustEncode(t, evs)
	if meta, _ := chunk.ReadMeta(data); meta.Count != 12 {
		t.Fatal("bad fixture")
	}
	want := sorted(evs)
	for n := 0; n < len(data); n++ {
		got, err := scanCopy(data[:n], math.MinInt64, math.MaxInt64)
		if !errors.Is(err, chunk.ErrCorrupt) || len(got) != 0 {
			t.Fatalf("Scan of the first %d of %d bytes: %d events, error %v; want none and ErrCorrupt", n, len(data), len(got), err)
		}
	}
	for i := 0; i < len(data); i++ {
		d := slices.Clone(data)
		d[i] ^= 0x10
		got, err := scanCopy(d, math.MinInt64, math.MaxInt64)
		if err == nil {
			if diff := diffEvents(want, got); diff != "" {
				t.Fatalf("Scan with byte %d flipped: no error and different events (-want +got):\n%s", i, diff)
			}
			continue
		}
		if !errors.Is(err, chunk.ErrCorrupt) {
			t.Fatalf("Scan with byte %d flipped: error %v, want ErrCorrupt", i, err)
		}
		if len(got) > len(want) {
			t.Fatalf("Scan with byte %d flipped: %d events before the error, the chunk holds %d", i, len(got), len(want))
		}
		if diff := diffEvents(want[:len(got)], got); len(got) > 0 && diff != "" {
			t.Fatalf("Scan with byte %d flipped: events before the error are not the chunk's first (-want +got):\n%s", i, diff)
		}
		if _, _, _, err := chunk.Merge([][]byte{d}); !errors.Is(err, chunk.ErrCorrupt) {
			t.Fatalf("Merge with byte %d flipped: error %v, want ErrCorrupt", i, err)
		}
	}
}

// A scan that stops leaves the blocks after it compressed: a first page
// costs a block, not a chunk.
func TestScanStopsBeforeLaterBlocks(t *testing.T) {
	chunk.SetBlockTarget(t, 64<<10)
	evs := corpusEvents(6, 5000, baseTime)
	data, _, meta := MustEncode(t, evs)
	scanned, err := chunk.Search(data, nil, nil, math.MinInt64, math.MaxInt64, func(*chunk.Event) bool { return false })
	if err != nil || scanned == 0 || scanned > 64<<10+4096 {
		t.Errorf("Search stopping at the first event decompressed %d of %d message bytes (error %v), want one 64 KiB block", scanned, meta.RawBytes, err)
	}
}
