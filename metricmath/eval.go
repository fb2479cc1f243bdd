package metricmath

import (
	"math"
	"strings"
)

// Env is where a Program runs: the requested range and the default grid.
type Env struct {
	// Start and End bound the range in Unix seconds, End exclusive.
	Start, End int64
	// Period is the grid of TIME_SERIES in an expression without a Period
	// of its own, in seconds; 0 means 60.
	Period int64
	// Anchor is the first grid point of a period (the caller's alignment
	// of the range, which the metrics' periods share); nil means Start.
	Anchor func(period int64) int64
}

// maxGrid bounds the points a dense function (FILL, TIME_SERIES, MINUTE…)
// creates: GetMetricData's default MaxDatapoints. Longer grids keep their
// newest points.
const maxGrid = 100800

// grid is the period starts of the range for a period.
func (e Env) grid(period int64) []int64 {
	if period <= 0 {
		period = e.Period
	}
	if period <= 0 {
		period = 60
	}
	start := e.Start
	if e.Anchor != nil {
		start = e.Anchor(period)
	}
	if e.End <= start {
		return nil
	}
	n := (e.End - start + period - 1) / period
	if n > maxGrid {
		start += (n - maxGrid) * period
		n = maxGrid
	}
	out := make([]int64, 0, n)
	for t := start; t < e.End; t += period {
		out = append(out, t)
	}
	return out
}

// Result is one expression's outcome.
type Result struct {
	Kind Kind
	// Series holds one series for a TimeSeries result, any number for an
	// Array.
	Series []Series
	// Dropped says points were dropped because their value was not a
	// finite number (division by zero, LOG of 0 or less…).
	Dropped bool
}

// Run evaluates every expression over the metrics' series, keyed by query
// Id (a metric without data may be absent). The results are keyed by the
// expressions' Ids.
func (p *Program) Run(env Env, metrics map[string]Series) map[string]Result {
	ev := &evaluator{p: p, env: env, values: map[string]value{}}
	for _, q := range p.queries {
		if q.Expression == "" {
			s := metrics[q.ID]
			s.Label = q.Label
			if s.Period == 0 {
				s.Period = q.Period
			}
			ev.values[q.ID] = value{kind: TimeSeries, ts: s}
		}
	}
	out := map[string]Result{}
	for _, id := range p.order {
		q := p.queries[p.index[id]]
		ev.period, ev.dropped = q.Period, false
		v := ev.eval(p.nodes[id])
		if v.kind == TimeSeries {
			v.ts.Label = q.Label
		}
		ev.values[id] = v
		r := Result{Kind: v.kind, Dropped: ev.dropped}
		switch v.kind {
		case TimeSeries:
			r.Series = []Series{v.ts}
		case Array:
			r.Series = v.arr
		}
		out[id] = r
	}
	return out
}

// value is a computed value of one of the three kinds. A scalar may be
// undefined (ok false): the AVG of a series without points.
type value struct {
	kind Kind
	s    float64
	ok   bool
	ts   Series
	arr  []Series
}

func scalar(v float64) value { return value{kind: Scalar, s: v, ok: finite(v)} }

type evaluator struct {
	p      *Program
	env    Env
	values map[string]value
	// period is the Period of the expression being evaluated (0: none).
	period  int64
	dropped bool
}

func (e *evaluator) eval(n node) value {
	switch n := n.(type) {
	case numNode:
		return scalar(n.v)
	case refNode:
		return e.values[n.id]
	case negNode:
		return e.unary(e.eval(n.x), func(x float64) float64 { return -x })
	case arrayNode:
		var arr []Series
		for _, el := range n.elems {
			v := e.eval(el)
			if v.kind == Array {
				arr = append(arr, v.arr...)
			} else {
				arr = append(arr, v.ts)
			}
		}
		return value{kind: Array, arr: arr}
	case binNode:
		return e.binary(n.op, e.eval(n.l), e.eval(n.r))
	case callNode:
		return e.call(n)
	}
	panic("BUG: metricmath: eval of an unchecked node")
}

