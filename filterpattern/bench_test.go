package filterpattern_test

import (
	"fmt"
	"testing"

	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// benchCorpus returns n deterministic lines of the shared log corpus
// (internal/logcorpus) of one kind: about 200 bytes each, in the shapes
// trailwatch stores most.
func benchCorpus(kind logcorpus.Kind, n int) [][]byte {
	g := logcorpus.NewKind(uint64(kind)+1, kind)
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.Next(nil, benchBase+int64(i))
	}
	return out
}

// benchBase is 2026-11-21T00:00:00Z, when the corpus lines are stamped.
const benchBase = 1_795_219_200_000

func benchMatch(b *testing.B, pattern string, corpus [][]byte) {
	p := filterpattern.MustCompile(pattern)
	var total int
	for _, m := range corpus {
		total += len(m)
	}
	b.SetBytes(int64(total / len(corpus)))
	b.ReportAllocs()
	matched := 0
	i := 0
	for b.Loop() {
		if p.MatchBytes(corpus[i]) {
			matched++
		}
		if i++; i == len(corpus) {
			i = 0
		}
	}
	b.ReportMetric(float64(matched)/float64(b.N), "match/op")
}

func BenchmarkMatch(b *testing.B) {
	mixed := benchCorpus(logcorpus.Mixed, 4096)
	jsonLogs := benchCorpus(logcorpus.JSON, 4096)
	httpLogs := benchCorpus(logcorpus.Access, 4096)
	tests := []struct {
		name, pattern string
		corpus        [][]byte
	}{
		{"term/rare", logcorpus.Rare[0].Term, mixed},
		{"term/common", `orders`, mixed},
		{"terms/mixed", `"GET /api" -404 ?x`, mixed},
		{"regex/classes", `%\s5\d\d\s\d{4,}%`, mixed},
		{"regex/alternation", `%[Ee]rror|[Ff]ail%`, mixed},
		{"regex/ip", `%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, mixed},
		{"regex/literal", `%order_items%`, mixed},
		{"json/mixed", `{ $.level = "error" && $.duration_ms > 500 }`, mixed},
		{"json/json", `{ $.level = "error" && $.duration_ms > 500 }`, jsonLogs},
		{"json/or", `{ $.service = "check*" || $.http_status >= 500 }`, jsonLogs},
		{"delimited/http", `[ip, ident, user, timestamp, request = "*/api/*", status_code = 5*, bytes > 1000, ...]`, httpLogs},
		{"delimited/ellipsis", `[..., status_code = 404, bytes, referer, agent, request_time]`, httpLogs},
		{"delimited/fixed", `[ip, ident, user, ts, request, status = 5*, size, referer, agent, duration]`, mixed},
		{"delimited/mixed", `[ip, ident, user, timestamp, request = "*/api/*", status_code = 5*, bytes > 1000, ...]`, mixed},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) { benchMatch(b, tt.pattern, tt.corpus) })
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, pattern := range []string{
		`ERROR -timeout`,
		`{ ($.level = "ERROR" || $.status >= 500) && $.user.name = "car*" }`,
		`[ip, ident, user, timestamp, request = "*/api/*", status_code = 5*, bytes > 1000, ...]`,
	} {
		b.Run(fmt.Sprint(len(pattern)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := filterpattern.Compile(pattern); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
