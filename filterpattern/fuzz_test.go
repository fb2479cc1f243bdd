package filterpattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/filterpattern"
)

// fuzzRefs are references Lookup is tried with on every fuzzed pattern.
var fuzzRefs = []string{"$.a", "$.a.b[0]", "$1", "$2", "$ip", "$status"}

// checkPattern asserts what must hold for any compiled pattern and event:
// MatchBytes agrees with Match, Extract agrees about the match and binds
// only $-keys, a matching event contains every required term, and Lookup
// does not panic.
func checkPattern(t *testing.T, p *filterpattern.Pattern, message string) {
	t.Helper()
	m := p.Match(message)
	if mb := p.MatchBytes([]byte(message)); mb != m {
		t.Fatalf("%q on %q: MatchBytes %v, Match %v", p, message, mb, m)
	}
	values, ok := p.Extract(message)
	if ok != m || (values == nil) == ok {
		t.Fatalf("%q on %q: Extract = %v, %v; Match %v", p, message, values, ok, m)
	}
	for k := range values {
		if !strings.HasPrefix(k, "$") {
			t.Fatalf("%q on %q: Extract key %q", p, message, k)
		}
	}
	if m {
		for _, term := range p.RequiredTerms() {
			if !strings.Contains(message, term) {
				t.Fatalf("%q matches %q, which lacks required term %q", p, message, term)
			}
		}
	}
	for _, s := range fuzzRefs {
		r, err := filterpattern.ParseRef(s)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := p.Lookup(message, r); !ok && v != "" {
			t.Fatalf("Lookup(%s) = %q, false", s, v)
		}
	}
}

// FuzzCompile compiles arbitrary patterns and applies whatever compiles to
// an arbitrary event. Compile may fail only with a *SyntaxError, and
// nothing may panic.
func FuzzCompile(f *testing.F) {
	seeds := [][2]string{
		{`ERROR -WARN ?"disk full"`, `ERROR disk full`},
		{`" "`, ``},
		{`%^\d{1,3}\.[a-z]+|x*$%`, `10.abc`},
		{`{ $.a.b[0] = "x*" && ($.c > -1.5e3 || $.d IS NULL) }`, `{"a":{"b":["xy"]},"c":1,"d":null}`},
		{`{ $.a NOT EXISTS || $.b IS TRUE || $.c = %re% }`, ` {"a":[1,{"x":"\u00e9\ud83d\ude00"}],"b":true} `},
		{`[ip, user, ..., status = 4* || status = 500, bytes > 100]`, `1.2.3.4 - u [t z] "GET / HTTP/1.1" 404 1534`},
		{`[..., a = "x,y" && a != %z%, ...,]`, `"x,y" [a b`},
		{`{ $.a = 1`, `{}`},
		{`[a,,...,]`, `a  b`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		p, err := filterpattern.Compile(pattern)
		if err != nil {
			var se *filterpattern.SyntaxError
			if !errors.As(err, &se) || p != nil {
				t.Fatalf("Compile(%q) = %v, %v; want nil and a *SyntaxError", pattern, p, err)
			}
			return
		}
		if p.String() != pattern {
			t.Fatalf("String() = %q, want %q", p.String(), pattern)
		}
		checkPattern(t, p, message)
	})
}