// unary applies f to a value of any kind.
func (e *evaluator) unary(v value, f func(float64) float64) value {
	switch v.kind {
	case Scalar:
		if !v.ok {
			return v
		}
		r := f(v.s)
		if !finite(r) {
			e.dropped = true
		}
		return scalar(r)
	case TimeSeries:
		return value{kind: TimeSeries, ts: mapValues(v.ts, f, &e.dropped)}
	}
	arr := make([]Series, len(v.arr))
	for i, s := range v.arr {
		arr[i] = mapValues(s, f, &e.dropped)
	}
	return value{kind: Array, arr: arr}
}

func truth(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ops are the binary operators. Comparisons and logic yield 1 or 0; a
// value is true when it is not 0.
var ops = map[string]func(x, y float64) float64{
	"+":  func(x, y float64) float64 { return x + y },
	"-":  func(x, y float64) float64 { return x - y },
	"*":  func(x, y float64) float64 { return x * y },
	"/":  func(x, y float64) float64 { return x / y },
	"^":  math.Pow,
	"==": func(x, y float64) float64 { return truth(x == y) },
	"!=": func(x, y float64) float64 { return truth(x != y) },
	"<=": func(x, y float64) float64 { return truth(x <= y) },
	">=": func(x, y float64) float64 { return truth(x >= y) },
	"<":  func(x, y float64) float64 { return truth(x < y) },
	">":  func(x, y float64) float64 { return truth(x > y) },
	"&&": func(x, y float64) float64 { return truth(x != 0 && y != 0) },
	"||": func(x, y float64) float64 { return truth(x != 0 || y != 0) },
}

// binary combines two values: series with series over the union of their
// timestamps (missing values are 0), series with a scalar point by point,
// arrays element by element.
func (e *evaluator) binary(op string, l, r value) value {
	f := ops[op]
	switch {
	case l.kind == Scalar && r.kind == Scalar:
		if !l.ok || !r.ok {
			return value{kind: Scalar}
		}
		v := f(l.s, r.s)
		if !finite(v) {
			e.dropped = true
		}
		return scalar(v)
	case l.kind == Array:
		arr := make([]Series, len(l.arr))
		for i, s := range l.arr {
			arr[i] = e.binary(op, value{kind: TimeSeries, ts: s}, r).ts
			arr[i].Label = s.Label
		}
		return value{kind: Array, arr: arr}
	case r.kind == Array:
		arr := make([]Series, len(r.arr))
		for i, s := range r.arr {
			arr[i] = e.binary(op, l, value{kind: TimeSeries, ts: s}).ts
			arr[i].Label = s.Label
		}
		return value{kind: Array, arr: arr}
	case l.kind == TimeSeries && r.kind == TimeSeries:
		return value{kind: TimeSeries, ts: zip(l.ts, r.ts, f, &e.dropped)}
	case l.kind == TimeSeries:
		if !r.ok {
			return value{kind: TimeSeries, ts: Series{Label: l.ts.Label, Period: l.ts.Period}}
		}
		return value{kind: TimeSeries, ts: mapValues(l.ts, func(x float64) float64 { return f(x, r.s) }, &e.dropped)}
	default:
		if !l.ok {
			return value{kind: TimeSeries, ts: Series{Label: r.ts.Label, Period: r.ts.Period}}
		}
		return value{kind: TimeSeries, ts: mapValues(r.ts, func(y float64) float64 { return f(l.s, y) }, &e.dropped)}
	}
}

// metrics is METRICS(): every metric query of the request, in request
// order, whose Id contains filter (the User Guide: "graphed metrics that
// contain that string in their Id field").
func (e *evaluator) metrics(filter string) []Series {
	var out []Series
	for _, q := range e.p.queries {
		if q.Expression == "" && strings.Contains(q.ID, filter) {
			out = append(out, e.values[q.ID].ts)
		}
	}
	return out
}
