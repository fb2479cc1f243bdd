package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/eventindex"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// TestMigrateEventPostings stores events in the layout of schema version 3
// (one row per event, one attribute row per event and attribute), opens the
// database with the current schema, and checks that it answers every lookup
// exactly as a store that received the same events under the current schema.
func TestMigrateEventPostings(t *testing.T) {
	ctx := context.Background()

	const n = 3000
	evs := make([]trailwatch.Event, n)
	for i := range evs {
		evs[i] = storagetest.FixtureEvent(i, n)
	}

	oldURL := inFreshSchema(t, "migrate_old")
	current := migrations
	migrations = migrations[:3]
	old, err := Open(ctx, oldURL)
	migrations = current
	if err != nil {
		t.Fatal(err)
	}
	keys := map[eventindex.Key]int64{}
	rows, err := eventindex.Rows(evs, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i].Main.Category != trailwatch.CategoryData {
			rows[i].Attrs = append(rows[i].Attrs, trailwatch.Attribute{Key: trailwatch.AttrEventID, Value: rows[i].EventID})
			k := rows[i].Main
			k.Attr = trailwatch.AttrEventID
			keys[k] = 0
		}
	}
	if err := old.indexIDs(ctx, keys); err != nil {
		t.Fatal(err)
	}
	err = old.write(ctx, func(tx pgx.Tx) error {
		for _, r := range rows {
			var seq int64
			if err := tx.QueryRow(ctx, `INSERT INTO events (ix, time, json) VALUES ($1, $2, $3) RETURNING seq`,
				keys[r.Main], r.Time, r.JSON).Scan(&seq); err != nil {
				return err
			}
			for _, a := range r.Attrs {
				k := r.Main
				k.Attr = a.Key
				if _, err := tx.Exec(ctx, `INSERT INTO event_attrs (ix, value, time, seq) VALUES ($1, $2, $3, $4)`,
					keys[k], a.Value, r.Time, seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()

	migrated, err := Open(ctx, oldURL)
	if err != nil {
		t.Fatal(err)
	}
	defer migrated.Close()
	fresh, err := Open(ctx, inFreshSchema(t, "migrate_fresh"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Events().PutEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	storagetest.CompareEventStores(t, fresh.Events(), migrated.Events(), evs)
	// An event stored after the migration, at the newest event's second,
	// has a larger seq than every converted event, so it comes first.
	later := evs[n-1]
	later.EventID = "ffffffff-0000-4000-8000-000000000000"
	if err := migrated.Events().PutEvents(ctx, []trailwatch.Event{later}); err != nil {
		t.Fatal(err)
	}
	got, err := migrated.Events().LookupEvents(ctx, storage.EventQuery{AccountID: later.RecipientAccountID, Region: later.AWSRegion, Limit: 1})
	if err != nil || len(got) != 1 || !strings.Contains(string(got[0].JSON), later.EventID) {
		t.Errorf("newest event after the migration: %v, %v; want %s", got, err, later.EventID)
	}
}
