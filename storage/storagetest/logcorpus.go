package storagetest

// This file is a copy of the chunk package's test corpus
// (internal/chunk/corpus_test.go), exported so that the backends' logs
// benchmarks store the very lines the chunk format was tuned on: a
// deterministic generator of realistic log lines (JSON application logs,
// MariaDB server_audit lines, pgaudit lines and HTTP access log lines,
// about 200 bytes each). The same seed always yields the same corpus.
//
// The variety is meant to resemble a real fleet rather than to flatter a
// compressor: request and trace ids are random, user and order ids are
// drawn from large skewed populations, client addresses from a pool of a
// few thousand plus random public ones, durations and sizes from long-
// tailed distributions. A handful of rare lines (see corpusRare) occur
// about corpusRareRate times per line in all, so a 10,000,000-line corpus
// holds a few dozen of each, which is what a "rare term" query looks for.

import (
	"strconv"
	"time"
)

// corpusRare are the rare messages; each is emitted, as the msg of a JSON
// error line, about once per len(corpusRare)/corpusRareRate lines. Each has
// a word that occurs nowhere else in the corpus (the first element of the
// pair), for tests and benchmarks that need a rare term.
var corpusRare = [][2]string{
	{"Quarantined", "Quarantined payment batch after ledger checksum mismatch"},
	{"OutOfMemoryError", "java.lang.OutOfMemoryError: Java heap space in report worker"},
	{"SIGSEGV", "worker crashed: SIGSEGV in libvips while resizing thumbnail"},
}

// corpusRareRate is the probability that a line is one of corpusRare:
// 12 per million lines, 4 per million for each of the three.
const corpusRareRate = 12e-6

// corpusKind says which lines a generator emits: a mix of all four, as
// one stream collecting a whole host's logs would hold, or one source
// only, as a stream per source does.
type corpusKind int

const (
	corpusMixed   corpusKind = iota // 40% JSON, 25% access, 20% MariaDB, 15% pgaudit
	corpusJSON                      // JSON application logs
	corpusAccess                    // HTTP access log lines
	corpusMariaDB                   // MariaDB server_audit lines
	corpusPgAudit                   // pgaudit lines
)

// LogCorpus generates log lines. The zero value is not usable; call
// NewLogCorpus.
type LogCorpus struct {
	kind   corpusKind
	rng    corpusRNG
	connID int64 // MariaDB connection ids, increasing
	query  int64 // MariaDB query ids, increasing
	stmt   int64 // pgaudit statement ids, increasing
}

// NewLogCorpus returns a generator of mixed lines that depend only on seed.
func NewLogCorpus(seed uint64) *LogCorpus { return newCorpusKind(seed, corpusMixed) }

// newCorpusKind returns a generator of lines of one kind that depend only
// on seed and kind.
func newCorpusKind(seed uint64, kind corpusKind) *LogCorpus {
	return &LogCorpus{kind: kind, rng: corpusRNG{s: seed}, connID: 1000 + int64(seed%5000), query: 50000, stmt: 1}
}

// Next appends one line, stamped at ms (milliseconds since the epoch),
// to dst and returns the extended slice.
func (c *LogCorpus) Next(dst []byte, ms int64) []byte {
	r := &c.rng
	if r.float() < corpusRareRate {
		return c.jsonLine(dst, ms, r.intn(len(corpusRare)))
	}
	kind := c.kind
	if kind == corpusMixed {
		switch p := r.intn(100); {
		case p < 40:
			kind = corpusJSON
		case p < 65:
			kind = corpusAccess
		case p < 85:
			kind = corpusMariaDB
		default:
			kind = corpusPgAudit
		}
	}
	switch kind {
	case corpusAccess:
		return c.accessLine(dst, ms)
	case corpusMariaDB:
		return c.mariadbLine(dst, ms)
	case corpusPgAudit:
		return c.pgauditLine(dst, ms)
	}
	return c.jsonLine(dst, ms, -1)
}

