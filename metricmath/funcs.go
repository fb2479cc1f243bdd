package metricmath

import (
	"math"
	"slices"
	"time"
)

func (e *evaluator) call(n callNode) value {
	arg := func(i int) value { return e.eval(n.args[i]) }
	switch n.name {
	case "METRICS":
		filter := ""
		if len(n.args) == 1 {
			filter = n.args[0].(strNode).s
		}
		return value{kind: Array, arr: e.metrics(filter)}
	case "ABS":
		return e.unary(arg(0), math.Abs)
	case "CEIL":
		return e.unary(arg(0), math.Ceil)
	case "FLOOR":
		return e.unary(arg(0), math.Floor)
	case "LOG":
		return e.unary(arg(0), math.Log)
	case "LOG10":
		return e.unary(arg(0), math.Log10)
	case "DIFF", "DIFF_TIME", "RATE", "RUNNING_SUM":
		return e.each(arg(0), func(s Series) Series { return e.sequential(n.name, s) })
	case "AVG", "SUM", "MIN", "MAX", "STDDEV", "DATAPOINT_COUNT":
		v := arg(0)
		if v.kind == TimeSeries {
			return reduceSeries(n.name, v.ts)
		}
		return value{kind: TimeSeries, ts: e.across(n.name, v.arr)}
	case "METRIC_COUNT":
		return scalar(float64(len(arg(0).arr)))
	case "FIRST", "LAST":
		arr := arg(0).arr
		if len(arr) == 0 {
			return value{kind: TimeSeries}
		}
		if n.name == "FIRST" {
			return value{kind: TimeSeries, ts: arr[0]}
		}
		return value{kind: TimeSeries, ts: arr[len(arr)-1]}
	case "REMOVE_EMPTY":
		var out []Series
		for _, s := range arg(0).arr {
			if s.Len() > 0 {
				out = append(out, s)
			}
		}
		return value{kind: Array, arr: out}
	case "PERIOD":
		return scalar(float64(e.values[n.args[0].(refNode).id].ts.Period))
	case "TIME_SERIES":
		return value{kind: TimeSeries, ts: e.timeSeries(arg(0))}
	case "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH":
		return value{kind: TimeSeries, ts: e.calendar(n.name, arg(0).ts)}
	case "FILL":
		return e.fill(arg(0), n.args[1])
	case "IF":
		return e.ifValue(n)
	case "SLICE":
		return e.slice(n)
	case "SORT":
		return e.sort(n)
	}
	panic("BUG: metricmath: call of unchecked function " + n.name)
}

// each applies f to a series or to every series of an array.
func (e *evaluator) each(v value, f func(Series) Series) value {
	if v.kind == TimeSeries {
		return value{kind: TimeSeries, ts: f(v.ts)}
	}
	arr := make([]Series, len(v.arr))
	for i, s := range v.arr {
		arr[i] = f(s)
		arr[i].Label = s.Label
	}
	return value{kind: Array, arr: arr}
}

// sequential computes the functions of a point and the one before it.
// The first point has no predecessor and yields nothing (DIFF, DIFF_TIME,
// RATE); the User Guide defines RATE as the difference from the previous
// data point divided by the seconds between them, so gaps widen the
// divisor rather than being filled.
func (e *evaluator) sequential(name string, s Series) Series {
	out := Series{Label: s.Label, Period: s.Period}
	sum := 0.0
	for i, t := range s.Timestamps {
		v := s.Values[i]
		if name == "RUNNING_SUM" {
			sum += v
			out.push(t, sum, &e.dropped)
			continue
		}
		if i == 0 {
			continue
		}
		dt := float64(t - s.Timestamps[i-1])
		switch name {
		case "DIFF":
			out.push(t, v-s.Values[i-1], &e.dropped)
		case "DIFF_TIME":
			out.push(t, dt, &e.dropped)
		case "RATE":
			out.push(t, (v-s.Values[i-1])/dt, &e.dropped)
		}
	}
	return out
}

// reduceSeries is AVG, SUM, MIN, MAX, STDDEV or DATAPOINT_COUNT of one
// series: a scalar over its points; undefined without points (except the
// count, 0).
func reduceSeries(name string, s Series) value {
	if name == "DATAPOINT_COUNT" {
		return scalar(float64(s.Len()))
	}
	v, ok := reduce(name, s.Values)
	if !ok {
		return value{kind: Scalar}
	}
	return scalar(v)
}

