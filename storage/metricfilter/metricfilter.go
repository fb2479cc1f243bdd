// Package metricfilter turns a batch of log events into the metric data a
// log group's metric filters emit (reference/cloudwatch-logs.md §6). Both
// backends call it while storing a PutLogEvents batch and write its output
// in the same transaction as the events, so every stored event is counted
// exactly once: a batch that is not committed (a crash, a kill -9, an
// error) has emitted nothing, and a committed one has emitted everything.
package metricfilter

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
)

// compiled is one filter's transformation, ready to apply.
type compiled struct {
	pattern *filterpattern.Pattern
	// required are the pattern's RequiredTerms.
	required []string
	// literal is the metric value when it is a number; ref otherwise.
	literal  float64
	isRef    bool
	ref      filterpattern.Ref
	dimNames []string
	dimRefs  []filterpattern.Ref
	t        trailwatch.MetricTransformation
}

// cache keeps compiled filters by their definition, so a stream of small
// batches does not recompile the group's patterns on every call. It is
// reset when it grows past cacheMax: definitions are few, and a reset only
// costs recompiling.
var cache struct {
	sync.Mutex
	m map[string]*compiled
}

const cacheMax = 4096

// compile returns f's compiled first transformation, nil when f cannot
// emit (no transformation, or a definition PutMetricFilter would refuse).
func compile(f trailwatch.MetricFilter) *compiled {
	if len(f.Transformations) == 0 {
		return nil
	}
	t := f.Transformations[0]
	var key strings.Builder
	key.WriteString(f.Pattern)
	key.WriteByte(0)
	key.WriteString(t.MetricValue)
	for _, n := range slices.Sorted(maps.Keys(t.Dimensions)) {
		key.WriteByte(0)
		key.WriteString(n)
		key.WriteByte(0)
		key.WriteString(t.Dimensions[n])
	}
	k := key.String()
	cache.Lock()
	c, ok := cache.m[k]
	cache.Unlock()
	if ok {
		if c == nil {
			return nil
		}
		out := *c
		out.t = t
		return &out
	}
	c = build(f.Pattern, t)
	cache.Lock()
	if cache.m == nil || len(cache.m) >= cacheMax {
		cache.m = make(map[string]*compiled)
	}
	cache.m[k] = c
	cache.Unlock()
	if c == nil {
		return nil
	}
	out := *c
	out.t = t
	return &out
}

func build(pattern string, t trailwatch.MetricTransformation) *compiled {
	p, err := filterpattern.Compile(pattern)
	if err != nil {
		return nil
	}
	c := &compiled{pattern: p, required: p.RequiredTerms()}
	if strings.HasPrefix(t.MetricValue, "$") {
		r, err := filterpattern.ParseRef(t.MetricValue)
		if err != nil || !p.Binds(r) {
			return nil
		}
		c.isRef, c.ref = true, r
	} else {
		v, ok := number(t.MetricValue)
		if !ok {
			return nil
		}
		c.literal = v
	}
	for _, n := range slices.Sorted(maps.Keys(t.Dimensions)) {
		r, err := filterpattern.ParseRef(t.Dimensions[n])
		if err != nil || !p.Binds(r) {
			return nil
		}
		c.dimNames = append(c.dimNames, n)
		c.dimRefs = append(c.dimRefs, r)
	}
	return c
}

