package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	plain := compileOpts{wildcards: true}
	arn := compileOpts{wildcards: true, arn: true, vars: true}
	ctx := map[string][]string{"aws:username": {"alice"}, "multi": {"a", "b"}}
	tests := []struct {
		name    string
		pattern string
		opts    compileOpts
		input   string
		want    bool
	}{
		{"exact", "abc", plain, "abc", true},
		{"exact mismatch", "abc", plain, "abd", false},
		{"star empty", "a*", plain, "a", true},
		{"star middle", "a*c", plain, "abbbc", true},
		{"star backtracks", "a*bc", plain, "abcbc", true},
		{"two stars", "*b*d", plain, "abcd", true},
		{"question mark", "a?c", plain, "abc", true},
		{"question mark is one rune", "a?c", plain, "aéc", true},
		{"question mark needs a rune", "a?", plain, "a", false},
		{"only star", "*", plain, "", true},
		{"star then literal at end", "*.txt", plain, "a:b.txt", true},
		{"wildcards off", "a*", compileOpts{}, "abc", false},
		{"wildcards off literal star", "a*", compileOpts{}, "a*", true},
		{"variable", "u/${aws:username}", arn, "u/alice", true},
		{"variable key any case", "u/${AWS:UserName}", arn, "u/alice", true},
		{"variable other value", "u/${aws:username}", arn, "u/bob", false},
		{"variable absent", "u/${aws:userid}", arn, "u/", false},
		{"variable default", "u/${aws:userid, 'x'}", arn, "u/x", true},
		{"multivalued key is no variable", "u/${multi}", arn, "u/a", false},
		{"unterminated variable is literal", "u/${aws:username", arn, "u/${aws:username", true},
		{"variables off", "u/${aws:username}", plain, "u/${aws:username}", true},
		{"escapes", "${*}${?}${$}", arn, "*?$", true},
		{"arn star inside segment", "arn:aws:sqs:u*1:1:q", arn, "arn:aws:sqs:us-east-1:1:q", true},
		{"arn star inside segment stops at colon", "arn:aws:sqs:u*1:1:q", arn, "arn:aws:sqs:u:x1:1:q", false},
		{"arn star ending segment crosses", "arn:aws:sqs:u*:1:q", arn, "arn:aws:sqs:u:x:1:q", true},
		{"arn star in sixth segment crosses", "arn:aws:s3:::b/*.txt", arn, "arn:aws:s3:::b/a:b.txt", true},
		{"arn narrow star needs backtracking", "arn:aws:a*b*c:::x", arn, "arn:aws:abxbc:::x", true},
		{"arn narrow star several tries", "arn:*:s*3*:::x", arn, "arn:aws:s3s3:::x", true},
		{"arn narrow star fails", "arn:aws:a*b:::x", arn, "arn:aws:a:b:::x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(tt.pattern, tt.opts)
			if got := p.match(tt.input, ctx); got != tt.want {
				t.Errorf("compile(%q).match(%q) = %v, want %v", tt.pattern, tt.input, got, tt.want)
			}
		})
	}
}

// TestMatchersAgree checks the greedy matcher against the exhaustive one on
// random patterns whose stars all cross colons, where both must be exact.
func TestMatchersAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab:"
	randString := func(n int, wild bool) string {
		var b strings.Builder
		for range r.IntN(n) {
			if wild && r.IntN(4) == 0 {
				b.WriteByte("*?"[r.IntN(2)])
				continue
			}
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		pat, in := randString(8, true), randString(10, false)
		p := compile(pat, compileOpts{wildcards: true})
		if g, e := matchGreedy(p.pieces, in), matchExhaustive(p.pieces, in); g != e {
			t.Fatalf("pattern %q input %q: greedy %v, exhaustive %v", pat, in, g, e)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		sec  int64
		nsec int64
		ok   bool
	}{
		{"0", 0, 0, true},
		{"1700000000", 1700000000, 0, true},
		{"9223372036854775807", 9223372036854775807, 0, true},
		{"9223372036854775808", 0, 0, false},
		{"1970-01-01T00:00:00Z", 0, 0, true},
		{"2024-06-01T12:00:00Z", 1717243200, 0, true},
		{"2024-06-01t12:00:00z", 1717243200, 0, true},
		{"2024-06-01T14:00:00+02:00", 1717243200, 0, true},
		{"2024-06-01T07:00:00-0500", 1717243200, 0, true},
		{"2024-06-01T12:00:00.5Z", 1717243200, 500000000, true},
		{"2024-06-01", 1717200000, 0, true},
		{"2024-06", 1717200000, 0, true},
		{"2024-06-01T12", 1717243200, 0, true},
		{"2024-06-01T12:00Z", 1717243200, 0, true},
		{"1969-12-31T23:59:59Z", -1, 0, true},
		{"2000-02-29", 951782400, 0, true},
		{"-0001-01-01", -62198755200, 0, true},
		{"01T", -62135596800, 0, true},
		{"2024-13-01", 0, 0, false},
		{"2024-01-32", 0, 0, false},
		{"2024-01-01T24:00:00Z", 0, 0, false},
		{"2024-01-01T12:60:00Z", 0, 0, false},
		{"2024-01-01T12:00:60Z", 0, 0, false},
		{"2024-01-01T12:00:00+1", 0, 0, false},
		{"2024-01-01T12:00:00Zjunk", 0, 0, false},
		{"2024-01-01T12:00:00.1234567891Z", 0, 0, false},
		{"292278994-01-01", 0, 0, false},
		{"-292275055-01-01", 0, 0, false},
		{"sdfdsf", 0, 0, false},
		{"", 0, 0, false},
		{"12ab", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in)
			if ok != tt.ok || (ok && (got.sec != tt.sec || got.nsec != tt.nsec)) {
				t.Errorf("parseDate(%q) = %+v, %v; want {sec:%d nsec:%d}, %v", tt.in, got, ok, tt.sec, tt.nsec, tt.ok)
			}
		})
	}
}
