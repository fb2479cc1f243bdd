package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// testDurability writes through every interface, closes the store, opens
// it again and expects everything that was acknowledged.
func testDurability(t *testing.T, h *harness) {
	t.Parallel()
	name := h.newName()
	s, closeNow := h.openNamed(t, name)

	acct := trailwatch.Account{ID: acctA, Name: "prod", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	must(t, "create account", s.Accounts().CreateAccount(ctx, acct))
	bob := user(acctA, "Bob", "/eng/")
	must(t, "create user", s.IAM().CreateUser(ctx, bob))
	k := key(acctA, "Bob", "AKIADURABLE")
	must(t, "create key", s.IAM().CreateAccessKey(ctx, k, 2))
	p := policy(acctA, "Bob", "p")
	must(t, "put policy", s.IAM().PutUserPolicy(ctx, p))
	var m model
	for sec := range 30 {
		m.put(t, s.Events(), event(acctA, east, sec%10))
	}
	got, err := s.Leases().AcquireLease(ctx, "job", "node1", time.Hour)
	must(t, "take lease", err)
	if !got {
		t.Fatalf("lease refused")
	}
	// Metric data are acknowledged once journaled; closing right after
	// leaves them unmerged, and they must be read back all the same.
	metric := storage.Metric{Namespace: "App", Name: "Latency", Dimensions: []storage.Dimension{{Name: "Host", Value: "a"}}}
	minute := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		must(t, "put metric data", s.Metrics().PutMetricData(ctx, acctA, east, []storage.MetricDatum{
			{Metric: metric, Unit: "Milliseconds", Resolution: 60, Time: minute, Agg: storage.AggregateValues([]float64{float64(i + 1)}, nil)},
		}))
	}
	closeNow()

	s, _ = h.openNamed(t, name)
	gotAcct, err := s.Accounts().GetAccount(ctx, acctA)
	must(t, "get account", err)
	diff(t, "account", acct, gotAcct)
	gotUser, err := s.IAM().GetUser(ctx, acctA, "bob")
	must(t, "get user", err)
	diff(t, "user", bob, gotUser)
	gotKey, err := s.IAM().GetAccessKey(ctx, k.AccessKeyID)
	must(t, "get key", err)
	diff(t, "key", k, gotKey)
	gotPolicy, err := s.IAM().GetUserPolicy(ctx, acctA, "Bob", "p")
	must(t, "get policy", err)
	diff(t, "policy", p, gotPolicy)
	for _, q := range []storage.EventQuery{
		{AccountID: acctA, Region: east},
		{AccountID: acctA, Region: east, AttributeKey: trailwatch.AttrUsername, AttributeValue: "alice"},
	} {
		diff(t, "events", m.lookup(q), lookupAll(t, s.Events(), q, 7))
	}
	buckets, err := s.Metrics().ReadMetric(ctx, acctA, east, metric, minute, minute.Add(time.Minute))
	must(t, "read metric", err)
	if len(buckets) != 1 || buckets[0].Agg.SampleCount != 3 || buckets[0].Agg.Sum != 6 || buckets[0].Agg.Minimum != 1 || buckets[0].Agg.Maximum != 3 {
		t.Errorf("metric after reopening = %+v, want one bucket of 1, 2 and 3", buckets)
	}
	got, err = s.Leases().AcquireLease(ctx, "job", "node2", time.Hour)
	must(t, "take held lease", err)
	if got {
		t.Errorf("a lease held before the restart was free after it")
	}
	// New writes continue the history: seqs keep increasing.
	later := event(acctA, east, 5)
	m.put(t, s.Events(), later)
	q := storage.EventQuery{AccountID: acctA, Region: east, Start: ts(5), End: ts(5), Limit: 1}
	evs, err := s.Events().LookupEvents(ctx, q)
	must(t, "lookup", err)
	diff(t, "the newest event at a tied second is the one put after reopening", []string{later.EventID}, eventIDs(t, evs))
}

// testCloseWhileWriting closes a store while writers are busy and expects
// every write that was acknowledged before Close to survive it.
func testCloseWhileWriting(t *testing.T, h *harness) {
	t.Parallel()
	name := h.newName()
	s, closeNow := h.openNamed(t, name)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				e := event(acctA, east, w*1000+i)
				if err := s.Events().PutEvents(ctx, []trailwatch.Event{e}); err != nil {
					return // the store closed under us
				}
				mu.Lock()
				acked = append(acked, e.EventID)
				mu.Unlock()
			}
		})
	}
	// Let the writers get going, then close under them.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	closeNow()
	wg.Wait()

	s, _ = h.openNamed(t, name)
	got := lookupAll(t, s.Events(), storage.EventQuery{AccountID: acctA, Region: east}, 50)
	have := map[string]bool{}
	for _, id := range got {
		have[id] = true
	}
	lost := 0
	for _, id := range acked {
		if !have[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events are gone after Close and reopen", lost, len(acked))
	}
}
