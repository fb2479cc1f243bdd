package filterpattern

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzPatterns are applied to every message FuzzMatch generates; together
// they reach every kind of matcher.
var fuzzPatterns = []string{
	`ERROR`,
	`?ERROR ?WARN -DEBUG "disk full"`,
	`%^[A-Z]+\s\d+%`,
	`%[Ee]rror|[Ff]ail%`,
	`{ $.a = * }`,
	`{ $.a = "x*" || $.a > 10 || $.a IS NULL || $.a IS TRUE || $.b[1].c NOT EXISTS }`,
	`{ ($.a != %^b% && $.b[0] = 2) || $.c.d <= -1e2 }`,
	`{ $.a = "x" && $.b IS NULL || $.a = %y.z% && $.c.d = "*q" }`,
	`[a, b, c]`,
	`[ip, user = "-", ts, request = *GET*, status = 5*, size > 10]`,
	`[..., level = WARN*, msg = "x y"]`,
	`[..., status = 4*, bytes > 100]`,
	`[first = ERROR || first = "[x", ..., last != 0, ...]`,
	`FAILED_CONNECT "GET /x" -"h h"`,
	`{ $.http_status >= 500 && $.service = "checkout" }`,
	`[ip, ident, user, ts, request, status = 5*, size]`,
	`[verb = GET*, ..., size = "12"]`,
}

// FuzzMatch applies fixed patterns of every kind to arbitrary events and
// checks the JSON scanner against encoding/json: both must agree about
// which events are JSON objects, and about the value at $.a.
func FuzzMatch(f *testing.F) {
	seeds := []string{
		`ERROR 404 disk full`,
		`{"a":"xyz","b":[1,{"c":2}],"c":{"d":-200}}`,
		`{"a":null,"a":true}`,
		`{"a":"\ud800","b":"\u00e9\n\/"}`,
		` {"a" : 1.5e3 , "b":[2]} `,
		`{"a":01}`,
		`{"a":1}x`,
		`[1,2]`,
		`127.0.0.1 - - [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 404 1534`,
		`"unclosed [bracket`,
		strings.Repeat("[", 1001) + strings.Repeat("]", 1001),
		// Nesting at and just past maxJSONDepth, through the skipping
		// loop (b) and through selected members (a).
		`{"b":` + strings.Repeat("[", 999) + strings.Repeat("]", 999) + `,"a":1}`,
		`{"b":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `,"a":1}`,
		`{"b":` + strings.Repeat(`{"c":[`, 70) + strings.Repeat("]}", 70) + `,"a":"x"}`,
		`{"a":` + strings.Repeat(`{"a":`, 998) + `1` + strings.Repeat("}", 999),
		`{"a":` + strings.Repeat(`{"a":`, 999) + `1` + strings.Repeat("}", 1000),
		// Quotes, backslashes, control characters and escapes inside
		// and across the eight-byte words the string scanner reads.
		`{"a":"0123456\"89","b":"01234567\\x","c":"\u00e9\ud83d\ude00"}`,
		"{\"a\":\"012345\x01\"}",
		`GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG "GET /x" FAILED_CONNECT`,
		`{"note":"hush hush hush hush hush hush hush hush","service":"checkout","http_status":503}  `,
		`10.0.0.8 - - [10/Oct/2000:14:03:00 -0700] "GET /x HTTP/1.1"503 12`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	var ps []*Pattern
	for _, s := range fuzzPatterns {
		ps = append(ps, MustCompile(s))
	}
	ref := jsonRef("$.a")
	f.Fuzz(func(t *testing.T, msg string) {
		for _, p := range ps {
			m := p.Match(msg)
			if p.MatchBytes([]byte(msg)) != m {
				t.Fatalf("%q on %q: MatchBytes disagrees with Match", p, msg)
			}
			if _, ok := p.Extract(msg); ok != m {
				t.Fatalf("%q on %q: Extract disagrees with Match", p, msg)
			}
			if p.terms != nil && p.terms.matchContains(msg) != m {
				t.Fatalf("%q on %q: searching by rarest byte changed the answer", p, msg)
			}
			if p.json != nil && p.json.eval(msg) != m {
				t.Fatalf("%q on %q: the literal prefilter changed the answer", p, msg)
			}
			if d := p.delim; d != nil && d.matchFields(msg, splitFields(msg, nil, len(msg))) != m {
				t.Fatalf("%q on %q: testing fields as they are split changed the answer", p, msg)
			}
		}

		var vals [1]jvalue
		scanned := scanJSON(msg, ref, vals[:])
		trimmed := bytes.TrimLeft([]byte(msg), " \t\r\n")
		want := json.Valid([]byte(msg)) && len(trimmed) > 0 && trimmed[0] == '{' && depth(msg) <= maxJSONDepth
		if scanned != want {
			t.Fatalf("scanJSON(%q) = %v, encoding/json says %v", msg, scanned, want)
		}
		if !scanned {
			return
		}
		dec := json.NewDecoder(strings.NewReader(msg))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("encoding/json cannot decode %q: %v", msg, err)
		}
		got, ok := vals[0].text(msg)
		var exp string
		var expOK bool
		switch v := doc["a"].(type) {
		case string:
			exp, expOK = v, true
		case json.Number:
			exp, expOK = string(v), true
		case bool:
			exp, expOK = "false", true
			if v {
				exp = "true"
			}
		}
		// encoding/json turns invalid UTF-8 and lone surrogates into
		// U+FFFD; the scanner keeps invalid bytes as they are.
		if expOK && !utf8.ValidString(got) {
			return
		}
		if ok != expOK || got != exp {
			t.Fatalf("$.a in %q: scanner %q, %v; encoding/json %q, %v", msg, got, ok, exp, expOK)
		}
	})
}

// matchContains is termMatcher.match with strings.Contains for the
// searches: the reference the literal searches are held to.
func (m *termMatcher) matchContains(msg string) bool {
	if m.noneAll {
		return false
	}
	for _, t := range m.none {
		if strings.Contains(msg, t) {
			return false
		}
	}
	if m.mandatory {
		for _, t := range m.all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		return true
	}
	if len(m.any) == 0 || m.anyAll {
		return true
	}
	for _, t := range m.any {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// jsonRef builds the trie of one selector.
func jsonRef(s string) *trieNode {
	r, err := ParseRef(s)
	if err != nil {
		panic(err)
	}
	return r.root
}

// depth returns the deepest nesting of brackets and braces outside
// strings; msg is valid JSON.
func depth(msg string) int {
	d, max := 0, 0
	in, esc := false, false
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case in:
		case c == '{' || c == '[':
			if d++; d > max {
				max = d
			}
		case c == '}' || c == ']':
			d--
		}
	}
	return max
}
