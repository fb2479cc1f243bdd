package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

func itoa(i int) string { return strconv.Itoa(i) }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

var basicStats = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// basic computes a basic statistic of an aggregate.
func basic(stat string, b storage.Aggregate) float64 {
	switch stat {
	case "SampleCount":
		return b.SampleCount
	case "Average":
		return b.Sum / b.SampleCount
	case "Sum":
		return b.Sum
	case "Minimum":
		return b.Minimum
	default:
		return b.Maximum
	}
}

const (
	day           = 24 * time.Hour
	maxDatapoints = 1440
)

// periodFor checks a period and returns where the read starts: StartTime
// rounded as the reference's §5 says for its age. ok is false when data
// that old are not kept at that period, which returns no data (not an
// error).
func alignStart(start time.Time, period int, now time.Time) (time.Time, bool) {
	age := now.Sub(start)
	switch {
	case age > 63*day:
		return start.Truncate(time.Hour), period%3600 == 0
	case age > 15*day:
		return start.Truncate(5 * time.Minute), period%300 == 0
	case age > 3*time.Hour:
		return start.Truncate(time.Minute), period%60 == 0
	case period < 60:
		return start.Truncate(time.Duration(period) * time.Second), true
	}
	return start.Truncate(time.Minute), true
}

func validPeriod(p int32) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p > 0 && p%60 == 0
}

// group is the aggregate of one period and unit.
type group struct {
	start time.Time
	unit  string
	agg   storage.Aggregate
}

// aggregate merges buckets into periods from start; unit "" keeps units
// apart, a unit selects it.
func aggregate(buckets []storage.MetricBucket, start time.Time, period int, unit string) []group {
	idx := map[[2]string]int{}
	var out []group
	p := int64(period)
	for _, b := range buckets {
		if unit != "" && b.Unit != unit {
			continue
		}
		off := b.Time.Unix() - start.Unix()
		ps := start.Add(time.Duration(off-off%p) * time.Second)
		k := [2]string{strconv.FormatInt(ps.Unix(), 10), b.Unit}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, group{start: ps.UTC(), unit: b.Unit})
		}
		out[i].agg.Merge(b.Agg)
	}
	return out
}

// GetMetricStatisticsInput is GetMetricStatistics' request.
type GetMetricStatisticsInput struct {
	Namespace          string      `json:"Namespace" required:"true" min:"1" max:"255" pattern:"[^:].*"`
	MetricName         string      `json:"MetricName" required:"true" min:"1" max:"255"`
	Dimensions         []Dimension `json:"Dimensions" max:"30"`
	StartTime          time.Time   `json:"StartTime" required:"true"`
	EndTime            time.Time   `json:"EndTime" required:"true"`
	Period             *int32      `json:"Period" required:"true" min:"1"`
	Statistics         []string    `json:"Statistics" min:"1" max:"5" enum:"SampleCount|Average|Sum|Minimum|Maximum"`
	ExtendedStatistics []string    `json:"ExtendedStatistics" min:"1" max:"10"`
	Unit               string      `json:"Unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
}

// GetMetricStatisticsOutput is its result.
type GetMetricStatisticsOutput struct {
	Label      string      `json:"Label"`
	Datapoints []Datapoint `json:"Datapoints"`
}

// Datapoint is one period's statistics.
type Datapoint struct {
	Timestamp          time.Time          `json:"Timestamp"`
	SampleCount        *float64           `json:"SampleCount"`
	Average            *float64           `json:"Average"`
	Sum                *float64           `json:"Sum"`
	Minimum            *float64           `json:"Minimum"`
	Maximum            *float64           `json:"Maximum"`
	Unit               string             `json:"Unit"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics"`
}

