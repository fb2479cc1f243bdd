// Package logcorpus generates a deterministic, realistic mix of log lines
// for tests, benchmarks and the load command: JSON application logs,
// MariaDB server_audit lines, pgaudit lines and HTTP access log lines,
// about 200 bytes each. The same seed always yields the same lines, so
// figures from different runs and backends are comparable; the
// generator's output is part of its contract, and cached fixtures built
// from it carry a version to change whenever it changes.
//
// The variety is meant to resemble a real fleet rather than to flatter a
// compressor: request and trace ids are random, user and order ids are
// drawn from large skewed populations, client addresses from a pool of a
// few thousand plus random public ones, durations and sizes from long-
// tailed distributions. A handful of rare lines (see Rare) occur about
// RareRate times per line in all, so a 10,000,000-line corpus holds a few
// dozen of each, which is what a "rare term" query looks for.
package logcorpus

import (
	"strconv"
	"time"
)

// RareLine is one of the corpus's rare messages.
type RareLine struct {
	// Term is a word of Message that occurs nowhere else in the corpus,
	// for tests and benchmarks that need a rare term.
	Term    string
	Message string
}

// Rare are the rare messages; each is emitted, as the msg of a JSON
// error line, about once per len(Rare)/RareRate lines.
var Rare = []RareLine{
	{"Quarantined", "Quarantined payment batch after ledger checksum mismatch"},
	{"OutOfMemoryError", "java.lang.OutOfMemoryError: Java heap space in report worker"},
	{"SIGSEGV", "worker crashed: SIGSEGV in libvips while resizing thumbnail"},
}

// RareRate is the probability that a line is one of Rare:
// 12 per million lines, 4 per million for each of the three.
const RareRate = 12e-6

// Kind says which lines a generator emits: a mix of all four, as
// one stream collecting a whole host's logs would hold, or one source
// only, as a stream per source does.
type Kind int

// The kinds of corpus.
const (
	Mixed   Kind = iota // 40% JSON, 25% access, 20% MariaDB, 15% pgaudit
	JSON                // JSON application logs
	Access              // HTTP access log lines
	MariaDB             // MariaDB server_audit lines
	PgAudit             // pgaudit lines
)

// Generator generates log lines. The zero value is not usable; call New
// or NewKind. A Generator is not safe for concurrent use.
type Generator struct {
	kind   Kind
	rng    RNG
	connID int64 // MariaDB connection ids, increasing
	query  int64 // MariaDB query ids, increasing
	stmt   int64 // pgaudit statement ids, increasing
}

// New returns a generator of mixed lines that depend only on seed.
func New(seed uint64) *Generator { return NewKind(seed, Mixed) }

// NewKind returns a generator of lines of one kind that depend only
// on seed and kind.
func NewKind(seed uint64, kind Kind) *Generator {
	return &Generator{kind: kind, rng: RNG{s: seed}, connID: 1000 + int64(seed%5000), query: 50000, stmt: 1}
}

// Next appends one line, stamped at ms (milliseconds since the epoch),
// to dst and returns the extended slice.
func (c *Generator) Next(dst []byte, ms int64) []byte {
	r := &c.rng
	if r.Float64() < RareRate {
		return c.jsonLine(dst, ms, r.IntN(len(Rare)))
	}
	kind := c.kind
	if kind == Mixed {
		switch p := r.IntN(100); {
		case p < 40:
			kind = JSON
		case p < 65:
			kind = Access
		case p < 85:
			kind = MariaDB
		default:
			kind = PgAudit
		}
	}
	switch kind {
	case Access:
		return c.accessLine(dst, ms)
	case MariaDB:
		return c.mariadbLine(dst, ms)
	case PgAudit:
		return c.pgauditLine(dst, ms)
	}
	return c.jsonLine(dst, ms, -1)
}

