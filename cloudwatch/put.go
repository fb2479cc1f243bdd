package cloudwatch

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// PutMetricDataInput is PutMetricData's request.
type PutMetricDataInput struct {
	Namespace  string        `json:"Namespace" required:"true" min:"1" max:"255" pattern:"[^:].*"`
	MetricData []MetricDatum `json:"MetricData" max:"1000"`
	// EntityMetricData's entities are accepted and not kept: trailwatch
	// has no entity explorer; their data are stored like MetricData.
	EntityMetricData       []EntityMetricData `json:"EntityMetricData" max:"2"`
	StrictEntityValidation *bool              `json:"StrictEntityValidation"`
}

// EntityMetricData is data about one entity.
type EntityMetricData struct {
	Entity     *Entity       `json:"Entity"`
	MetricData []MetricDatum `json:"MetricData"`
}

// Entity names what the data are about.
type Entity struct {
	KeyAttributes map[string]string `json:"KeyAttributes"`
	Attributes    map[string]string `json:"Attributes"`
}

// MetricDatum is one metric's data.
type MetricDatum struct {
	MetricName        string        `json:"MetricName" required:"true" min:"1" max:"255"`
	Dimensions        []Dimension   `json:"Dimensions" max:"30"`
	Timestamp         time.Time     `json:"Timestamp"`
	Value             *float64      `json:"Value"`
	StatisticValues   *StatisticSet `json:"StatisticValues"`
	Values            []float64     `json:"Values"`
	Counts            []float64     `json:"Counts"`
	Unit              string        `json:"Unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
	StorageResolution *int32        `json:"StorageResolution" min:"1"`
}

// StatisticSet is a pre-aggregated set of values.
type StatisticSet struct {
	SampleCount *float64 `json:"SampleCount" required:"true"`
	Sum         *float64 `json:"Sum" required:"true"`
	Minimum     *float64 `json:"Minimum" required:"true"`
	Maximum     *float64 `json:"Maximum" required:"true"`
}

// PutMetricDataOutput is PutMetricData's (empty) result.
type PutMetricDataOutput struct{}

// Values outside ±2^360 are refused (reference/cloudwatch-metrics.md §2).
var valueLimit = math.Ldexp(1, 360)

const (
	maxPastAge    = 14 * 24 * time.Hour
	maxFutureSkew = 2 * time.Hour
	maxValues     = 150
)

// PutMetricData validates every datum as AWS does (messages name members
// in query form, MetricData.member.N, whatever the protocol) and stores
// them in one write.
func (s *Service) PutMetricData(ctx context.Context, in *PutMetricDataInput) (*PutMetricDataOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	if strings.HasPrefix(in.Namespace, "AWS/") {
		// The AWS/ namespaces belong to AWS services.
		return nil, invalidValue("The value %s for parameter Namespace is invalid.", in.Namespace)
	}
	type item struct {
		path string
		d    *MetricDatum
	}
	var items []item
	for i := range in.MetricData {
		items = append(items, item{"MetricData.member." + itoa(i+1), &in.MetricData[i]})
	}
	for e := range in.EntityMetricData {
		for i := range in.EntityMetricData[e].MetricData {
			items = append(items, item{"EntityMetricData.member." + itoa(e+1) + ".MetricData.member." + itoa(i+1), &in.EntityMetricData[e].MetricData[i]})
		}
	}
	if len(items) == 0 {
		return nil, missing("The parameter MetricData is required.")
	}
	if len(items) > 1000 {
		return nil, invalidValue("The collection MetricData must not have a size greater than 1000.")
	}
	now := s.now()
	data := make([]storage.MetricDatum, 0, len(items))
	for _, it := range items {
		d, err := s.datum(in.Namespace, it.path, it.d, now)
		if err != nil {
			return nil, err
		}
		if !d.Agg.Empty() {
			// Values whose counts are all zero publish nothing.
			data = append(data, d)
		}
	}
	if len(data) == 0 {
		return &PutMetricDataOutput{}, nil
	}
	if err := s.metrics.PutMetricData(ctx, c.AccountID, c.Region, data); err != nil {
		return nil, err
	}
	return &PutMetricDataOutput{}, nil
}

func checkValue(path string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > valueLimit {
		return invalidValue("The value %s for parameter %s is invalid.", formatFloat(v), path)
	}
	return nil
}

func (s *Service) datum(ns, path string, d *MetricDatum, now time.Time) (storage.MetricDatum, error) {
	out := storage.MetricDatum{Metric: storage.Metric{Namespace: ns, Name: d.MetricName, Dimensions: toStorage(d.Dimensions)}, Unit: d.Unit, Resolution: 60}
	if out.Unit == "" {
		out.Unit = "None"
	}
	for i := 1; i < len(out.Metric.Dimensions); i++ {
		if out.Metric.Dimensions[i].Name == out.Metric.Dimensions[i-1].Name {
			return out, invalidValue("No metric may have duplicate dimension names.")
		}
	}
	if d.StorageResolution != nil {
		switch *d.StorageResolution {
		case 1, 60:
			out.Resolution = int(*d.StorageResolution)
		default:
			return out, invalidValue("The value %d for parameter %s.StorageResolution is invalid.", *d.StorageResolution, path)
		}
	}
	ts := d.Timestamp
	if ts.IsZero() {
		ts = now
	}
	if ts.Before(now.Add(-maxPastAge)) || ts.After(now.Add(maxFutureSkew)) {
		return out, invalidValue("The parameter %s.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.", path)
	}
	out.Time = ts.Truncate(time.Duration(out.Resolution) * time.Second).UTC()

	both := func(other string) error {
		return invalidCombination("The parameters %s.Value and %s.%s are mutually exclusive and you have specified both.", path, path, other)
	}
	switch {
	case d.Value != nil && d.Values != nil:
		return out, both("Values")
	case d.Value != nil && d.StatisticValues != nil:
		return out, both("StatisticValues")
	case d.Values != nil && d.StatisticValues != nil:
		return out, invalidCombination("The parameters %s.Values and %s.StatisticValues are mutually exclusive and you have specified both.", path, path)
	case d.Counts != nil && d.Values == nil:
		return out, invalidCombination("The parameter %s.Counts may only be specified with %s.Values.", path, path)
	}
	switch {
	case d.Value != nil:
		if err := checkValue(path+".Value", *d.Value); err != nil {
			return out, err
		}
		out.Agg = storage.AggregateValues([]float64{*d.Value}, nil)
	case d.StatisticValues != nil:
		sv := d.StatisticValues
		for _, f := range []struct {
			name string
			v    float64
		}{{"SampleCount", *sv.SampleCount}, {"Sum", *sv.Sum}, {"Minimum", *sv.Minimum}, {"Maximum", *sv.Maximum}} {
			if err := checkValue(path+".StatisticValues."+f.name, f.v); err != nil {
				return out, err
			}
		}
		if *sv.SampleCount <= 0 {
			return out, invalidValue("The value %s for parameter %s.StatisticValues.SampleCount is invalid.", formatFloat(*sv.SampleCount), path)
		}
		if *sv.Minimum > *sv.Maximum {
			return out, invalidValue("The parameter %s.StatisticValues.Maximum must be greater than %s.StatisticValues.Minimum.", path, path)
		}
		out.Agg = storage.AggregateStatisticSet(*sv.SampleCount, *sv.Sum, *sv.Minimum, *sv.Maximum)
	case d.Values != nil:
		if len(d.Values) > maxValues {
			return out, invalidValue("The collection %s.Values must not have a size greater than %d.", path, maxValues)
		}
		if d.Counts != nil && len(d.Counts) != len(d.Values) {
			return out, invalidValue("The parameters %s.Values and %s.Counts must be of the same size.", path, path)
		}
		for i, v := range d.Values {
			if err := checkValue(path+".Values.member."+itoa(i+1), v); err != nil {
				return out, err
			}
		}
		for i, n := range d.Counts {
			if err := checkValue(path+".Counts.member."+itoa(i+1), n); err != nil {
				return out, err
			}
			if n < 0 {
				return out, invalidValue("The value %s for parameter %s.Counts.member.%d is invalid.", formatFloat(n), path, i+1)
			}
		}
		out.Agg = storage.AggregateValues(d.Values, d.Counts)
	default:
		return out, missing("The parameter %s.Value is required.", path)
	}
	return out, nil
}
