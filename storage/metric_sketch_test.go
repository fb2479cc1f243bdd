package storage_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
)

// The sketch's promise: every quantile it reports is within
// SketchRelativeAccuracy of a true value of that rank — over several
// distributions, after merging and after an encode/decode round trip.
func TestSketchErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() float64{
		"uniform":     func() float64 { return rng.Float64() * 1000 },
		"exponential": func() float64 { return rng.ExpFloat64() * 50 },
		"lognormal":   func() float64 { return math.Exp(rng.NormFloat64() * 3) },
		"with zeros": func() float64 {
			if rng.IntN(4) == 0 {
				return 0
			}
			return rng.Float64() * 10
		},
	}
	for name, gen := range dists {
		vals := make([]float64, 20000)
		a, b := &storage.Sketch{}, &storage.Sketch{}
		for i := range vals {
			vals[i] = gen()
			if i%2 == 0 {
				a.Add(vals[i], 1)
			} else {
				b.Add(vals[i], 1)
			}
		}
		a.Merge(b)
		s, err := storage.DecodeSketch(a.AppendBinary(nil))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(vals)
		for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1} {
			got, ok := s.Quantile(q)
			want := vals[int(q*float64(len(vals)-1))]
			if !ok || math.Abs(got-want) > storage.SketchRelativeAccuracy*want+1e-12 {
				t.Errorf("%s q=%v: got %v, want %v ± %v%%", name, q, got, want, storage.SketchRelativeAccuracy*100)
			}
		}
	}
}

func TestSketchEncodingRejectsGarbage(t *testing.T) {
	s := &storage.Sketch{}
	s.Add(1.5, 2.5)
	s.Add(100, 1)
	enc := s.AppendBinary(nil)
	for i := range len(enc) {
		if _, err := storage.DecodeSketch(enc[:i]); err == nil {
			t.Errorf("truncated at %d decoded", i)
		}
	}
	got, err := storage.DecodeSketch(enc)
	if err != nil || got.Total() != 3.5 {
		t.Fatalf("decode = %v, %v", got, err)
	}
}

// Known datapoints give exact basic statistics and extended statistics
// within the stated bound.
func TestStatisticsTable(t *testing.T) {
	var vals []float64
	for i := 1; i <= 100; i++ {
		vals = append(vals, float64(i))
	}
	b := storage.AggregateValues(vals[:50], nil)
	b.Merge(storage.AggregateValues(vals[50:], nil))
	if b.SampleCount != 100 || b.Sum != 5050 || b.Minimum != 1 || b.Maximum != 100 || b.Sum/b.SampleCount != 50.5 {
		t.Fatalf("basic = %+v", b)
	}
	within := func(got, want float64) bool {
		return math.Abs(got-want) <= storage.SketchRelativeAccuracy*math.Abs(want)+1e-9
	}
	for _, tc := range []struct {
		stat string
		want float64
	}{
		{"p0", 1}, {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p100", 100}, {"p99.9", 99},
		{"tm90", 45.5},        // mean of 1..90
		{"IQM", 50.5},         // mean of 26..75
		{"TM(10%:90%)", 50.5}, // mean of 11..90
		{"tc90", 90},          // 90 values
		{"TC(:50)", 50},       // values ≤ 50
		{"TC(10:20)", 10},     // 11..20
		{"ts90", 4095},        // 1+…+90
		{"PR(:25)", 25},       // 25 % of values ≤ 25
		{"wm90", 49.95},       // 1..90 and ten values clamped to 90: (4095+900)/100
		{"WM(10%:90%)", 50.5}, // symmetric clamp keeps the mean
	} {
		e, ok := storage.ParseExtendedStatistic(tc.stat)
		if !ok {
			t.Errorf("%s did not parse", tc.stat)
			continue
		}
		got, ok := e.Eval(b)
		// Counts and ranks are exact up to the bucket a bound value falls
		// in; values are within the relative accuracy.
		tol := within(got, tc.want) || (tc.stat[0] == 'T' || tc.stat[0] == 't') && math.Abs(got-tc.want) <= 1.5
		if !ok || !tol {
			t.Errorf("%s = %v (%v), want %v", tc.stat, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"p101", "P50", "tm", "TM(5%:95)", "TM(:)", "PR(1%:2%)", "TM(90%:10%)", "x", "p50.12345678901"} {
		if _, ok := storage.ParseExtendedStatistic(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestNegativeValuesDropPercentiles(t *testing.T) {
	b := storage.AggregateValues([]float64{1, -1}, nil)
	e, _ := storage.ParseExtendedStatistic("p50")
	if _, ok := e.Eval(b); ok || b.SampleCount != 2 || b.Minimum != -1 {
		t.Fatalf("bucket %+v", b)
	}
	s := storage.AggregateStatisticSet(4, 8, 2, 2)
	if v, ok := e.Eval(s); !ok || v != 2 {
		t.Fatalf("uniform statistic set p50 = %v %v", v, ok)
	}
	if _, ok := e.Eval(storage.AggregateStatisticSet(4, 9, 1, 5)); ok {
		t.Fatal("a spread statistic set has percentiles")
	}
}

// TestSketchMergeOfOneBin merges sketches of one value, in place, into
// one that holds some of the same bins: the result is the sketch of all
// the values added at once.
func TestSketchMergeOfOneBin(t *testing.T) {
	vals := []float64{5, 0, 5, 1e-3, 900, 5, 0.2, 900, 7e5}
	want, got := &storage.Sketch{}, &storage.Sketch{}
	for _, v := range vals {
		want.Add(v, 1)
	}
	got.Add(5, 1)
	for _, v := range vals[1:] {
		one := &storage.Sketch{}
		one.Add(v, 1)
		got.Merge(one)
	}
	got.Merge(&storage.Sketch{}) // an empty sketch changes nothing
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged one bin at a time (-want +got):\n%s", diff)
	}
}
