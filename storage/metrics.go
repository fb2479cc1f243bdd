package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Metric identifies a CloudWatch metric in an account and region: its
// namespace, name and exact set of dimensions (reference/cloudwatch-metrics.md
// §2). Dimensions are kept sorted by name (SortDimensions).
type Metric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
}

// Dimension is one name/value pair of a metric.
type Dimension struct{ Name, Value string }

// SortDimensions orders ds by name, the canonical order in which a metric's
// dimensions are stored and compared.
func SortDimensions(ds []Dimension) {
	slices.SortFunc(ds, func(a, b Dimension) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// EncodeDimensions is the canonical text form of sorted dimensions, the key
// column both backends store: a JSON array of [name, value] pairs.
func EncodeDimensions(ds []Dimension) string {
	// Almost every name and value is plain ASCII, which encoding/json
	// writes as it is; such dimensions are written here, a datum at a
	// time on the PutMetricData path, byte for byte as it would.
	if b, ok := appendPlainDimensions(make([]byte, 0, 64), ds); ok {
		return string(b)
	}
	pairs := make([][2]string, len(ds))
	for i, d := range ds {
		pairs[i] = [2]string{d.Name, d.Value}
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}

// appendPlainDimensions appends EncodeDimensions' form of ds when every
// name and value is printable ASCII that encoding/json leaves unescaped.
func appendPlainDimensions(b []byte, ds []Dimension) ([]byte, bool) {
	plain := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		return true
	}
	b = append(b, '[')
	for i, d := range ds {
		if !plain(d.Name) || !plain(d.Value) {
			return nil, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["`...)
		b = append(b, d.Name...)
		b = append(b, `","`...)
		b = append(b, d.Value...)
		b = append(b, `"]`...)
	}
	return append(b, ']'), true
}

// DecodeDimensions reads what EncodeDimensions wrote.
func DecodeDimensions(s string) ([]Dimension, error) {
	var pairs [][2]string
	if err := json.Unmarshal([]byte(s), &pairs); err != nil {
		return nil, fmt.Errorf("decode dimensions: %w", err)
	}
	ds := make([]Dimension, len(pairs))
	for i, p := range pairs {
		ds[i] = Dimension{p[0], p[1]}
	}
	return ds, nil
}

// MetricDatum is an aggregate to add to one bucket of one metric.
type MetricDatum struct {
	Metric Metric
	// Unit is the CloudWatch unit; data of different units are kept
	// apart.
	Unit string
	// Resolution is the bucket width in seconds: 1 (high resolution) or
	// 60; roll-ups write 300 and 3600.
	Resolution int
	// Time is the start of the bucket, a multiple of Resolution seconds.
	Time time.Time
	Agg  Aggregate
}

// MetricRead asks ReadMetrics for the buckets of Metric in Account and
// Region whose start lies in [Start, End).
type MetricRead struct {
	Account, Region string
	Metric          Metric
	Start, End      time.Time
}

// MetricBucket is one stored bucket of a metric.
type MetricBucket struct {
	Unit       string
	Resolution int
	Time       time.Time
	Agg        Aggregate
}

// ListMetricsQuery filters ListMetrics. Empty strings match everything.
type ListMetricsQuery struct {
	Account, Region string
	Namespace, Name string
	// Dimensions must each be present on a listed metric; an empty Value
	// matches any value (HasValue false).
	Dimensions []DimensionFilter
	// ActiveSince lists only metrics with a data point at or after it.
	ActiveSince time.Time
	// After is the position a previous page ended at ("" = from the
	// start); Limit bounds the page.
	After string
	Limit int
}

// DimensionFilter is a ListMetrics dimension filter.
type DimensionFilter struct {
	Name, Value string
	HasValue    bool
}

// Matches reports whether a metric with dimensions ds passes every filter.
func Matches(ds []Dimension, fs []DimensionFilter) bool {
	for _, f := range fs {
		ok := false
		for _, d := range ds {
			if d.Name == f.Name && (!f.HasValue || d.Value == f.Value) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Metrics holds CloudWatch metric data: one series per metric (account,
// region, namespace, name, dimensions), and per series, unit and bucket
// width one aggregate row per bucket (sample count, sum, minimum, maximum
// and a Sketch).
type Metrics interface {
	// PutMetricData merges each datum into its bucket, creating series and
	// buckets as needed; all or nothing.
	PutMetricData(ctx context.Context, account, region string, data []MetricDatum) error
	// ReadMetric returns the buckets of m, every unit and width, whose
	// start lies in [start, end), ordered by time.
	ReadMetric(ctx context.Context, account, region string, m Metric, start, end time.Time) ([]MetricBucket, error)
	// ReadMetrics is ReadMetric for many metrics in one query, the alarm
	// worker's read: out[i] holds the buckets of reads[i].
	ReadMetrics(ctx context.Context, reads []MetricRead) ([][]MetricBucket, error)
	// ListMetrics returns up to q.Limit metrics matching q and the position
	// to continue from ("" when there are no more).
	ListMetrics(ctx context.Context, q ListMetricsQuery) ([]Metric, string, error)
	// RollUpMetrics merges up to limit buckets of width from whose start is
	// before `before` into buckets of width to, deleting them; it returns
	// how many it moved.
	RollUpMetrics(ctx context.Context, from, to int, before time.Time, limit int) (int, error)
	// DeleteMetricData deletes up to limit buckets of the width that start
	// before `before`, and series left without data; it returns how many
	// buckets it deleted.
	DeleteMetricData(ctx context.Context, resolution int, before time.Time, limit int) (int, error)
}

// BucketRows is what ScanMetricReads needs of a driver's result rows.
type BucketRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanMetricReads reads ReadMetrics' rows, each (range index, unit,
// resolution, bucket start, count, sum, minimum, maximum, sketch), into
// out, the buckets of each range.
func ScanMetricReads(rows BucketRows, out [][]MetricBucket) error {
	for rows.Next() {
		var (
			i                    int
			b                    MetricBucket
			ts                   int64
			count, sum, min, max float64
			sketch               []byte
		)
		if err := rows.Scan(&i, &b.Unit, &b.Resolution, &ts, &count, &sum, &min, &max, &sketch); err != nil {
			return err
		}
		if i < 0 || i >= len(out) {
			return fmt.Errorf("BUG: range %d of %d", i, len(out))
		}
		b.Time = time.Unix(ts, 0).UTC()
		var err error
		if b.Agg, err = DecodeBucket(count, sum, min, max, sketch); err != nil {
			return err
		}
		out[i] = append(out[i], b)
	}
	return rows.Err()
}

// BucketKey identifies a bucket within an account and region.
type BucketKey struct {
	Namespace, Name, Dims string
	Unit                  string
	Resolution            int
	Time                  int64
}

// EncodeSketch is the stored form of a bucket's sketch: nil when it has none.
func EncodeSketch(b Aggregate) []byte {
	if b.Sketch == nil {
		return nil
	}
	return b.Sketch.AppendBinary(nil)
}

// DecodeBucket rebuilds a stored bucket. An empty sketch is none: a
// driver may hand back NULL as an empty slice, and no encoding is empty.
func DecodeBucket(count, sum, min, max float64, sketch []byte) (Aggregate, error) {
	b := Aggregate{SampleCount: count, Sum: sum, Minimum: min, Maximum: max}
	if len(sketch) > 0 {
		s, err := DecodeSketch(sketch)
		if err != nil {
			return b, err
		}
		b.Sketch = s
	}
	return b, nil
}
