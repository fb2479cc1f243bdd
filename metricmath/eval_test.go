package metricmath_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/metricmath"
)

// x marks a period without a datapoint in the tables below.
var x = math.NaN()

// ts is a series on a 60-second grid from 0: one entry per period, x
// where there is no point.
func ts(vs ...float64) metricmath.Series {
	s := metricmath.Series{Period: 60}
	for i, v := range vs {
		if !math.IsNaN(v) {
			s.Timestamps = append(s.Timestamps, int64(i)*60)
			s.Values = append(s.Values, v)
		}
	}
	return s
}

// dense turns a series back into the table form over n periods.
func dense(s metricmath.Series, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = x
	}
	for i, t := range s.Timestamps {
		if t%60 != 0 || t/60 >= int64(n) || t < 0 {
			panic("off-grid point")
		}
		out[t/60] = s.Values[i]
	}
	return out
}

// The metrics every case may use: five periods.
var metrics = map[string]metricmath.Series{
	"m1": ts(30, 20, 0, 0, x),
	"m2": ts(20, x, 20, x, 30),
	"m3": ts(0, 0, 20, x, 20),
	"c":  ts(1, 1, 0, 0, x),
	"up": ts(10, 20, x, 50, 60),
	"e":  ts(x, x, x, x, x),
	// The User Guide's IF tables: c, g2 and m3 are its metric1, metric2, metric3.
	"g2": ts(30, x, 0, 0, 30),
}

var order = []string{"m1", "m2", "m3", "c", "up", "e", "g2"}

// run compiles the metrics and one expression, e1, and runs it over five
// minutes.
func run(t *testing.T, expr string) metricmath.Result {
	t.Helper()
	var qs []metricmath.Query
	for _, id := range order {
		qs = append(qs, metricmath.Query{ID: id, Label: "L" + id, Period: 60})
	}
	qs = append(qs, metricmath.Query{ID: "e1", Expression: expr, Label: "E"})
	p, err := metricmath.Compile(qs)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return p.Run(metricmath.Env{Start: 0, End: 300, Period: 60}, metrics)["e1"]
}

func eq(a, b []float64) bool {
	return cmp.Equal(a, b, cmp.Comparer(func(x, y float64) bool {
		return (math.IsNaN(x) && math.IsNaN(y)) || math.Abs(x-y) < 1e-9
	}))
}

