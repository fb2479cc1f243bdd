package logscan_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/logscan"
)

func pos(ts, seq int64) *storage.EventPos { return &storage.EventPos{Timestamp: ts, Seq: seq} }

func TestStreamPlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    storage.StreamRead
		want *logscan.Plan // nil: selects nothing
	}{
		{"forward from the start", storage.StreamRead{From: 10, To: 20, Limit: 5},
			&logscan.Plan{Lo: 10, Hi: 19, Limit: 5, Start: *pos(10, math.MinInt64)}},
		{"backward from the end", storage.StreamRead{From: 10, To: 20, Limit: 5, Backward: true},
			&logscan.Plan{Backward: true, Lo: 10, Hi: 19, Limit: 5, Start: *pos(19, math.MaxInt64)}},
		{"forward after a position", storage.StreamRead{From: 10, To: 20, Limit: 5, Pos: pos(12, 7)},
			&logscan.Plan{Lo: 10, Hi: 19, Limit: 5, Start: *pos(12, 8)}},
		{"forward after a position before the window", storage.StreamRead{From: 10, To: 20, Limit: 5, Pos: pos(3, 7)},
			&logscan.Plan{Lo: 10, Hi: 19, Limit: 5, Start: *pos(10, math.MinInt64)}},
		{"backward before a position", storage.StreamRead{From: 10, To: 20, Limit: 5, Backward: true, Pos: pos(12, math.MinInt64)},
			&logscan.Plan{Backward: true, Lo: 10, Hi: 19, Limit: 5, Start: *pos(11, math.MaxInt64)}},
		{"backward before a position after the window", storage.StreamRead{From: 10, To: 20, Limit: 5, Backward: true, Pos: pos(30, 0)},
			&logscan.Plan{Backward: true, Lo: 10, Hi: 19, Limit: 5, Start: *pos(19, math.MaxInt64)}},
		{"no limit", storage.StreamRead{From: 10, To: 20}, nil},
		{"empty window", storage.StreamRead{From: 10, To: 10, Limit: 5}, nil},
		{"To at the least time", storage.StreamRead{From: math.MinInt64, To: math.MinInt64, Limit: 5}, nil},
		{"forward after the last position", storage.StreamRead{From: 10, To: math.MaxInt64, Limit: 5, Pos: pos(math.MaxInt64, math.MaxInt64)}, nil},
		{"backward before the first position", storage.StreamRead{From: math.MinInt64, To: 20, Limit: 5, Backward: true, Pos: pos(math.MinInt64, math.MinInt64)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := logscan.StreamPlan(tc.q)
			if ok != (tc.want != nil) {
				t.Fatalf("ok = %v, want %v (plan %+v)", ok, tc.want != nil, got)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(logscan.Plan{}, "Match")); ok && diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanPlan(t *testing.T) {
	terms := []string{"GET"}
	for _, tc := range []struct {
		name string
		q    storage.LogScan
		want *logscan.Plan // nil: selects nothing
	}{
		{"from the start", storage.LogScan{From: 10, To: 20, Limit: 5, Terms: terms, MaxScannedBytes: 99},
			&logscan.Plan{Lo: 10, Hi: 20, Limit: 5, Terms: terms, MaxScanned: 99, Start: *pos(10, math.MinInt64)}},
		{"after a position", storage.LogScan{From: 10, To: 20, Limit: 5, After: pos(15, math.MaxInt64)},
			&logscan.Plan{Lo: 10, Hi: 20, Limit: 5, Start: *pos(16, math.MinInt64)}},
		{"after a position before the window", storage.LogScan{From: 10, To: 20, Limit: 5, After: pos(1, 1)},
			&logscan.Plan{Lo: 10, Hi: 20, Limit: 5, Start: *pos(10, math.MinInt64)}},
		{"one instant", storage.LogScan{From: 10, To: 10, Limit: 1},
			&logscan.Plan{Lo: 10, Hi: 10, Limit: 1, Start: *pos(10, math.MinInt64)}},
		{"no limit", storage.LogScan{From: 10, To: 20}, nil},
		{"inverted window", storage.LogScan{From: 20, To: 10, Limit: 5}, nil},
		{"after the last position", storage.LogScan{From: 10, To: 20, Limit: 5, After: pos(math.MaxInt64, math.MaxInt64)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := logscan.ScanPlan(tc.q)
			if ok != (tc.want != nil) {
				t.Fatalf("ok = %v, want %v (plan %+v)", ok, tc.want != nil, got)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(logscan.Plan{}, "Match")); ok && diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