// reduce aggregates values. STDDEV is the population standard deviation
// (AWS does not say which; unverified).
func reduce(name string, vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	switch name {
	case "MIN":
		return slices.Min(vs), true
	case "MAX":
		return slices.Max(vs), true
	}
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	mean := sum / float64(len(vs))
	switch name {
	case "SUM":
		return sum, true
	case "AVG":
		return mean, true
	}
	ss := 0.0
	for _, v := range vs {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(vs))), true
}

// across is AVG, SUM, MIN, MAX, STDDEV or DATAPOINT_COUNT of an array:
// one series with a point wherever any member has one. AVG treats a
// member's missing value as 0, as the User Guide says ("Missing values are
// treated as 0"), so it divides by the number of members; SUM is the same
// either way; MIN, MAX and STDDEV take the members that have a value
// (the User Guide is silent; unverified).
func (e *evaluator) across(name string, arr []Series) Series {
	out := Series{}
	for _, s := range arr {
		out.Period = minPeriod(out.Period, s.Period)
	}
	vals := make([]float64, 0, len(arr))
	for _, t := range union(arr) {
		vals = vals[:0]
		for _, s := range arr {
			if v, ok := s.at(t); ok {
				vals = append(vals, v)
			}
		}
		switch name {
		case "DATAPOINT_COUNT":
			out.push(t, float64(len(vals)), &e.dropped)
		case "AVG":
			sum, _ := reduce("SUM", vals)
			out.push(t, sum/float64(len(arr)), &e.dropped)
		default:
			v, _ := reduce(name, vals)
			out.push(t, v, &e.dropped)
		}
	}
	return out
}

// timeSeries is TIME_SERIES(S): the scalar at every period of the range,
// on the expression's Period (or the request's).
func (e *evaluator) timeSeries(v value) Series {
	p := e.period
	if p <= 0 {
		p = e.env.Period
	}
	if p <= 0 {
		p = 60
	}
	out := Series{Period: p}
	if !v.ok {
		return out
	}
	for _, t := range e.env.grid(p) {
		out.add(t, v.s)
	}
	return out
}

// calendar is MINUTE, HOUR, DAY, DATE, MONTH, YEAR or EPOCH: a dense
// series on the argument's period over the range, each value taken from
// the period's timestamp in UTC. DAY is the day of the week, Monday 1 to
// Sunday 7; EPOCH is Unix seconds.
func (e *evaluator) calendar(name string, s Series) Series {
	out := Series{Label: s.Label, Period: s.Period}
	for _, t := range e.env.grid(s.Period) {
		u := time.Unix(t, 0).UTC()
		var v float64
		switch name {
		case "MINUTE":
			v = float64(u.Minute())
		case "HOUR":
			v = float64(u.Hour())
		case "DAY":
			v = float64((int(u.Weekday())+6)%7 + 1)
		case "DATE":
			v = float64(u.Day())
		case "MONTH":
			v = float64(u.Month())
		case "YEAR":
			v = float64(u.Year())
		case "EPOCH":
			v = float64(t)
		}
		out.add(t, v)
	}
	return out
}

// fill is FILL: every period of the range where the series has no point
// gets the filler — a scalar, the value of another series at that time
// (where it has one), REPEAT (the last real value before the gap) or
// LINEAR (the straight line between the real values on either side of
// the gap). Before the first and, for LINEAR, after the last real point
// REPEAT and LINEAR have nothing to go on and leave the gap (unverified).
func (e *evaluator) fill(v value, filler node) value {
	var with value
	mode := ""
	if k, ok := filler.(keyNode); ok {
		mode = k.name
	} else {
		with = e.eval(filler)
	}
	return e.each(v, func(s Series) Series {
		out := Series{Label: s.Label, Period: s.Period}
		grid := e.env.grid(s.Period)
		// Points off the grid (another alignment) are kept as they are.
		all := union([]Series{s, {Timestamps: grid}})
		prev := -1 // index in s of the last real point seen
		for _, t := range all {
			if i, ok := index(s, t); ok {
				out.add(t, s.Values[i])
				prev = i
				continue
			}
			switch mode {
			case "REPEAT":
				if prev >= 0 {
					out.add(t, s.Values[prev])
				}
			case "LINEAR":
				nxt := prev + 1
				if prev >= 0 && nxt < s.Len() {
					t0, t1 := s.Timestamps[prev], s.Timestamps[nxt]
					v0, v1 := s.Values[prev], s.Values[nxt]
					out.push(t, v0+(v1-v0)*float64(t-t0)/float64(t1-t0), &e.dropped)
				}
			default:
				switch with.kind {
				case Scalar:
					if with.ok {
						out.add(t, with.s)
					}
				case TimeSeries:
					if fv, ok := with.ts.at(t); ok {
						out.add(t, fv)
					}
				}
			}
		}
		return out
	})
}

