package metricmath

import (
	"math"
	"slices"
)

// Series is one time series: points in ascending time order, at most one
// per timestamp, each stamped with the start of its period.
type Series struct {
	// Label names the series inside an array (METRICS(), [m1, m2]): the
	// label of the query it came from.
	Label string
	// Timestamps are Unix seconds, ascending; Values[i] belongs to
	// Timestamps[i].
	Timestamps []int64
	Values     []float64
	// Period is the series' period in seconds; 0 when unknown.
	Period int64
}

// Len is the number of points.
func (s Series) Len() int { return len(s.Timestamps) }

func (s *Series) add(t int64, v float64) {
	s.Timestamps = append(s.Timestamps, t)
	s.Values = append(s.Values, v)
}

// at returns the value at t, if the series has one (binary search).
func (s Series) at(t int64) (float64, bool) {
	lo, hi := 0, len(s.Timestamps)
	for lo < hi {
		m := (lo + hi) / 2
		if s.Timestamps[m] < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.Timestamps) && s.Timestamps[lo] == t {
		return s.Values[lo], true
	}
	return 0, false
}

// minPeriod is the period of a result built from two series: the finer.
func minPeriod(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0 || a < b:
		return a
	}
	return b
}

// finite reports whether v can be a datapoint. AWS drops points whose
// value is not a finite number and says so in the result's Messages.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// zip combines two series point by point over the union of their
// timestamps; a value missing on one side is 0, as the User Guide says for
// arithmetic and for comparisons ("treats the missing value in the other
// time series as 0").
func zip(a, b Series, f func(x, y float64) float64, d *bool) Series {
	out := Series{Period: minPeriod(a.Period, b.Period)}
	i, j := 0, 0
	for i < len(a.Timestamps) || j < len(b.Timestamps) {
		var t int64
		var x, y float64
		switch {
		case j == len(b.Timestamps) || (i < len(a.Timestamps) && a.Timestamps[i] < b.Timestamps[j]):
			t, x = a.Timestamps[i], a.Values[i]
			i++
		case i == len(a.Timestamps) || b.Timestamps[j] < a.Timestamps[i]:
			t, y = b.Timestamps[j], b.Values[j]
			j++
		default:
			t, x, y = a.Timestamps[i], a.Values[i], b.Values[j]
			i++
			j++
		}
		out.push(t, f(x, y), d)
	}
	return out
}

// push appends a computed point, dropping it (and noting so in *d) when
// it is not finite.
func (s *Series) push(t int64, v float64, d *bool) {
	if !finite(v) {
		*d = true
		return
	}
	s.add(t, v)
}

// mapValues applies f to every point.
func mapValues(a Series, f func(x float64) float64, d *bool) Series {
	out := Series{Label: a.Label, Period: a.Period}
	for i, t := range a.Timestamps {
		out.push(t, f(a.Values[i]), d)
	}
	return out
}

// union is the ascending union of the timestamps of several series.
func union(ss []Series) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, s := range ss {
		for _, t := range s.Timestamps {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}
