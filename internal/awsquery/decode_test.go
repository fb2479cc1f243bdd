package awsquery_test

import (
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsquery"
)

func mustParseQuery(tb testing.TB, s string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		form string
		want everything
	}{
		{"nothing", "Action=Test&Version=2010-05-08", everything{}},
		{"unknown parameters ignored", "Nope=1&S.x=2&List.member.1.Key=v&Plain=p", everything{Plain: "p"}},
		{
			"scalars",
			"S=a+b%26c&B=true&I32=-2147483648&I64=9007199254740993&F=1.5e3&T=2024-01-15T09:00:00Z&Blob=aGVsbG8%3D",
			everything{S: ptr("a b&c"), B: ptr(true), I32: ptr(int32(math.MinInt32)), I64: 9007199254740993, F: ptr(1500.0), T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)), Blob: []byte("hello")},
		},
		{"empty string is set", "S=", everything{S: ptr("")}},
		{"xsd booleans", "B=0", everything{B: ptr(false)}},
		{"non-finite double", "F=-Infinity", everything{F: ptr(math.Inf(-1))}},
		{"timestamp with microseconds (botocore)", "T=2024-01-15T09:00:00.123456Z", everything{T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 123456000, time.UTC))}},
		{"timestamp with offset", "T=2024-01-15T10:00:00.5%2B01:00", everything{T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 5e8, time.UTC))}},
		{"list in any order", "List.member.2=b&List.member.1=a&List.member.3=c", everything{List: []string{"a", "b", "c"}}},
		{"empty list", "List=&Tags=", everything{List: []string{}, Tags: []tag{}}},
		{"list of structures", "Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2", everything{Tags: []tag{{"k1", "v1"}, {Key: "k2"}}}},
		{"list of lists", "Lists.member.1.member.1=1&Lists.member.1.member.2=2&Lists.member.2=", everything{Lists: [][]int32{{1, 2}, {}}}},
		{"list of timestamps", "Times.member.1=2024-01-15T09:00:00Z", everything{Times: []time.Time{time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)}}},
		{
			"maps",
			"Attrs.entry.1.key=a&Attrs.entry.1.value=1&Attrs.entry.2.key=b&Attrs.entry.2.value=&Objs.entry.1.key=o&Objs.entry.1.value.Key=k",
			everything{Attrs: map[string]string{"a": "1", "b": ""}, Objs: map[string]*tag{"o": {Key: "k"}}},
		},
		{"map entry without value", "Objs.entry.1.key=o", everything{Objs: map[string]*tag{"o": nil}}},
		{"map of lists", "Deep.entry.1.key=d&Deep.entry.1.value.member.1=x", everything{Deep: map[string][]string{"d": {"x"}}}},
		{"empty map", "Attrs=", everything{Attrs: map[string]string{}}},
		{"nested", "Nested.S=in&Nested.Nested.List.member.1=deep", everything{Nested: &everything{S: ptr("in"), Nested: &everything{List: []string{"deep"}}}}},
		{"first of repeated values", "S=a&S=b", everything{S: ptr("a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got everything
			if err := awsquery.Decode(mustParseQuery(t, tt.form), &got); err != nil {
				t.Fatalf("Decode(%s): %v", tt.form, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		form string
		want string
	}{
		{"bad boolean", "B=TRUE", "boolean must follow xsd1.1 definition"},
		{"empty boolean", "B=", "missing value for boolean type"},
		{"bad integer", "I32=abc", "Invalid value 'abc' for parameter I32: expected an integer"},
		{"integer overflow", "I32=2147483648", "Invalid value '2147483648' for parameter I32: expected an integer"},
		{"empty integer", "I64=", "Invalid value '' for parameter I64: expected an integer"},
		{"decimal integer", "I32=1.5", "Invalid value '1.5' for parameter I32: expected an integer"},
		{"bad double", "F=inf", "Invalid value 'inf' for parameter F: expected a number"},
		{"hex double", "F=0x1p4", "Invalid value '0x1p4' for parameter F: expected a number"},
		{"bad timestamp", "T=1705309200", "Invalid value '1705309200' for parameter T: expected an ISO 8601 timestamp"},
		{"bad blob", "Blob=%%%", ""}, // url.ParseQuery rejects it first; see below
		{"bad base64", "Blob=a", "Invalid value for parameter Blob: expected base64"},
		{"list gap", "List.member.1=a&List.member.3=c", "Invalid list parameter List.member.3: element 2 is missing"},
		{"list starts at 2", "List.member.2=b", "Invalid list parameter List.member.2: element 1 is missing"},
		{"list index zero", "List.member.0=a", `Invalid parameter List.member.0: "0" is not a list index`},
		{"list index not a number", "List.member.x=a", `Invalid parameter List.member.x: "x" is not a list index`},
		{"list index leading zero", "List.member.01=a", `Invalid parameter List.member.01: "01" is not a list index`},
		{"scalar for list", "List=a", "Invalid value for parameter List: a list or map is sent as List.member.N or List.entry.N"},
		{"nested error", "Tags.member.1.Key=k&Nested.B=yes", "boolean must follow xsd1.1 definition"},
		{"map key missing", "Attrs.entry.1.value=v", "Parameter Attrs.entry.1.key is missing"},
		{"map gap", "Attrs.entry.2.key=k", "Invalid list parameter Attrs.entry.2: element 1 is missing"},
		{"structure list gap", "Tags.member.1=x&Tags.member.2.Key=k", "Invalid list parameter Tags.member.2: element 1 is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, err := url.ParseQuery(tt.form)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseQuery(%s) accepted it", tt.form)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got everything
			e := awserr.As(awsquery.Decode(form, &got))
			if e == nil {
				t.Fatalf("Decode(%s) succeeded or returned a plain error", tt.form)
			}
			if e.Code != "MalformedInput" || e.HTTPStatus() != 400 || e.FaultType() != "Sender" || e.Message != tt.want {
				t.Errorf("got %s %d %s %q\nwant MalformedInput 400 Sender %q", e.Code, e.HTTPStatus(), e.FaultType(), e.Message, tt.want)
			}
		})
	}
}

func TestDecodeBadDestination(t *testing.T) {
	var s string
	for _, dst := range []any{nil, everything{}, (*everything)(nil), &s, &struct{ C chan int }{}} {
		err := awsquery.Decode(url.Values{}, dst)
		if err == nil || awserr.As(err) != nil {
			t.Errorf("Decode into %T = %v, want a plain error", dst, err)
		}
	}
	// A hand-built form may hold a name with no values.
	var got everything
	if err := awsquery.Decode(url.Values{"S": nil, "Attrs.entry.1.key": nil}, &got); awserr.As(err) == nil {
		t.Errorf("got %v, want MalformedInput for the value-less map key", err)
	}
}
