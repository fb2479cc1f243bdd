package logs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

func filtered(events []logs.FilteredLogEvent) []string {
	s := []string{}
	for _, e := range events {
		s = append(s, e.LogStreamName+":"+e.Message)
	}
	return s
}

// filterAll follows nextToken to the end and returns every event with the
// number of calls made.
func filterAll(tb testing.TB, f *fixture, in logs.FilterLogEventsInput) ([]logs.FilteredLogEvent, int) {
	tb.Helper()
	var all []logs.FilteredLogEvent
	for calls := 1; ; calls++ {
		out := must[logs.FilterLogEventsOutput](tb, f, rootA, "FilterLogEvents", &in)
		all = append(all, out.Events...)
		if out.NextToken == "" {
			return all, calls
		}
		if calls > 10000 {
			tb.Fatal("paging does not end")
		}
		in.NextToken = out.NextToken
	}
}

func TestFilterLogEvents(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	for _, s := range []string{"web-1", "web-2", "db"} {
		MustStream(t, f, rootA, "g", s)
	}
	MustPut(t, f, rootA, "g", "web-1", ev(10, `127.0.0.1 GET /index.html 200 512`), ev(30, `10.0.0.2 GET /missing 404 0`))
	MustPut(t, f, rootA, "g", "web-2", ev(20, `10.0.0.3 POST /login 500 17`), ev(30, `10.0.0.3 GET /index.html 200 100`))
	MustPut(t, f, rootA, "g", "db", ev(15, `{"level":"ERROR","user":"alice","latency":250}`), ev(40, `{"level":"INFO","user":"bob","latency":5}`))
	tests := []struct {
		name string
		in   logs.FilterLogEventsInput
		want []string
	}{
		{"everything, interleaved in time order", logs.FilterLogEventsInput{}, []string{
			"web-1:127.0.0.1 GET /index.html 200 512", `db:{"level":"ERROR","user":"alice","latency":250}`,
			"web-2:10.0.0.3 POST /login 500 17", "web-1:10.0.0.2 GET /missing 404 0",
			"web-2:10.0.0.3 GET /index.html 200 100", `db:{"level":"INFO","user":"bob","latency":5}`}},
		{"term", logs.FilterLogEventsInput{FilterPattern: `"index.html"`}, []string{
			"web-1:127.0.0.1 GET /index.html 200 512", "web-2:10.0.0.3 GET /index.html 200 100"}},
		{"terms and exclusion", logs.FilterLogEventsInput{FilterPattern: `GET -404`}, []string{
			"web-1:127.0.0.1 GET /index.html 200 512", "web-2:10.0.0.3 GET /index.html 200 100"}},
		{"alternatives", logs.FilterLogEventsInput{FilterPattern: `?POST ?missing`}, []string{
			"web-2:10.0.0.3 POST /login 500 17", "web-1:10.0.0.2 GET /missing 404 0"}},
		{"JSON", logs.FilterLogEventsInput{FilterPattern: `{ $.latency > 100 && $.user = "ali*" }`}, []string{
			`db:{"level":"ERROR","user":"alice","latency":250}`}},
		{"space-delimited", logs.FilterLogEventsInput{FilterPattern: `[ip, method, path, status >= 400, size]`}, []string{
			"web-2:10.0.0.3 POST /login 500 17", "web-1:10.0.0.2 GET /missing 404 0"}},
		{"regex", logs.FilterLogEventsInput{FilterPattern: `%10\.0\.0\.[23]%`}, []string{
			"web-2:10.0.0.3 POST /login 500 17", "web-1:10.0.0.2 GET /missing 404 0", "web-2:10.0.0.3 GET /index.html 200 100"}},
		{"stream names", logs.FilterLogEventsInput{LogStreamNames: []string{"db", "web-2", "absent"}}, []string{
			`db:{"level":"ERROR","user":"alice","latency":250}`, "web-2:10.0.0.3 POST /login 500 17",
			"web-2:10.0.0.3 GET /index.html 200 100", `db:{"level":"INFO","user":"bob","latency":5}`}},
		{"stream prefix", logs.FilterLogEventsInput{LogStreamNamePrefix: "web-", FilterPattern: "200"}, []string{
			"web-1:127.0.0.1 GET /index.html 200 512", "web-2:10.0.0.3 GET /index.html 200 100"}},
		// Both ends of the window are inclusive.
		{"window", logs.FilterLogEventsInput{StartTime: ptr(baseMillis + 15), EndTime: ptr(baseMillis + 30)}, []string{
			`db:{"level":"ERROR","user":"alice","latency":250}`, "web-2:10.0.0.3 POST /login 500 17",
			"web-1:10.0.0.2 GET /missing 404 0", "web-2:10.0.0.3 GET /index.html 200 100"}},
		{"nothing", logs.FilterLogEventsInput{FilterPattern: `"nothing-matches"`}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.LogGroupName = "g"
			out := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &in)
			if diff := cmp.Diff(tt.want, filtered(out.Events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if out.SearchedLogStreams == nil || len(out.SearchedLogStreams) != 0 || out.NextToken != "" {
				t.Errorf("searchedLogStreams %v, nextToken %q; want [] and none", out.SearchedLogStreams, out.NextToken)
			}
		})
	}

	// The event shape, and an eventId that stays the same from call to
	// call and differs between events.
	a := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: "POST"})
	b := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:111122223333:log-group:g", FilterPattern: "POST"})
	if diff := cmp.Diff(a.Events, b.Events); diff != "" {
		t.Errorf("eventId not stable (-first +second):\n%s", diff)
	}
	e := a.Events[0]
	if *e.Timestamp != baseMillis+20 || *e.IngestionTime != baseMillis || len(e.EventID) != 56 || strings.Trim(e.EventID, "0123456789") != "" {
		t.Errorf("event %+v", e)
	}
	all := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g"})
	ids := map[string]bool{}
	for _, e := range all.Events {
		ids[e.EventID] = true
	}
	if len(ids) != len(all.Events) {
		t.Errorf("%d distinct eventIds for %d events", len(ids), len(all.Events))
	}
}

