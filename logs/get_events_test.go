package logs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

func messages(events []logs.OutputLogEvent) []string {
	s := []string{}
	for _, e := range events {
		s = append(s, e.Message)
	}
	return s
}

func msgRange(from, to int) []string {
	s := []string{}
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprintf("msg-%d", i))
	}
	return s
}

func TestGetLogEventsFirstPage(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPutN(t, f, rootA, "g", "s", -1000, 20)
	tests := []struct {
		name string
		in   logs.GetLogEventsInput
		want []string
	}{
		{"latest page by default", logs.GetLogEventsInput{Limit: ptr[int32](5)}, msgRange(15, 20)},
		{"head", logs.GetLogEventsInput{Limit: ptr[int32](5), StartFromHead: ptr(true)}, msgRange(0, 5)},
		{"all", logs.GetLogEventsInput{}, msgRange(0, 20)},
		// startTime is inclusive, endTime exclusive.
		{"window", logs.GetLogEventsInput{StartTime: ptr(baseMillis - 1000 + 3), EndTime: ptr(baseMillis - 1000 + 7)}, msgRange(3, 7)},
		{"window from head", logs.GetLogEventsInput{StartTime: ptr(baseMillis - 1000 + 3), EndTime: ptr(baseMillis - 1000 + 7), StartFromHead: ptr(true), Limit: ptr[int32](2)}, msgRange(3, 5)},
		{"empty window", logs.GetLogEventsInput{StartTime: ptr(baseMillis), EndTime: ptr(baseMillis + 10)}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.LogGroupName, in.LogStreamName = "g", "s"
			out := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &in)
			if diff := cmp.Diff(tt.want, messages(out.Events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for _, tok := range []string{out.NextForwardToken, out.NextBackwardToken} {
				if len(tok) != 58 || strings.Trim(tok[2:], "0123456789") != "" {
					t.Errorf("token %q is not f/ or b/ and 56 digits", tok)
				}
			}
		})
	}
	// The event shape: timestamp, message, ingestionTime.
	out := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr[int32](1)})
	want := []logs.OutputLogEvent{{Timestamp: ptr(baseMillis - 1000 + 19), Message: "msg-19", IngestionTime: ptr(baseMillis)}}
	if diff := cmp.Diff(want, out.Events); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
}

// page follows tokens in one direction until the token comes back
// unchanged, as the Go SDK paginator with StopOnDuplicateToken does, and
// returns the messages in the order read and the number of calls.
func page(tb testing.TB, f *fixture, in logs.GetLogEventsInput, backward bool) ([]string, int) {
	tb.Helper()
	var got []string
	calls := 0
	for {
		out := must[logs.GetLogEventsOutput](tb, f, rootA, "GetLogEvents", &in)
		calls++
		if backward {
			got = append(messages(out.Events), got...)
		} else {
			got = append(got, messages(out.Events)...)
		}
		tok := out.NextForwardToken
		if backward {
			tok = out.NextBackwardToken
		}
		if tok == in.NextToken {
			return got, calls
		}
		if calls > 1000 {
			tb.Fatal("paging does not end")
		}
		in.NextToken = tok
	}
}

func TestGetLogEventsPaging(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPutN(t, f, rootA, "g", "s", -1000, 23)
	// Equal timestamps across a page boundary must neither repeat nor drop.
	MustPut(t, f, rootA, "g", "s", ev(-500, "same-0"), ev(-500, "same-1"), ev(-500, "same-2"))
	all := append(msgRange(0, 23), "same-0", "same-1", "same-2")

	for _, limit := range []int32{1, 4, 5, 26, 100} {
		t.Run(fmt.Sprintf("forward from head, limit %d", limit), func(t *testing.T) {
			got, calls := page(t, f, logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: ptr(true), Limit: ptr(limit)}, false)
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			// Every full page, then one that brings the token back.
			if want := (len(all)+int(limit)-1)/int(limit) + 1; calls != want {
				t.Errorf("%d calls, want %d", calls, want)
			}
		})
		t.Run(fmt.Sprintf("backward from the end, limit %d", limit), func(t *testing.T) {
			got, _ := page(t, f, logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr(limit)}, true)
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}

	// The Go paginator sends the forward token without startFromHead: the
	// direction comes from the token. From the default (latest) page it
	// finds nothing newer and stops at once.
	first := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr[int32](3)})
	next := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: first.NextForwardToken})
	if len(next.Events) != 0 || next.NextForwardToken != first.NextForwardToken {
		t.Errorf("after the latest page: %d events, token changed %v", len(next.Events), next.NextForwardToken != first.NextForwardToken)
	}
	// New events show up behind the same token, as `tail`-style polling
	// expects, and then the token stops again.
	MustPut(t, f, rootA, "g", "s", ev(0, "late"))
	late := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: first.NextForwardToken})
	if diff := cmp.Diff([]string{"late"}, messages(late.Events)); diff != "" {
		t.Errorf("polling (-want +got):\n%s", diff)
	}
	again := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: late.NextForwardToken})
	if len(again.Events) != 0 || again.NextForwardToken != late.NextForwardToken {
		t.Errorf("token did not settle after the new event")
	}
	// Turning round at the end: the backward token of an empty forward
	// page reads back from (and including) the last event.
	back := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: again.NextBackwardToken, Limit: ptr[int32](2)})
	if diff := cmp.Diff([]string{"same-2", "late"}, messages(back.Events)); diff != "" {
		t.Errorf("turning round (-want +got):\n%s", diff)
	}
}