var (
	corpusServices = []string{"checkout", "payments", "inventory", "auth", "search", "catalog",
		"shipping", "notifications", "recommendations", "cart", "users", "gateway"}
	corpusInfo = []string{"request completed", "order placed", "cache miss, loading from database",
		"session refreshed", "payment authorized", "item added to cart", "search executed",
		"inventory reserved", "email queued", "token issued", "shipment label created",
		"price recalculated", "feature flag evaluated", "user profile updated"}
	corpusDebug = []string{"sql query plan chosen", "retrying idempotent call", "connection pool stats",
		"cache entry evicted", "span exported"}
	corpusWarn = []string{"slow query detected", "upstream latency above threshold",
		"retry budget nearly exhausted", "deprecated API version used", "rate limit approaching"}
	corpusError = []string{"upstream timeout calling inventory", "payment declined by issuer",
		"database connection refused", "invalid signature on webhook", "context deadline exceeded",
		"unique constraint violation on orders_pkey"}
	// corpusSearches mixes in multi-byte UTF-8 and mixed case, as
	// shoppers type.
	corpusSearches = []string{"running shoes", "Café Crème capsules", "Müsli ohne Zucker", "東京 guide book",
		"naïve art print", "São Paulo jersey", "iPhone 16 case", "ÉCHARPE laine", "Größe 42 Stiefel",
		"smörgåsbord plates", "Ελληνικό μέλι", "кофе молотый", "USB-C Hub"}
	corpusRegions = []string{"us-east-1", "us-east-1", "us-east-1", "eu-west-1", "eu-west-1", "ap-southeast-2"}
)

// jsonLine appends a JSON application log line; rare >= 0 picks a rare
// message instead of an ordinary one.
func (c *LogCorpus) jsonLine(dst []byte, ms int64, rare int) []byte {
	r := &c.rng
	level, msg := "info", ""
	switch p := r.intn(100); {
	case rare >= 0:
		level, msg = "error", corpusRare[rare][1]
	case p < 78:
		msg = corpusInfo[r.skewed(len(corpusInfo))]
	case p < 88:
		level, msg = "debug", corpusDebug[r.intn(len(corpusDebug))]
	case p < 96:
		level, msg = "warn", corpusWarn[r.intn(len(corpusWarn))]
	default:
		level, msg = "error", corpusError[r.intn(len(corpusError))]
	}
	svc := corpusServices[r.skewed(len(corpusServices))]
	dst = append(dst, `{"ts":"`...)
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, `","level":"`...)
	dst = append(dst, level...)
	dst = append(dst, `","service":"`...)
	dst = append(dst, svc...)
	dst = append(dst, `","region":"`...)
	dst = append(dst, corpusRegions[r.intn(len(corpusRegions))]...)
	dst = append(dst, `","msg":"`...)
	dst = append(dst, msg...)
	dst = append(dst, `","trace_id":"`...)
	dst = r.hex(dst, 16)
	dst = append(dst, `","user_id":`...)
	dst = strconv.AppendInt(dst, int64(r.skewed(200000)), 10)
	switch r.intn(4) {
	case 0:
		dst = append(dst, `,"order_id":"ord_`...)
		dst = r.alnum(dst, 10)
		dst = append(dst, `","amount_cents":`...)
		dst = strconv.AppendInt(dst, int64(99+r.longTail(20000)), 10)
	case 1:
		// A service runs a handful of pods whose names live for a
		// deployment: a fixed pseudo-random suffix per (service, replica).
		dst = append(dst, `,"pod":"`...)
		dst = append(dst, svc...)
		dst = append(dst, '-')
		pod := corpusRNG{s: uint64(len(svc))<<8 | uint64(svc[0])<<16 | uint64(r.intn(6))}
		dst = pod.hex(dst, 9)
		dst = append(dst, '-')
		dst = pod.alnum(dst, 5)
		dst = append(dst, '"')
	case 2:
		dst = append(dst, `,"query":"`...)
		dst = append(dst, corpusSearches[r.skewed(len(corpusSearches))]...)
		dst = append(dst, `","hits":`...)
		dst = strconv.AppendInt(dst, int64(r.longTail(5000)), 10)
	default:
		dst = append(dst, `,"http_status":`...)
		dst = strconv.AppendInt(dst, int64(corpusStatus(r)), 10)
	}
	dst = append(dst, `,"duration_ms":`...)
	dst = strconv.AppendInt(dst, int64(r.longTail(2000)), 10)
	return append(dst, '}')
}