func TestFilterLogEventsPaging(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	for s := range 3 {
		name := fmt.Sprintf("s%d", s)
		MustStream(t, f, rootA, "g", name)
		var batch []logs.InputLogEvent
		for i := range 40 {
			// Streams share timestamps, so pages split ties.
			msg := fmt.Sprintf("event %d of %s", i, name)
			if i%3 == 0 {
				msg += " rare"
			}
			batch = append(batch, ev(int64(i/2), msg))
		}
		MustPut(t, f, rootA, "g", name, batch...)
	}
	whole := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: "rare"})
	var want []string
	for _, e := range whole.Events {
		want = append(want, e.EventID)
	}
	if len(want) != 3*14 || whole.NextToken != "" {
		t.Fatalf("one call found %d events and token %q, want %d and none", len(want), whole.NextToken, 3*14)
	}
	for _, maxScanned := range []int64{0, 1, 100} {
		// Another service over the same store, with a bound on each
		// call's work: pages get short, even empty, but none is lost.
		g := f.with(func(o *logs.Options) { o.MaxScannedBytes = maxScanned })
		for _, limit := range []int32{1, 5, 7, 10000} {
			t.Run(fmt.Sprintf("MaxScannedBytes %d, limit %d", maxScanned, limit), func(t *testing.T) {
				events, calls := filterAll(t, g, logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: "rare", Limit: ptr(limit)})
				var got []string
				for _, e := range events {
					got = append(got, e.EventID)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("paged events differ from the whole result (-want +got):\n%s", diff)
				}
				// Storage examines at least a chunk (here a batch, one per
				// stream) before it stops, so a one-byte bound makes a
				// call per chunk.
				if maxScanned == 1 && calls < 3 {
					t.Errorf("%d calls with a one-byte bound on each, want one per chunk at least", calls)
				}
			})
		}
	}
}

func TestFilterLogEventsErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPutN(t, f, rootA, "g", "s", 0, 5)
	first := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g", Limit: ptr[int32](2)})
	if first.NextToken == "" {
		t.Fatal("no nextToken on a short page")
	}
	// The token goes on with another limit but not with other selections.
	rest := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g", NextToken: first.NextToken, Limit: ptr[int32](100)})
	if len(rest.Events) != 3 {
		t.Errorf("second page has %d events, want 3", len(rest.Events))
	}
	tests := []struct {
		name      string
		in        logs.FilterLogEventsInput
		code, msg string
	}{
		{"missing group", logs.FilterLogEventsInput{LogGroupName: "nope"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"bad pattern", logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: `{ $.x = }`}, "InvalidParameterException", "Invalid filter pattern"},
		{"names and prefix", logs.FilterLogEventsInput{LogGroupName: "g", LogStreamNames: []string{"s"}, LogStreamNamePrefix: "s"}, "InvalidParameterException", ""},
		{"garbage token", logs.FilterLogEventsInput{LogGroupName: "g", NextToken: "xyz"}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"token with another pattern", logs.FilterLogEventsInput{LogGroupName: "g", NextToken: first.NextToken, FilterPattern: "msg"}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"token with another window", logs.FilterLogEventsInput{LogGroupName: "g", NextToken: first.NextToken, StartTime: ptr[int64](0)}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"limit 0", logs.FilterLogEventsInput{LogGroupName: "g", Limit: ptr[int32](0)}, "InvalidParameterException",
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"101 stream names", logs.FilterLogEventsInput{LogGroupName: "g", LogStreamNames: make([]string, 101)}, "InvalidParameterException", ""},
		{"long pattern", logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: strings.Repeat("x", 1025)}, "InvalidParameterException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.FilterLogEventsOutput](f, rootA, "FilterLogEvents", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
}
