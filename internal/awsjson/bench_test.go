package awsjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awsjson"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// BenchmarkRequest is one small CloudTrail request through the codec:
// decode, validate, encode the output.
func BenchmarkRequest(b *testing.B) {
	body := []byte(`{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateUser"}],"StartTime":1705309200,"EndTime":1.7053956e9,"MaxResults":5}`)
	out := sampleLookupEventsOutput()
	b.ReportAllocs()
	for b.Loop() {
		var in lookupEventsInput
		if err := awsjson.Decode(body, &in); err != nil {
			b.Fatal(err)
		}
		if err := awsapi.Validate(&in); err != nil {
			b.Fatal(err)
		}
		if _, err := awsjson.Marshal(out); err != nil {
			b.Fatal(err)
		}
	}
}

// putLogEventsInput has the shape of CloudWatch Logs' PutLogEventsInput.
type putLogEventsInput struct {
	LogGroupName  string          `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogStreamName string          `json:"logStreamName" required:"true" min:"1" pattern:"[^:*]*"`
	LogEvents     []inputLogEvent `json:"logEvents" required:"true" min:"1" max:"10000"`
}

type inputLogEvent struct {
	Timestamp *int64  `json:"timestamp" required:"true" min:"0"`
	Message   *string `json:"message" required:"true" min:"1"`
}

// BenchmarkPutLogEventsRequest decodes and validates a PutLogEvents body
// of 4,500 corpus lines (under the 1 MiB limit), the ingest path's hot
// request. MB/s counts body bytes.
func BenchmarkPutLogEventsRequest(b *testing.B) {
	lines := logcorpus.Lines(1, 0, 4500, time.Unix(1700000000, 0))
	in := putLogEventsInput{LogGroupName: "/bench", LogStreamName: "s"}
	for i := range lines {
		in.LogEvents = append(in.LogEvents, inputLogEvent{Timestamp: &lines[i].Timestamp, Message: &lines[i].Message})
	}
	body, err := json.Marshal(&in)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var in putLogEventsInput
		if err := awsjson.Decode(body, &in); err != nil {
			b.Fatal(err)
		}
		if err := awsapi.Validate(&in); err != nil {
			b.Fatal(err)
		}
	}
}
