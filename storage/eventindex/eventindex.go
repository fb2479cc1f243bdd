// Package eventindex turns CloudTrail events into the rows both backends
// store for event history — the record's JSON, and postings in the
// ordered indexes LookupEvents reads — and reads those postings back
// newest first.
package eventindex

import (
	"fmt"
	"math"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// Key names one ordered index of events (an event_indexes row): events of
// one account, region and category, by one lookup attribute. Attr is "" for
// the index of all events by time.
type Key struct{ Account, Region, Category, Attr string }

// Category normalises an event category for storage and queries: "" means
// management, as in storage.EventQuery.
func Category(c string) string {
	if c == "" {
		return trailwatch.CategoryManagement
	}
	return c
}

// MaxAttrValue is the longest attribute value indexed, in bytes.
// LookupEvents accepts values of at most 2000 characters (reference/
// cloudtrail.md §4); bounding bytes keeps every index entry below
// PostgreSQL's B-tree limit of about 2700 bytes, and both backends use the
// same bound so they agree.
const MaxAttrValue = 2000

// Row is one event ready to insert.
type Row struct {
	Main Key // the account/region/category index by time
	Time int64
	// EventID is the ID to index, "" for data events: LookupEvents never
	// returns them.
	EventID string
	JSON    []byte
	// Attrs are the lookup attributes that go into postings: all but the
	// the event ID, which has an index of its own.
	Attrs []trailwatch.Attribute
}

// Rows encodes evs and records every index they need as a key of keys
// (with value 0, for the backend to fill in).
func Rows(evs []trailwatch.Event, keys map[Key]int64) ([]Row, error) {
	rows := make([]Row, len(evs))
	for i := range evs {
		e := &evs[i]
		b, err := e.MarshalJSON() // not json.Marshal, which would compact it again
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", e.EventID, err)
		}
		r := Row{
			Main: Key{e.RecipientAccountID, e.AWSRegion, Category(e.EventCategory), ""},
			Time: e.EventTime.Unix(),
			JSON: b,
		}
		keys[r.Main] = 0
		// LookupEvents never returns data events (reference/cloudtrail.md
		// §4), so indexing their attributes would only cost space.
		if r.Main.Category != trailwatch.CategoryData {
			r.EventID = e.EventID
			// LookupAttributes lists each (key, value) once.
			for _, a := range e.LookupAttributes() {
				if a.Key == trailwatch.AttrEventID || a.Value == "" || len(a.Value) > MaxAttrValue {
					continue
				}
				r.Attrs = append(r.Attrs, a)
				k := r.Main
				k.Attr = a.Key
				keys[k] = 0
			}
		}
		rows[i] = r
	}
	return rows, nil
}

// CeilUnix is the first whole second at or after t. Event times are whole
// seconds, so "at or after t" and "at or after CeilUnix(t)" select the same
// events.
func CeilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// Lookup is what a LookupEvents query reads: the index, and the window of
// event times (Unix seconds, both inclusive).
type Lookup struct {
	Key    Key
	Lo, Hi int64
}

// PlanLookup turns q into the index range to read; ok is false when q can
// select nothing (no limit, data events, or an attribute value no index
// holds).
func PlanLookup(q storage.EventQuery) (l Lookup, ok bool) {
	cat := Category(q.Category)
	if q.Limit <= 0 || cat == trailwatch.CategoryData ||
		(q.AttributeKey != "" && (q.AttributeValue == "" || len(q.AttributeValue) > MaxAttrValue)) {
		return Lookup{}, false
	}
	l = Lookup{Key: Key{Account: q.AccountID, Region: q.Region, Category: cat, Attr: q.AttributeKey}, Lo: math.MinInt64, Hi: math.MaxInt64}
	if !q.Start.IsZero() {
		l.Lo = CeilUnix(q.Start)
	}
	if !q.End.IsZero() {
		l.Hi = q.End.Unix()
	}
	return l, true
}