// checkRange checks StartTime < EndTime and the number of data points.
func checkRange(start, end time.Time, period int32) error {
	if !start.Before(end) {
		return invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	if !validPeriod(period) {
		return invalidValue("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
	}
	return nil
}

// GetMetricStatistics returns the requested statistics per period (and
// per unit when no Unit is given).
func (s *Service) GetMetricStatistics(ctx context.Context, in *GetMetricStatisticsInput) (*GetMetricStatisticsOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	switch {
	case in.Statistics == nil && in.ExtendedStatistics == nil:
		return nil, missing("Must specify either Statistics or ExtendedStatistics")
	case in.Statistics != nil && in.ExtendedStatistics != nil:
		return nil, invalidCombination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.")
	}
	ext := make([]storage.ExtendedStatistic, len(in.ExtendedStatistics))
	for i, st := range in.ExtendedStatistics {
		e, ok := storage.ParseExtendedStatistic(st)
		if !ok {
			return nil, invalidValue("The value %s for parameter ExtendedStatistics is not supported.", st)
		}
		ext[i] = e
	}
	if err := checkRange(in.StartTime, in.EndTime, *in.Period); err != nil {
		return nil, err
	}
	period := int(*in.Period)
	span := in.EndTime.Sub(in.StartTime)
	n := int64((span + time.Duration(period)*time.Second - 1) / (time.Duration(period) * time.Second))
	if n > maxDatapoints {
		return nil, invalidCombination("You have requested up to %d datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n)
	}
	out := &GetMetricStatisticsOutput{Label: in.MetricName, Datapoints: []Datapoint{}}
	start, ok := alignStart(in.StartTime, period, s.now())
	if !ok {
		return out, nil
	}
	m := storage.Metric{Namespace: in.Namespace, Name: in.MetricName, Dimensions: toStorage(in.Dimensions)}
	buckets, err := s.metrics.ReadMetric(ctx, c.AccountID, c.Region, m, start, in.EndTime)
	if err != nil {
		return nil, err
	}
	for _, g := range aggregate(buckets, start, period, in.Unit) {
		dp := Datapoint{Timestamp: g.start, Unit: g.unit}
		for _, st := range in.Statistics {
			v := basic(st, g.agg)
			switch st {
			case "SampleCount":
				dp.SampleCount = &v
			case "Average":
				dp.Average = &v
			case "Sum":
				dp.Sum = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			}
		}
		for i, e := range ext {
			if v, ok := e.Eval(g.agg); ok {
				if dp.ExtendedStatistics == nil {
					dp.ExtendedStatistics = map[string]float64{}
				}
				dp.ExtendedStatistics[in.ExtendedStatistics[i]] = v
			}
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

// ListMetricsInput is ListMetrics' request.
type ListMetricsInput struct {
	Namespace             string            `json:"Namespace" min:"1" max:"255" pattern:"[^:].*"`
	MetricName            string            `json:"MetricName" min:"1" max:"255"`
	Dimensions            []DimensionFilter `json:"Dimensions" max:"10"`
	NextToken             string            `json:"NextToken"`
	RecentlyActive        string            `json:"RecentlyActive" enum:"PT3H"`
	IncludeLinkedAccounts *bool             `json:"IncludeLinkedAccounts"`
	OwningAccount         string            `json:"OwningAccount" min:"1" max:"255"`
}

// DimensionFilter filters ListMetrics by a dimension.
type DimensionFilter struct {
	Name  string  `json:"Name" required:"true" min:"1" max:"255"`
	Value *string `json:"Value" min:"1" max:"1024"`
}

// ListMetricsOutput is its result.
type ListMetricsOutput struct {
	Metrics   []Metric `json:"Metrics"`
	NextToken string   `json:"NextToken"`
}

// Metric names a metric.
type Metric struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []Dimension `json:"Dimensions"`
}

const listPage = 500

// listToken is the NextToken of ListMetrics: the storage position and a
// digest of the filters it belongs to.
type listToken struct {
	After string `json:"a"`
	Query string `json:"q"`
}

func queryDigest(in *ListMetricsInput) string {
	b, _ := json.Marshal([]any{in.Namespace, in.MetricName, in.Dimensions, in.RecentlyActive})
	return string(b)
}

// ListMetrics lists the account's metrics in the region that had data in
// the last two weeks (three hours with RecentlyActive=PT3H).
// IncludeLinkedAccounts is ignored: trailwatch has no monitoring accounts.
func (s *Service) ListMetrics(ctx context.Context, in *ListMetricsInput) (*ListMetricsOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	q := storage.ListMetricsQuery{Account: c.AccountID, Region: c.Region, Namespace: in.Namespace, Name: in.MetricName, Limit: listPage}
	since := 14 * day
	if in.RecentlyActive == "PT3H" {
		since = 3 * time.Hour
	}
	q.ActiveSince = s.now().Add(-since)
	for _, f := range in.Dimensions {
		q.Dimensions = append(q.Dimensions, storage.DimensionFilter{Name: f.Name, Value: deref(f.Value), HasValue: f.Value != nil})
	}
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		var tok listToken
		if err == nil {
			err = json.Unmarshal(raw, &tok)
		}
		if err != nil || tok.Query != queryDigest(in) || tok.After == "" {
			return nil, awsNextToken()
		}
		q.After = tok.After
	}
	ms, next, err := s.metrics.ListMetrics(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &ListMetricsOutput{Metrics: make([]Metric, len(ms))}
	for i, m := range ms {
		out.Metrics[i] = Metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: fromStorage(m.Dimensions)}
	}
	if next != "" {
		b, _ := json.Marshal(listToken{After: next, Query: queryDigest(in)})
		out.NextToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}

func awsNextToken() error {
	return awsErr(codeInvalidNextToken, "The service cannot process the request because the NextToken is invalid.")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// sortTimes orders series points by time, ascending or descending.
func sortPoints(ts []time.Time, vs []float64, desc bool) {
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		c := ts[a].Compare(ts[b])
		if desc {
			return -c
		}
		return c
	})
	t2, v2 := make([]time.Time, len(ts)), make([]float64, len(vs))
	for i, j := range idx {
		t2[i], v2[i] = ts[j], vs[j]
	}
	copy(ts, t2)
	copy(vs, v2)
}
