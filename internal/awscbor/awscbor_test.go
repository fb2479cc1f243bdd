package awscbor_test

import (
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/trailwatch/trailwatch/internal/awscbor"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

type dim struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type datum struct {
	MetricName string    `json:"MetricName"`
	Dimensions []dim     `json:"Dimensions"`
	Timestamp  time.Time `json:"Timestamp"`
	Value      *float64  `json:"Value"`
	Values     []float64 `json:"Values"`
	Count      *int32    `json:"Count"`
	Flag       *bool     `json:"Flag"`
	Blob       []byte    `json:"Blob"`
	Tags       map[string]string
}

type input struct {
	AlarmNames []string `json:"AlarmNames"`
	Namespace  string   `json:"Namespace"`
	MetricData []datum  `json:"MetricData"`
}

// The body aws-sdk-go-v2 sent for DescribeAlarms in the captured exchange
// (reference/protocols.md §1): indefinite-length map and list.
func TestDecodeIndefinite(t *testing.T) {
	body, _ := hex.DecodeString("bf6a416c61726d4e616d65739f626131ffff")
	var in input
	if err := awscbor.Decode(body, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.AlarmNames) != 1 || in.AlarmNames[0] != "a1" {
		t.Fatalf("AlarmNames = %q", in.AlarmNames)
	}
}

func TestRoundTrip(t *testing.T) {
	v, n, f := 1.5, int32(7), true
	ts := time.Date(2023, 11, 14, 22, 13, 20, 125e6, time.UTC)
	want := input{Namespace: "app", MetricData: []datum{{
		MetricName: "m", Dimensions: []dim{{"a", "b"}}, Timestamp: ts, Value: &v,
		Values: []float64{1, 2.25}, Count: &n, Flag: &f, Blob: []byte{1, 2}, Tags: map[string]string{"k": "v"},
	}}}
	body, err := awscbor.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	var got input
	if err := awscbor.Decode(body, &got); err != nil {
		t.Fatal(err)
	}
	d := got.MetricData[0]
	if got.Namespace != "app" || d.MetricName != "m" || !d.Timestamp.Equal(ts) || *d.Value != 1.5 ||
		len(d.Values) != 2 || d.Values[1] != 2.25 || *d.Count != 7 || !*d.Flag || string(d.Blob) != "\x01\x02" ||
		d.Tags["k"] != "v" || d.Dimensions[0] != (dim{"a", "b"}) || got.AlarmNames != nil {
		t.Fatalf("round trip = %+v", got)
	}
}

func TestDecodeTimestampForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		ts   any
		want time.Time
	}{
		{"tag1 int", cbor.Tag{Number: 1, Content: 1700000000}, time.Unix(1700000000, 0)},
		{"tag1 float", cbor.Tag{Number: 1, Content: 1700000000.5}, time.UnixMilli(1700000000500)},
		{"untagged", 1700000000, time.Unix(1700000000, 0)},
	} {
		body, _ := cbor.Marshal(map[string]any{"MetricData": []any{map[string]any{"Timestamp": tc.ts}}})
		var in input
		if err := awscbor.Decode(body, &in); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !in.MetricData[0].Timestamp.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, in.MetricData[0].Timestamp, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, v := range map[string]any{
		"string for list": map[string]any{"AlarmNames": "x"},
		"int for string":  map[string]any{"Namespace": 1},
		"int32 overflow":  map[string]any{"MetricData": []any{map[string]any{"Count": 1 << 40}}},
		"float for int":   map[string]any{"MetricData": []any{map[string]any{"Count": 1.5}}},
		"top-level array": []any{1},
		"huge timestamp":  map[string]any{"MetricData": []any{map[string]any{"Timestamp": cbor.Tag{Number: 1, Content: 1e300}}}},
	} {
		body, _ := cbor.Marshal(v)
		var in input
		err := awscbor.Decode(body, &in)
		if e := awserr.As(err); e == nil || e.Code != awscbor.SerializationCode || e.HTTPStatus() != 400 {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	var in input
	if err := awscbor.Decode([]byte{0xbf, 0x61}, &in); awserr.As(err) == nil {
		t.Errorf("truncated body: err = %v", err)
	}
	if err := awscbor.Decode(nil, &in); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	awscbor.WriteError(rec, awserr.New("InvalidParameterValue", 400, "bad"), awscbor.ErrorOptions{
		TypeOf:          func(c string) string { return "com.amazonaws.cloudwatch#" + c + "Exception" },
		QueryCompatible: true,
	})
	if rec.Code != 400 || rec.Header().Get("x-amzn-query-error") != "InvalidParameterValue;Sender" ||
		rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" {
		t.Fatalf("status %d headers %v", rec.Code, rec.Header())
	}
	var m map[string]string
	if err := cbor.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["__type"] != "com.amazonaws.cloudwatch#InvalidParameterValueException" || m["message"] != "bad" {
		t.Fatalf("body = %v", m)
	}
}
