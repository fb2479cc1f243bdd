package filterpattern_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/filterpattern"
)

const (
	apacheLine = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	pgauditDDL = `2024-03-15 10:02:01.456 UTC [4712] admin@shop LOG:  AUDIT: SESSION,2,1,DDL,DROP TABLE,TABLE,public.customers,DROP TABLE customers;,<not logged>`
	jsonError  = `{"level":"ERROR","msg":"cache \"warm\" done","latency_ms":812.5,"user":{"id":42,"email":"ana@example.com"},"tags":["a","b"],"trace":null,"retry":true}`
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name, pattern, message string
		want                   map[string]string // nil: no match
	}{
		{
			// UG23's example, with the blank element its trailing comma makes.
			name:    "aws example",
			pattern: `[..., request=*.html*, status_code=4*,]`,
			message: apacheLine,
			want: map[string]string{
				"$1": "127.0.0.1", "$2": "-", "$3": "frank", "$4": "10/Oct/2000:13:25:15 -0700",
				"$request": "GET /index.html HTTP/1.0", "$status_code": "404", "$7": "1534",
			},
		},
		{
			name:    "all named",
			pattern: `[ip, user, username, timestamp, request, status_code, bytes]`,
			message: apacheLine,
			want: map[string]string{
				"$ip": "127.0.0.1", "$user": "-", "$username": "frank", "$timestamp": "10/Oct/2000:13:25:15 -0700",
				"$request": "GET /index.html HTTP/1.0", "$status_code": "404", "$bytes": "1534",
			},
		},
		{
			name:    "ellipsis in the middle",
			pattern: `[ip, ..., status, bytes > 1000]`,
			message: apacheLine,
			want: map[string]string{
				"$ip": "127.0.0.1", "$2": "-", "$3": "frank", "$4": "10/Oct/2000:13:25:15 -0700",
				"$5": "GET /index.html HTTP/1.0", "$status": "404", "$bytes": "1534",
			},
		},
		{
			name:    "two ellipses",
			pattern: `[date, ..., kind = TABLE, ...]`,
			message: pgauditDDL,
			want: map[string]string{
				"$date": "2024-03-15", "$2": "10:02:01.456", "$3": "UTC", "$4": "4712", "$5": "admin@shop",
				"$6": "LOG:", "$7": "AUDIT:", "$8": "SESSION,2,1,DDL,DROP", "$9": "TABLE,TABLE,public.customers,DROP",
				"$kind": "TABLE", "$11": "customers;,<not", "$12": "logged>",
			},
		},
		{
			name:    "delimited no match",
			pattern: `[ip, user, username, timestamp, request, status_code = 5*, bytes]`,
			message: apacheLine,
		},
		{
			// "If you are not using a space-delimited filter, this will be
			// empty" (UG23).
			name:    "json",
			pattern: `{ $.latency_ms = * }`,
			message: jsonError,
			want:    map[string]string{},
		},
		{
			name:    "json no match",
			pattern: `{ $.latency_ms < 100 }`,
			message: jsonError,
		},
		{
			name:    "terms",
			pattern: `ERROR`,
			message: "[ERROR] 400 BAD REQUEST",
			want:    map[string]string{},
		},
		{
			name:    "terms no match",
			pattern: `ERROR`,
			message: "[INFO] 200 OK",
		},
		{
			name:    "empty pattern",
			pattern: ``,
			message: "anything",
			want:    map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filterpattern.MustCompile(tt.pattern)
			got, ok := p.Extract(tt.message)
			if ok != (tt.want != nil) {
				t.Fatalf("Extract ok = %v, want %v", ok, tt.want != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	jsonPattern := filterpattern.MustCompile(`{ $.latency_ms = * }`)
	delimPattern := filterpattern.MustCompile(`[ip, ..., status_code = 4*, bytes]`)
	terms := filterpattern.MustCompile(`ERROR`)
	tests := []struct {
		name    string
		p       *filterpattern.Pattern
		ref     string
		message string
		want    string
		ok      bool
	}{
		{"json number", jsonPattern, "$.latency_ms", jsonError, "812.5", true},
		{"json nested string", jsonPattern, "$.user.email", jsonError, "ana@example.com", true},
		{"json unescaped", jsonPattern, "$.msg", jsonError, `cache "warm" done`, true},
		{"json array element", jsonPattern, "$.tags[1]", jsonError, "b", true},
		{"json boolean", jsonPattern, "$.retry", jsonError, "true", true},
		{"json null", jsonPattern, "$.trace", jsonError, "", false},
		{"json object", jsonPattern, "$.user", jsonError, "", false},
		{"json absent", jsonPattern, "$.nothing", jsonError, "", false},
		// A $.path resolves whether or not the event matches the pattern.
		{"json other member", jsonPattern, "$.level", `{"level":"INFO"}`, "INFO", true},
		{"json invalid event", jsonPattern, "$.level", `{"level":"INFO"`, "", false},
		{"json ref on delimited", delimPattern, "$.level", `{"level":"INFO"}`, "", false},
		{"named field", delimPattern, "$bytes", apacheLine, "1534", true},
		{"bracketed field", delimPattern, "$4", apacheLine, "10/Oct/2000:13:25:15 -0700", true},
		{"first field", delimPattern, "$ip", apacheLine, "127.0.0.1", true},
		{"named field has no position key", delimPattern, "$1", apacheLine, "", false},
		{"beyond the fields", delimPattern, "$9", apacheLine, "", false},
		{"unknown name", delimPattern, "$size", apacheLine, "", false},
		{"delimited no match", delimPattern, "$bytes", "10.0.0.1 - - [x] \"GET / HTTP/1.1\" 200 12", "", false},
		{"field ref on json", jsonPattern, "$latency_ms", jsonError, "", false},
		{"terms bind nothing", terms, "$1", "ERROR here", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := filterpattern.ParseRef(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tt.p.Lookup(tt.message, r)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Lookup(%s) = %q, %v; want %q, %v", tt.ref, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	for _, s := range []string{"$.a", "$.a.b-c_d[0][12].e", "$size", "$status_code", "$7"} {
		r, err := filterpattern.ParseRef(s)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", s, err)
		} else if r.String() != s {
			t.Errorf("ParseRef(%q).String() = %q", s, r.String())
		}
	}
	for _, s := range []string{"", "$", "$.", "latency", "$.a.", "$.a[x]", "$.a b", "$a.b", "$a-b", "$[0]", "1"} {
		if _, err := filterpattern.ParseRef(s); err == nil {
			t.Errorf("ParseRef(%q) succeeded; want an error", s)
		}
	}
}

func TestBinds(t *testing.T) {
	tests := []struct {
		pattern, ref string
		want         bool
	}{
		{`{ $.a = 1 }`, "$.latency", true},
		{`{ $.a = 1 }`, "$a", false},
		{`[ip, size, ...]`, "$size", true},
		{`[ip, size, ...]`, "$3", true},
		{`[ip, size, ...]`, "$0", false},
		{`[ip, size, ...]`, "$bytes", false},
		{`[ip, size, ...]`, "$.size", false},
		{`ERROR`, "$1", false},
		{`ERROR`, "$.a", false},
		{``, "$.a", false},
	}
	for _, tt := range tests {
		r, err := filterpattern.ParseRef(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := filterpattern.MustCompile(tt.pattern).Binds(r); got != tt.want {
			t.Errorf("Compile(%q).Binds(%s) = %v, want %v", tt.pattern, tt.ref, got, tt.want)
		}
	}
}

func TestRequiredTerms(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{``, nil},
		{`ERROR`, []string{"ERROR"}},
		{`ERROR -WARN`, []string{"ERROR"}},
		{`"BAD REQUEST" ERROR ERROR`, []string{"BAD REQUEST", "ERROR"}},
		{`?ERROR`, []string{"ERROR"}},
		{`?ERROR ?WARN`, nil},
		{`ERROR ?WARN`, []string{"ERROR"}},
		{`-ERROR`, nil},
		{`" "`, nil},
		{`" " ERROR`, []string{"ERROR"}},
		{`%AUTHORIZED%`, []string{"AUTHORIZED"}},
		{`%\d+ms%`, []string{"ms"}},
		{`%^ERROR|WARN%`, nil},
		{`%ERR[A-Z]+:[0-9]{3}%`, []string{"ERR", ":"}},
		{`{ $.level = "ERROR" }`, nil},
		{`[..., status_code = 4*, bytes]`, []string{"4"}},
		{`[..., request = *html*, code = 404]`, []string{"html"}},
		{`[ip = %^10\.0%, ...]`, []string{"10.0"}},
		{`[w1=ERROR || w1=WARN, w2]`, nil},
		{`[w1!=ERROR, w2]`, nil},
	}
	for _, tt := range tests {
		p, err := filterpattern.Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if diff := cmp.Diff(tt.want, p.RequiredTerms()); diff != "" {
			t.Errorf("Compile(%q).RequiredTerms() (-want +got):\n%s", tt.pattern, diff)
		}
	}
}

func TestKind(t *testing.T) {
	tests := map[string]filterpattern.Kind{
		``:            filterpattern.KindAll,
		"  \t ":       filterpattern.KindAll,
		`ERROR`:       filterpattern.KindTerms,
		`" "`:         filterpattern.KindTerms,
		` %ERR%`:      filterpattern.KindRegex,
		`{ $.a = 1 }`: filterpattern.KindJSON,
		`[a, b]`:      filterpattern.KindDelimited,
	}
	for pattern, want := range tests {
		p := filterpattern.MustCompile(pattern)
		if p.Kind() != want {
			t.Errorf("Compile(%q).Kind() = %v, want %v", pattern, p.Kind(), want)
		}
		if p.String() != pattern {
			t.Errorf("Compile(%q).String() = %q", pattern, p.String())
		}
	}
}

// TestSyntaxErrorMessages pins AWS's own wording where it is known.
func TestSyntaxErrorMessages(t *testing.T) {
	if filterpattern.InvalidFilterPatternMessage != "Invalid filter pattern" ||
		filterpattern.InvalidMetricFilterPatternMessage != "Invalid metric filter pattern" {
		t.Error("AWS's messages changed")
	}
	_, err := filterpattern.Compile(`{ $.a = 1`)
	if err == nil || err.Error() != "If a filter pattern starts with '{' it must end with '}'" {
		t.Errorf("unbalanced brace: %v", err)
	}
}
