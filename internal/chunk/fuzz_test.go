package chunk_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// FuzzScan feeds arbitrary bytes to every reader in the package: none may
// panic, and what a successful Scan returns must be a well-formed chunk's
// events, which Merge must accept and reproduce.
func FuzzScan(f *testing.F) {
	valid, filter, _ := MustEncode(f, corpusEvents(1, 20, baseTime))
	f.Add(valid, int64(math.MinInt64), int64(math.MaxInt64))
	f.Add(valid[:len(valid)/2], int64(math.MinInt64), int64(math.MaxInt64))
	f.Add(filter, int64(0), int64(1))
	f.Add([]byte{}, int64(0), int64(0))
	r := logcorpus.NewRNG(5)
	tiny, _, _ := MustEncode(f, randomEvents(r, 3))
	f.Add(tiny, int64(baseTime), int64(baseTime+10))
	// A chunk whose blocks are one zstd frame each, as written before
	// payloads were split into frames.
	oneFrame, err := os.ReadFile("testdata/v2-one-frame-corpus-300.chunk")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(oneFrame, int64(math.MinInt64), int64(math.MaxInt64))
	// Small blocks, so that the seeds and whatever Merge writes have
	// several.
	chunk.SetBlockTarget(f, 500)
	blocks, _, _ := MustEncode(f, corpusEvents(2, 12, baseTime))
	f.Add(blocks, int64(math.MinInt64), int64(math.MaxInt64))
	f.Add(blocks, int64(baseTime+3), int64(baseTime+5))
	f.Fuzz(func(t *testing.T, data []byte, from, to int64) {
		meta, metaErr := chunk.ReadMeta(data)
		chunk.MayContain(data, []string{"abc", string(data)})
		got, err := scanCopy(data, from, to)
		if err != nil {
			if !errors.Is(err, chunk.ErrCorrupt) {
				t.Fatalf("Scan error %v does not wrap ErrCorrupt", err)
			}
			// The blocks before a corrupt one may have given events
			// (TestCorruptManyBlocks checks they are the true ones); a
			// chunk that fails its header gives none.
			if len(got) > 0 && metaErr != nil {
				t.Fatalf("Scan returned %d events and then %v, though the header is bad: %v", len(got), err, metaErr)
			}
			return
		}
		if metaErr != nil {
			t.Fatalf("Scan succeeded where ReadMeta failed: %v", metaErr)
		}
		for i, e := range got {
			if e.Timestamp < from || e.Timestamp > to {
				t.Fatalf("event %d at %d outside [%d, %d]", i, e.Timestamp, from, to)
			}
			if i > 0 && (e.Timestamp < got[i-1].Timestamp || e.Timestamp == got[i-1].Timestamp && e.Seq <= got[i-1].Seq) {
				t.Fatalf("events %d and %d out of order", i-1, i)
			}
		}
		var back []chunk.Event
		if err := chunk.ScanBackward(data, from, to, func(e *chunk.Event) bool {
			c := *e
			c.Message = bytes.Clone(e.Message)
			back = append(back, c)
			return true
		}); err != nil {
			t.Fatalf("Scan succeeded but ScanBackward: %v", err)
		}
		slices.Reverse(back)
		if diff := diffEvents(got, back); diff != "" {
			t.Fatalf("ScanBackward is not Scan reversed (-scan +backward):\n%s", diff)
		}
		if from > meta.MinTime || to < meta.MaxTime {
			return // the payload may not have been read
		}
		// The whole chunk was read and found good: it must merge, and the
		// merge must hold the same events.
		merged, _, mergedMeta, err := chunk.Merge([][]byte{data})
		if err != nil {
			t.Fatalf("Scan accepted the chunk but Merge: %v", err)
		}
		if mergedMeta != meta {
			t.Fatalf("Merge meta %+v, header said %+v", mergedMeta, meta)
		}
		if diff := diffEvents(got, scanAll(t, merged)); diff != "" {
			t.Fatalf("Merge changed the events (-scan +merged):\n%s", diff)
		}
	})
}

