package awsquery_test

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsquery"
)

// FuzzQueryDecode feeds arbitrary form bodies to Decode: it must never
// panic, must fail only with MalformedInput, and whatever it accepts must
// validate, record and write as XML without trouble.
func FuzzQueryDecode(f *testing.F) {
	for _, seed := range []string{
		"", "Action=ListUsers&Version=2010-05-08&MaxItems=5",
		"S=x&Nested.Nested.List.member.1=a&Nested.Nested.List.member.2=b",
		"Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=v&Tags=",
		"Attrs.entry.1.key=k&Attrs.entry.1.value=v&Objs.entry.1.key=o&Objs.entry.1.value.Key=x",
		"Lists.member.1.member.1=1&Lists.member.2=&Deep.entry.1.key=d&Deep.entry.1.value.member.1=x",
		"B=1&I32=-7&I64=9223372036854775807&F=NaN&T=2024-01-15T09:00:00.123456Z&Blob=aGk%3D",
		"List.member.99999999999999999999=x", "List.member.1.member.1=x", "Times.member.1=2024-01-15T09:00:00Z",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		var v everything
		if err := awsquery.Decode(form, &v); err != nil {
			if e := awserr.As(err); e == nil || e.Code != "MalformedInput" {
				t.Fatalf("Decode(%q) = %v, want MalformedInput", body, err)
			}
			return
		}
		_ = awsapi.Validate(&v)
		_ = awsapi.RecordJSON(&v)
		rec := httptest.NewRecorder()
		if err := awsquery.WriteResponse(rec, "urn:fuzz", "Fuzz", &v, "id"); err != nil {
			t.Fatal(err)
		}
		mustWellFormed(t, rec.Body.String())
		var u createUserInput
		_ = awsquery.Decode(form, &u)
	})
}
