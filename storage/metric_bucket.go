package storage

import "math"

// Aggregate aggregates the values published for one metric, unit and time
// bucket. Sketch is nil when percentiles are unavailable for it: a
// negative value was published, or a StatisticValues set that does not
// pin down its values (reference/cloudwatch-metrics.md §3).
type Aggregate struct {
	SampleCount, Sum, Minimum, Maximum float64
	Sketch                             *Sketch
}

// AggregateValues returns the bucket of values[i] each seen counts[i] times
// (counts nil = once each).
func AggregateValues(values, counts []float64) Aggregate {
	b := Aggregate{Minimum: math.Inf(1), Maximum: math.Inf(-1), Sketch: &Sketch{}}
	for i, v := range values {
		w := 1.0
		if counts != nil {
			w = counts[i]
		}
		if w <= 0 {
			// A zero count publishes nothing.
			continue
		}
		b.SampleCount += w
		b.Sum += v * w
		b.Minimum = math.Min(b.Minimum, v)
		b.Maximum = math.Max(b.Maximum, v)
		if v < 0 {
			b.Sketch = nil
		}
		if b.Sketch != nil {
			b.Sketch.Add(v, w)
		}
	}
	return b
}

// AggregateStatisticSet returns the bucket of a StatisticValues set. Its sketch
// exists only when the set describes SampleCount equal values (Min = Max
// and Sum = Min × SampleCount), the cases where CloudWatch keeps
// percentiles.
func AggregateStatisticSet(count, sum, min, max float64) Aggregate {
	b := Aggregate{SampleCount: count, Sum: sum, Minimum: min, Maximum: max}
	if min == max && sum == min*count && min >= 0 && count > 0 {
		b.Sketch = &Sketch{}
		b.Sketch.Add(min, count)
	}
	return b
}

// Empty reports whether nothing was published into b.
func (b *Aggregate) Empty() bool { return b.SampleCount == 0 }

// Merge adds o to b. b's sketch survives only if both have one; b's sketch
// may be modified, o's is not.
func (b *Aggregate) Merge(o Aggregate) {
	if o.Empty() {
		return
	}
	if b.Empty() {
		*b = o
		if o.Sketch != nil {
			b.Sketch = o.Sketch.Clone()
		}
		return
	}
	b.SampleCount += o.SampleCount
	b.Sum += o.Sum
	b.Minimum = math.Min(b.Minimum, o.Minimum)
	b.Maximum = math.Max(b.Maximum, o.Maximum)
	if b.Sketch == nil || o.Sketch == nil {
		b.Sketch = nil
		return
	}
	b.Sketch.Merge(o.Sketch)
}