func TestSeries(t *testing.T) {
	cases := []struct {
		expr    string
		want    []float64
		dropped bool
	}{
		// Arithmetic: missing values on one side are 0; both missing, no point.
		{"m1 + m2", []float64{50, 20, 20, 0, 30}, false},
		{"m1 - m2", []float64{10, 20, -20, 0, -30}, false},
		{"m1 * 2", []float64{60, 40, 0, 0, x}, false},
		{"2 * m1 + 1", []float64{61, 41, 1, 1, x}, false},
		{"m1 / 10", []float64{3, 2, 0, 0, x}, false},
		{"m2 ^ 2", []float64{400, x, 400, x, 900}, false},
		{"-m1", []float64{-30, -20, 0, 0, x}, false},
		{"-2 ^ 2 * m3", []float64{0, 0, -80, x, -80}, false},
		{"(1 + 2) * m3", []float64{0, 0, 60, x, 60}, false},
		{"PERIOD(m1) / 60 * m3", []float64{0, 0, 20, x, 20}, false},
		// Division by zero drops the point and says so; 0 for a missing
		// denominator too.
		{"m2 / m1", []float64{20.0 / 30, 0, x, x, x}, true},
		{"m1 / m3", []float64{x, x, 0, x, 0}, true},
		{"LOG(m3)", []float64{x, x, math.Log(20), x, math.Log(20)}, true},
		// The User Guide's comparison table.
		{"m1 < m2", []float64{0, 0, 1, 0, 1}, false},
		{"m1 >= 30", []float64{1, 0, 0, 0, x}, false},
		{"m1 > 15 AND m2 > 15", []float64{1, 0, 0, 0, 0}, false},
		{"m1 > 15 && m2 > 15", []float64{1, 0, 0, 0, 0}, false},
		{"m1 > 25 OR m2 > 25", []float64{1, 0, 0, 0, 1}, false},
		{"m1 == 0 || m1 != 0", []float64{1, 1, 1, 1, x}, false},
		{"m3 <= 0", []float64{1, 1, 0, x, 0}, false},
		// Arrays reduced per timestamp; AVG counts missing as 0.
		{"SUM([m1, m2])", []float64{50, 20, 20, 0, 30}, false},
		{"AVG([m1, m2])", []float64{25, 10, 10, 0, 15}, false},
		{"MAX([m1, m2, m3])", []float64{30, 20, 20, 0, 30}, false},
		{"MIN([m1, m2])", []float64{20, 20, 0, 0, 30}, false},
		{"STDDEV([m1, m2])", []float64{5, 0, 10, 0, 0}, false},
		{"DATAPOINT_COUNT([m1, m2, m3])", []float64{3, 2, 3, 1, 2}, false},
		{"SUM(METRICS(\"m\"))", []float64{50, 20, 40, 0, 50}, false},
		{"SUM(100 / [m2, up])", []float64{15, 5, 5, 2, 5}, false},
		{"AVG([m1, m2] / 10)", []float64{2.5, 1, 1, 0, 1.5}, false},
		// Series reduced to scalars.
		{"m1 - AVG(m1)", []float64{17.5, 7.5, -12.5, -12.5, x}, false},
		{"m3 / MAX(m3)", []float64{0, 0, 1, x, 1}, false},
		{"m3 + MIN(m1) + SUM(m2)", []float64{70, 70, 90, x, 90}, false},
		{"m2 * 0 + STDDEV(m2)", []float64{math.Sqrt(200.0 / 9), x, math.Sqrt(200.0 / 9), x, math.Sqrt(200.0 / 9)}, false},
		{"m1 * 0 + DATAPOINT_COUNT(m2)", []float64{3, 3, 3, 3, x}, false},
		{"m1 * 0 + METRIC_COUNT(METRICS())", []float64{7, 7, 7, 7, x}, false},
		{"m1 - AVG(e)", []float64{x, x, x, x, x}, false},
		// Element-wise functions.
		{"ABS(m1 - m2)", []float64{10, 20, 20, 0, 30}, false},
		{"CEIL(m1 / 7)", []float64{5, 3, 0, 0, x}, false},
		{"FLOOR(m1 / 7)", []float64{4, 2, 0, 0, x}, false},
		{"LOG10(m2 * 5)", []float64{2, x, 2, x, math.Log10(150)}, false},
		// Sequential functions work on the points there are.
		{"DIFF(up)", []float64{x, 10, x, 30, 10}, false},
		{"DIFF_TIME(up)", []float64{x, 60, x, 120, 60}, false},
		{"RATE(up)", []float64{x, 10.0 / 60, x, 30.0 / 120, 10.0 / 60}, false},
		{"RUNNING_SUM(up)", []float64{10, 30, x, 80, 140}, false},
		{"RUNNING_SUM(m2)", []float64{20, x, 40, x, 70}, false},
		// FILL.
		{"FILL(m2, 0)", []float64{20, 0, 20, 0, 30}, false},
		{"FILL(m2, -1.5)", []float64{20, -1.5, 20, -1.5, 30}, false},
		{"FILL(m2, REPEAT)", []float64{20, 20, 20, 20, 30}, false},
		{"FILL(m2, LINEAR)", []float64{20, 20, 20, 25, 30}, false},
		{"FILL(up, LINEAR)", []float64{10, 20, 35, 50, 60}, false},
		{"FILL(m1, REPEAT)", []float64{30, 20, 0, 0, 0}, false},
		{"FILL(m1, LINEAR)", []float64{30, 20, 0, 0, x}, false},
		{"FILL(m3, m1)", []float64{0, 0, 20, 0, 20}, false},
		{"FILL(m2, MIN(up))", []float64{20, 10, 20, 10, 30}, false},
		{"FILL(e, 7)", []float64{7, 7, 7, 7, 7}, false},
		{"FILL(e, REPEAT)", []float64{x, x, x, x, x}, false},
		{"SUM(FILL(METRICS(\"m\"), 1))", []float64{50, 21, 40, 2, 51}, false},
		// IF: the User Guide's three tables, and the scalar forms.
		{"IF(c, g2, m3)", []float64{30, 0, 20, x, x}, false},
		{"IF(c, 5, m3)", []float64{5, 5, 20, x, x}, false},
		{"IF(c, g2, 5)", []float64{30, 0, 5, 5, x}, false},
		{"IF(c, g2)", []float64{30, 0, x, x, x}, false},
		{"IF(m1 < 25, 10, 2)", []float64{2, 10, 10, 10, x}, false},
		{"IF(m1 < 25, m1)", []float64{x, 20, 0, 0, x}, false},
		{"IF(1, m1, m2)", []float64{30, 20, 0, 0, x}, false},
		{"IF(0, m1, m2)", []float64{20, x, 20, x, 30}, false},
		{"IF(0, m1)", []float64{x, x, x, x, x}, false},
		{"IF(MAX(m1) > 25, m3, m2)", []float64{0, 0, 20, x, 20}, false},
		// Dense functions over the range.
		{"TIME_SERIES(4)", []float64{4, 4, 4, 4, 4}, false},
		{"TIME_SERIES(MAX(m2)) - m2", []float64{10, 30, 10, 30, 0}, false},
		{"MINUTE(m1)", []float64{0, 1, 2, 3, 4}, false},
		{"HOUR(m1)", []float64{0, 0, 0, 0, 0}, false},
		{"DAY(m1)", []float64{4, 4, 4, 4, 4}, false}, // 1970-01-01 was a Thursday
		{"DATE(m1) + MONTH(m1) * 100", []float64{101, 101, 101, 101, 101}, false},
		{"YEAR(m1)", []float64{1970, 1970, 1970, 1970, 1970}, false},
		{"EPOCH(m1)", []float64{0, 60, 120, 180, 240}, false},
		{"IF(MINUTE(m2) >= 2, m2)", []float64{x, x, 20, 0, 30}, false},
		// Arrays picked apart.
		{"FIRST(SORT(METRICS(\"m\"), AVG, DESC))", []float64{20, x, 20, x, 30}, false},
		{"LAST(SORT(METRICS(\"m\"), AVG, DESC))", []float64{0, 0, 20, x, 20}, false},
		{"FIRST(SORT(METRICS(\"m\"), MAX, ASC))", []float64{0, 0, 20, x, 20}, false},
		{"FIRST(SORT([e, m1], SUM, ASC))", []float64{30, 20, 0, 0, x}, false},
		{"FIRST(SLICE(SORT(METRICS(\"m\"), SUM, DESC), 1))", []float64{30, 20, 0, 0, x}, false},
		{"SUM(SLICE(METRICS(\"m\"), 0, 2))", []float64{50, 20, 20, 0, 30}, false},
		{"FIRST(REMOVE_EMPTY([e, m3]))", []float64{0, 0, 20, x, 20}, false},
		{"FIRST(METRICS(\"zz\"))", []float64{x, x, x, x, x}, false},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			r := run(t, c.expr)
			if r.Kind != metricmath.TimeSeries || len(r.Series) != 1 {
				t.Fatalf("kind %v with %d series", r.Kind, len(r.Series))
			}
			if got := dense(r.Series[0], 5); !eq(got, c.want) || r.Dropped != c.dropped {
				t.Errorf("got %v dropped %v, want %v dropped %v", got, r.Dropped, c.want, c.dropped)
			}
			if r.Series[0].Label != "E" {
				t.Errorf("label %q", r.Series[0].Label)
			}
		})
	}
}

