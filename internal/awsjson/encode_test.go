package awsjson_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `{}`},
		{"nil pointer", (*everything)(nil), `{}`},
		{"nothing set", &everything{}, `{}`},
		{"empty list kept", &everything{List: []string{}, Map: map[string]int64{}}, `{"List":[],"Map":{}}`},
		{
			"scalars",
			&everything{S: ptr("a\"<&>\x01é"), Plain: "p", B: ptr(false), I32: ptr(int32(-1)), I64: ptr(int64(1) << 60), I: 3, F: ptr(0.1)},
			`{"S":"a\"<&>\u0001é","Plain":"p","B":false,"I32":-1,"I64":1152921504606846976,"I":3,"F":0.1}`,
		},
		{"non-finite", &everything{F: ptr(math.NaN())}, `{"F":"NaN"}`},
		{"infinity", &everything{F: ptr(math.Inf(1))}, `{"F":"Infinity"}`},
		{"timestamp whole seconds", &everything{T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))}, `{"T":1705309200}`},
		{"timestamp millis", &everything{T: ptr(time.Date(2024, 1, 15, 9, 1, 7, 500_999_999, time.FixedZone("x", 7200)))}, `{"T":1705302067.5}`},
		{"timestamp three digits", &everything{T: ptr(time.UnixMilli(1705309267125))}, `{"T":1705309267.125}`},
		{"timestamp before 1970", &everything{T: ptr(time.UnixMilli(-1500))}, `{"T":-1.5}`},
		{"timestamp just before 1970", &everything{T: ptr(time.UnixMilli(-5))}, `{"T":-0.005}`},
		{"blob", &everything{Blob: []byte("hello")}, `{"Blob":"aGVsbG8="}`},
		{"lists and maps", &everything{Ptrs: []*string{nil, ptr("x")}, Map: map[string]int64{"b": 2, "a": 1}, Objs: map[string]*nested{"k": {Name: "n"}, "z": nil}, Lists: [][]int32{nil, {}}},
			`{"Ptrs":[null,"x"],"Map":{"a":1,"b":2},"Objs":{"k":{"Name":"n"},"z":null},"Lists":[null,[]]}`},
		{"nested", &everything{Nested: &everything{Nested: &everything{}}}, `{"Nested":{"Nested":{}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := awsjson.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
	if _, err := awsjson.Marshal(42); err == nil {
		t.Error("Marshal(42) succeeded")
	}
}

func TestMarshalDecodeRoundTrip(t *testing.T) {
	in := everything{
		S: ptr("\u2028 \ud7ff \U0001F600"), Plain: "p", B: ptr(true), I32: ptr(int32(math.MaxInt32)), I64: ptr(int64(math.MinInt64)), I: -1,
		F: ptr(math.Inf(-1)), T: ptr(time.UnixMilli(1705309267125).UTC()), Blob: []byte{0, 1, 255}, List: []string{}, Ptrs: []*string{ptr("")},
		Map: map[string]int64{"k": 1}, Nested: &everything{Lists: [][]int32{{1, 2}}}, Objs: map[string]*nested{"o": {Name: "x"}},
	}
	body, err := awsjson.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out everything
	if err := awsjson.Decode(body, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip of %s (-in +out):\n%s", body, diff)
	}
}

func TestWriteResponseGolden(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := awsjson.WriteResponse(rec, contentType11, sampleLookupEventsOutput()); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != contentType11 {
		t.Errorf("status %d content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	mustGolden(t, "lookup_events.golden", rec.Body.Bytes())
}

func TestWriteResponseBadShape(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := awsjson.WriteResponse(rec, contentType11, 42); err == nil {
		t.Fatal("no error for a non-shape")
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Error("wrote something for a non-shape")
	}
}

func TestWriteErrorGolden(t *testing.T) {
	tests := []struct {
		golden      string
		err         *awserr.Error
		opt         awsjson.ErrorOptions
		contentType string
		wantStatus  int
		wantQuery   string
	}{
		{
			golden: "error_cloudtrail.golden", contentType: contentType11,
			err:        awserr.New("TrailNotFoundException", 0, "Unknown trail: %s for the user: %s", "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit", "111122223333"),
			opt:        awsjson.ErrorOptions{MessageKey: "Message"},
			wantStatus: 400,
		},
		{
			golden: "error_validation.golden", contentType: contentType11,
			err:        (&awsapi.ValidationError{Violations: []awsapi.Violation{{Path: "logGroupName", Value: "a b", Constraint: "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"}}}).AWSError("ValidationException"),
			wantStatus: 400,
		},
		{
			golden: "error_query_compatible.golden", contentType: "application/x-amz-json-1.0",
			err:        awserr.New("ResourceNotFound", 404, "Alarm \"a\" does not exist."),
			opt:        awsjson.ErrorOptions{ShapeNamespace: "com.amazonaws.cloudwatch#", QueryCompatible: true},
			wantStatus: 404, wantQuery: "ResourceNotFound;Sender",
		},
		{
			golden: "error_internal.golden", contentType: contentType11,
			err:        awserr.Internal(),
			opt:        awsjson.ErrorOptions{QueryCompatible: true},
			wantStatus: 500, wantQuery: "InternalFailure;Receiver",
		},
		{
			golden: "error_no_message.golden", contentType: contentType11,
			err:        &awserr.Error{Code: "SerializationException"},
			wantStatus: 400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsjson.WriteError(rec, tt.contentType, tt.err, tt.opt)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("content type %q", got)
			}
			if got := rec.Header().Get("x-amzn-query-error"); got != tt.wantQuery {
				t.Errorf("x-amzn-query-error %q, want %q", got, tt.wantQuery)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("not JSON: %s", rec.Body)
			}
			mustGolden(t, tt.golden, rec.Body.Bytes())
		})
	}
}