var (
	services = []string{"checkout", "payments", "inventory", "auth", "search", "catalog",
		"shipping", "notifications", "recommendations", "cart", "users", "gateway"}
	infoMsgs = []string{"request completed", "order placed", "cache miss, loading from database",
		"session refreshed", "payment authorized", "item added to cart", "search executed",
		"inventory reserved", "email queued", "token issued", "shipment label created",
		"price recalculated", "feature flag evaluated", "user profile updated"}
	debugMsgs = []string{"sql query plan chosen", "retrying idempotent call", "connection pool stats",
		"cache entry evicted", "span exported"}
	warnMsgs = []string{"slow query detected", "upstream latency above threshold",
		"retry budget nearly exhausted", "deprecated API version used", "rate limit approaching"}
	errorMsgs = []string{"upstream timeout calling inventory", "payment declined by issuer",
		"database connection refused", "invalid signature on webhook", "context deadline exceeded",
		"unique constraint violation on orders_pkey"}
	// searches mixes in multi-byte UTF-8 and mixed case, as
	// shoppers type.
	searches = []string{"running shoes", "Café Crème capsules", "Müsli ohne Zucker", "東京 guide book",
		"naïve art print", "São Paulo jersey", "iPhone 16 case", "ÉCHARPE laine", "Größe 42 Stiefel",
		"smörgåsbord plates", "Ελληνικό μέλι", "кофе молотый", "USB-C Hub"}
	regions = []string{"us-east-1", "us-east-1", "us-east-1", "eu-west-1", "eu-west-1", "ap-southeast-2"}
)

// jsonLine appends a JSON application log line; rare >= 0 picks a rare
// message instead of an ordinary one.
func (c *Generator) jsonLine(dst []byte, ms int64, rare int) []byte {
	r := &c.rng
	level, msg := "info", ""
	switch p := r.IntN(100); {
	case rare >= 0:
		level, msg = "error", Rare[rare].Message
	case p < 78:
		msg = infoMsgs[r.Skewed(len(infoMsgs))]
	case p < 88:
		level, msg = "debug", debugMsgs[r.IntN(len(debugMsgs))]
	case p < 96:
		level, msg = "warn", warnMsgs[r.IntN(len(warnMsgs))]
	default:
		level, msg = "error", errorMsgs[r.IntN(len(errorMsgs))]
	}
	svc := services[r.Skewed(len(services))]
	dst = append(dst, `{"ts":"`...)
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, `","level":"`...)
	dst = append(dst, level...)
	dst = append(dst, `","service":"`...)
	dst = append(dst, svc...)
	dst = append(dst, `","region":"`...)
	dst = append(dst, regions[r.IntN(len(regions))]...)
	dst = append(dst, `","msg":"`...)
	dst = append(dst, msg...)
	dst = append(dst, `","trace_id":"`...)
	dst = r.Hex(dst, 16)
	dst = append(dst, `","user_id":`...)
	dst = strconv.AppendInt(dst, int64(r.Skewed(200000)), 10)
	switch r.IntN(4) {
	case 0:
		dst = append(dst, `,"order_id":"ord_`...)
		dst = r.Alnum(dst, 10)
		dst = append(dst, `","amount_cents":`...)
		dst = strconv.AppendInt(dst, int64(99+r.LongTail(20000)), 10)
	case 1:
		// A service runs a handful of pods whose names live for a
		// deployment: a fixed pseudo-random suffix per (service, replica).
		dst = append(dst, `,"pod":"`...)
		dst = append(dst, svc...)
		dst = append(dst, '-')
		pod := RNG{s: uint64(len(svc))<<8 | uint64(svc[0])<<16 | uint64(r.IntN(6))}
		dst = pod.Hex(dst, 9)
		dst = append(dst, '-')
		dst = pod.Alnum(dst, 5)
		dst = append(dst, '"')
	case 2:
		dst = append(dst, `,"query":"`...)
		dst = append(dst, searches[r.Skewed(len(searches))]...)
		dst = append(dst, `","hits":`...)
		dst = strconv.AppendInt(dst, int64(r.LongTail(5000)), 10)
	default:
		dst = append(dst, `,"http_status":`...)
		dst = strconv.AppendInt(dst, int64(httpStatus(r)), 10)
	}
	dst = append(dst, `,"duration_ms":`...)
	dst = strconv.AppendInt(dst, int64(r.LongTail(2000)), 10)
	return append(dst, '}')
}