// Array results keep their members' labels, in order.
func TestArrays(t *testing.T) {
	cases := []struct {
		expr   string
		labels string
		first  []float64
	}{
		{"METRICS()", "Lm1 Lm2 Lm3 Lc Lup Le Lg2", []float64{30, 20, 0, 0, x}},
		{"METRICS(\"m\")", "Lm1 Lm2 Lm3", []float64{30, 20, 0, 0, x}},
		{"METRICS() * 2", "Lm1 Lm2 Lm3 Lc Lup Le Lg2", []float64{60, 40, 0, 0, x}},
		{"m1 - [m2, m3]", "Lm2 Lm3", []float64{10, 20, -20, 0, -30}},
		{"[m1, METRICS(\"u\")]", "Lm1 Lup", []float64{30, 20, 0, 0, x}},
		{"ABS(-[m1, m2])", "Lm1 Lm2", []float64{30, 20, 0, 0, x}},
		{"DIFF([up])", "Lup", []float64{x, 10, x, 30, 10}},
		{"FILL(METRICS(\"m\"), m1)", "Lm1 Lm2 Lm3", []float64{30, 20, 0, 0, x}},
		{"SORT(METRICS(\"m\"), SUM, DESC, 2)", "Lm2 Lm1", []float64{20, x, 20, x, 30}},
		{"SORT(METRICS(), AVG, ASC)", "Lc Lm3 Lm1 Lg2 Lm2 Lup Le", []float64{1, 1, 0, 0, x}},
		{"REMOVE_EMPTY(METRICS())", "Lm1 Lm2 Lm3 Lc Lup Lg2", []float64{30, 20, 0, 0, x}},
		{"SLICE(METRICS(), 4, 6)", "Lup Le", []float64{10, 20, x, 50, 60}},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			r := run(t, c.expr)
			if r.Kind != metricmath.Array {
				t.Fatalf("kind %v", r.Kind)
			}
			var labels []string
			for _, s := range r.Series {
				labels = append(labels, s.Label)
			}
			if got := strings.Join(labels, " "); got != c.labels {
				t.Errorf("labels %q, want %q", got, c.labels)
			}
			if got := dense(r.Series[0], 5); !eq(got, c.first) {
				t.Errorf("first = %v, want %v", got, c.first)
			}
		})
	}
}

