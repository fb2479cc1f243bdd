package awsjson_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		body string
		want everything
	}{
		{"empty body", "", everything{}},
		{"whitespace body", " \r\n\t", everything{}},
		{"empty object", "{}", everything{}},
		{"unknown members skipped", `{"Nope":{"a":[1,2,{"b":null}],"c":"\u00e9"},"S":"x","Other":true}`, everything{S: ptr("x")}},
		{"nulls are absent", `{"S":null,"B":null,"List":null,"Nested":null,"Map":null}`, everything{}},
		{
			"scalars",
			`{"S":"a\"b\\c\/d\n\u00e9\ud83d\ude00","Plain":"p","B":false,"I32":-2147483648,"I64":9007199254740993,"I":7,"F":1.5e3}`,
			everything{S: ptr("a\"b\\c/d\né😀"), Plain: "p", B: ptr(false), I32: ptr(int32(math.MinInt32)), I64: ptr(int64(9007199254740993)), I: 7, F: ptr(1500.0)},
		},
		{"fraction truncated for integers", `{"I32":2.9,"I64":-2.9,"I":1e2}`, everything{I32: ptr(int32(2)), I64: ptr(int64(-2)), I: 100}},
		{"non-finite doubles", `{"F":"-Infinity"}`, everything{F: ptr(math.Inf(-1))}},
		{"timestamp integer seconds (botocore)", `{"T":1705309200}`, everything{T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))}},
		{"timestamp fractional seconds (Go)", `{"T":1705309267.5}`, everything{T: ptr(time.Date(2024, 1, 15, 9, 1, 7, 5e8, time.UTC))}},
		{"timestamp exponent", `{"T":1.7053092675E9}`, everything{T: ptr(time.Date(2024, 1, 15, 9, 1, 7, 5e8, time.UTC))}},
		{"timestamp before 1970", `{"T":-1.5}`, everything{T: ptr(time.Unix(-2, 5e8).UTC())}},
		{"timestamp ISO 8601", `{"T":"2024-01-15T10:00:00.123+01:00"}`, everything{T: ptr(time.Date(2024, 1, 15, 9, 0, 0, 123e6, time.UTC))}},
		{"blob", `{"Blob":"aGVsbG8="}`, everything{Blob: []byte("hello")}},
		{"empty blob", `{"Blob":""}`, everything{Blob: []byte{}}},
		{"empty list is set", `{"List":[]}`, everything{List: []string{}}},
		{"null list elements dropped", `{"List":["a",null,"b"],"Ptrs":[null,"x"]}`, everything{List: []string{"a", "b"}, Ptrs: []*string{ptr("x")}}},
		{"maps", `{"Map":{"a":1,"b":null},"Objs":{"k":{"Name":"n"},"z":{}}}`, everything{Map: map[string]int64{"a": 1}, Objs: map[string]*nested{"k": {Name: "n"}, "z": {}}}},
		{"nested and lists of lists", `{"Nested":{"S":"in","Nested":{}},"Lists":[[1],[],[2,3]]}`, everything{Nested: &everything{S: ptr("in"), Nested: &everything{}}, Lists: [][]int32{{1}, {}, {2, 3}}}},
		{"last duplicate wins", `{"S":"a","S":"b"}`, everything{S: ptr("b")}},
		{"member names are case-sensitive", `{"s":"x"}`, everything{}},
		{"invalid UTF-8 replaced", "{\"S\":\"a\xffb\"}", everything{S: ptr("a\uFFFDb")}},
		{"lone surrogate replaced", `{"S":"\ud800x"}`, everything{S: ptr("\uFFFDx")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got everything
			if err := awsjson.Decode([]byte(tt.body), &got); err != nil {
				t.Fatalf("Decode(%s): %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeLowerCaseMembers(t *testing.T) {
	// CloudTrail's DescribeTrails members are lower-case in the model.
	var in describeTrailsInput
	if err := awsjson.Decode([]byte(`{"trailNameList":["a"],"includeShadowTrails":false}`), &in); err != nil {
		t.Fatal(err)
	}
	want := describeTrailsInput{TrailNameList: []string{"a"}, IncludeShadowTrails: ptr(false)}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Error(diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the message; the code is always SerializationException
	}{
		// Wrong JSON types: the texts AWS sends.
		{"number for string", `{"S":1}`, "NUMBER_VALUE can not be converted to a String"},
		{"decimal for string", `{"S":1.5}`, "NUMBER_VALUE can not be converted to a String"},
		{"true for string", `{"S":true}`, "TRUE_VALUE can not be converted to a String"},
		{"false for string", `{"Plain":false}`, "FALSE_VALUE can not be converted to a String"},
		{"list for string", `{"S":["x"]}`, "Start of list found where not expected"},
		{"object for string", `{"S":{"a":1}}`, "Start of structure or map found where not expected."},
		{"string for integer", `{"I32":"1"}`, "STRING_VALUE can not be converted to an Integer"},
		{"true for integer", `{"I32":true}`, "TRUE_VALUE can not be converted to an Integer"},
		{"string for long", `{"I64":"1"}`, "STRING_VALUE can not be converted to a Long"},
		{"integer overflow", `{"I32":2147483648}`, "NUMBER_VALUE can not be converted to an Integer"},
		{"decimal overflow", `{"I32":2147483648.5}`, "NUMBER_VALUE can not be converted to an Integer"},
		{"number for boolean", `{"B":1}`, "NUMBER_VALUE can not be converted to a Boolean"},
		{"string for boolean", `{"B":"true"}`, "STRING_VALUE can not be converted to a Boolean"},
		{"bad string for double", `{"F":"1.5"}`, "STRING_VALUE can not be converted to a Double"},
		{"scalar for list", `{"List":"x"}`, "Expected list or null"},
		{"object for list", `{"List":{}}`, "Start of structure or map found where not expected."},
		{"list in list of strings", `{"List":[["a"]]}`, "Start of list found where not expected"},
		{"number in list of strings", `{"List":[1]}`, "NUMBER_VALUE can not be converted to a String"},
		{"scalar for structure", `{"Nested":1}`, "Expected null"},
		{"list for structure", `{"Nested":[]}`, "Start of list found where not expected"},
		{"scalar for map", `{"Map":"x"}`, "Expected map or null"},
		{"list for map", `{"Map":[]}`, "Start of list found where not expected"},
		{"number for blob", `{"Blob":1}`, "only base-64-encoded strings are convertible to bytes"},
		{"top-level list", `[]`, "Start of list found where not expected"},
		// Where AWS sends no message, a clear one.
		{"bad base64", `{"Blob":"a"}`, "Blob value is not valid base64: illegal base64 data at input byte 0"},
		{"bad timestamp string", `{"T":"yesterday"}`, `Timestamp "yesterday" is neither epoch seconds nor ISO 8601`},
		{"timestamp out of range", `{"T":1e300}`, "Timestamp 1e300 is out of range"},
		{"boolean for timestamp", `{"T":true}`, "TRUE_VALUE can not be converted to a Timestamp"},
		{"top-level string", `"x"`, "The request body must be a JSON object"},
		{"top-level null", `null`, "The request body must be a JSON object"},
		{"truncated", `{"S":"x"`, "Malformed JSON request body: unexpected end of input"},
		{"truncated string", `{"S":"x`, "Malformed JSON request body: unexpected end of input"},
		{"trailing comma", `{"S":"x",}`, `Malformed JSON request body: unexpected character '}' at offset 9`},
		{"trailing data", `{} {}`, "Malformed JSON request body: unexpected data after the JSON object at offset 3"},
		{"bad literal", `{"B":tru}`, `Malformed JSON request body: unexpected character 't' at offset 5`},
		{"bad number", `{"I":01}`, `Malformed JSON request body: unexpected character '1' at offset 6`},
		{"bad number in unknown", `{"X":-}`, `Malformed JSON request body: unexpected character '}' at offset 6`},
		{"bad escape", `{"S":"\x"}`, `Malformed JSON request body: bad escape at offset 6`},
		{"control character", "{\"S\":\"a\nb\"}", "Malformed JSON request body: control character in string at offset 7"},
		{"missing colon", `{"S" "x"}`, `Malformed JSON request body: unexpected character '"' at offset 5`},
		{"unquoted key", `{S:1}`, `Malformed JSON request body: unexpected character 'S' at offset 1`},
		{"errors reported as the body is read", `{"S":12x}`, "NUMBER_VALUE can not be converted to a String"},
		{"too deep", `{"X":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, "Malformed JSON request body: nesting too deep at offset 260"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got everything
			err := awsjson.Decode([]byte(tt.body), &got)
			e := awserr.As(err)
			if e == nil {
				t.Fatalf("Decode(%s) = %v, want an *awserr.Error", tt.body, err)
			}
			if e.Code != "SerializationException" || e.HTTPStatus() != 400 || e.Message != tt.want {
				t.Errorf("got %s %d %q\nwant SerializationException 400 %q", e.Code, e.HTTPStatus(), e.Message, tt.want)
			}
		})
	}
}

func TestDecodeBadDestination(t *testing.T) {
	var s string
	for _, dst := range []any{nil, everything{}, (*everything)(nil), &s, &struct{ C chan int }{}} {
		err := awsjson.Decode([]byte(`{}`), dst)
		if err == nil || awserr.As(err) != nil {
			t.Errorf("Decode into %T = %v, want a plain error", dst, err)
		}
	}
	if err := awsjson.Decode(nil, &everything{}); err != nil {
		t.Errorf("nil body: %v", err)
	}
	var ae *awserr.Error
	if errors.As(awsjson.Decode([]byte(`x`), &everything{}), &ae) && ae.Code != "SerializationException" {
		t.Errorf("got code %s", ae.Code)
	}
}
