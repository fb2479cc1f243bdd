package awsquery_test

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awsquery"
)

// BenchmarkRequest is one small IAM request through the codec: decode,
// validate, write the response.
func BenchmarkRequest(b *testing.B) {
	form, err := url.ParseQuery("Action=CreateUser&Version=2010-05-08&UserName=carol&Path=%2Fops%2F&Tags.member.1.Key=team&Tags.member.1.Value=sre")
	if err != nil {
		b.Fatal(err)
	}
	out := sampleUsers()
	b.ReportAllocs()
	for b.Loop() {
		var in createUserInput
		if err := awsquery.Decode(form, &in); err != nil {
			b.Fatal(err)
		}
		if err := awsapi.Validate(&in); err != nil {
			b.Fatal(err)
		}
		if err := awsquery.WriteResponse(httptest.NewRecorder(), iamNS, "ListUsers", out, requestID); err != nil {
			b.Fatal(err)
		}
	}
}
