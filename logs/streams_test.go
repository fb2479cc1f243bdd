package logs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

func streamNames(out *logs.DescribeLogStreamsOutput) []string {
	s := []string{}
	for _, st := range out.LogStreams {
		s = append(s, st.LogStreamName)
	}
	return s
}

func TestCreateDescribeLogStream(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "fresh")
	MustStream(t, f, rootA, "g", "busy")
	f.advance(time.Minute)
	MustPut(t, f, rootA, "g", "busy", ev(-500, "a"), ev(-100, "b"))
	f.advance(time.Minute)
	MustPut(t, f, rootA, "g", "busy", ev(-300, "c"))

	out := must[logs.DescribeLogStreamsOutput](t, f, rootA, "DescribeLogStreams", &logs.DescribeLogStreamsInput{LogGroupName: "g"})
	arn := "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:"
	ingested := baseMillis + 2*60*1000
	want := &logs.DescribeLogStreamsOutput{LogStreams: []logs.LogStream{
		{LogStreamName: "busy", CreationTime: baseMillis, FirstEventTimestamp: ptr(baseMillis - 500), LastEventTimestamp: ptr(baseMillis - 100),
			LastIngestionTime: ptr(ingested), UploadSequenceToken: fmt.Sprintf("%056d", ingested), ARN: arn + "busy", StoredBytes: ptr[int64](0)},
		// A stream without events has no event or ingestion times (§3.2).
		{LogStreamName: "fresh", CreationTime: baseMillis, ARN: arn + "fresh", StoredBytes: ptr[int64](0)},
	}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("DescribeLogStreams (-want +got):\n%s", diff)
	}

	tests := []struct {
		name      string
		in        logs.CreateLogStreamInput
		code, msg string
	}{
		{"exists", logs.CreateLogStreamInput{LogGroupName: "g", LogStreamName: "fresh"}, "ResourceAlreadyExistsException", "The specified log stream already exists"},
		{"no group", logs.CreateLogStreamInput{LogGroupName: "nope", LogStreamName: "s"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"colon", logs.CreateLogStreamInput{LogGroupName: "g", LogStreamName: "a:b"}, "InvalidParameterException",
			"1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"},
		{"too long", logs.CreateLogStreamInput{LogGroupName: "g", LogStreamName: strings.Repeat("s", 513)}, "InvalidParameterException",
			"Invalid LogGroup or LogStream, both must have length less than or equal to 512."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.CreateLogStreamOutput](f, rootA, "CreateLogStream", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
}

func TestDescribeLogStreamsOrder(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	// Streams s0..s6 whose last events run newest-first, so time order
	// reverses name order; s7 has no events.
	for i := range 8 {
		name := fmt.Sprintf("s%d", i)
		MustStream(t, f, rootA, "g", name)
		if i < 7 {
			MustPut(t, f, rootA, "g", name, ev(int64(-i*1000), "m"))
		}
	}
	MustStream(t, f, rootA, "g", "other")
	tests := []struct {
		name string
		in   logs.DescribeLogStreamsInput
		want []string
	}{
		{"by name", logs.DescribeLogStreamsInput{}, []string{"other", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"}},
		{"by name, descending", logs.DescribeLogStreamsInput{Descending: ptr(true)}, []string{"s7", "s6", "s5", "s4", "s3", "s2", "s1", "s0", "other"}},
		{"prefix", logs.DescribeLogStreamsInput{LogStreamNamePrefix: "s"}, []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"}},
		{"by last event time", logs.DescribeLogStreamsInput{OrderBy: "LastEventTime"}, []string{"other", "s7", "s6", "s5", "s4", "s3", "s2", "s1", "s0"}},
		{"by last event time, descending", logs.DescribeLogStreamsInput{OrderBy: "LastEventTime", Descending: ptr(true)}, []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "other"}},
	}
	for _, tt := range tests {
		for _, limit := range []int32{50, 2, 1} {
			t.Run(fmt.Sprintf("%s/limit %d", tt.name, limit), func(t *testing.T) {
				in := tt.in
				in.LogGroupName, in.Limit = "g", ptr(limit)
				var got []string
				for range 20 {
					out := must[logs.DescribeLogStreamsOutput](t, f, rootA, "DescribeLogStreams", &in)
					got = append(got, streamNames(out)...)
					if out.NextToken == "" {
						break
					}
					in.NextToken = out.NextToken
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("streams (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestDescribeLogStreamsErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "a")
	MustStream(t, f, rootA, "g", "b")
	// logGroupIdentifier takes a name or an ARN (without ":*", which the
	// pattern refuses).
	for _, id := range []string{"g", "arn:aws:logs:us-east-1:111122223333:log-group:g"} {
		out := must[logs.DescribeLogStreamsOutput](t, f, rootA, "DescribeLogStreams", &logs.DescribeLogStreamsInput{LogGroupIdentifier: id})
		if diff := cmp.Diff([]string{"a", "b"}, streamNames(out)); diff != "" {
			t.Errorf("identifier %s (-want +got):\n%s", id, diff)
		}
	}
	page := must[logs.DescribeLogStreamsOutput](t, f, rootA, "DescribeLogStreams", &logs.DescribeLogStreamsInput{LogGroupName: "g", Limit: ptr[int32](1)})
	tests := []struct {
		name      string
		in        logs.DescribeLogStreamsInput
		code, msg string
	}{
		{"name and identifier", logs.DescribeLogStreamsInput{LogGroupName: "g", LogGroupIdentifier: "g"}, "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."},
		{"neither", logs.DescribeLogStreamsInput{}, "InvalidParameterException", ""},
		{"ARN with :*", logs.DescribeLogStreamsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:111122223333:log-group:g:*"}, "InvalidParameterException",
			`1 validation error detected: Value 'arn:aws:logs:us-east-1:111122223333:log-group:g:*' at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w#+=/:,.@-]*`},
		{"missing group", logs.DescribeLogStreamsInput{LogGroupName: "nope"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"another account's ARN", logs.DescribeLogStreamsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:444455556666:log-group:g"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"LastEventTime with prefix", logs.DescribeLogStreamsInput{LogGroupName: "g", OrderBy: "LastEventTime", LogStreamNamePrefix: "a"}, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."},
		{"bad order", logs.DescribeLogStreamsInput{LogGroupName: "g", OrderBy: "Size"}, "InvalidParameterException",
			"1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"},
		{"token for another order", logs.DescribeLogStreamsInput{LogGroupName: "g", Descending: ptr(true), NextToken: page.NextToken}, "InvalidParameterException", "The specified nextToken is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.DescribeLogStreamsOutput](f, rootA, "DescribeLogStreams", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
}

func TestDeleteLogStream(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPut(t, f, rootA, "g", "s", ev(0, "gone soon"))
	must[logs.DeleteLogStreamOutput](t, f, rootA, "DeleteLogStream", &logs.DeleteLogStreamInput{LogGroupName: "g", LogStreamName: "s"})
	_, err := do[logs.DeleteLogStreamOutput](f, rootA, "DeleteLogStream", &logs.DeleteLogStreamInput{LogGroupName: "g", LogStreamName: "s"})
	wantError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = do[logs.DeleteLogStreamOutput](f, rootA, "DeleteLogStream", &logs.DeleteLogStreamInput{LogGroupName: "nope", LogStreamName: "s"})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	// The stream's events went with it.
	MustStream(t, f, rootA, "g", "s")
	out := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g"})
	if len(out.Events) != 0 {
		t.Errorf("events of a deleted stream survive: %+v", out.Events)
	}
}
