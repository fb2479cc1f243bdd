package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// openNodes opens n handles on one new database at the same time, as n
// server nodes starting together would.
func openNodes(t *testing.T, n int) (string, []*postgres.DB) {
	t.Helper()
	url := testenv.Postgres(t)
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(context.Background(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: open: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	return url, dbs
}

func TestConcurrentOpen(t *testing.T) {
	url, _ := openNodes(t, 4)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var versions []int
	rows, _ := conn.Query(ctx, `SELECT version FROM migrations ORDER BY version`)
	versions, err = pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, postgres.NumMigrations)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(versions, want) {
		t.Errorf("migrations recorded %v, want %v", versions, want)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	url, dbs := openNodes(t, 1)
	dbs[0].Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO migrations (version) VALUES (1000)`); err != nil {
		t.Fatal(err)
	}
	if db, err := postgres.Open(ctx, url); err == nil || !strings.Contains(err.Error(), "newer") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("opening a newer schema: got %v, want an error saying it is newer", err)
	}
}

// TestNodesShareState checks that nothing a node keeps in memory (the event
// index cache) hides another node's writes, and that limits and leases hold
// across nodes.
func TestNodesShareState(t *testing.T) {
	_, dbs := openNodes(t, 2)
	a, b := dbs[0], dbs[1]
	ctx := context.Background()
	const acct = "111111111111"
	ev := func(id string, sec int) trailwatch.Event {
		return trailwatch.Event{EventID: id, EventName: "CreateTrail", EventSource: "cloudtrail.amazonaws.com", AWSRegion: "us-east-1",
			RecipientAccountID: acct, EventCategory: trailwatch.CategoryManagement, EventTime: time.Unix(int64(1_700_000_000+sec), 0)}
	}
	if err := a.Events().PutEvents(ctx, []trailwatch.Event{ev("e1", 1)}); err != nil {
		t.Fatal(err)
	}
	q := storage.EventQuery{AccountID: acct, Region: "us-east-1", AttributeKey: trailwatch.AttrEventName, AttributeValue: "CreateTrail", Limit: 10}
	// b looks first, so it has not cached the index a created.
	if got, err := b.Events().LookupEvents(ctx, q); err != nil || len(got) != 1 {
		t.Fatalf("node b sees %d events (%v), want 1", len(got), err)
	}
	if err := b.Events().PutEvents(ctx, []trailwatch.Event{ev("e2", 2)}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Events().LookupEvents(ctx, q); err != nil || len(got) != 2 {
		t.Fatalf("node a sees %d events (%v), want 2", len(got), err)
	}

	if err := a.IAM().CreateUser(ctx, trailwatch.User{AccountID: acct, UserName: "bob", Path: "/"}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		node := dbs[i%2]
		wg.Go(func() {
			errs[i] = node.IAM().CreateAccessKey(ctx, trailwatch.AccessKey{AccessKeyID: fmt.Sprint("AKIA", i), AccountID: acct, UserName: "bob", Status: trailwatch.KeyActive}, 2)
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else if !errors.Is(err, storage.ErrLimitExceeded) {
			t.Errorf("create key: %v", err)
		}
	}
	if created != 2 {
		t.Errorf("two nodes racing created %d keys, limit 2", created)
	}

	if ok, err := a.Leases().AcquireLease(ctx, "job", "a", time.Minute); err != nil || !ok {
		t.Fatalf("node a: acquire = %v, %v", ok, err)
	}
	if ok, err := b.Leases().AcquireLease(ctx, "job", "b", time.Minute); err != nil || ok {
		t.Fatalf("node b took node a's lease: %v, %v", ok, err)
	}
}

func TestSharedLogs(t *testing.T) {
	_, dbs := openNodes(t, 2)
	storagetest.RunSharedLogs(t, dbs[0], dbs[1])
}