// Expressions refer to each other in any order; a chain is evaluated
// after what it uses.
func TestChains(t *testing.T) {
	p, err := metricmath.Compile([]metricmath.Query{
		{ID: "e3", Expression: "e2 * 2", Label: "e3"},
		{ID: "m1", Label: "m1", Period: 60},
		{ID: "e2", Expression: "e1 + 1", Label: "e2"},
		{ID: "e1", Expression: "FILL(m1, 0)", Label: "e1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := p.Run(metricmath.Env{Start: 0, End: 180}, map[string]metricmath.Series{"m1": ts(5)})
	if got := dense(out["e3"].Series[0], 3); !eq(got, []float64{12, 2, 2}) {
		t.Errorf("e3 = %v", got)
	}
	if p.Kind("e3") != metricmath.TimeSeries || p.Kind("m1") != metricmath.TimeSeries {
		t.Errorf("kinds %v %v", p.Kind("e3"), p.Kind("m1"))
	}
}

// Grids follow the caller's anchor and the series' period; an
// expression's own Period sets TIME_SERIES'.
func TestGrid(t *testing.T) {
	p, err := metricmath.Compile([]metricmath.Query{
		{ID: "m1", Label: "m1", Period: 300},
		{ID: "e1", Expression: "FILL(m1, 1)", Label: "e1"},
		{ID: "e2", Expression: "TIME_SERIES(2)", Label: "e2", Period: 120},
		{ID: "e3", Expression: "TIME_SERIES(3)", Label: "e3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := metricmath.Env{Start: 1000, End: 2000, Period: 60, Anchor: func(p int64) int64 { return 1020 }}
	m1 := metricmath.Series{Timestamps: []int64{1320}, Values: []float64{9}, Period: 300}
	out := p.Run(env, map[string]metricmath.Series{"m1": m1})
	if got := out["e1"].Series[0]; !cmp.Equal(got.Timestamps, []int64{1020, 1320, 1620, 1920}) || !cmp.Equal(got.Values, []float64{1, 9, 1, 1}) {
		t.Errorf("e1 = %+v", got)
	}
	if got := out["e2"].Series[0]; len(got.Timestamps) != 9 || got.Timestamps[1] != 1140 || got.Period != 120 {
		t.Errorf("e2 = %+v", got)
	}
	if got := out["e3"].Series[0]; len(got.Timestamps) != 17 || got.Period != 60 {
		t.Errorf("e3 = %+v", got)
	}
}
