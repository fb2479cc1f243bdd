package storage_test

import (
	"errors"
	"fmt"
	"math"
	"os"
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

// singleData is a batch of single values, which version 2 entries write
// as the value alone when it stands for the datum's aggregate exactly:
// whole and fractional, zero, negative (no sketch), too large to be
// whole in a varint, statistic sets of one value, and aggregates that
// look single but are not (-0 summed to +0, a sketch dropped).
func singleData() []storage.MetricDatum {
	t0 := time.Date(2025, 3, 1, 12, 1, 0, 0, time.UTC)
	d := func(name string, dims []storage.Dimension, a storage.Aggregate) storage.MetricDatum {
		return storage.MetricDatum{Metric: storage.Metric{Namespace: "App", Name: name, Dimensions: dims}, Unit: "Count", Resolution: 60, Time: t0, Agg: a}
	}
	one := func(v float64) storage.Aggregate { return storage.AggregateValues([]float64{v}, nil) }
	host := func(h string) []storage.Dimension { return []storage.Dimension{{Name: "Host", Value: h}} }
	noSketch := one(7)
	noSketch.Sketch = nil
	return []storage.MetricDatum{
		d("A", host("a"), one(1)),
		d("B", host("a"), one(2.5)),
		d("A", host("b"), one(0)),
		d("B", host("b"), one(-4)),
		d("C", host("b"), one(1e300)),
		d("C", host("a"), one(1<<53)),
		d("A", host("a"), one(-(1<<53)+1)),
		d("A", host("a"), storage.AggregateStatisticSet(1, 6, 6, 6)),
		d("A", nil, storage.AggregateStatisticSet(1, math.Copysign(0, -1), math.Copysign(0, -1), math.Copysign(0, -1))),
		d("B", nil, one(math.Copysign(0, -1))),
		d("C", nil, noSketch),
		d("C", host("c"), one(1e-310)),
	}
}

func TestMetricJournalMergesAsBatchesDo(t *testing.T) {
	data := append(journalData(), singleData()...)
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

// TestMetricJournalReadsVersion1 reads an entry of journalData written
// by the version 1 encoder, as a journal may hold at an upgrade.
func TestMetricJournalReadsVersion1(t *testing.T) {
	entry := mustReadV1(t)
	var j storage.MetricJournal
	if err := j.Add("111111111111", "us-east-1", entry); err != nil {
		t.Fatal(err)
	}
	data := journalData()
	if j.Datums() != len(data) {
		t.Errorf("Datums = %d, want %d", j.Datums(), len(data))
	}
	want := mergeBatch(data)
	got := j.Scopes()[storage.MetricScope{Account: "111111111111", Region: "us-east-1"}]
	if len(got) != len(want) {
		t.Fatalf("%d buckets, want %d", len(got), len(want))
	}
	for k, d := range want {
		a, ok := got[k]
		if !ok {
			t.Fatalf("bucket %+v missing", k)
		}
		if diff := cmp.Diff(d.Agg, *a); diff != "" {
			t.Errorf("bucket %+v (-want +got):\n%s", k, diff)
		}
	}
}

// TestMetricJournalEntrySize keeps a full batch of single values, the
// common PutMetricData, near 10 bytes a datum.
func TestMetricJournalEntrySize(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	data := make([]storage.MetricDatum, 1000)
	for i := range data {
		data[i] = storage.MetricDatum{
			Metric: storage.Metric{Namespace: "Bench", Name: fmt.Sprintf("Metric%03d", i%100), Dimensions: []storage.Dimension{
				{Name: "Client", Value: "client-1"}, {Name: "InstanceId", Value: fmt.Sprintf("i-%016x", i/100)}}},
			Unit: "Milliseconds", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{float64(i%977) + 0.5*float64(i%2)}, nil),
		}
	}
	if n := len(storage.AppendMetricJournal(nil, data)); n > 10_000 {
		t.Errorf("entry of 1,000 single values is %d bytes, want at most 10,000", n)
	}
}

func TestMetricJournalRejectsCorruptEntries(t *testing.T) {
	entry := storage.AppendMetricJournal(nil, append(journalData(), singleData()...))
	v1 := mustReadV1(t)
	cases := map[string][]byte{
		"empty":                           {},
		"unknown version":                 append([]byte{9}, entry[1:]...),
		"v1 first datum refers back":      {1, 1, 0},
		"v1 trailing byte":                append(append([]byte{}, v1...), 0x05),
		"trailing byte":                   append(append([]byte{}, entry...), 0x05),
		"first datum refers back":         {2, 1, 0x1f &^ 2, 3, 'A', 3, 'B', 3, 'C', 120, 0, 0},
		"first datum has no time":         {2, 1, 0x0f, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 0},
		"string not yet seen":             {2, 1, 0x1f | 2<<5, 3, 'A', 2, 3, 'C', 3, 'D', 120, 0, 0},
		"string past the end":             {2, 1, 0x1f | 2<<5, 3, 'A', 3, 'B', 3, 'C', 9, 'D', 120, 0, 0},
		"unknown value form":              {2, 1, 0x1f | 3<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0, 0},
		"single value not finite":         append([]byte{2, 1, 0x1f | 1<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0}, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f),
		"whole value too large":           {2, 1, 0x1f | 2<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20},
		"more datums than bytes":          {2, 9, 0x1f | 2<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0, 0},
		"fewer datums than the count":     {2, 2, 0x1f | 2<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0, 0},
		"resolution beyond int32":         {2, 1, 0x1f | 2<<5, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0},
		"aggregate shorter than 32 bytes": {2, 1, 0x1f, 3, 'A', 3, 'B', 3, 'C', 3, 'D', 120, 0, 0, 0, 0},
	}
	for n := 1; n < len(entry); n += 7 {
		cases[fmt.Sprintf("truncated at %d", n)] = entry[:n]
	}
	for n := 1; n < len(v1); n += 7 {
		cases[fmt.Sprintf("v1 truncated at %d", n)] = v1[:n]
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
	f.Add(storage.AppendMetricJournal(nil, singleData()))
	f.Add(mustReadV1(f))
	f.Add([]byte{1})
	f.Add([]byte{2})
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

// mustReadV1 returns the version 1 entry of journalData, written by the
// encoder of that version.
func mustReadV1(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/metric_journal_v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
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