var (
	methods = []string{"GET", "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"}
	paths   = []string{"/api/v1/products/", "/api/v1/orders/", "/api/v1/users/", "/static/img/p/",
		"/api/v1/cart/", "/api/v2/search?q=", "/category/", "/api/v1/reviews/", "/checkout/step/"}
	searchParams = []string{"shoes", "red+dress", "laptop+stand", "coffee", "usb-c+cable", "garden+hose", "lego"}
	referers     = []string{"-", "-", "https://shop.example.com/", "https://www.google.com/",
		"https://shop.example.com/category/shoes", "https://m.facebook.com/"}
	agents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
		"okhttp/4.12.0", "curl/8.5.0", "Go-http-client/1.1", "kube-probe/1.31",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
)

func httpStatus(r *RNG) int {
	switch p := r.IntN(1000); {
	case p < 850:
		return 200
	case p < 900:
		return 304
	case p < 930:
		return 302
	case p < 965:
		return 404
	case p < 980:
		return 401
	case p < 990:
		return 201
	case p < 997:
		return 500
	default:
		return 503
	}
}

// accessLine appends an NGINX "combined" access log line with the request
// time appended, as many deployments configure it.
func (c *Generator) accessLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = r.clientIP(dst)
	dst = append(dst, " - - ["...)
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700")
	dst = append(dst, `] "`...)
	dst = append(dst, methods[r.IntN(len(methods))]...)
	dst = append(dst, ' ')
	path := paths[r.Skewed(len(paths))]
	dst = append(dst, path...)
	switch path[len(path)-1] {
	case '=':
		dst = append(dst, searchParams[r.IntN(len(searchParams))]...)
		dst = append(dst, "&page="...)
		dst = strconv.AppendInt(dst, int64(1+r.LongTail(20)), 10)
	default:
		dst = strconv.AppendInt(dst, int64(r.Skewed(500000)), 10)
		if r.IntN(4) == 0 {
			dst = append(dst, "?ref=home"...)
		}
	}
	dst = append(dst, ` HTTP/1.1" `...)
	dst = strconv.AppendInt(dst, int64(httpStatus(r)), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.LongTail(60000)), 10)
	dst = append(dst, ` "`...)
	dst = append(dst, referers[r.IntN(len(referers))]...)
	dst = append(dst, `" "`...)
	dst = append(dst, agents[r.Skewed(len(agents))]...)
	dst = append(dst, `" `...)
	d := r.LongTail(3000)
	dst = strconv.AppendInt(dst, int64(d/1000), 10)
	dst = append(dst, '.')
	dst = append(dst, byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
	return dst
}

var (
	dbHosts      = []string{"db-prod-1", "db-prod-2", "db-replica-1", "vm-db-03"}
	dbUsers      = []string{"app", "app", "app", "app_ro", "report", "etl", "admin"}
	dbNames      = []string{"shop", "shop", "shop", "analytics", "billing"}
	sqlTemplates = []string{
		"SELECT id, status, total FROM orders WHERE customer_id = %d ORDER BY created_at DESC LIMIT 20",
		"UPDATE inventory SET reserved = reserved + 1 WHERE sku_id = %d",
		"INSERT INTO order_items (order_id, sku_id, qty, price_cents) VALUES (%d, 4411, 1, 2599)",
		"SELECT * FROM customers WHERE id = %d",
		"DELETE FROM cart_items WHERE cart_id = %d AND sku_id = 77",
		"SELECT COUNT(*) FROM sessions WHERE user_id = %d AND expires_at > NOW()",
	}
	tables = []string{"orders", "inventory", "order_items", "customers", "cart_items", "sessions"}
)