var (
	corpusMethods = []string{"GET", "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"}
	corpusPaths   = []string{"/api/v1/products/", "/api/v1/orders/", "/api/v1/users/", "/static/img/p/",
		"/api/v1/cart/", "/api/v2/search?q=", "/category/", "/api/v1/reviews/", "/checkout/step/"}
	corpusQueries = []string{"shoes", "red+dress", "laptop+stand", "coffee", "usb-c+cable", "garden+hose", "lego"}
	corpusRefs    = []string{"-", "-", "https://shop.example.com/", "https://www.google.com/",
		"https://shop.example.com/category/shoes", "https://m.facebook.com/"}
	corpusAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
		"okhttp/4.12.0", "curl/8.5.0", "Go-http-client/1.1", "kube-probe/1.31",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
)

func corpusStatus(r *corpusRNG) int {
	switch p := r.intn(1000); {
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
func (c *LogCorpus) accessLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = r.clientIP(dst)
	dst = append(dst, " - - ["...)
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700")
	dst = append(dst, `] "`...)
	dst = append(dst, corpusMethods[r.intn(len(corpusMethods))]...)
	dst = append(dst, ' ')
	path := corpusPaths[r.skewed(len(corpusPaths))]
	dst = append(dst, path...)
	switch path[len(path)-1] {
	case '=':
		dst = append(dst, corpusQueries[r.intn(len(corpusQueries))]...)
		dst = append(dst, "&page="...)
		dst = strconv.AppendInt(dst, int64(1+r.longTail(20)), 10)
	default:
		dst = strconv.AppendInt(dst, int64(r.skewed(500000)), 10)
		if r.intn(4) == 0 {
			dst = append(dst, "?ref=home"...)
		}
	}
	dst = append(dst, ` HTTP/1.1" `...)
	dst = strconv.AppendInt(dst, int64(corpusStatus(r)), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.longTail(60000)), 10)
	dst = append(dst, ` "`...)
	dst = append(dst, corpusRefs[r.intn(len(corpusRefs))]...)
	dst = append(dst, `" "`...)
	dst = append(dst, corpusAgents[r.skewed(len(corpusAgents))]...)
	dst = append(dst, `" `...)
	d := r.longTail(3000)
	dst = strconv.AppendInt(dst, int64(d/1000), 10)
	dst = append(dst, '.')
	dst = append(dst, byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
	return dst
}

var (
	corpusDBHosts = []string{"db-prod-1", "db-prod-2", "db-replica-1", "vm-db-03"}
	corpusDBUsers = []string{"app", "app", "app", "app_ro", "report", "etl", "admin"}
	corpusDBNames = []string{"shop", "shop", "shop", "analytics", "billing"}
	corpusSQL     = []string{
		"SELECT id, status, total FROM orders WHERE customer_id = %d ORDER BY created_at DESC LIMIT 20",
		"UPDATE inventory SET reserved = reserved + 1 WHERE sku_id = %d",
		"INSERT INTO order_items (order_id, sku_id, qty, price_cents) VALUES (%d, 4411, 1, 2599)",
		"SELECT * FROM customers WHERE id = %d",
		"DELETE FROM cart_items WHERE cart_id = %d AND sku_id = 77",
		"SELECT COUNT(*) FROM sessions WHERE user_id = %d AND expires_at > NOW()",
	}
	corpusTables = []string{"orders", "inventory", "order_items", "customers", "cart_items", "sessions"}
)

// mariadbLine appends a MariaDB server_audit plugin line:
// timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode.
func (c *LogCorpus) mariadbLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "20060102 15:04:05")
	dst = append(dst, ',')
	dst = append(dst, corpusDBHosts[r.skewed(len(corpusDBHosts))]...)
	dst = append(dst, ',')
	dst = append(dst, corpusDBUsers[r.intn(len(corpusDBUsers))]...)
	dst = append(dst, ",10.0."...)
	dst = strconv.AppendInt(dst, int64(r.intn(8)), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(2+r.intn(60)), 10)
	dst = append(dst, ',')
	if r.intn(50) == 0 {
		c.connID += int64(1 + r.intn(3))
	}
	dst = strconv.AppendInt(dst, c.connID-int64(r.intn(40)), 10)
	dst = append(dst, ',')
	switch p := r.intn(100); {
	case p < 4:
		dst = append(dst, "0,CONNECT,"...)
		dst = append(dst, corpusDBNames[r.intn(len(corpusDBNames))]...)
		return append(dst, ",,0"...)
	case p < 8:
		dst = append(dst, "0,DISCONNECT,"...)
		dst = append(dst, corpusDBNames[r.intn(len(corpusDBNames))]...)
		return append(dst, ",,0"...)
	case p < 30:
		c.query++
		dst = strconv.AppendInt(dst, c.query, 10)
		op := ",READ,"
		if r.intn(3) == 0 {
			op = ",WRITE,"
		}
		dst = append(dst, op...)
		dst = append(dst, corpusDBNames[r.intn(len(corpusDBNames))]...)
		dst = append(dst, ',')
		dst = append(dst, corpusTables[r.intn(len(corpusTables))]...)
		return append(dst, ",0"...)
	}
	c.query++
	dst = strconv.AppendInt(dst, c.query, 10)
	dst = append(dst, ",QUERY,"...)
	dst = append(dst, corpusDBNames[r.intn(len(corpusDBNames))]...)
	dst = append(dst, ",'"...)
	dst = corpusSQLText(r, dst)
	dst = append(dst, "',"...)
	ret := 0
	if r.intn(200) == 0 {
		ret = []int{1064, 1146, 1213, 1205}[r.intn(4)]
	}
	return strconv.AppendInt(dst, int64(ret), 10)
}

