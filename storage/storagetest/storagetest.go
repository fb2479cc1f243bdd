// Package storagetest is the conformance suite every storage backend must
// pass: it checks each documented behaviour and error of the storage
// interfaces, isolation between accounts, LookupEvents ordering and paging,
// CloudWatch Logs groups, streams, chunked events (reading, scanning,
// retention, compaction) and metric filters, CloudTrail trails and their
// placement rules, CloudTrail Lake channels, concurrency and durability
// across a close and reopen.
//
// A backend's tests call Run:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t testing.TB, name string) storage.Store { … })
//	}
//
// RunSharedLogs checks two handles on one database, as a backend's own
// tests can open them.
//
// It also holds what the backends' benchmarks share, so both are measured
// alike: for LookupEvents the fixture (FixtureEvent, LoadFixture) and the
// queries (BenchmarkLookupEvents); for logs the corpus (internal/logcorpus), the
// fixture (LoadLogFixture) and the measurements (BenchmarkPutLogEvents,
// BenchmarkScanLogEvents).
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
)

// Opener opens the database called name. The first time it sees a name it
// returns a new, empty store; opening a name again (Run closes the previous
// store first) must reach the same data, as restarting a server would.
// Names are unique within one Run and consist of letters, digits and '_'.
// Run closes every store it opens; the opener releases anything else (files,
// databases) through t.Cleanup.
type Opener func(t testing.TB, name string) storage.Store

// RunEvents runs only the event history part of the suite, for a backend
// to check another configuration of its event store.
func RunEvents(t *testing.T, open Opener) {
	testEvents(t, &harness{open: open})
}

// Run runs the conformance suite against the backend open opens.
func Run(t *testing.T, open Opener) {
	h := &harness{open: open}
	// Every test that opens a store calls t.Parallel: each has its own
	// store, and a backend's tests spend most of their time waiting for
	// fsync.
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, h) })
	t.Run("Users", func(t *testing.T) { testUsers(t, h) })
	t.Run("AccessKeys", func(t *testing.T) { testAccessKeys(t, h) })
	t.Run("UserPolicies", func(t *testing.T) { testUserPolicies(t, h) })
	t.Run("Events", func(t *testing.T) { testEvents(t, h) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, h) })
	t.Run("Durability", func(t *testing.T) { testDurability(t, h) })
	t.Run("CloseWhileWriting", func(t *testing.T) { testCloseWhileWriting(t, h) })
	t.Run("LogGroups", func(t *testing.T) { testLogGroups(t, h) })
	t.Run("LogStreams", func(t *testing.T) { testLogStreams(t, h) })
	t.Run("MetricFilters", func(t *testing.T) { testMetricFilters(t, h) })
	t.Run("MetricFilterEmission", func(t *testing.T) { testMetricFilterEmission(t, h) })
	t.Run("PutLogEvents", func(t *testing.T) { testPutLogEvents(t, h) })
	t.Run("ReadLogStream", func(t *testing.T) { testReadLogStream(t, h) })
	t.Run("ScanLogEvents", func(t *testing.T) { testScanLogEvents(t, h) })
	t.Run("LogRetention", func(t *testing.T) { testLogRetention(t, h) })
	t.Run("LogCompaction", func(t *testing.T) { testLogCompaction(t, h) })
	t.Run("LogCompactionBlocks", func(t *testing.T) { testLogCompactionBlocks(t, h) })
	t.Run("LogsDurability", func(t *testing.T) { testLogsDurability(t, h) })
	t.Run("LogsConcurrentPut", func(t *testing.T) { testLogsConcurrentPut(t, h) })
	t.Run("Trails", func(t *testing.T) { testTrails(t, h) })
	t.Run("TrailPlacement", func(t *testing.T) { testTrailPlacement(t, h) })
	t.Run("TrailsDurability", func(t *testing.T) { testTrailsDurability(t, h) })
	t.Run("TrailKeys", func(t *testing.T) { testTrailKeys(t, h) })
	t.Run("Channels", func(t *testing.T) { testChannels(t, h) })
	t.Run("Metrics", func(t *testing.T) { testMetrics(t, h) })
	t.Run("MetricsConcurrent", func(t *testing.T) { testMetricsConcurrent(t, h) })
	t.Run("SNS", func(t *testing.T) { testSNS(t, h) })
	t.Run("Alarms", func(t *testing.T) { testAlarms(t, h) })
	t.Run("ChannelsConcurrentCreate", func(t *testing.T) { testChannelsConcurrentCreate(t, h) })
}

// harness hands out stores to the suite's tests.
type harness struct {
	open Opener
	n    atomic.Int64 // names handed out so far
}

// newName returns a database name no test of this Run has used.
func (h *harness) newName() string { return fmt.Sprintf("db%d", h.n.Add(1)) }

// store opens a new, empty store that is closed when t ends.
func (h *harness) store(t testing.TB) storage.Store {
	t.Helper()
	s, _ := h.openNamed(t, h.newName())
	return s
}

// openNamed opens name. The store is closed when t ends, or earlier by
// calling closeNow, which fails t if Close does.
func (h *harness) openNamed(t testing.TB, name string) (s storage.Store, closeNow func()) {
	t.Helper()
	s = h.open(t, name)
	if s == nil {
		t.Fatalf("opener returned a nil store for %s", name)
	}
	var once sync.Once
	var err error
	closeOnce := func() { once.Do(func() { err = s.Close() }) }
	t.Cleanup(func() {
		closeOnce()
		if err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return s, func() {
		t.Helper()
		closeOnce()
		if err != nil {
			t.Fatalf("close %s: %v", name, err)
		}
	}
}

var ctx = context.Background()

// wantErr fails t unless errors.Is(err, want); want nil means success.
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// must fails t on a non-nil error.
func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// diff fails t if got differs from want. Times compare with Equal, so a
// backend may return them in any location.
func diff(t testing.TB, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// ts is a fixed instant, second precision, plus s seconds.
func ts(s int) time.Time {
	return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(s) * time.Second)
}
