// Package logcorpus generates a deterministic, realistic mix of log lines —
// JSON application logs, MariaDB server_audit lines, pgaudit lines and HTTP
// access lines, about 200 bytes each — for benchmarks and the load command.
// The same seed and index always give the same line, so figures from
// different runs and backends are comparable.
package logcorpus

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// RareMarker appears in one line of every RareEvery, in JSON application
// lines, so a search for it finds a few dozen events in ten million.
const (
	RareMarker = "XK9-disk-quota-exceeded"
	RareEvery  = 250_000
)

// Queries are the FilterLogEvents patterns the load command runs, by name.
var Queries = []struct{ Name, Pattern string }{
	{"rare term", `"` + RareMarker + `"`},
	{"common term", "GET"},
	{"json pattern", `{ $.status >= 500 && $.service = "checkout" }`},
	{"space-delimited pattern", `[ip, ident, user, ts, request, status = 5*, size, referer, agent]`},
}

var (
	services = []string{"checkout", "catalog", "auth", "search", "billing", "profile"}
	levels   = []string{"info", "info", "info", "info", "warn", "error", "debug"}
	methods  = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	paths    = []string{"/api/v1/orders", "/api/v1/products", "/api/v1/users", "/static/app.js", "/healthz", "/api/v1/cart", "/login"}
	statuses = []int{200, 200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 500, 502, 503}
	dbOps    = []string{"CONNECT", "DISCONNECT", "QUERY", "QUERY", "QUERY", "FAILED_CONNECT", "READ", "WRITE"}
	tables   = []string{"orders", "products", "customers", "payments", "sessions", "inventory"}
	agents   = []string{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "curl/8.5.0", "aws-sdk-go-v2/1.47.7", "Go-http-client/1.1"}
)

// Line returns line i of the corpus for seed, and its timestamp: base plus
// about 10 ms per line, so a corpus spans a realistic stretch of time.
func Line(seed uint64, i int, base time.Time) (string, time.Time) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	at := base.Add(time.Duration(i)*10*time.Millisecond + time.Duration(r.IntN(10))*time.Millisecond)
	if i%RareEvery == RareEvery/2 {
		return fmt.Sprintf(`{"time":%q,"level":"error","service":"billing","request_id":"%016x","msg":"%s on volume vol-%04d","status":507}`,
			at.UTC().Format(time.RFC3339Nano), r.Uint64(), RareMarker, r.IntN(10000)), at
	}
	switch i % 4 {
	case 0:
		return fmt.Sprintf(`{"time":%q,"level":%q,"service":%q,"request_id":"%016x","user":"user%03d","method":%q,"path":"%s/%d","status":%d,"latency_ms":%d,"msg":"request handled"}`,
			at.UTC().Format(time.RFC3339Nano), levels[r.IntN(len(levels))], services[r.IntN(len(services))], r.Uint64(),
			r.IntN(500), methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], r.IntN(100000),
			statuses[r.IntN(len(statuses))], r.IntN(900)+1), at
	case 1:
		op := dbOps[r.IntN(len(dbOps))]
		obj, ret := "", "0"
		switch op {
		case "QUERY":
			obj = fmt.Sprintf("'SELECT id, status, total FROM %s WHERE customer_id=%d ORDER BY created_at DESC LIMIT 20'", tables[r.IntN(len(tables))], r.IntN(100000))
		case "FAILED_CONNECT":
			ret = "1045"
		case "READ", "WRITE":
			obj, ret = tables[r.IntN(len(tables))], ""
		}
		return fmt.Sprintf("%s,db-%d,app%02d,10.0.%d.%d,%d,%d,%s,shop,%s,%s",
			at.UTC().Format("20060102 15:04:05"), r.IntN(4), r.IntN(20), r.IntN(8), r.IntN(250), r.IntN(5000), r.IntN(1000000), op, obj, ret), at
	case 2:
		return fmt.Sprintf("%s UTC [%d] app@shop LOG:  AUDIT: SESSION,%d,1,READ,SELECT,TABLE,public.%s,select * from %s where id = %d and tenant = 'acme',<not logged>",
			at.UTC().Format("2006-01-02 15:04:05.000"), r.IntN(60000)+1000, r.IntN(100000), tables[r.IntN(len(tables))], tables[r.IntN(len(tables))], r.IntN(1000000)), at
	default:
		return fmt.Sprintf(`10.%d.%d.%d - - [%s] "%s %s/%d HTTP/1.1" %d %d "-" %q`,
			r.IntN(4), r.IntN(256), r.IntN(256), at.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], r.IntN(100000), statuses[r.IntN(len(statuses))],
			r.IntN(50000)+100, agents[r.IntN(len(agents))]), at
	}
}
