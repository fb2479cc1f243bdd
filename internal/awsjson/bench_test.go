package awsjson_test

import (
	"testing"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awsjson"
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
