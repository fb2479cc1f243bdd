package storagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

const (
	east = "us-east-1"
	west = "eu-west-1"
)

// eventCounter makes event ids unique across the suite.
var eventCounter atomic.Int64

// event returns a management event in account and region at ts(sec), by
// IAM user alice, changed by the options.
func event(account, region string, sec int, opts ...func(*trailwatch.Event)) trailwatch.Event {
	n := eventCounter.Add(1)
	e := trailwatch.Event{
		EventVersion: trailwatch.EventVersion,
		UserIdentity: trailwatch.UserIdentity{
			Type: trailwatch.PrincipalIAMUser, PrincipalID: "AIDAALICE", ARN: trailwatch.UserARN(account, "/", "alice"),
			AccountID: account, AccessKeyID: "AKIAALICE", UserName: "alice",
		},
		EventTime:          ts(sec),
		EventSource:        "cloudtrail.amazonaws.com",
		EventName:          "DescribeTrails",
		AWSRegion:          region,
		SourceIPAddress:    "198.51.100.7",
		UserAgent:          "aws-cli/2.9.19",
		RequestParameters:  json.RawMessage(`{"includeShadowTrails":true}`),
		EventID:            fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		ReadOnly:           true,
		EventType:          trailwatch.EventTypeAPICall,
		ManagementEvent:    true,
		RecipientAccountID: account,
		EventCategory:      trailwatch.CategoryManagement,
	}
	for _, o := range opts {
		o(&e)
	}
	return e
}

// model is what a store should hold: every event put, in put order.
type model struct{ events []trailwatch.Event }

// put stores evs in s and in the model.
func (m *model) put(t testing.TB, s storage.Events, evs ...trailwatch.Event) {
	t.Helper()
	must(t, "put events", s.PutEvents(ctx, evs))
	m.events = append(m.events, evs...)
}

// lookup answers q, ignoring After and Limit, with event ids newest first.
func (m *model) lookup(q storage.EventQuery) []string {
	cat := q.Category
	if cat == "" {
		cat = trailwatch.CategoryManagement
	}
	type hit struct {
		i int
		e *trailwatch.Event
	}
	var hits []hit
	for i := range m.events {
		e := &m.events[i]
		ecat := e.EventCategory
		if ecat == "" {
			ecat = trailwatch.CategoryManagement
		}
		if e.RecipientAccountID != q.AccountID || e.AWSRegion != q.Region || ecat != cat || ecat == trailwatch.CategoryData {
			continue
		}
		if !q.Start.IsZero() && e.EventTime.Before(q.Start) || !q.End.IsZero() && e.EventTime.After(q.End) {
			continue
		}
		if q.AttributeKey != "" && !slices.Contains(e.LookupAttributes(), trailwatch.Attribute{Key: q.AttributeKey, Value: q.AttributeValue}) {
			continue
		}
		hits = append(hits, hit{i, e})
	}
	// Newest first; among equal times the later put (higher seq) first.
	slices.SortFunc(hits, func(a, b hit) int {
		if c := b.e.EventTime.Compare(a.e.EventTime); c != 0 {
			return c
		}
		return b.i - a.i
	})
	ids := []string{}
	for _, h := range hits {
		ids = append(ids, h.e.EventID)
	}
	return ids
}

// eventIDs decodes the id of each stored record.
func eventIDs(t testing.TB, evs []storage.StoredEvent) []string {
	t.Helper()
	ids := []string{}
	for _, e := range evs {
		var rec struct {
			EventID string `json:"eventID"`
		}
		if err := json.Unmarshal(e.JSON, &rec); err != nil {
			t.Fatalf("stored record seq %d is not JSON: %v: %s", e.Seq, err, e.JSON)
		}
		ids = append(ids, rec.EventID)
	}
	return ids
}

