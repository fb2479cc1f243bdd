package logwrite_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage/logwrite"
)

func TestBatch(t *testing.T) {
	in := []trailwatch.LogEvent{
		{Timestamp: 20, Message: "second in time"},
		{Timestamp: 10, Message: "first in time"},
	}
	b := logwrite.NewBatch("web-1", 99, in)
	if in[0].Stream != "" || in[0].IngestionTime != 0 {
		t.Errorf("NewBatch changed the caller's events: %+v", in[0])
	}
	// A backend that loses the race for sequence numbers encodes again.
	for _, base := range []int64{7, 12} {
		if err := b.Encode(base); err != nil {
			t.Fatalf("Encode(%d): %v", base, err)
		}
		want := []trailwatch.LogEvent{
			{Stream: "web-1", Timestamp: 20, IngestionTime: 99, Seq: base, Message: "second in time"},
			{Stream: "web-1", Timestamp: 10, IngestionTime: 99, Seq: base + 1, Message: "first in time"},
		}
		if diff := cmp.Diff(want, b.Out); diff != "" {
			t.Errorf("Encode(%d): Out (-want +got):\n%s", base, diff)
		}
		if b.Base != base {
			t.Errorf("Encode(%d): Base = %d", base, b.Base)
		}
		wantMeta := chunk.Meta{MinTime: 10, MaxTime: 20, MinSeq: base, MaxSeq: base + 1, Count: 2,
			RawBytes: int64(len("second in time") + len("first in time"))}
		if diff := cmp.Diff(wantMeta, b.Meta); diff != "" {
			t.Errorf("Encode(%d): Meta (-want +got):\n%s", base, diff)
		}
		if got, err := chunk.ReadMeta(b.Data); err != nil || got != wantMeta {
			t.Errorf("Encode(%d): ReadMeta(Data) = %+v, %v; want %+v", base, got, err, wantMeta)
		}
		var seqs []int64
		if err := chunk.Scan(b.Data, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
			seqs = append(seqs, e.Seq)
			return true
		}); err != nil {
			t.Fatalf("Encode(%d): scan: %v", base, err)
		}
		if want := []int64{base + 1, base}; !slices.Equal(seqs, want) {
			t.Errorf("Encode(%d): chunk holds seqs %v in time order, want %v", base, seqs, want)
		}
		if got, want := b.Stored(), int64(len(b.Data)+len(b.Filter)); got != want || got == 0 {
			t.Errorf("Encode(%d): Stored = %d, want %d (non-zero)", base, got, want)
		}
	}
}

func TestBatchEmpty(t *testing.T) {
	if err := logwrite.NewBatch("s", 1, nil).Encode(1); err == nil {
		t.Error("Encode of an empty batch succeeded")
	}
}

func TestCompactRuns(t *testing.T) {
	mb := int64(1 << 20)
	for _, tc := range []struct {
		name string
		raw  []int64
		want [][]int64 // ids of the runs
	}{
		{"nothing", nil, nil},
		{"one", []int64{1}, nil},
		{"pairs", []int64{2 * mb, 2 * mb, 2 * mb, 2 * mb}, [][]int64{{0, 1}, {2, 3}}},
		{"many small", []int64{1, 1, 1, 1}, [][]int64{{0, 1, 2, 3}}},
		{"up to the target", []int64{3 * mb, mb, 1}, [][]int64{{0, 1}}},
		{"a big one in between", []int64{1, 1, 5 * mb, 1, 1}, [][]int64{{0, 1}, {3, 4}}},
		{"a big one alone", []int64{1, 4 * mb, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs []logwrite.Chunk
			for i, r := range tc.raw {
				cs = append(cs, logwrite.Chunk{ID: int64(i), Raw: r})
			}
			var got [][]int64
			for _, run := range logwrite.CompactRuns(cs) {
				var ids []int64
				for _, c := range run {
					ids = append(ids, c.ID)
				}
				got = append(got, ids)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("runs %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCursorTakesStreamsInTurn: successive calls work through every stream
// that needs compaction, wrapping round to the first.
func TestCursorTakesStreamsInTurn(t *testing.T) {
	need := []int64{1, 2, 3, 4, 5}
	find := func(_ context.Context, after, upTo int64, limit int) ([]int64, error) {
		var out []int64
		for _, id := range need {
			if id > after && (upTo < 0 || id <= upTo) && len(out) < limit {
				out = append(out, id)
			}
		}
		return out, nil
	}
	var got [][]int64
	var c logwrite.Cursor
	for i := 0; i < 3; i++ {
		var done []int64
		n, err := c.Compact(context.Background(), 2, find, func(_ context.Context, id int64) (int, error) {
			done = append(done, id)
			return 1, nil
		})
		if err != nil || n != len(done) {
			t.Fatalf("Compact = %d, %v after compacting %v", n, err, done)
		}
		got = append(got, done)
	}
	want := [][]int64{{1, 2}, {3, 4}, {5, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streams per call (-want +got):\n%s", diff)
	}
}
