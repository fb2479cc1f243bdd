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
	"github.com/trailwatch/trailwatch/storage"
)

// compiled is one filter's transformation, ready to apply.
type compiled struct {
	pattern *filterpattern.Pattern
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
	c := &compiled{pattern: p}
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
func Apply(filters []trailwatch.MetricFilter, events []trailwatch.LogEvent) []storage.MetricDatum {
	var out []storage.MetricDatum
	for _, f := range filters {
		c := compile(f)
		if c == nil {
			continue
		}
		unit := c.t.Unit
		if unit == "" {
			unit = "None"
		}
		base := storage.Metric{Namespace: c.t.MetricNamespace, Name: c.t.MetricName}
		// seen is each minute with events; true once one matched.
		var seen map[int64]bool
		if c.t.DefaultValue != nil {
			seen = make(map[int64]bool)
		}
		// Values of one bucket are gathered so each bucket is one datum.
		type bucket struct {
			dims string
			min  int64
		}
		vals := map[bucket][]float64{}
		dimsOf := map[string][]storage.Dimension{}
		for _, e := range events {
			m := minute(e.Timestamp)
			if !c.pattern.Match(e.Message) {
				if seen != nil {
					if _, ok := seen[m]; !ok {
						seen[m] = false
					}
				}
				continue
			}
			if seen != nil {
				seen[m] = true
			}
			v := c.literal
			if c.isRef {
				s, ok := c.pattern.Lookup(e.Message, c.ref)
				if !ok {
					continue
				}
				if v, ok = number(s); !ok {
					continue
				}
			}
			var ds []storage.Dimension
			ok := true
			for i, n := range c.dimNames {
				s, found := c.pattern.Lookup(e.Message, c.dimRefs[i])
				if !found || s == "" {
					ok = false
					break
				}
				ds = append(ds, storage.Dimension{Name: n, Value: s})
			}
			if !ok {
				continue
			}
			key := ""
			if len(ds) > 0 {
				storage.SortDimensions(ds)
				key = storage.EncodeDimensions(ds)
				if _, ok := dimsOf[key]; !ok {
					dimsOf[key] = ds
				}
			}
			b := bucket{key, m}
			vals[b] = append(vals[b], v)
		}
		for b, vs := range vals {
			out = append(out, storage.MetricDatum{
				Metric: storage.Metric{Namespace: base.Namespace, Name: base.Name, Dimensions: dimsOf[b.dims]},
				Unit:   unit, Resolution: 60, Time: time.Unix(b.min, 0).UTC(),
				Agg: storage.AggregateValues(vs, nil),
			})
		}
		for m, matched := range seen {
			if matched {
				continue
			}
			out = append(out, storage.MetricDatum{
				Metric: base, Unit: unit, Resolution: 60, Time: time.Unix(m, 0).UTC(),
				Agg: storage.AggregateValues([]float64{*c.t.DefaultValue}, nil),
			})
		}
	}
	return out
}