// corpusSQLText appends one of corpusSQL with its %d filled in.
func corpusSQLText(r *corpusRNG, dst []byte) []byte {
	q := corpusSQL[r.skewed(len(corpusSQL))]
	for i := 0; i < len(q); i++ {
		if q[i] == '%' && i+1 < len(q) && q[i+1] == 'd' {
			dst = strconv.AppendInt(dst, int64(r.skewed(1000000)), 10)
			i++
			continue
		}
		dst = append(dst, q[i])
	}
	return dst
}

var (
	corpusPGClasses = [][2]string{{"READ", "SELECT"}, {"READ", "SELECT"}, {"READ", "SELECT"},
		{"WRITE", "INSERT"}, {"WRITE", "UPDATE"}, {"WRITE", "DELETE"}, {"ROLE", "GRANT"},
		{"DDL", "CREATE TABLE"}, {"MISC", "SET"}}
	corpusPGObjects = []string{"public.orders", "public.customers", "public.invoices", "billing.payments", "public.audit_events"}
)

// pgauditLine appends a PostgreSQL log line carrying a pgaudit session
// record, with a "%m [%p] %u@%d " log_line_prefix:
// AUDIT: SESSION,statement,substatement,class,command,object type,object name,statement,parameter.
func (c *LogCorpus) pgauditLine(dst []byte, ms int64) []byte {
	r := &c.rng
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02 15:04:05.000 MST")
	dst = append(dst, " ["...)
	dst = strconv.AppendInt(dst, int64(20000+r.intn(3000)), 10)
	dst = append(dst, "] "...)
	dst = append(dst, corpusDBUsers[r.intn(len(corpusDBUsers))]...)
	dst = append(dst, '@')
	dst = append(dst, corpusDBNames[r.intn(len(corpusDBNames))]...)
	dst = append(dst, " LOG:  AUDIT: SESSION,"...)
	c.stmt++
	dst = strconv.AppendInt(dst, c.stmt, 10)
	dst = append(dst, ",1,"...)
	cl := corpusPGClasses[r.intn(len(corpusPGClasses))]
	dst = append(dst, cl[0]...)
	dst = append(dst, ',')
	dst = append(dst, cl[1]...)
	switch cl[1] {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		dst = append(dst, ",TABLE,"...)
		dst = append(dst, corpusPGObjects[r.intn(len(corpusPGObjects))]...)
		dst = append(dst, ',')
		dst = corpusSQLText(r, dst)
	case "GRANT":
		dst = append(dst, ",,,GRANT SELECT ON public.orders TO report_"...)
		dst = r.alnum(dst, 4)
	case "CREATE TABLE":
		dst = append(dst, ",TABLE,public.tmp_import_"...)
		dst = strconv.AppendInt(dst, int64(r.intn(100000)), 10)
		dst = append(dst, ",CREATE TABLE public.tmp_import (id bigint, payload jsonb)"...)
	default:
		dst = append(dst, ",,,SET application_name = 'worker-"...)
		dst = strconv.AppendInt(dst, int64(r.intn(64)), 10)
		dst = append(dst, '\'')
	}
	return append(dst, ",<not logged>"...)
}

