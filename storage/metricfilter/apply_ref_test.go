package metricfilter

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
	"github.com/trailwatch/trailwatch/storage"
)

// applyRef is Apply as it was first written, a filter at a time over the
// whole batch: the reference TestApplyMatchesReference holds Apply to.
func applyRef(filters []trailwatch.MetricFilter, events []trailwatch.LogEvent) []storage.MetricDatum {
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

// TestApplyMatchesReference runs Apply and applyRef over random batches
// of corpus lines and hand-made events, out of time order and spread over
// several minutes, with filters that count, extract values, take
// dimensions and have default values: both must emit the same data.
func TestApplyMatchesReference(t *testing.T) {
	zero, seven := 0.0, 7.0
	tr := func(name, value string, def *float64, dims map[string]string) []trailwatch.MetricTransformation {
		return []trailwatch.MetricTransformation{{MetricNamespace: "NS", MetricName: name, MetricValue: value, DefaultValue: def, Dimensions: dims}}
	}
	filters := []trailwatch.MetricFilter{
		{Name: "get", Pattern: `GET`, Transformations: tr("get", "1", nil, nil)},
		{Name: "failed", Pattern: `FAILED_CONNECT`, Transformations: tr("failed", "1", &zero, nil)},
		{Name: "json", Pattern: `{ $.http_status >= 500 && $.service = "checkout" }`, Transformations: tr("json", "1", nil, nil)},
		{Name: "jsonval", Pattern: `{ $.duration_ms > 100 }`, Transformations: tr("jsonval", "$.duration_ms", &seven, map[string]string{"Service": "$.service", "Level": "$.level"})},
		{Name: "bytes", Pattern: `[ip, ident, user, ts, request, status = 5*, size, referer, agent, duration]`, Transformations: tr("bytes", "$size", nil, map[string]string{"Status": "$status"})},
		{Name: "short", Pattern: `[ip, user, status = 500, bytes]`, Transformations: tr("short", "$bytes", &zero, map[string]string{"User": "$user"})},
		{Name: "rare", Pattern: `"` + logcorpus.Rare[0].Term + `"`, Transformations: tr("rare", "2.5", &zero, nil)},
		{Name: "all", Pattern: ``, Transformations: tr("all", "1", nil, nil)},
		{Name: "invalid", Pattern: `{ $.a = `, Transformations: tr("invalid", "1", nil, nil)},
	}
	hand := []string{`1.2.3.4 bob 500 120`, `1.2.3.4 bob 500 x`, `1.2.3.4 ann 500 7`, `1.2.3.4  500 7`,
		`{"duration_ms": 150, "service": "a", "level": "x"}`, `{"duration_ms": 150, "service": "", "level": "x"}`, `1.2.3.4 "" 500 7`,
		`{"duration_ms": "nan"}`, `FAILED_CONNECT`, logcorpus.Rare[0].Message, `{"http_status": 503, "service": "checkout"}`}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for round := range 200 {
		n := 1 + rng.IntN(300)
		lines := logcorpus.Lines(uint64(round), rng.IntN(1_000_000), n, base)
		events := make([]trailwatch.LogEvent, n)
		// Some batches have none of the hand-made events, so none of the
		// terms the chunk filter can rule out.
		mix := []int{0, 50, 4}[round%3]
		for i, l := range lines {
			events[i] = trailwatch.LogEvent{Timestamp: l.Timestamp + int64(rng.IntN(5))*20_000 - 40_000, Message: l.Message}
			if mix > 0 && rng.IntN(mix) == 0 {
				events[i].Message = hand[rng.IntN(len(hand))]
			}
		}
		fs := make([]trailwatch.MetricFilter, 0, len(filters))
		for _, f := range filters {
			if rng.IntN(2) == 0 {
				fs = append(fs, f)
			}
		}
		want := applyRef(fs, events)
		sortData(want)
		for _, filter := range [][]byte{nil, mustChunkFilter(t, events)} {
			got := Apply(fs, events, filter)
			sortData(got)
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Fatalf("round %d, chunk filter %v: Apply differs from the reference (-want +got):\n%s", round, filter != nil, diff)
			}
		}
	}
}

// mustChunkFilter returns the trigram filter of the chunk of events.
func mustChunkFilter(t *testing.T, events []trailwatch.LogEvent) []byte {
	t.Helper()
	evs := make([]chunk.Event, len(events))
	for i, e := range events {
		evs[i] = chunk.Event{Timestamp: e.Timestamp, Seq: int64(i), Message: []byte(e.Message)}
	}
	_, filter, _, err := chunk.Encode(evs)
	if err != nil {
		t.Fatal(err)
	}
	return filter
}

// sortData puts data in an order that does not depend on map iteration.
func sortData(data []storage.MetricDatum) {
	key := func(d storage.MetricDatum) string {
		return fmt.Sprint(d.Metric.Name, d.Metric.Dimensions, d.Time.Unix())
	}
	slices.SortFunc(data, func(a, b storage.MetricDatum) int { return cmp.Compare(key(a), key(b)) })
}