func TestGetLogEventsEmptyStream(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	in := logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"}
	out := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &in)
	if len(out.Events) != 0 || out.NextForwardToken == "" || out.NextBackwardToken == "" {
		t.Fatalf("empty stream: %+v", out)
	}
	// Either token comes back unchanged: there is nothing in either
	// direction.
	in.NextToken = out.NextForwardToken
	if again := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &in); again.NextForwardToken != in.NextToken || len(again.Events) != 0 {
		t.Errorf("forward token of an empty stream changes: %+v then %+v", out, again)
	}
	in.NextToken = out.NextBackwardToken
	if again := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &in); again.NextBackwardToken != in.NextToken || len(again.Events) != 0 {
		t.Errorf("backward token of an empty stream changes: %+v then %+v", out, again)
	}
	// Events that arrive later are found from the first forward token.
	MustPut(t, f, rootA, "g", "s", ev(0, "first"))
	in.NextToken = out.NextForwardToken
	got := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &in)
	if diff := cmp.Diff([]string{"first"}, messages(got.Events)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestGetLogEventsPageBytes(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	// Five events of 400 KB: a page holds two (2 × (400 KB + 26) ≤ 1 MB).
	for i := range 5 {
		MustPut(t, f, rootA, "g", "s", ev(int64(i), fmt.Sprintf("%d%s", i, strings.Repeat("x", 400<<10))))
	}
	first := func(events []logs.OutputLogEvent) string {
		s := ""
		for _, e := range events {
			s += e.Message[:1]
		}
		return s
	}
	fwd := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: ptr(true)})
	bwd := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"})
	if first(fwd.Events) != "01" || first(bwd.Events) != "34" {
		t.Fatalf("pages %q and %q, want 01 and 34", first(fwd.Events), first(bwd.Events))
	}
	rest := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: fwd.NextForwardToken})
	if first(rest.Events) != "23" {
		t.Errorf("second page %q, want 23", first(rest.Events))
	}
}

func TestGetLogEventsErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustStream(t, f, rootA, "g", "other")
	MustPutN(t, f, rootA, "g", "s", 0, 3)
	tok := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"}).NextForwardToken
	flipped := tok[:len(tok)-1] + string('0'+(tok[len(tok)-1]-'0'+1)%10)
	tests := []struct {
		name      string
		in        logs.GetLogEventsInput
		code, msg string
	}{
		{"missing group", logs.GetLogEventsInput{LogGroupName: "nope", LogStreamName: "s"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"missing stream", logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "nope"}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"garbage token", logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: "invalid-token"}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"altered token", logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: flipped}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"another stream's token", logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "other", NextToken: tok}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"limit 10001", logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr[int32](10001)}, "InvalidParameterException",
			"1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"},
		{"name and identifier", logs.GetLogEventsInput{LogGroupName: "g", LogGroupIdentifier: "g", LogStreamName: "s"}, "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."},
		{"no stream name", logs.GetLogEventsInput{LogGroupName: "g"}, "InvalidParameterException",
			"1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.GetLogEventsOutput](f, rootA, "GetLogEvents", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	// By ARN.
	out := must[logs.GetLogEventsOutput](t, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:111122223333:log-group:g", LogStreamName: "s"})
	if len(out.Events) != 3 {
		t.Errorf("by ARN: %d events, want 3", len(out.Events))
	}
}