// mariadbLine appends a MariaDB server_audit plugin line:
// timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode.
func (c *Generator) mariadbLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "20060102 15:04:05")
	dst = append(dst, ',')
	dst = append(dst, dbHosts[r.Skewed(len(dbHosts))]...)
	dst = append(dst, ',')
	dst = append(dst, dbUsers[r.IntN(len(dbUsers))]...)
	dst = append(dst, ",10.0."...)
	dst = strconv.AppendInt(dst, int64(r.IntN(8)), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(2+r.IntN(60)), 10)
	dst = append(dst, ',')
	if r.IntN(50) == 0 {
		c.connID += int64(1 + r.IntN(3))
	}
	dst = strconv.AppendInt(dst, c.connID-int64(r.IntN(40)), 10)
	dst = append(dst, ',')
	switch p := r.IntN(100); {
	case p < 4:
		dst = append(dst, "0,CONNECT,"...)
		dst = append(dst, dbNames[r.IntN(len(dbNames))]...)
		return append(dst, ",,0"...)
	case p < 8:
		dst = append(dst, "0,DISCONNECT,"...)
		dst = append(dst, dbNames[r.IntN(len(dbNames))]...)
		return append(dst, ",,0"...)
	case p < 30:
		c.query++
		dst = strconv.AppendInt(dst, c.query, 10)
		op := ",READ,"
		if r.IntN(3) == 0 {
			op = ",WRITE,"
		}
		dst = append(dst, op...)
		dst = append(dst, dbNames[r.IntN(len(dbNames))]...)
		dst = append(dst, ',')
		dst = append(dst, tables[r.IntN(len(tables))]...)
		return append(dst, ",0"...)
	}
	c.query++
	dst = strconv.AppendInt(dst, c.query, 10)
	dst = append(dst, ",QUERY,"...)
	dst = append(dst, dbNames[r.IntN(len(dbNames))]...)
	dst = append(dst, ",'"...)
	dst = appendSQL(r, dst)
	dst = append(dst, "',"...)
	ret := 0
	if r.IntN(200) == 0 {
		ret = []int{1064, 1146, 1213, 1205}[r.IntN(4)]
	}
	return strconv.AppendInt(dst, int64(ret), 10)
}

// appendSQL appends one of sqlTemplates with its %d filled in.
func appendSQL(r *RNG, dst []byte) []byte {
	q := sqlTemplates[r.Skewed(len(sqlTemplates))]
	for i := 0; i < len(q); i++ {
		if q[i] == '%' && i+1 < len(q) && q[i+1] == 'd' {
			dst = strconv.AppendInt(dst, int64(r.Skewed(1000000)), 10)
			i++
			continue
		}
		dst = append(dst, q[i])
	}
	return dst
}

var (
	pgClasses = [][2]string{{"READ", "SELECT"}, {"READ", "SELECT"}, {"READ", "SELECT"},
		{"WRITE", "INSERT"}, {"WRITE", "UPDATE"}, {"WRITE", "DELETE"}, {"ROLE", "GRANT"},
		{"DDL", "CREATE TABLE"}, {"MISC", "SET"}}
	pgObjects = []string{"public.orders", "public.customers", "public.invoices", "billing.payments", "public.audit_events"}
)

// pgauditLine appends a PostgreSQL log line carrying a pgaudit session
// record, with a "%m [%p] %u@%d " log_line_prefix:
// AUDIT: SESSION,statement,substatement,class,command,object type,object name,statement,parameter.
func (c *Generator) pgauditLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02 15:04:05.000 MST")
	dst = append(dst, " ["...)
	dst = strconv.AppendInt(dst, int64(20000+r.IntN(3000)), 10)
	dst = append(dst, "] "...)
	dst = append(dst, dbUsers[r.IntN(len(dbUsers))]...)
	dst = append(dst, '@')
	dst = append(dst, dbNames[r.IntN(len(dbNames))]...)
	dst = append(dst, " LOG:  AUDIT: SESSION,"...)
	c.stmt++
	dst = strconv.AppendInt(dst, c.stmt, 10)
	dst = append(dst, ",1,"...)
	cl := pgClasses[r.IntN(len(pgClasses))]
	dst = append(dst, cl[0]...)
	dst = append(dst, ',')
	dst = append(dst, cl[1]...)
	switch cl[1] {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		dst = append(dst, ",TABLE,"...)
		dst = append(dst, pgObjects[r.IntN(len(pgObjects))]...)
		dst = append(dst, ',')
		dst = appendSQL(r, dst)
	case "GRANT":
		dst = append(dst, ",,,GRANT SELECT ON public.orders TO report_"...)
		dst = r.Alnum(dst, 4)
	case "CREATE TABLE":
		dst = append(dst, ",TABLE,public.tmp_import_"...)
		dst = strconv.AppendInt(dst, int64(r.IntN(100000)), 10)
		dst = append(dst, ",CREATE TABLE public.tmp_import (id bigint, payload jsonb)"...)
	default:
		dst = append(dst, ",,,SET application_name = 'worker-"...)
		dst = strconv.AppendInt(dst, int64(r.IntN(64)), 10)
		dst = append(dst, '\'')
	}
	return append(dst, ",<not logged>"...)
}
