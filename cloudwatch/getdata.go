package cloudwatch

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/metricmath"
	"github.com/trailwatch/trailwatch/storage"
)

func awsErr(code, msg string) error { return awserr.New(code, http.StatusBadRequest, "%s", msg) }

// GetMetricDataInput is GetMetricData's request.
type GetMetricDataInput struct {
	MetricDataQueries []MetricDataQuery `json:"MetricDataQueries" required:"true" max:"500"`
	StartTime         time.Time         `json:"StartTime" required:"true"`
	EndTime           time.Time         `json:"EndTime" required:"true"`
	NextToken         string            `json:"NextToken"`
	ScanBy            string            `json:"ScanBy" enum:"TimestampDescending|TimestampAscending"`
	MaxDatapoints     *int32            `json:"MaxDatapoints"`
	LabelOptions      *LabelOptions     `json:"LabelOptions"`
}

// LabelOptions affects dynamic labels only.
type LabelOptions struct {
	Timezone string `json:"Timezone"`
}

// MetricDataQuery is one query of GetMetricData.
type MetricDataQuery struct {
	ID         string      `json:"Id" required:"true" min:"1" max:"255"`
	MetricStat *MetricStat `json:"MetricStat"`
	Expression string      `json:"Expression" min:"1" max:"2048"`
	Label      string      `json:"Label"`
	ReturnData *bool       `json:"ReturnData"`
	Period     *int32      `json:"Period" min:"1"`
	AccountID  string      `json:"AccountId" min:"1" max:"255"`
}