// number parses a metric value. CloudWatch takes only finite numbers.
func number(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// minute is the start of the one-minute bucket of a timestamp in ms:
// CloudWatch Logs aggregates metric filter output per minute (§6).
func minute(ms int64) int64 {
	s := ms / 1000
	if ms < 0 && ms%1000 != 0 {
		s--
	}
	m := s / 60
	if s < 0 && s%60 != 0 {
		m--
	}
	return m * 60
}

// Apply returns the metric data filters emit for events (§6): for each
// event a filter matches, one value in the filter's namespace and name
// with its dimensions, in the minute bucket of the event's timestamp, in
// the transformation's unit ("None" when unset). The value is the
// transformation's number, or the field it names; an event whose field is
// not a finite number, or lacks a dimension's field, emits nothing (the
// reference marks AWS's handling unverified and skipping as safest). A
// filter with a defaultValue emits it once for each minute in which the
// batch has events but none that the filter matched.
//
// chunkFilter is the trigram filter chunk.Encode made of the events, or
// nil. A filter whose required terms it rules out matches no event and is
// not run: metric filters commonly look for what is rare, and most
// batches hold none of it.
//
// The events are read once, each by every filter in turn while its
// message is in the CPU's cache: a batch is up to 1 MiB of messages,
// more than that cache holds, so reading it once per filter would fetch
// it from memory once per filter.
func Apply(filters []trailwatch.MetricFilter, events []trailwatch.LogEvent, chunkFilter []byte) []storage.MetricDatum {
	if len(events) == 0 {
		return nil
	}
	var all, run []*filterRun
	for _, f := range filters {
		c := compile(f)
		if c == nil {
			continue
		}
		r := &filterRun{compiled: c, last: -1}
		all = append(all, r)
		if chunkFilter == nil || len(c.required) == 0 || chunk.MayContain(chunkFilter, c.required) {
			run = append(run, r)
		}
	}
	if len(all) == 0 {
		return nil
	}
	mins := minutesOf(events)
	for _, r := range all {
		if r.t.DefaultValue != nil {
			r.matched = make([]bool, len(mins.starts))
		}
	}
	if len(run) > 0 {
		for i := range events {
			msg := events[i].Message
			for _, r := range run {
				if r.pattern.Match(msg) {
					r.add(msg, mins.idx[i])
				}
			}
		}
	}
	var out []storage.MetricDatum
	for _, r := range all {
		out = r.emit(out, mins.starts)
	}
	return out
}

// batchMinutes is the minute bucket (see minute) of each event of a
// batch, as an index into the batch's distinct minutes.
type batchMinutes struct {
	// idx[i] is the index in starts of event i's minute.
	idx []int32
	// starts are the distinct minutes, in the order the batch reaches
	// them.
	starts []int64
}

func minutesOf(events []trailwatch.LogEvent) batchMinutes {
	b := batchMinutes{idx: make([]int32, len(events))}
	// Events mostly come in time order: the map is only consulted when
	// the minute changes.
	pos := map[int64]int32{}
	cur := int32(-1)
	for i := range events {
		m := minute(events[i].Timestamp)
		if cur < 0 || b.starts[cur] != m {
			k, ok := pos[m]
			if !ok {
				k = int32(len(b.starts))
				b.starts = append(b.starts, m)
				pos[m] = k
			}
			cur = k
		}
		b.idx[i] = cur
	}
	return b
}

// filterRun is one filter's output over a batch, as Apply gathers it.
type filterRun struct {
	*compiled
	// matched[k] records that the filter matched an event of the batch's
	// k-th minute; nil without a defaultValue.
	matched []bool
	// buckets gather the values of each (dimensions, minute), in the
	// order they are first reached; index finds them by key, and last is
	// the index of the one the previous value went to (-1: none).
	buckets []bucketValues
	index   map[bucketKey]int
	last    int
}

type bucketKey struct {
	dims string // storage.EncodeDimensions of dims; "" for none
	min  int32  // index into batchMinutes.starts
}

type bucketValues struct {
	key  bucketKey
	dims []storage.Dimension
	vals []float64
}

// add records an event of minute k that the filter matched.
func (r *filterRun) add(msg string, k int32) {
	if r.matched != nil {
		r.matched[k] = true
	}
	v := r.literal
	if r.isRef {
		s, ok := r.pattern.Lookup(msg, r.ref)
		if !ok {
			return
		}
		if v, ok = number(s); !ok {
			return
		}
	}
	var ds []storage.Dimension
	for i, n := range r.dimNames {
		s, found := r.pattern.Lookup(msg, r.dimRefs[i])
		if !found || s == "" {
			return
		}
		ds = append(ds, storage.Dimension{Name: n, Value: s})
	}
	key := bucketKey{min: k}
	if len(ds) > 0 {
		storage.SortDimensions(ds)
		key.dims = storage.EncodeDimensions(ds)
	}
	if r.last < 0 || r.buckets[r.last].key != key {
		j, ok := r.index[key]
		if !ok {
			if r.index == nil {
				r.index = make(map[bucketKey]int)
			}
			j = len(r.buckets)
			r.buckets = append(r.buckets, bucketValues{key: key, dims: ds})
			r.index[key] = j
		}
		r.last = j
	}
	r.buckets[r.last].vals = append(r.buckets[r.last].vals, v)
}

// emit appends the filter's datums to out: one per bucket with values,
// then the defaultValue for each minute the filter matched nothing in.
func (r *filterRun) emit(out []storage.MetricDatum, starts []int64) []storage.MetricDatum {
	unit := r.t.Unit
	if unit == "" {
		unit = "None"
	}
	base := storage.Metric{Namespace: r.t.MetricNamespace, Name: r.t.MetricName}
	for _, b := range r.buckets {
		m := base
		m.Dimensions = b.dims
		out = append(out, storage.MetricDatum{
			Metric: m, Unit: unit, Resolution: 60, Time: time.Unix(starts[b.key.min], 0).UTC(),
			Agg: storage.AggregateValues(b.vals, nil),
		})
	}
	for k, matched := range r.matched {
		if matched {
			continue
		}
		out = append(out, storage.MetricDatum{
			Metric: base, Unit: unit, Resolution: 60, Time: time.Unix(starts[k], 0).UTC(),
			Agg: storage.AggregateValues([]float64{*r.t.DefaultValue}, nil),
		})
	}
	return out
}
