package storagetest

import (
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