// MetricStat is a metric, period and statistic.
type MetricStat struct {
	Metric *Metric `json:"Metric" required:"true"`
	Period *int32  `json:"Period" required:"true" min:"1"`
	Stat   string  `json:"Stat" required:"true"`
	Unit   string  `json:"Unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
}

// GetMetricDataOutput is its result.
type GetMetricDataOutput struct {
	MetricDataResults []MetricDataResult `json:"MetricDataResults"`
	NextToken         string             `json:"NextToken"`
	Messages          []MessageData      `json:"Messages"`
}

// MetricDataResult is one query's series.
type MetricDataResult struct {
	ID         string        `json:"Id"`
	Label      string        `json:"Label"`
	Timestamps []time.Time   `json:"Timestamps"`
	Values     []float64     `json:"Values"`
	StatusCode string        `json:"StatusCode"`
	Messages   []MessageData `json:"Messages"`
}

// MessageData is a message about a result.
type MessageData struct {
	Code  string `json:"Code"`
	Value string `json:"Value"`
}

var reQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

const defaultMaxDatapoints = 100800

// GetMetricData evaluates MetricStat queries and metric math expressions
// (package metricmath). Expression queries with ReturnData false are
// computed but not returned; an expression yielding an array of time
// series returns one result per series, all with the expression's Id.
// Metrics Insights queries and the metric math functions trailwatch does
// not evaluate (SEARCH, ANOMALY_DETECTION_BAND…) are refused with
// ValidationError.
func (s *Service) GetMetricData(ctx context.Context, in *GetMetricDataInput) (*GetMetricDataOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	if !in.StartTime.Before(in.EndTime) {
		return nil, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	if len(in.MetricDataQueries) == 0 {
		return nil, missing("The parameter MetricDataQueries is required.")
	}
	seen := map[string]bool{}
	for i, q := range in.MetricDataQueries {
		path := "MetricDataQueries.member." + itoa(i+1)
		if !reQueryID.MatchString(q.ID) {
			return nil, invalidValue("The value %s for parameter %s.Id is invalid.", q.ID, path)
		}
		if seen[q.ID] {
			return nil, invalidValue("The value %s for parameter %s.Id is not unique.", q.ID, path)
		}
		seen[q.ID] = true
		switch {
		case q.MetricStat != nil && q.Expression != "":
			return nil, invalidCombination("The parameters %s.MetricStat and %s.Expression are mutually exclusive and you have specified both.", path, path)
		case q.MetricStat == nil && q.Expression == "":
			return nil, missing("The parameter %s.MetricStat is required.", path)
		case q.Expression != "":
			if q.Period != nil && !validPeriod(*q.Period) {
				return nil, invalidValue("The parameter %s.Period must be 1, 5, 10, 20, 30, or a multiple of 60.", path)
			}
			continue
		}
		ms := q.MetricStat
		if !validPeriod(*ms.Period) {
			return nil, invalidValue("The parameter %s.MetricStat.Period must be 1, 5, 10, 20, 30, or a multiple of 60.", path)
		}
		if !isBasic(ms.Stat) {
			if _, ok := storage.ParseExtendedStatistic(ms.Stat); !ok {
				return nil, invalidValue("The value %s for parameter %s.MetricStat.Stat is invalid.", ms.Stat, path)
			}
		}
	}
	labels := defaultLabels(in.MetricDataQueries)
	for i, q := range in.MetricDataQueries {
		if q.Label != "" {
			labels[i] = q.Label
		}
	}
	mq := make([]metricmath.Query, len(in.MetricDataQueries))
	defaultPeriod := int64(0)
	for i, q := range in.MetricDataQueries {
		mq[i] = metricmath.Query{ID: q.ID, Expression: q.Expression, Label: labels[i]}
		switch {
		case q.MetricStat != nil:
			mq[i].Period = int64(*q.MetricStat.Period)
			if defaultPeriod == 0 {
				defaultPeriod = mq[i].Period
			}
		case q.Period != nil:
			mq[i].Period = int64(*q.Period)
		}
	}
	prog, err := compileMath(mq)
	if err != nil {
		return nil, err
	}
	offset := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n <= 0 {
			return nil, awsNextToken()
		}
		offset = n
	}
	limit := defaultMaxDatapoints
	if in.MaxDatapoints != nil && *in.MaxDatapoints > 0 {
		limit = int(*in.MaxDatapoints)
	}
	desc := in.ScanBy != "TimestampAscending"
	now := s.now()

	// Every metric is read: METRICS() may use those not returned.
	series := map[string]metricmath.Series{}
	for _, q := range in.MetricDataQueries {
		if q.MetricStat == nil {
			continue
		}
		ts, vs, err := s.series(ctx, c, q.MetricStat, in.StartTime, in.EndTime, now)
		if err != nil {
			return nil, err
		}
		series[q.ID] = toMathSeries(ts, vs, int(*q.MetricStat.Period))
	}
	anchor := func(p int64) int64 {
		t, _ := alignStart(in.StartTime, int(p), now)
		return t.Unix()
	}
	math := prog.Run(metricmath.Env{Start: anchor(60), End: in.EndTime.Unix(), Period: defaultPeriod, Anchor: anchor}, series)

	// The results in request order, before paging.
	type pending struct {
		id, label string
		ts        []time.Time
		vs        []float64
		messages  []MessageData
	}
	var results []pending
	for i, q := range in.MetricDataQueries {
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		if q.MetricStat != nil {
			m := series[q.ID]
			results = append(results, pending{id: q.ID, label: labels[i], ts: fromUnix(m.Timestamps), vs: m.Values, messages: []MessageData{}})
			continue
		}
		r := math[q.ID]
		msgs := []MessageData{}
		if r.Dropped {
			msgs = append(msgs, arithmeticMessage)
		}
		for _, m := range r.Series {
			label := labels[i]
			if r.Kind == metricmath.Array {
				// The User Guide's legend rule for an expression
				// yielding several series: "Expression-Label
				// Metric-Label", or the metric's label alone when the
				// expression has none.
				label = m.Label
				if q.Label != "" {
					label = q.Label + " " + m.Label
				}
			}
			results = append(results, pending{id: q.ID, label: label, ts: fromUnix(m.Timestamps), vs: append([]float64(nil), m.Values...), messages: msgs})
		}
	}

	out := &GetMetricDataOutput{MetricDataResults: []MetricDataResult{}, Messages: []MessageData{}}
	pos, taken := 0, 0
	for _, r := range results {
		ts, vs := r.ts, r.vs
		sortPoints(ts, vs, desc)
		// Points before offset were returned on earlier pages.
		skip := min(max(offset-pos, 0), len(ts))
		pos += len(ts)
		ts, vs = ts[skip:], vs[skip:]
		room := max(limit-taken, 0)
		status := "Complete"
		if len(ts) > room {
			ts, vs, status = ts[:room], vs[:room], "PartialData"
		}
		taken += len(ts)
		out.MetricDataResults = append(out.MetricDataResults, MetricDataResult{
			ID: r.id, Label: r.label, Timestamps: ts, Values: vs, StatusCode: status, Messages: r.messages,
		})
	}
	if offset+taken < pos {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset + taken)))
	}
	return out, nil
}

func isBasic(stat string) bool {
	for _, b := range basicStats {
		if b == stat {
			return true
		}
	}
	return false
}

// series computes one MetricStat's values per period of [start, end),
// the first period starting at start rounded as its age requires.
func (s *Service) series(ctx context.Context, c *trailwatch.Caller, ms *MetricStat, start, end, now time.Time) ([]time.Time, []float64, error) {
	period := int(*ms.Period)
	ts, vs := []time.Time{}, []float64{}
	from, ok := alignStart(start, period, now)
	if !ok {
		return ts, vs, nil
	}
	m := storage.Metric{Namespace: ms.Metric.Namespace, Name: ms.Metric.MetricName, Dimensions: toStorage(ms.Metric.Dimensions)}
	pts, err := s.statPoints(ctx, c.AccountID, c.Region, m, period, ms.Stat, ms.Unit, from, end)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range pts {
		ts, vs = append(ts, p.t), append(vs, p.v)
	}
	return ts, vs, nil
}

// defaultLabels names each query's series as AWS does: the metric name,
// plus the stat and/or period when other queries of the request use the
// same metric with another stat or period (reference/cloudwatch-metrics.md §7).
func defaultLabels(qs []MetricDataQuery) []string {
	out := make([]string, len(qs))
	key := func(ms *MetricStat) string {
		return ms.Metric.Namespace + "\x00" + ms.Metric.MetricName + "\x00" + storage.EncodeDimensions(toStorage(ms.Metric.Dimensions))
	}
	for i, q := range qs {
		if q.MetricStat == nil || q.MetricStat.Metric == nil {
			out[i] = q.ID
			continue
		}
		ms := q.MetricStat
		statDiffers, periodDiffers := false, false
		for j, o := range qs {
			if j == i || o.MetricStat == nil || o.MetricStat.Metric == nil || key(o.MetricStat) != key(ms) {
				continue
			}
			statDiffers = statDiffers || o.MetricStat.Stat != ms.Stat
			periodDiffers = periodDiffers || *o.MetricStat.Period != *ms.Period
		}
		label := ms.Metric.MetricName
		if statDiffers {
			label += " " + ms.Stat
		}
		if periodDiffers {
			label += " " + itoa(int(*ms.Period))
		}
		out[i] = label
	}
	return out
}
