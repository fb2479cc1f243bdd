package storage_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
)

// journalData is a batch with what the encoding has cases for: repeated
// and changing fields, a missing sketch, a sketch long enough that its
// length takes two bytes, special floats, and times before 1970.
func journalData() []storage.MetricDatum {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	web := []storage.Dimension{{Name: "Host", Value: "a"}, {Name: "Role", Value: "web"}}
	wide := make([]float64, 200)
	for i := range wide {
		wide[i] = math.Pow(1.1, float64(i))
	}
	return []storage.MetricDatum{
		{Metric: storage.Metric{Namespace: "App", Name: "CPU", Dimensions: web}, Unit: "Percent", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{1, 2}, nil)},
		{Metric: storage.Metric{Namespace: "App", Name: "CPU", Dimensions: web}, Unit: "Percent", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{3}, nil)},
		{Metric: storage.Metric{Namespace: "App", Name: "Mem", Dimensions: web}, Unit: "Bytes", Resolution: 1, Time: t0.Add(time.Second), Agg: storage.AggregateValues(wide, nil)},
		{Metric: storage.Metric{Namespace: "App", Name: "Mem"}, Unit: "Bytes", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{-1, 5.5}, nil)},
		{Metric: storage.Metric{Namespace: "Other", Name: "Odd \"name\"", Dimensions: []storage.Dimension{{Name: "k", Value: "ü<&>"}}}, Unit: "None", Resolution: 60,
			Time: time.Date(1969, 12, 31, 23, 59, 0, 0, time.UTC), Agg: storage.AggregateStatisticSet(3, 6, 1, 3)},
		{Metric: storage.Metric{Namespace: "Other", Name: "Huge"}, Unit: "None", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{math.MaxFloat64, 1e-300}, nil)},
	}
}

func TestMetricJournalMergesAsBatchesDo(t *testing.T) {
	data := journalData()
	entry := storage.AppendMetricJournal(nil, data)
	var j storage.MetricJournal
	if err := j.Add("111111111111", "us-east-1", entry); err != nil {
		t.Fatal(err)
	}
	// The same entry again, in another region, stays apart.
	if err := j.Add("111111111111", "eu-west-1", entry); err != nil {
		t.Fatal(err)
	}
	if j.Datums() != 2*len(data) {
		t.Errorf("Datums = %d, want %d", j.Datums(), 2*len(data))
	}
	want := mergeBatch(data)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		got := j.Scopes()[storage.MetricScope{Account: "111111111111", Region: region}]
		if len(got) != len(want) {
			t.Fatalf("%s: %d buckets, want %d", region, len(got), len(want))
		}
		for k, d := range want {
			a, ok := got[k]
			if !ok {
				t.Fatalf("%s: bucket %+v missing", region, k)
			}
			if diff := cmp.Diff(d.Agg, *a); diff != "" {
				t.Errorf("%s: bucket %+v (-want +got):\n%s", region, k, diff)
			}
		}
	}
}

func TestMetricJournalRejectsCorruptEntries(t *testing.T) {
	entry := storage.AppendMetricJournal(nil, journalData())
	cases := map[string][]byte{
		"empty":                   {},
		"unknown version":         append([]byte{9}, entry[1:]...),
		"first datum refers back": {1, 1, 0},
		"trailing byte":           append(append([]byte{}, entry...), 0x05),
	}
	for n := 1; n < len(entry); n += 7 {
		cases[fmt.Sprintf("truncated at %d", n)] = entry[:n]
	}
	for name, b := range cases {
		var j storage.MetricJournal
		if err := j.Add("a", "r", b); !errors.Is(err, storage.ErrCorruptJournal) {
			t.Errorf("%s: err = %v, want ErrCorruptJournal", name, err)
		}
		if j.Datums() != 0 || len(j.Scopes()) != 0 {
			t.Errorf("%s: a corrupt entry merged %d datums", name, j.Datums())
		}
	}
}

// FuzzMetricJournal feeds arbitrary entries to Add, which must refuse
// what it cannot read without panicking, and checks that what it accepts
// encodes again to an entry that merges to the same buckets.
func FuzzMetricJournal(f *testing.F) {
	f.Add(storage.AppendMetricJournal(nil, journalData()))
	f.Add(storage.AppendMetricJournal(nil, journalData()[:1]))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var j storage.MetricJournal
		if err := j.Add("a", "r", b); err != nil {
			if !errors.Is(err, storage.ErrCorruptJournal) {
				t.Fatalf("err = %v, want ErrCorruptJournal", err)
			}
			return
		}
		var data []storage.MetricDatum
		for k, a := range j.Scopes()[storage.MetricScope{Account: "a", Region: "r"}] {
			dims, err := storage.DecodeDimensions(k.Dims)
			if err != nil || storage.EncodeDimensions(dims) != k.Dims {
				// Dimensions that are not the canonical encoding do not
				// come out of AppendMetricJournal; they cannot round-trip.
				return
			}
			data = append(data, storage.MetricDatum{Metric: storage.Metric{Namespace: k.Namespace, Name: k.Name, Dimensions: dims},
				Unit: k.Unit, Resolution: k.Resolution, Time: time.Unix(k.Time, 0), Agg: *a})
		}
		var again storage.MetricJournal
		if err := again.Add("a", "r", storage.AppendMetricJournal(nil, data)); err != nil {
			t.Fatalf("re-encoded entry: %v", err)
		}
		if again.Datums() != len(data) {
			t.Fatalf("re-encoded %d datums, read %d", len(data), again.Datums())
		}
		opt := cmp.Comparer(func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) })
		if diff := cmp.Diff(j.Scopes(), again.Scopes(), opt); diff != "" {
			t.Fatalf("round trip (-first +again):\n%s", diff)
		}
	})
}

// mergeBatch merges the data of a batch that share a bucket, what
// PutMetricData used to do before it wrote buckets: the journal must
// merge to the same aggregates.
func mergeBatch(data []storage.MetricDatum) map[storage.BucketKey]*storage.MetricDatum {
	out := make(map[storage.BucketKey]*storage.MetricDatum, len(data))
	for i := range data {
		d := &data[i]
		k := storage.BucketKey{Dims: storage.EncodeDimensions(d.Metric.Dimensions), Namespace: d.Metric.Namespace, Name: d.Metric.Name,
			Unit: d.Unit, Resolution: d.Resolution, Time: d.Time.Unix()}
		if cur, ok := out[k]; ok {
			cur.Agg.Merge(d.Agg)
			continue
		}
		c := *d
		c.Agg = storage.Aggregate{}
		c.Agg.Merge(d.Agg)
		out[k] = &c
	}
	return out
}
