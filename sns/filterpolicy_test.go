package sns

import "testing"

func TestFilterPolicyAttributes(t *testing.T) {
	attrs := map[string]Attribute{
		"severity": {DataType: "String", Value: "high"},
		"count":    {DataType: "Number", Value: "42"},
		"regions":  {DataType: "String.Array", Value: `["us-east-1","eu-west-1"]`},
		"ip":       {DataType: "String", Value: "10.0.0.7"},
		"blob":     {DataType: "Binary", Value: "AAE="},
	}
	for _, tc := range []struct {
		policy string
		want   bool
	}{
		{`{"severity":["high"]}`, true},
		{`{"severity":["low","high"]}`, true},
		{`{"severity":["low"]}`, false},
		{`{"severity":[{"prefix":"hi"}]}`, true},
		{`{"severity":[{"suffix":"gh"}]}`, true},
		{`{"severity":[{"equals-ignore-case":"HIGH"}]}`, true},
		{`{"severity":[{"anything-but":"high"}]}`, false},
		{`{"severity":[{"anything-but":["low","mid"]}]}`, true},
		{`{"severity":[{"anything-but":{"prefix":"h"}}]}`, false},
		{`{"count":[42]}`, true},
		{`{"count":[42.0]}`, true},
		{`{"count":["42"]}`, false},
		{`{"count":[{"numeric":[">",40,"<=",42]}]}`, true},
		{`{"count":[{"numeric":[">",42]}]}`, false},
		{`{"count":[{"numeric":["=",42]}]}`, true},
		{`{"regions":["eu-west-1"]}`, true},
		{`{"regions":["ap-south-1"]}`, false},
		{`{"ip":[{"cidr":"10.0.0.0/24"}]}`, true},
		{`{"ip":[{"cidr":"10.0.1.0/24"}]}`, false},
		{`{"missing":[{"exists":false}]}`, true},
		{`{"missing":[{"exists":true}]}`, false},
		{`{"severity":[{"exists":true}]}`, true},
		{`{"missing":["x"]}`, false},
		{`{"missing":[{"anything-but":"x"}]}`, false},
		{`{"blob":[{"exists":true}]}`, false}, // Binary is not compared
		{`{"severity":["high"],"count":[1]}`, false},
		{`{"severity":["high"],"count":[42]}`, true},
	} {
		p, err := ParseFilterPolicy(tc.policy, false)
		if err != nil {
			t.Errorf("%s: %v", tc.policy, err)
			continue
		}
		if got := p.MatchAttributes(attrs); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.policy, got, tc.want)
		}
	}
}

func TestFilterPolicyBody(t *testing.T) {
	msg := `{"detail":{"state":"ALARM","value":7},"tags":["a","b"],"obj":{"x":1}}`
	for _, tc := range []struct {
		policy string
		want   bool
	}{
		{`{"detail":{"state":["ALARM"]}}`, true},
		{`{"detail":{"state":["OK"]}}`, false},
		{`{"detail":{"value":[{"numeric":[">=",7]}]}}`, true},
		{`{"tags":["b"]}`, true},
		{`{"obj":[{"exists":false}]}`, true},
		{`{"detail":{"missing":[{"exists":false}]}}`, true},
	} {
		p, err := ParseFilterPolicy(tc.policy, true)
		if err != nil {
			t.Errorf("%s: %v", tc.policy, err)
			continue
		}
		if got := p.MatchBody(msg); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.policy, got, tc.want)
		}
	}
	p, _ := ParseFilterPolicy(`{"a":["b"]}`, true)
	if p.MatchBody("not json") {
		t.Error("a non-JSON body matched")
	}
}

func TestFilterPolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		policy string
		body   bool
		want   string
	}{
		{`{"a":"b"}`, false, `"a" must be an object or an array`},
		{`{"a":{"b":["c"]}}`, false, `"a" must be an object or an array`},
		{`{"a":[]}`, false, "Empty arrays are not allowed"},
		{`{"a":[{"EXISTS":true}]}`, false, "Unrecognized match type EXISTS"},
		{`{"a":[{"numeric":[">",1,">",2]}]}`, false, "Bad numeric range operator: >"},
		{`{"a":[{"numeric":["<","x"]}]}`, false, "Value of < must be numeric"},
		{`{"a":[{"prefix":1}]}`, false, "prefix match pattern must be a string"},
		{`{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, false, "Filter policy can not have more than 5 keys"},
		{`{"a":[1,2,3,4,5,6,7,8,9,10],"b":[1,2,3,4,5,6,7,8,9,10],"c":[1,2]}`, false, "Filter policy is too complex"},
		{`[1]`, false, "Filter policy must be a JSON object"},
		{`{`, false, "failed to parse JSON."},
	} {
		_, err := ParseFilterPolicy(tc.policy, tc.body)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.policy, err, tc.want)
		}
	}
}

// FuzzParseFilterPolicy: the parser never panics, and a policy it accepts
// can be applied to any message.
func FuzzParseFilterPolicy(f *testing.F) {
	for _, s := range []string{`{"a":["b"]}`, `{"a":[{"numeric":[">",1,"<",5]}]}`, `{"a":{"b":[{"exists":false}]}}`,
		`{"a":[{"anything-but":{"prefix":"x"}}]}`, `{"a":[{"cidr":"10.0.0.0/8"}]}`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, policy string, body bool) {
		p, err := ParseFilterPolicy(policy, body)
		if err != nil {
			return
		}
		p.MatchBody(`{"a":"b","c":{"d":[1,"x",null,true]}}`)
		p.MatchAttributes(map[string]Attribute{"a": {DataType: "String", Value: "b"}, "n": {DataType: "Number", Value: "3"}})
	})
}
