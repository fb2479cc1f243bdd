package metricmath_test

import (
	"testing"

	"github.com/trailwatch/trailwatch/metricmath"
)

// FuzzExpression compiles and runs arbitrary expressions: neither may
// panic, and every compiled expression yields its declared kind.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"m1 + m2", "SUM(METRICS())", "FILL(m1, LINEAR)", "IF(m1 > 2 AND m2 < 1, m1, 0)",
		"SORT(METRICS(\"m\"), AVG, DESC, 1)", "SLICE(METRICS(), 0, 1)", "-2 ^ -m1 / (m2 - m2)",
		"RATE(m1) * PERIOD(m1)", "TIME_SERIES(AVG(m1))", "DAY(m1) + HOUR(m2)", "[m1, METRICS()] * 2",
		"LOG(m1) || LOG10(m2)", "FILL(METRICS(), m1)", "e2", "e1", "FIRST(REMOVE_EMPTY(METRICS()))",
		"RUNNING_SUM([m1, m2])", "1e308 * 1e308 * m1", ".5+m1", "SEARCH(\"x\", \"Sum\", 60)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if expr == "" {
			return // a query without an Expression is a metric
		}
		p, err := metricmath.Compile([]metricmath.Query{
			{ID: "m1", Period: 60, Label: "a"}, {ID: "m2", Period: 60, Label: "b"},
			{ID: "e1", Expression: expr}, {ID: "e2", Expression: "m1 * 2"},
		})
		if err != nil {
			return
		}
		out := p.Run(metricmath.Env{Start: 0, End: 600, Period: 60}, map[string]metricmath.Series{
			"m1": {Timestamps: []int64{0, 120, 240}, Values: []float64{1, 0, -3}, Period: 60},
			"m2": {Timestamps: []int64{60, 120}, Values: []float64{2, 5}, Period: 60},
		})
		r := out["e1"]
		if r.Kind != p.Kind("e1") || (r.Kind == metricmath.TimeSeries && len(r.Series) != 1) {
			t.Fatalf("%q: result kind %v with %d series, compiled %v", expr, r.Kind, len(r.Series), p.Kind("e1"))
		}
		for _, s := range r.Series {
			for i := 1; i < len(s.Timestamps); i++ {
				if s.Timestamps[i] <= s.Timestamps[i-1] {
					t.Fatalf("%q: timestamps out of order: %v", expr, s.Timestamps)
				}
			}
			if len(s.Values) != len(s.Timestamps) {
				t.Fatalf("%q: %d values for %d timestamps", expr, len(s.Values), len(s.Timestamps))
			}
		}
	})
}
