package cloudtrail

import (
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// FuzzLookupQuery drives LookupEvents' validation with arbitrary client
// input. It must never panic; every rejection must be a 400 AWS error; and
// every accepted request must yield a query inside the caller's account and
// region, with a page size of 1–50 and bounds the client asked for.
func FuzzLookupQuery(f *testing.F) {
	f.Add("EventName", "ListUsers", "", int32(0), int64(0), int64(0), uint8(0))
	f.Add("Username", "root", "insight", int32(50), int64(1705309200), int64(1705309100), uint8(31))
	f.Add("", "", "Insight", int32(51), int64(-1), int64(1), uint8(7))
	f.Fuzz(func(t *testing.T, key, value, category string, maxResults int32, start, end int64, set uint8) {
		in := &LookupEventsInput{}
		if set&1 != 0 {
			in.LookupAttributes = []LookupAttribute{{AttributeKey: key, AttributeValue: value}}
		}
		if set&2 != 0 {
			in.EventCategory = &category
		}
		if set&4 != 0 {
			in.MaxResults = &maxResults
		}
		if set&8 != 0 {
			st := time.Unix(start, 0)
			in.StartTime = &st
		}
		if set&16 != 0 {
			et := time.Unix(end, 0)
			in.EndTime = &et
		}
		if set&32 != 0 {
			in.LookupAttributes = append(in.LookupAttributes, LookupAttribute{AttributeKey: value, AttributeValue: key})
		}
		now := time.Unix(1717243200, 0)
		s := &Service{now: func() time.Time { return now }, retention: 90 * 24 * time.Hour}
		c := &trailwatch.Caller{AccountID: "111122223333", Region: "us-east-1"}
		q, _, err := s.lookupQuery(c, in)
		if err != nil {
			if e := awserr.As(err); e == nil || e.HTTPStatus() != 400 {
				t.Fatalf("rejection %v is not a 400 AWS error", err)
			}
			return
		}
		if q.AccountID != c.AccountID || q.Region != c.Region {
			t.Fatalf("query escapes the caller: %+v", q)
		}
		if q.Limit < 1 || q.Limit > MaxLookupResults {
			t.Fatalf("page size %d", q.Limit)
		}
		if q.Start.Before(now.Add(-s.retention)) {
			t.Fatalf("start %v before the retention horizon", q.Start)
		}
		if len(in.LookupAttributes) > 1 {
			t.Fatal("accepted two attributes")
		}
	})
}
