package storagetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// CompareEventStores checks that got answers every lookup of evs — each
// account and region's history, a time window, and each lookup attribute
// of a few events — with the same events in the same order as want, paging
// 7 events at a time. Both stores must hold evs; a backend's schema
// migration test uses it to compare a migrated store with a fresh one.
func CompareEventStores(t *testing.T, want, got storage.Events, evs []trailwatch.Event) {
	t.Helper()
	var queries []storage.EventQuery
	mid := evs[len(evs)/2].EventTime
	for _, e := range []trailwatch.Event{evs[0], evs[len(evs)/3], evs[len(evs)-1]} {
		base := storage.EventQuery{AccountID: e.RecipientAccountID, Region: e.AWSRegion}
		queries = append(queries, base)
		w := base
		w.Start, w.End = mid.Add(-24*time.Hour), mid
		queries = append(queries, w)
		for _, a := range e.LookupAttributes() {
			q := base
			q.AttributeKey, q.AttributeValue = a.Key, a.Value
			queries = append(queries, q)
		}
	}
	for _, q := range queries {
		w := pageIDs(t, want, q)
		g := pageIDs(t, got, q)
		if len(w) == 0 {
			t.Errorf("%+v: the events select nothing", q)
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%+v: stores differ (-want +got):\n%s", q, diff)
		}
	}
}

// pageIDs pages through q, 7 events at a time, and returns the event IDs.
func pageIDs(t *testing.T, s storage.Events, q storage.EventQuery) []string {
	t.Helper()
	q.Limit = 7
	var ids []string
	for page := 0; ; page++ {
		if page > 10_000 {
			t.Fatalf("%+v: paging did not end", q)
		}
		evs, err := s.LookupEvents(ctx, q)
		if err != nil {
			t.Fatal(fmt.Errorf("%+v: %w", q, err))
		}
		for _, e := range evs {
			var rec struct {
				EventID string `json:"eventID"`
			}
			if err := json.Unmarshal(e.JSON, &rec); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rec.EventID)
		}
		if len(evs) < q.Limit {
			return ids
		}
		q.After = &evs[len(evs)-1]
	}
}
