package eventindex

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSegmentRoundTrip(t *testing.T) {
	seg := Segment{
		Postings: []IndexPosting{
			{Ix: 7, Value: "", MaxTime: 1700000003, MinTime: 1700000000, FirstSeq: 64,
				Entries: EncodeEntries([]Entry{{1700000000, 64}, {1700000003, 65}})},
			{Ix: 9, Value: "alice", MaxTime: 1700000003, MinTime: 1700000003, FirstSeq: 65,
				Entries: EncodeEntries([]Entry{{1700000003, 65}})},
		},
		IDs: []IDEntry{{EventID: "0192-a", Seq: 64, Ix: 7, Time: 1700000000}, {EventID: "0192-b", Seq: 65, Ix: 7, Time: 1700000003}},
	}
	got, err := DecodeSegment(seg.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seg, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for n := range len(seg.Encode()) {
		if _, err := DecodeSegment(seg.Encode()[:n]); err == nil {
			t.Errorf("a segment cut to %d bytes decoded", n)
		}
	}
}

func TestMergeKeepsBuckets(t *testing.T) {
	a := Segment{Postings: []IndexPosting{{Ix: 1, MaxTime: 9, MinTime: 8, FirstSeq: 64, Entries: EncodeEntries([]Entry{{8, 64}, {9, 65}})}}}
	b := Segment{Postings: []IndexPosting{
		{Ix: 1, MaxTime: 10, MinTime: 10, FirstSeq: 128, Entries: EncodeEntries([]Entry{{10, 128}})},
		{Ix: 1, MaxTime: 14, MinTime: 13, FirstSeq: 129, Entries: EncodeEntries([]Entry{{13, 129}, {14, 130}})},
	}}
	m := Merge([]Segment{a, b})
	if len(m.Postings) != 2 {
		t.Fatalf("merged into %d postings, want 2 (buckets [8,12) and [12,16))", len(m.Postings))
	}
	first := m.Postings[0]
	if first.MaxTime != 10 || first.MinTime != 8 || first.FirstSeq != 64 {
		t.Errorf("merged posting %+v", first)
	}
	es, _ := DecodeEntries(first.Entries)
	if len(es) != 3 {
		t.Errorf("merged posting holds %d entries, want 3", len(es))
	}
}

func TestCollectorStopsEarly(t *testing.T) {
	w := Window{Lo: 0, Hi: 100, Need: 2}
	c := w.Collect()
	for _, p := range []struct {
		max     int64
		entries []Entry
	}{{50, []Entry{{50, 5}, {49, 4}}}, {48, []Entry{{48, 3}}}} {
		more, err := c.Add(p.max, EncodeEntries(p.entries))
		if err != nil {
			t.Fatal(err)
		}
		if p.max == 48 && more {
			t.Errorf("a posting older than the page did not end the read")
		}
	}
	if diff := cmp.Diff([]Entry{{50, 5}, {49, 4}}, c.Entries()); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestChunkRoundTrip(t *testing.T) {
	recs := [][]byte{[]byte(`{"eventID":"a"}`), []byte(`{"eventID":"b"}`), {}}
	got, err := DecodeChunk(EncodeChunk(recs))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("%d records, want %d", len(got), len(recs))
	}
	for i := range recs {
		if !bytes.Equal(got[i], recs[i]) {
			t.Errorf("record %d = %q, want %q", i, got[i], recs[i])
		}
	}
	raw, err := DecodeChunk(append([]byte{chunkRaw}, `{"eventID":"c"}`...))
	if err != nil || len(raw) != 1 || string(raw[0]) != `{"eventID":"c"}` {
		t.Errorf("raw chunk: %q, %v", raw, err)
	}
}

// FuzzDecode feeds arbitrary bytes to the decoders of stored index data:
// they must fail cleanly, never panic.
func FuzzDecode(f *testing.F) {
	f.Add(Segment{IDs: []IDEntry{{EventID: "x", Seq: 1}}}.Encode())
	f.Add(EncodeChunk([][]byte{[]byte("{}")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeSegment(b)
		DecodeChunk(b)
		DecodeEntries(b)
	})
}
