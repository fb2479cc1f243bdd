package server

import (
	"context"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker/delivery"
)

// dataTrailsTTL is how long an account's data-event trails are reused
// before they are read again: a trail that starts logging data events
// takes effect within it on every node (CloudTrail too takes a while).
const dataTrailsTTL = 2 * time.Second

// dataTrails decides which data events the front door records: those a
// logging trail of the event's account selects. Most accounts have no such
// trail, and the answer for them is cached, so data-plane calls (every
// PutLogEvents) pay a map lookup.
type dataTrails struct {
	trails storage.Trails
	now    func() time.Time

	mu sync.Mutex
	by map[string]dataTrailsEntry
}

type dataTrailsEntry struct {
	trails []trailwatch.Trail // logging trails that select data events
	at     time.Time
}

func newDataTrails(trails storage.Trails, now func() time.Time) *dataTrails {
	if now == nil {
		now = time.Now
	}
	return &dataTrails{trails: trails, now: now, by: map[string]dataTrailsEntry{}}
}

// Select reports whether ev, a data event, is to be recorded.
func (d *dataTrails) Select(ctx context.Context, ev *trailwatch.Event) bool {
	account := ev.RecipientAccountID
	d.mu.Lock()
	e, ok := d.by[account]
	d.mu.Unlock()
	if !ok || d.now().Sub(e.at) > dataTrailsTTL {
		all, err := d.trails.ListTrails(ctx, account)
		if err != nil {
			// Recording more than asked is the safe side of an error.
			return true
		}
		e = dataTrailsEntry{at: d.now()}
		for _, t := range all {
			if t.IsLogging && delivery.SelectsDataEvents(&t) {
				e.trails = append(e.trails, t)
			}
		}
		d.mu.Lock()
		d.by[account] = e
		d.mu.Unlock()
	}
	return len(e.trails) > 0 && delivery.WantsEvent(e.trails, ev)
}