// index is the position of t in s.
func index(s Series, t int64) (int, bool) {
	i, ok := slices.BinarySearch(s.Timestamps, t)
	return i, ok
}

// ifValue is IF(condition, trueValue[, falseValue]) as the User Guide's
// tables define it. With a series condition, each of its points picks the
// true or false value at that time: a missing true value counts as 0, a
// missing false value (or no false argument) drops the point, and times
// without a condition point have no point. With a scalar condition the
// whole true or false series is the result (empty without a false one).
func (e *evaluator) ifValue(n callNode) value {
	cond := e.eval(n.args[0])
	yes := e.eval(n.args[1])
	no := value{}
	hasNo := len(n.args) == 3
	if hasNo {
		no = e.eval(n.args[2])
	}
	if cond.kind == Scalar {
		switch {
		case cond.ok && cond.s != 0:
			return value{kind: TimeSeries, ts: yes.ts}
		case cond.ok && hasNo:
			return value{kind: TimeSeries, ts: no.ts}
		}
		return value{kind: TimeSeries}
	}
	out := Series{Period: cond.ts.Period}
	for i, t := range cond.ts.Timestamps {
		if cond.ts.Values[i] != 0 {
			switch yes.kind {
			case Scalar:
				if yes.ok {
					out.add(t, yes.s)
				}
			default:
				v, _ := yes.ts.at(t)
				out.add(t, v)
			}
			continue
		}
		if !hasNo {
			continue
		}
		switch no.kind {
		case Scalar:
			if no.ok {
				out.add(t, no.s)
			}
		default:
			if v, ok := no.ts.at(t); ok {
				out.add(t, v)
			}
		}
	}
	return value{kind: TimeSeries, ts: out}
}

// slice is SLICE(array, start[, end]): members start (inclusive) to end
// (exclusive), zero-based; indexes are truncated to integers and clamped
// to the array.
func (e *evaluator) slice(n callNode) value {
	arr := e.eval(n.args[0]).arr
	clamp := func(v value, def int) int {
		if !v.ok {
			return def
		}
		i := int(max(min(v.s, float64(len(arr))), 0))
		return i
	}
	from := clamp(e.eval(n.args[1]), 0)
	to := len(arr)
	if len(n.args) == 3 {
		to = clamp(e.eval(n.args[2]), len(arr))
	}
	if from >= to {
		return value{kind: Array}
	}
	return value{kind: Array, arr: slices.Clone(arr[from:to])}
}

// sort is SORT(array, AVG|MIN|MAX|SUM, ASC|DESC[, limit]). A member
// without points has no statistic and goes last in either order
// (unverified); equal statistics keep the array's order.
func (e *evaluator) sort(n callNode) value {
	arr := slices.Clone(e.eval(n.args[0]).arr)
	stat := n.args[1].(keyNode).name
	desc := n.args[2].(keyNode).name == "DESC"
	type keyed struct {
		s  Series
		v  float64
		ok bool
	}
	ks := make([]keyed, len(arr))
	for i, s := range arr {
		v, ok := reduce(stat, s.Values)
		ks[i] = keyed{s, v, ok}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		switch {
		case a.ok != b.ok:
			if a.ok {
				return -1
			}
			return 1
		case a.v == b.v:
			return 0
		case (a.v < b.v) != desc:
			return -1
		}
		return 1
	})
	limit := len(ks)
	if len(n.args) == 4 {
		if l := e.eval(n.args[3]); l.ok {
			limit = int(max(min(l.s, float64(len(ks))), 0))
		}
	}
	out := make([]Series, limit)
	for i := range out {
		out[i] = ks[i].s
	}
	return value{kind: Array, arr: out}
}
