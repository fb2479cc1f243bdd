package awsjson_test

import (
	"encoding/json"
	"testing"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
)

// FuzzJSONDecode feeds arbitrary bodies to Decode: it must never panic, must
// fail only with SerializationException, and whatever it accepts must
// encode and decode again to the same thing.
func FuzzJSONDecode(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `[]`, `null`, `{"S":"x","Nested":{"Nested":{"List":["a",null]}}}`,
		`{"T":1705309267.5,"Blob":"aGk=","F":"NaN","I32":2.5,"Map":{"a":1}}`,
		`{"Objs":{"k":{"Name":"\ud83d\ude00"}},"Lists":[[1],[]]}`,
		`{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"x"}],"StartTime":1}`,
		`{"X":[[[{"a":[1e5,-0.0,true,false,null]}]]]}`, `{"S":"\u00`, "{\"S\":\"\xff\"}",
		`{"T":-62135596800}`, `{"T":"0001-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v everything
		err := awsjson.Decode(body, &v)
		if err != nil {
			if e := awserr.As(err); e == nil || e.Code != "SerializationException" {
				t.Fatalf("Decode(%q) = %v, want SerializationException", body, err)
			}
			return
		}
		_ = awsapi.Validate(&v)
		_ = awsapi.RecordJSON(&v)
		again, err := awsjson.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		var w everything
		if err := awsjson.Decode(again, &w); err != nil {
			t.Fatalf("re-decode of %s: %v", again, err)
		}
		third, _ := awsjson.Marshal(&w)
		if string(third) != string(again) {
			t.Fatalf("not stable:\n%s\n%s", again, third)
		}
		var l lookupEventsInput
		_ = awsjson.Decode(body, &l)
	})
}

// FuzzStringMatchesEncodingJSON checks string decoding, escapes, invalid
// UTF-8 and all, against encoding/json: where both accept a string, they
// agree on its value.
func FuzzStringMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{`plain`, `{\"ts\":\"2023-11-14\",\"msg\":\"a\"}`, `a\nb\u00e9\ud83d\ude00c`, "caf\xc3\xa9 \xff x", `\u00`, `tab\there`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		body := []byte(`{"S":"` + s + `"}`)
		var want struct{ S string }
		if json.Unmarshal(body, &want) != nil {
			return
		}
		var got everything
		if err := awsjson.Decode(body, &got); err != nil {
			return
		}
		if got.S == nil || *got.S != want.S {
			t.Fatalf("Decode(%q): S = %q, encoding/json says %q", body, derefString(got.S), want.S)
		}
	})
}

func derefString(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
