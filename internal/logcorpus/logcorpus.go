package logcorpus

import "time"

// Line is one line of a corpus with the time it is stamped at.
type Line struct {
	Timestamp int64 // milliseconds since the epoch
	Message   string
}

// LineSpacing is the average time between consecutive lines of Lines: a
// corpus of n lines spans about n*LineSpacing.
const LineSpacing = 10 * time.Millisecond

// Lines returns n lines of the mixed corpus, numbered first to first+n-1:
// line i is stamped LineSpacing*i after base, plus up to LineSpacing of
// jitter, and carries its time in its text too. The lines depend only on
// seed, first and n (and base, for their times), so workers can build
// their runs of a large corpus independently; runs that start at
// different lines are independent draws from the corpus.
func Lines(seed uint64, first, n int, base time.Time) []Line {
	// One generator per run, seeded by the run, keeps each kind's ids
	// (MariaDB connections and queries, pgaudit statements) increasing
	// within the run as a real source's are.
	mix := RNG{s: seed ^ uint64(first)*0xd1342543de82ef95}
	g := New(mix.Uint64())
	r := NewRNG(mix.Uint64())
	start := base.UnixMilli()
	step := LineSpacing.Milliseconds()
	out := make([]Line, n)
	var buf []byte
	for i := range out {
		ms := start + int64(first+i)*step + int64(r.IntN(int(step)))
		buf = g.Next(buf[:0], ms)
		out[i] = Line{Timestamp: ms, Message: string(buf)}
	}
	return out
}

// Query is a FilterLogEvents pattern worth timing over the corpus.
type Query struct {
	Name, Pattern string
}

// Queries are the FilterLogEvents patterns the load command and the logs
// benchmarks run: a rare term, which must be searched to the end of the
// group, a term in about one line of seven, a JSON pattern and a
// space-delimited one over the access lines.
var Queries = []Query{
	{"rare term", `"` + Rare[0].Term + `"`},
	{"common term", "GET"},
	{"json pattern", `{ $.http_status >= 500 && $.service = "checkout" }`},
	{"space-delimited pattern", `[ip, ident, user, ts, request, status = 5*, size, referer, agent, duration]`},
}

// MetricFilter is a metric filter of the kinds users put on a busy group.
type MetricFilter struct {
	Name, Pattern, MetricName, Value, Unit string
	// Default is the metric filter's DefaultValue (nil: none).
	Default *float64
}

// MetricFilters are five such filters matched to the corpus: a counting
// term with a default value, a common term, a JSON comparison, a
// space-delimited pattern extracting its value, and a rare term. The
// ingestion benchmarks measure what they add.
var MetricFilters = func() []MetricFilter {
	zero := 0.0
	return []MetricFilter{
		{Name: "failed", Pattern: `FAILED_CONNECT`, MetricName: "Failed", Value: "1", Default: &zero},
		{Name: "get", Pattern: `GET`, MetricName: "Gets", Value: "1"},
		{Name: "checkout5xx", Pattern: `{ $.http_status >= 500 && $.service = "checkout" }`, MetricName: "Checkout5xx", Value: "1"},
		{Name: "bytes5xx", Pattern: `[ip, ident, user, ts, request, status = 5*, size, referer, agent, duration]`, MetricName: "Bytes5xx", Value: "$size", Unit: "Bytes"},
		{Name: "rare", Pattern: `"` + Rare[0].Term + `"`, MetricName: "Rare", Value: "1", Default: &zero},
	}
}()
