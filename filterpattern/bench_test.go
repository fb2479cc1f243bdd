package filterpattern_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/trailwatch/trailwatch/filterpattern"
)

// benchCorpus returns n deterministic events of about 200 bytes in the
// shapes trailwatch stores most: JSON application logs, MariaDB
// server_audit, pgaudit and HTTP access lines.
func benchCorpus(kind string, n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	levels := []string{"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"}
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	paths := []string{"/index.html", "/api/orders", "/api/login", "/static/app.js", "/products/list.html?page=2"}
	out := make([][]byte, n)
	for i := range out {
		var s string
		switch kind {
		case "json":
			s = fmt.Sprintf(`{"time":"2024-03-15T10:%02d:%02d.%03dZ","level":"%s","service":"checkout","msg":"request handled","status":%d,"latency_ms":%d,"user":{"id":%d,"name":"%s"},"trace_id":"%016x"}`,
				r.IntN(60), r.IntN(60), r.IntN(1000), levels[r.IntN(len(levels))], []int{200, 200, 201, 404, 500}[r.IntN(5)], r.IntN(1500), r.IntN(10000), users[r.IntN(len(users))], r.Uint64())
		case "http":
			s = fmt.Sprintf(`10.%d.%d.%d - %s [15/Mar/2024:10:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)"`,
				r.IntN(256), r.IntN(256), r.IntN(256), users[r.IntN(len(users))], r.IntN(60), r.IntN(60), paths[r.IntN(len(paths))], []int{200, 200, 304, 404, 500}[r.IntN(5)], r.IntN(100000))
		case "mariadb":
			s = fmt.Sprintf(`20240315 10:%02d:%02d,db1,%s,10.0.%d.%d,%d,%d,QUERY,shop,'SELECT id, total, status FROM orders WHERE customer_id=%d AND created_at > NOW() - INTERVAL 1 DAY',0`,
				r.IntN(60), r.IntN(60), users[r.IntN(len(users))], r.IntN(256), r.IntN(256), r.IntN(100000), r.IntN(1000000), r.IntN(100000))
		case "pgaudit":
			s = fmt.Sprintf(`2024-03-15 10:%02d:%02d.%03d UTC [%d] %s@shop LOG:  AUDIT: SESSION,%d,1,READ,SELECT,TABLE,public.orders,SELECT * FROM orders WHERE id = %d;,<not logged>`,
				r.IntN(60), r.IntN(60), r.IntN(1000), 1000+r.IntN(60000), users[r.IntN(len(users))], r.IntN(1000), r.IntN(1000000))
		}
		out[i] = []byte(s)
	}
	return out
}

// mixedCorpus interleaves the four shapes.
func mixedCorpus(n int) [][]byte {
	var out [][]byte
	kinds := []string{"json", "http", "mariadb", "pgaudit"}
	parts := make([][][]byte, len(kinds))
	for i, k := range kinds {
		parts[i] = benchCorpus(k, n/len(kinds))
	}
	for i := 0; i < n/len(kinds); i++ {
		for _, p := range parts {
			out = append(out, p[i])
		}
	}
	return out
}

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
	mixed := mixedCorpus(4096)
	jsonLogs := benchCorpus("json", 4096)
	httpLogs := benchCorpus("http", 4096)
	tests := []struct {
		name, pattern string
		corpus        [][]byte
	}{
		{"term/rare", `mallory`, mixed},
		{"term/common", `orders`, mixed},
		{"terms/mixed", `"GET /api" -404 ?x`, mixed},
		{"regex/classes", `%\s5\d\d\s\d{4,}%`, mixed},
		{"regex/alternation", `%[Ee]rror|[Ff]ail%`, mixed},
		{"regex/ip", `%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, mixed},
		{"regex/literal", `%orders;%`, mixed},
		{"json/mixed", `{ $.level = "ERROR" && $.latency_ms > 500 }`, mixed},
		{"json/json", `{ $.level = "ERROR" && $.latency_ms > 500 }`, jsonLogs},
		{"json/nested", `{ $.user.name = "car*" || $.status >= 500 }`, jsonLogs},
		{"delimited/http", `[ip, ident, user, timestamp, request = "*/api/*", status_code = 5*, bytes > 1000, ...]`, httpLogs},
		{"delimited/ellipsis", `[..., status_code = 404, bytes, referer, agent]`, httpLogs},
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
