package logs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

const (
	hour = int64(time.Hour / time.Millisecond)
	day  = 24 * hour
)

// getAll reads a whole stream from the head.
func getAll(tb testing.TB, f *fixture, group, stream string) []string {
	tb.Helper()
	out := must[logs.GetLogEventsOutput](tb, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: group, LogStreamName: stream, StartFromHead: ptr(true)})
	msgs := []string{}
	for _, e := range out.Events {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

func TestPutLogEvents(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	out := must[logs.PutLogEventsOutput](t, f, rootA, "PutLogEvents", &logs.PutLogEventsInput{
		LogGroupName: "g", LogStreamName: "s", SequenceToken: "whatever, it is ignored",
		LogEvents: []logs.InputLogEvent{ev(-2000, "first"), ev(-1000, "second"), ev(-1000, "third 🙀 参よ")},
		Entity:    &logs.Entity{KeyAttributes: map[string]string{"Type": "Service", "Name": "web"}},
	})
	want := &logs.PutLogEventsOutput{NextSequenceToken: fmt.Sprintf("%056d", baseMillis)}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("PutLogEvents (-want +got):\n%s", diff)
	}
	// Batches from different calls interleave by timestamp; one batch keeps
	// its order among equal timestamps.
	f.advance(time.Second)
	MustPut(t, f, rootA, "g", "s", ev(-1500, "between"), ev(-1000, "after third"))
	if diff := cmp.Diff([]string{"first", "between", "second", "third 🙀 参よ", "after third"}, getAll(t, f, "g", "s")); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	g := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{}).LogGroups[0]
	if g.StoredBytes == nil || *g.StoredBytes <= 0 {
		t.Errorf("storedBytes %v after storing events, want > 0", g.StoredBytes)
	}
}

func TestPutLogEventsRejected(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustGroup(t, f, rootA, "short")
	must[logs.PutRetentionPolicyOutput](t, f, rootA, "PutRetentionPolicy", &logs.PutRetentionPolicyInput{LogGroupName: "short", RetentionInDays: ptr[int32](3)})
	tests := []struct {
		name   string
		group  string
		events []logs.InputLogEvent
		want   *logs.RejectedLogEventsInfo
		stored []string
	}{
		{"oldest allowed", "g", []logs.InputLogEvent{ev(-14*day, "a"), ev(-14*day+1, "b")}, nil, []string{"a", "b"}},
		{"newest allowed", "g", []logs.InputLogEvent{ev(2*hour, "a")}, nil, []string{"a"}},
		{"too old", "g", []logs.InputLogEvent{ev(-30*day, "a"), ev(-14*day-1, "b"), ev(-1, "c")},
			&logs.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr[int32](2)}, []string{"c"}},
		{"too new", "g", []logs.InputLogEvent{ev(0, "a"), ev(2*hour+1, "b"), ev(day, "c")},
			&logs.RejectedLogEventsInfo{TooNewLogEventStartIndex: ptr[int32](1)}, []string{"a"}},
		{"both", "g", []logs.InputLogEvent{ev(-15*day, "a"), ev(0, "b"), ev(3*hour, "c")},
			&logs.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr[int32](1), TooNewLogEventStartIndex: ptr[int32](2)}, []string{"b"}},
		{"all too old", "g", []logs.InputLogEvent{ev(-30*day, "a")}, &logs.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr[int32](1)}, []string{}},
		{"expired by retention", "short", []logs.InputLogEvent{ev(-20*day, "a"), ev(-4*day, "b"), ev(-3*day-1, "c"), ev(-3*day, "d")},
			&logs.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr[int32](1), ExpiredLogEventEndIndex: ptr[int32](3)}, []string{"d"}},
		// Only accepted events count towards the 24-hour span.
		{"span of the accepted events", "g", []logs.InputLogEvent{ev(-20*day, "a"), ev(-day, "b"), ev(0, "c")},
			&logs.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr[int32](1)}, []string{"b", "c"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := fmt.Sprintf("s%d", i)
			MustStream(t, f, rootA, tt.group, stream)
			out := must[logs.PutLogEventsOutput](t, f, rootA, "PutLogEvents", &logs.PutLogEventsInput{LogGroupName: tt.group, LogStreamName: stream, LogEvents: tt.events})
			if diff := cmp.Diff(tt.want, out.RejectedLogEventsInfo); diff != "" {
				t.Errorf("rejectedLogEventsInfo (-want +got):\n%s", diff)
			}
			if out.NextSequenceToken == "" {
				t.Error("no nextSequenceToken")
			}
			if diff := cmp.Diff(tt.stored, getAll(t, f, tt.group, stream)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPutLogEventsErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	big := func(n int) string { return strings.Repeat("x", n) }
	many := func(n int, size int) []logs.InputLogEvent {
		events := make([]logs.InputLogEvent, n)
		for i := range events {
			events[i] = ev(int64(i), big(size))
		}
		return events
	}
	// 1,048,576 bytes exactly: 1,024 events of 1,024-26 bytes.
	exact := many(1024, 1024-26)
	over := many(1024, 1024-26)
	over[0] = ev(0, big(1024-25))

	tests := []struct {
		name      string
		in        logs.PutLogEventsInput
		code, msg string
	}{
		{"no group", logs.PutLogEventsInput{LogGroupName: "nope", LogStreamName: "s", LogEvents: many(1, 1)},
			"ResourceNotFoundException", "The specified log group does not exist."},
		{"no stream", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "nope", LogEvents: many(1, 1)},
			"ResourceNotFoundException", "The specified log stream does not exist."},
		{"no stream, every event rejected", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "nope", LogEvents: []logs.InputLogEvent{ev(-30*day, "old")}},
			"ResourceNotFoundException", "The specified log stream does not exist."},
		{"out of order", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{ev(0, "a"), ev(-2*day, "b")}},
			"InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."},
		{"span over 24 hours", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{ev(-day-1, "a"), ev(0, "b")}},
			"InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{"batch one byte over", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: over},
			"InvalidParameterException", "Upload too large: 1048577 bytes exceeds limit of 1048576"},
		{"event too large", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: many(1, 1<<20)},
			"InvalidParameterException", "Log event too large: 1048602 bytes exceeds limit of 1048576"},
		{"10,001 events", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: many(10001, 1)},
			"InvalidParameterException", ""},
		{"no events", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{}},
			"InvalidParameterException", "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"empty message", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{ev(0, "")}},
			"InvalidParameterException", "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"negative timestamp", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{{Timestamp: ptr[int64](-1), Message: ptr("m")}}},
			"InvalidParameterException", "1 validation error detected: Value '-1' at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"missing timestamp", logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{{Message: ptr("m")}}},
			"InvalidParameterException", "1 validation error detected: Value null at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.PutLogEventsOutput](f, rootA, "PutLogEvents", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	if got := getAll(t, f, "g", "s"); len(got) != 0 {
		t.Fatalf("failed batches stored %d events", len(got))
	}
	// The limits themselves are allowed: exactly 1,048,576 bytes, exactly
	// 10,000 events, exactly 24 hours.
	MustPut(t, f, rootA, "g", "s", exact...)
	MustStream(t, f, rootA, "g", "s2")
	MustPut(t, f, rootA, "g", "s2", many(10000, 1)...)
	MustStream(t, f, rootA, "g", "s3")
	MustPut(t, f, rootA, "g", "s3", ev(-day, "a"), ev(0, "b"))
}