// corpusRNG is splitmix64: tiny, fast, and fixed forever, unlike the
// algorithms behind math/rand's helpers, so a seed always yields the same
// corpus.
type corpusRNG struct{ s uint64 }

func (r *corpusRNG) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform value in [0, n).
func (r *corpusRNG) intn(n int) int { return int((r.u64() >> 32) * uint64(n) >> 32) }

// float returns a uniform value in [0, 1).
func (r *corpusRNG) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// skewed returns a value in [0, n) where small values are much likelier,
// roughly as popular users, pages and queries are: the minimum of three
// uniform draws, squared in effect.
func (r *corpusRNG) skewed(n int) int {
	a, b := r.intn(n), r.intn(n)
	if b < a {
		a = b
	}
	if c := r.intn(n); c < a {
		a = c
	}
	return a
}

// longTail returns a value in [0, max) with most values small and a long
// tail, as latencies and response sizes are.
func (r *corpusRNG) longTail(max int) int {
	f := r.float()
	return int(f * f * f * float64(max))
}

const corpusHexDigits = "0123456789abcdef"

func (r *corpusRNG) hex(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, corpusHexDigits[r.intn(16)])
	}
	return dst
}

const corpusAlnumChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (r *corpusRNG) alnum(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, corpusAlnumChars[r.intn(len(corpusAlnumChars))])
	}
	return dst
}

// clientIP appends a client address: mostly one of a few thousand
// returning clients, sometimes internal, sometimes new.
func (r *corpusRNG) clientIP(dst []byte) []byte {
	var v uint32
	switch p := r.intn(10); {
	case p < 6:
		// A returning client: a fixed pseudo-random address per index.
		z := uint64(r.skewed(5000))*0x9e3779b97f4a7c15 + 12345
		v = uint32(z>>32) | 0x01000000
	case p < 8:
		v = 10<<24 | uint32(r.intn(4))<<16 | uint32(r.intn(256))<<8 | uint32(1+r.intn(254))
	default:
		v = uint32(r.u64()>>32) | 0x01000000
	}
	dst = strconv.AppendInt(dst, int64(v>>24), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(v>>16&0xff), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(v>>8&0xff), 10)
	dst = append(dst, '.')
	return strconv.AppendInt(dst, int64(v&0xff), 10)
}
