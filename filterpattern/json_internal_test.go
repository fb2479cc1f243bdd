package filterpattern

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnescapedLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{`{ $.level = "ERROR" && $.latency_ms > 500 }`, []string{`"level"`, "ERROR", `"latency_ms"`}},
		{`{ $.a = 1 || $.a = 2 }`, []string{`"a"`}},
		{`{ $.a = "x*" || $.a = "*x" }`, []string{`"a"`, "x"}},
		{`{ $.a NOT EXISTS }`, nil},
		{`{ $.a != "x" }`, []string{`"a"`}},
		{`{ $.user.name = "car*" || $.status >= 500 }`, []string{}},
		{`{ $.a[0].b IS TRUE && $.c = %ab+c% }`, []string{`"a"`, `"b"`, `"c"`, "a", "b", "c"}},
	}
	for _, tt := range tests {
		m, err := parseJSON(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, m.unescaped); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.pattern, diff)
		}
	}
}

// TestEscapedEventsBypassPrefilter: an event that spells a member name or
// value with escapes lacks the literal, and must still match.
func TestEscapedEventsBypassPrefilter(t *testing.T) {
	p := MustCompile(`{ $.level = "ERROR" && $.latency_ms > 500 }`)
	for _, msg := range []string{
		`{"le\u0076el":"ERROR","latency_ms":600}`,
		`{"level":"\u0045RROR","latency_ms":600}`,
		`{"level":"ERROR","lat\u0065ncy_ms":600}`,
	} {
		if !p.Match(msg) {
			t.Errorf("%s does not match", msg)
		}
	}
	if p.Match(`{"level":"ERROR","latency_ms":400}`) || p.Match(`{"level":"WARN","latency_ms":600}`) {
		t.Error("prefilter let a non-match through")
	}
}