// lookupAll pages through q with pages of size limit, checking that each
// page resumes where the last ended, and returns every event id.
func lookupAll(t testing.TB, s storage.Events, q storage.EventQuery, limit int) []string {
	t.Helper()
	q.Limit = limit
	q.After = nil
	ids := []string{}
	for page := 0; ; page++ {
		if page > 10_000 {
			t.Fatalf("paging did not end")
		}
		evs, err := s.LookupEvents(ctx, q)
		must(t, "lookup", err)
		if len(evs) > limit {
			t.Fatalf("page of %d events, limit %d", len(evs), limit)
		}
		ids = append(ids, eventIDs(t, evs)...)
		if len(evs) < limit {
			return ids
		}
		last := evs[len(evs)-1]
		q.After = &last
	}
}

func testEvents(t *testing.T, h *harness) {
	t.Run("StoredRecord", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		evs := []trailwatch.Event{event(acctA, east, 5), event(acctA, east, 3), event(acctA, east, 9)}
		must(t, "put", s.PutEvents(ctx, evs[:2]))
		must(t, "put", s.PutEvents(ctx, evs[2:]))
		got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, Limit: 10})
		must(t, "lookup", err)
		if len(got) != 3 {
			t.Fatalf("got %d events, want 3", len(got))
		}
		seqs := map[string]int64{}
		for i, want := range []trailwatch.Event{evs[2], evs[0], evs[1]} {
			b, err := json.Marshal(want)
			must(t, "marshal", err)
			if !bytes.Equal(got[i].JSON, b) {
				t.Errorf("event %d JSON:\n got %s\nwant %s", i, got[i].JSON, b)
			}
			if !got[i].Time.Equal(want.EventTime) {
				t.Errorf("event %d time %v, want %v", i, got[i].Time, want.EventTime)
			}
			seqs[want.EventID] = got[i].Seq
		}
		if !(seqs[evs[0].EventID] < seqs[evs[1].EventID] && seqs[evs[1].EventID] < seqs[evs[2].EventID]) {
			t.Errorf("seqs do not increase in put order: %v", seqs)
		}
	})
	t.Run("SubSecondEventTime", func(t *testing.T) {
		// CloudTrail's eventTime has second precision; storage orders and
		// bounds by the second the record shows.
		s := h.store(t).Events()
		e := event(acctA, east, 10, func(e *trailwatch.Event) { e.EventTime = e.EventTime.Add(900 * time.Millisecond) })
		must(t, "put", s.PutEvents(ctx, []trailwatch.Event{e}))
		got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, Start: ts(10), End: ts(10), Limit: 10})
		must(t, "lookup", err)
		if len(got) != 1 || !got[0].Time.Equal(ts(10)) {
			t.Errorf("got %+v, want the event at %v", got, ts(10))
		}
	})
	t.Run("TiesBySeq", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var m model
		m.put(t, s, event(acctA, east, 7), event(acctA, east, 7), event(acctA, east, 8))
		m.put(t, s, event(acctA, east, 7), event(acctA, east, 6))
		m.put(t, s, event(acctA, east, 7))
		// A batch large enough for a backend's bulk path.
		big := make([]trailwatch.Event, 300)
		for i := range big {
			big[i] = event(acctA, east, 7+i%2)
		}
		m.put(t, s, big...)
		q := storage.EventQuery{AccountID: acctA, Region: east}
		want := m.lookup(q)
		for _, limit := range []int{1, 2, 3, 100, 1000} {
			diff(t, fmt.Sprintf("pages of %d", limit), want, lookupAll(t, s, q, limit))
		}
	})
	t.Run("Model", func(t *testing.T) { testEventModel(t, h) })
	t.Run("AttributeKeys", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var m model
		target := event(acctA, east, 20, func(e *trailwatch.Event) {
			e.EventName, e.EventSource, e.ReadOnly = "CreateUser", "iam.amazonaws.com", false
			e.UserIdentity.UserName, e.UserIdentity.AccessKeyID = "bob", "AKIABOB"
			e.Resources = []trailwatch.Resource{{ARN: "arn:aws:iam::111111111111:user/carol", AccountID: acctA, Type: "AWS::IAM::User", Name: "carol"}}
		})
		root := event(acctA, east, 21, func(e *trailwatch.Event) {
			e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, PrincipalID: acctA, ARN: trailwatch.RootARN(acctA), AccountID: acctA, AccessKeyID: "AKIAROOT"}
		})
		m.put(t, s, event(acctA, east, 19), target, root, event(acctA, east, 22))
		tests := []struct{ key, value, want string }{
			{trailwatch.AttrEventID, target.EventID, target.EventID},
			{trailwatch.AttrEventName, "CreateUser", target.EventID},
			{trailwatch.AttrReadOnly, "false", target.EventID},
			{trailwatch.AttrUsername, "bob", target.EventID},
			{trailwatch.AttrUsername, "root", root.EventID},
			{trailwatch.AttrAccessKeyID, "AKIABOB", target.EventID},
			{trailwatch.AttrAccessKeyID, "AKIAROOT", root.EventID},
			{trailwatch.AttrEventSource, "iam.amazonaws.com", target.EventID},
			{trailwatch.AttrResourceType, "AWS::IAM::User", target.EventID},
			{trailwatch.AttrResourceName, "carol", target.EventID},
			{trailwatch.AttrResourceName, "arn:aws:iam::111111111111:user/carol", target.EventID},
		}
		for _, tt := range tests {
			t.Run(tt.key+"="+tt.value, func(t *testing.T) {
				q := storage.EventQuery{AccountID: acctA, Region: east, AttributeKey: tt.key, AttributeValue: tt.value, Limit: 50}
				got, err := s.LookupEvents(ctx, q)
				must(t, "lookup", err)
				diff(t, "ids", []string{tt.want}, eventIDs(t, got))
				diff(t, "model agrees", m.lookup(q), eventIDs(t, got))
			})
		}
		none := []struct{ name, key, value string }{
			{"value matched exactly, not by case", trailwatch.AttrEventName, "createuser"},
			{"value matched exactly, not by prefix", trailwatch.AttrEventName, "Create"},
			{"value of another key", trailwatch.AttrUsername, "CreateUser"},
			{"unknown key", "Color", "red"},
			{"empty value", trailwatch.AttrEventName, ""},
		}
		for _, tt := range none {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, AttributeKey: tt.key, AttributeValue: tt.value, Limit: 50})
				must(t, "lookup", err)
				diff(t, "ids", []string{}, eventIDs(t, got))
			})
		}
	})
	t.Run("LongValues", func(t *testing.T) {
		// LookupEvents takes values of up to 2000 characters; both backends
		// index values of up to 2000 bytes and no longer.
		s := h.store(t).Events()
		fits := strings.Repeat("a", 2000)
		tooLong := strings.Repeat("b", 2001)
		e := event(acctA, east, 1, func(e *trailwatch.Event) {
			e.Resources = []trailwatch.Resource{{Type: "AWS::S3::Object", Name: fits}, {Type: "AWS::S3::Object", Name: tooLong}}
		})
		must(t, "put", s.PutEvents(ctx, []trailwatch.Event{e}))
		for _, tt := range []struct {
			value string
			want  []string
		}{{fits, []string{e.EventID}}, {tooLong, []string{}}} {
			got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, AttributeKey: trailwatch.AttrResourceName, AttributeValue: tt.value, Limit: 50})
			must(t, "lookup", err)
			diff(t, fmt.Sprintf("value of %d bytes", len(tt.value)), tt.want, eventIDs(t, got))
		}
	})
	t.Run("TimeBounds", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var m model
		for sec := range 10 {
			m.put(t, s, event(acctA, east, sec, func(e *trailwatch.Event) { e.EventName = "Tick" }))
		}
		half := 500 * time.Millisecond
		tests := []struct {
			name       string
			start, end time.Time
			want       []int // seconds of the events expected, newest first
		}{
			{"inclusive both ends", ts(3), ts(6), []int{6, 5, 4, 3}},
			{"one second", ts(4), ts(4), []int{4}},
			{"start only", ts(7), time.Time{}, []int{9, 8, 7}},
			{"end only", time.Time{}, ts(2), []int{2, 1, 0}},
			{"sub-second bounds", ts(3).Add(half), ts(6).Add(half), []int{6, 5, 4}},
			{"empty window", ts(20), ts(30), nil},
			{"start after end", ts(6), ts(3), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, attr := range []string{"", trailwatch.AttrEventName} {
					q := storage.EventQuery{AccountID: acctA, Region: east, Start: tt.start, End: tt.end}
					if attr != "" {
						q.AttributeKey, q.AttributeValue = attr, "Tick"
					}
					got, err := s.LookupEvents(ctx, withLimit(q, 100))
					must(t, "lookup", err)
					var secs []int
					for _, e := range got {
						secs = append(secs, int(e.Time.Sub(ts(0))/time.Second))
					}
					diff(t, "seconds with attribute "+attr, tt.want, secs)
					diff(t, "model agrees", m.lookup(q), eventIDs(t, got))
				}
			})
		}
	})
	t.Run("Categories", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		mgmt := event(acctA, east, 1)
		blank := event(acctA, east, 2, func(e *trailwatch.Event) { e.EventCategory = "" })
		insight := event(acctA, east, 3, func(e *trailwatch.Event) {
			e.EventCategory, e.EventType, e.ManagementEvent = trailwatch.CategoryInsight, "AwsCloudTrailInsight", false
		})
		data := event(acctA, east, 4, func(e *trailwatch.Event) {
			e.EventCategory, e.ManagementEvent, e.EventName = trailwatch.CategoryData, false, "PutLogEvents"
		})
		must(t, "put", s.PutEvents(ctx, []trailwatch.Event{mgmt, blank, insight, data}))
		tests := []struct {
			category, attr, value string
			want                  []string
		}{
			{"", "", "", []string{blank.EventID, mgmt.EventID}},
			{trailwatch.CategoryManagement, "", "", []string{blank.EventID, mgmt.EventID}},
			{trailwatch.CategoryInsight, "", "", []string{insight.EventID}},
			{trailwatch.CategoryInsight, trailwatch.AttrEventName, insight.EventName, []string{insight.EventID}},
			{trailwatch.CategoryData, "", "", []string{}},
			{"", trailwatch.AttrEventName, "PutLogEvents", []string{}},
			{trailwatch.CategoryData, trailwatch.AttrEventName, "PutLogEvents", []string{}},
		}
		for _, tt := range tests {
			got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, Category: tt.category, AttributeKey: tt.attr, AttributeValue: tt.value, Limit: 50})
			must(t, "lookup", err)
			diff(t, fmt.Sprintf("category %q attribute %s=%s", tt.category, tt.attr, tt.value), tt.want, eventIDs(t, got))
		}
	})
	t.Run("Isolation", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		a := event(acctA, east, 1, func(e *trailwatch.Event) { e.EventName = "Shared" })
		aw := event(acctA, west, 1, func(e *trailwatch.Event) { e.EventName = "Shared" })
		b := event(acctB, east, 1, func(e *trailwatch.Event) { e.EventName = "Shared" })
		must(t, "put", s.PutEvents(ctx, []trailwatch.Event{a, aw, b}))
		for _, tt := range []struct {
			account, region string
			want            string
		}{{acctA, east, a.EventID}, {acctA, west, aw.EventID}, {acctB, east, b.EventID}, {acctB, west, ""}} {
			want := []string{}
			if tt.want != "" {
				want = []string{tt.want}
			}
			for _, attr := range []string{"", trailwatch.AttrEventName} {
				q := storage.EventQuery{AccountID: tt.account, Region: tt.region, Limit: 50}
				if attr != "" {
					q.AttributeKey, q.AttributeValue = attr, "Shared"
				}
				got, err := s.LookupEvents(ctx, q)
				must(t, "lookup", err)
				diff(t, tt.account+" "+tt.region+" "+attr, want, eventIDs(t, got))
			}
		}
		// Another account's event id, looked up directly, is not found.
		got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctB, Region: east, AttributeKey: trailwatch.AttrEventID, AttributeValue: a.EventID, Limit: 50})
		must(t, "lookup", err)
		diff(t, "A's event id through B", []string{}, eventIDs(t, got))
	})
	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var m model
		for i := range 5 {
			m.put(t, s, event(acctA, east, i))
		}
		q := storage.EventQuery{AccountID: acctA, Region: east}
		all := m.lookup(q)
		for _, limit := range []int{0, 1, 4, 5, 6} {
			got, err := s.LookupEvents(ctx, withLimit(q, limit))
			must(t, "lookup", err)
			diff(t, fmt.Sprint("limit ", limit), all[:min(limit, len(all))], eventIDs(t, got))
		}
	})
	t.Run("EmptyPut", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		must(t, "put nothing", s.PutEvents(ctx, nil))
		must(t, "put empty", s.PutEvents(ctx, []trailwatch.Event{}))
	})
	t.Run("ReadEventChunks", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var want []string
		for _, n := range []int{1, 150, 3} { // 150 spans several chunks
			evs := make([]trailwatch.Event, n)
			for i := range evs {
				evs[i] = event(acctA, east, i%7)
				if i%2 == 1 {
					evs[i] = event(acctB, west, i%7, func(e *trailwatch.Event) { e.EventCategory = trailwatch.CategoryData })
				}
				want = append(want, evs[i].EventID)
			}
			must(t, "put", s.PutEvents(ctx, evs))
		}
		var got []string
		var after int64
		for {
			chunks, err := s.ReadEventChunks(ctx, after, 2)
			must(t, "read chunks", err)
			if len(chunks) == 0 {
				break
			}
			for _, c := range chunks {
				if c.ID <= after {
					t.Fatalf("chunk %d read after %d", c.ID, after)
				}
				after = c.ID
				for _, r := range c.Records {
					var rec struct {
						EventID string `json:"eventID"`
					}
					must(t, "decode record", json.Unmarshal(r, &rec))
					got = append(got, rec.EventID)
				}
			}
		}
		diff(t, "every record in the order stored", want, got)
	})
	t.Run("CanceledContext", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.PutEvents(cctx, []trailwatch.Event{event(acctA, east, 1)}); err == nil {
			t.Fatalf("PutEvents with a canceled context returned nil")
		}
		got, err := s.LookupEvents(ctx, storage.EventQuery{AccountID: acctA, Region: east, Limit: 50})
		must(t, "lookup", err)
		if len(got) != 0 {
			t.Errorf("a failed put stored %d events", len(got))
		}
	})
	t.Run("DeleteEventsBefore", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		var m model
		for sec := range 6 {
			m.put(t, s, event(acctA, east, sec), event(acctB, west, sec, func(e *trailwatch.Event) {
				e.EventCategory = trailwatch.CategoryInsight
			}))
		}
		m.put(t, s, event(acctA, east, 2, func(e *trailwatch.Event) { e.EventCategory = trailwatch.CategoryData }))
		n, err := s.DeleteEventsBefore(ctx, ts(0))
		must(t, "delete before the first", err)
		if n != 0 {
			t.Errorf("deleted %d events before the oldest, want 0", n)
		}
		// Events at exactly the cut-off second stay; a sub-second cut-off
		// removes the whole second before it.
		n, err = s.DeleteEventsBefore(ctx, ts(2).Add(-time.Millisecond))
		must(t, "delete", err)
		if n != 4 {
			t.Errorf("deleted %d events before %v, want 4", n, ts(2))
		}
		n, err = s.DeleteEventsBefore(ctx, ts(3))
		must(t, "delete", err)
		if n != 3 {
			t.Errorf("deleted %d events before %v, want 3 (including a data event)", n, ts(3))
		}
		m.events = slices.DeleteFunc(m.events, func(e trailwatch.Event) bool { return e.EventTime.Before(ts(3)) })
		for _, q := range []storage.EventQuery{
			{AccountID: acctA, Region: east},
			{AccountID: acctA, Region: east, AttributeKey: trailwatch.AttrUsername, AttributeValue: "alice"},
			{AccountID: acctA, Region: east, AttributeKey: trailwatch.AttrReadOnly, AttributeValue: "true"},
			{AccountID: acctB, Region: west, Category: trailwatch.CategoryInsight},
			{AccountID: acctB, Region: west, Category: trailwatch.CategoryInsight, AttributeKey: trailwatch.AttrEventName, AttributeValue: "DescribeTrails"},
		} {
			diff(t, fmt.Sprintf("after delete, %+v", q), m.lookup(q), lookupAll(t, s, q, 50))
		}
	})
	t.Run("DeleteManyEventsBefore", func(t *testing.T) {
		// More events than one delete batch of either backend.
		if testing.Short() {
			t.Skip("slow: stores 25,000 events")
		}
		t.Parallel()
		s := h.store(t).Events()
		evs := make([]trailwatch.Event, 25_000)
		for i := range evs {
			evs[i] = event(acctA, east, i%100, func(e *trailwatch.Event) { e.UserIdentity.AccessKeyID = "" })
		}
		keep := event(acctA, east, 100)
		must(t, "put", s.PutEvents(ctx, append(evs, keep)))
		n, err := s.DeleteEventsBefore(ctx, ts(100))
		must(t, "delete", err)
		if n != int64(len(evs)) {
			t.Errorf("deleted %d, want %d", n, len(evs))
		}
		for _, q := range []storage.EventQuery{
			{AccountID: acctA, Region: east},
			{AccountID: acctA, Region: east, AttributeKey: trailwatch.AttrEventName, AttributeValue: "DescribeTrails"},
		} {
			diff(t, fmt.Sprintf("after delete, %+v", q), []string{keep.EventID}, lookupAll(t, s, q, 50))
		}
	})
	t.Run("DeleteWhileWriting", func(t *testing.T) {
		// Retention runs beside live writes: it must neither block them
		// for good nor take events newer than its cut-off.
		t.Parallel()
		s := h.store(t).Events()
		old := make([]trailwatch.Event, 3000)
		for i := range old {
			old[i] = event(acctA, east, i%50)
		}
		must(t, "put old", s.PutEvents(ctx, old))
		done := make(chan error, 1)
		var fresh []string
		go func() {
			for i := range 40 {
				e := event(acctA, east, 100+i%5)
				if err := s.PutEvents(ctx, []trailwatch.Event{e}); err != nil {
					done <- err
					return
				}
				fresh = append(fresh, e.EventID)
			}
			done <- nil
		}()
		n, err := s.DeleteEventsBefore(ctx, ts(100))
		must(t, "delete", err)
		must(t, "concurrent put", <-done)
		if n != int64(len(old)) {
			t.Errorf("deleted %d, want %d", n, len(old))
		}
		got := lookupAll(t, s, storage.EventQuery{AccountID: acctA, Region: east}, 50)
		slices.Sort(got)
		slices.Sort(fresh)
		diff(t, "events left", fresh, got)
	})
	t.Run("ConcurrentWriters", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Events()
		const writers, puts, batch = 8, 10, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*puts)
		var mu sync.Mutex
		want := []string{}
		for w := range writers {
			wg.Go(func() {
				for p := range puts {
					evs := make([]trailwatch.Event, batch)
					for i := range evs {
						evs[i] = event(acctA, east, (w+p+i)%7)
					}
					if err := s.PutEvents(ctx, evs); err != nil {
						errs <- err
						continue
					}
					mu.Lock()
					for _, e := range evs {
						want = append(want, e.EventID)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent put: %v", err)
		}
		got := lookupAll(t, s, storage.EventQuery{AccountID: acctA, Region: east}, 13)
		slices.Sort(got)
		slices.Sort(want)
		diff(t, "every acknowledged event, once", want, got)
	})
}

// withLimit returns q with Limit set.
func withLimit(q storage.EventQuery, limit int) storage.EventQuery {
	q.Limit = limit
	return q
}

// testEventModel puts a few hundred varied events and compares every kind
// of query, paged in several sizes, with the model.
func testEventModel(t *testing.T, h *harness) {
	t.Parallel()
	s := h.store(t).Events()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	type res struct{ typ, name, arn string }
	resources := []res{
		{"AWS::IAM::User", "carol", "arn:aws:iam::111111111111:user/carol"},
		{"AWS::IAM::User", "dave", "arn:aws:iam::111111111111:user/dave"},
		{"AWS::CloudTrail::Trail", "audit", "arn:aws:cloudtrail:us-east-1:111111111111:trail/audit"},
		{"AWS::Logs::LogGroup", "app", "arn:aws:logs:us-east-1:111111111111:log-group:app"},
	}
	var m model
	for len(m.events) < 400 {
		batch := make([]trailwatch.Event, 1+rng.IntN(30))
		for i := range batch {
			account, region := pick(acctA, acctB), pick(east, west)
			batch[i] = event(account, region, rng.IntN(60), func(e *trailwatch.Event) {
				e.EventCategory = pick(trailwatch.CategoryManagement, trailwatch.CategoryManagement, trailwatch.CategoryManagement, trailwatch.CategoryInsight, trailwatch.CategoryData)
				e.EventName = pick("CreateTrail", "DescribeTrails", "CreateUser", "PutLogEvents", "LookupEvents")
				e.EventSource = pick("cloudtrail.amazonaws.com", "iam.amazonaws.com", "logs.amazonaws.com")
				e.ReadOnly = rng.IntN(2) == 0
				switch rng.IntN(4) {
				case 0:
					e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, AccountID: account, AccessKeyID: "AKIAROOT"}
				case 1:
					e.UserIdentity = trailwatch.UserIdentity{Type: "AWSService"}
				default:
					u := pick("alice", "bob")
					e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalIAMUser, UserName: u, AccessKeyID: pick("AKIA1"+u, "AKIA2"+u)}
				}
				for range rng.IntN(3) {
					r := resources[rng.IntN(len(resources))]
					e.Resources = append(e.Resources, trailwatch.Resource{ARN: r.arn, AccountID: account, Type: r.typ, Name: r.name})
				}
			})
		}
		m.put(t, s, batch...)
	}
	windows := []struct {
		name       string
		start, end time.Time
	}{
		{"unbounded", time.Time{}, time.Time{}},
		{"window", ts(10), ts(40)},
		{"start", ts(30), time.Time{}},
		{"end", time.Time{}, ts(15)},
		{"one second", ts(22), ts(22)},
		{"sub-second", ts(10).Add(time.Millisecond), ts(40).Add(999 * time.Millisecond)},
	}
	check := func(t *testing.T, q storage.EventQuery) {
		t.Helper()
		want := m.lookup(q)
		for _, limit := range []int{1, 7, 1000} {
			got := lookupAll(t, s, q, limit)
			if !slices.Equal(want, got) {
				diff(t, fmt.Sprintf("%+v in pages of %d", q, limit), want, got)
			}
		}
	}
	for _, account := range []string{acctA, acctB} {
		for _, region := range []string{east, west} {
			for _, cat := range []string{"", trailwatch.CategoryInsight, trailwatch.CategoryData} {
				for _, w := range windows {
					check(t, storage.EventQuery{AccountID: account, Region: region, Category: cat, Start: w.start, End: w.end})
				}
			}
		}
	}
	// Every attribute value the model holds for one account and region.
	values := map[trailwatch.Attribute]bool{}
	for _, e := range m.events {
		if e.RecipientAccountID == acctA && e.AWSRegion == east {
			for _, a := range e.LookupAttributes() {
				if a.Key != trailwatch.AttrEventID || len(values) < 40 {
					values[a] = true
				}
			}
		}
	}
	for a := range values {
		for _, w := range windows[:3] {
			for _, cat := range []string{"", trailwatch.CategoryInsight} {
				check(t, storage.EventQuery{AccountID: acctA, Region: east, Category: cat, AttributeKey: a.Key, AttributeValue: a.Value, Start: w.start, End: w.end})
			}
		}
	}
}
