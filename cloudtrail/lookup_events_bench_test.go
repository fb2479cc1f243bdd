package cloudtrail_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/cloudtrail"
)

// BenchmarkLookupEvents reads 50-event pages out of a 10,000-event history
// on SQLite: the first page, a later page by token, and a filtered page.
func BenchmarkLookupEvents(b *testing.B) {
	ev := MustOpenEvents(b)
	const n = 10000
	batch := make([]trailwatch.Event, 0, 500)
	for i := range n {
		batch = append(batch, event(fmt.Sprintf("b%05d", i), i, func(e *trailwatch.Event) {
			if i%10 == 0 {
				e.EventName = "CreateUser"
			}
		}))
		if len(batch) == cap(batch) {
			MustPut(b, ev, batch...)
			batch = batch[:0]
		}
	}
	s := newService(ev, base.Add(n*time.Second), 90*24*time.Hour)
	c := caller(accountA, east)
	token := MustLookup(b, s, c, &cloudtrail.LookupEventsInput{}).NextToken

	for _, bb := range []struct {
		name string
		in   cloudtrail.LookupEventsInput
	}{
		{"first page", cloudtrail.LookupEventsInput{}},
		{"second page", cloudtrail.LookupEventsInput{NextToken: token}},
		{"by EventName", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", "CreateUser")}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				out := MustLookup(b, s, c, &bb.in)
				if len(out.Events) != 50 {
					b.Fatalf("got %d events", len(out.Events))
				}
			}
		})
	}
}