// FuzzRoundTrip builds events from arbitrary bytes and checks that Encode,
// Scan, Merge and MayContain agree on them.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("\x01\x01\x05hello\x01\x02\x05world\x00\x03\x00"), uint8(1))
	f.Add([]byte("\x80\x01\x03a\nb\x7f\x01\x04\n\n\n\n\x00\x00\x01\xff"), uint8(2))
	f.Add([]byte("\x05\x05\x0aGröße ÉCHO\x05\x06\x03abc"), uint8(0))
	f.Fuzz(func(t *testing.T, raw []byte, split uint8) {
		evs := eventsFromBytes(raw)
		if len(evs) == 0 {
			if _, _, _, err := chunk.Encode(evs); !errors.Is(err, chunk.ErrEmpty) {
				t.Fatalf("Encode(no events) error = %v, want ErrEmpty", err)
			}
			return
		}
		data, filter, meta := MustEncode(t, evs)
		want := sorted(evs)
		if diff := diffEvents(want, scanAll(t, data)); diff != "" {
			t.Fatalf("Scan (-want +got):\n%s", diff)
		}
		if meta != metaOf(evs) {
			t.Fatalf("Meta = %+v, want %+v", meta, metaOf(evs))
		}
		for _, e := range evs {
			for i := 0; i+3 <= len(e.Message); i++ {
				if term := string(e.Message[i:min(len(e.Message), i+8)]); !chunk.MayContain(filter, []string{term}) {
					t.Fatalf("MayContain(%q) = false for a substring of %q", term, e.Message)
				}
			}
		}
		// Split the events in two chunks anywhere and merge them back.
		k := int(split) % (len(evs) + 1)
		if k == 0 || k == len(evs) {
			return
		}
		a, _, _ := MustEncode(t, evs[:k])
		b, _, _ := MustEncode(t, evs[k:])
		merged, mergedFilter, mergedMeta, err := chunk.Merge([][]byte{b, a})
		if err != nil {
			t.Fatalf("Merge: %v", err)
		}
		if mergedMeta != meta {
			t.Fatalf("Merge meta = %+v, want %+v", mergedMeta, meta)
		}
		if diff := diffEvents(want, scanAll(t, merged)); diff != "" {
			t.Fatalf("Scan of merged (-want +got):\n%s", diff)
		}
		if !bytes.Equal(mergedFilter, filter) {
			t.Fatalf("merged filter differs from the filter of the same events")
		}
	})
}

// eventsFromBytes reads events from raw as repeated (timestamp int8,
// seq uint8, length uint8, message) records, dropping repeats of a
// (timestamp, seq) pair, which Encode refuses.
func eventsFromBytes(raw []byte) []chunk.Event {
	var evs []chunk.Event
	seen := map[[2]int64]bool{}
	for len(raw) >= 3 {
		ts := int64(int8(raw[0])) * 1000
		seq := int64(raw[1])
		n := min(int(raw[2]), len(raw)-3)
		msg := raw[3 : 3+n]
		raw = raw[3+n:]
		if seen[[2]int64{ts, seq}] {
			continue
		}
		seen[[2]int64{ts, seq}] = true
		evs = append(evs, chunk.Event{Timestamp: baseTime + ts, Seq: seq, IngestionTime: int64(len(evs)), Message: bytes.Clone(msg)})
	}
	return evs
}

// FuzzSearch checks that SearchBlocks gives exactly the events of its
// window whose message contains the longest term, in order: messages
// with newlines inside, terms that repeat, cross a message's end or sit at
// its edges, and chunks of one block or many.
func FuzzSearch(f *testing.F) {
	f.Add([]byte("\x01\x01\x05hello\x01\x02\x05world\x00\x03\x05lo\nwo"), "lo", int8(-1), int8(5), false)
	f.Add([]byte("\x00\x01\x03aaa\x00\x02\x02aa\x00\x03\x01a\x00\x04\x00"), "aa", int8(-128), int8(127), true)
	f.Add([]byte("\x02\x01\x04a\nb\n\x01\x02\x03\nb\n\x01\x03\x02b\n"), "\nb\n", int8(0), int8(2), false)
	f.Add([]byte("\x05\x05\x0a{\"x\":\"y\"}a\x05\x06\x0a127.0.0.1 a"), " a", int8(0), int8(9), true)
	f.Fuzz(func(t *testing.T, raw []byte, term string, lo, hi int8, small bool) {
		evs := eventsFromBytes(raw)
		if len(evs) == 0 || term == "" {
			return
		}
		if small {
			chunk.SetBlockTarget(t, 8)
		}
		data, _, _ := MustEncode(t, evs)
		from, to := baseTime+int64(lo)*1000, baseTime+int64(hi)*1000
		var want []chunk.Event
		for _, e := range sorted(evs) {
			if from <= e.Timestamp && e.Timestamp <= to && bytes.Contains(e.Message, []byte(term)) {
				want = append(want, e)
			}
		}
		var got []chunk.Event
		_, err := chunk.SearchBlocks(data, nil, []string{"x", term}, from, to, func(e *chunk.Event) bool {
			got = append(got, chunk.Event{Timestamp: e.Timestamp, Seq: e.Seq, IngestionTime: e.IngestionTime, Message: bytes.Clone(e.Message)})
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(term) == 1 {
			// "x" is as long: either may be the one looked for.
			return
		}
		if diff := diffEvents(want, got); diff != "" {
			t.Fatalf("SearchBlocks(%q) (-want +got):\n%s", term, diff)
		}
	})
}
