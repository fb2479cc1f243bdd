package cloudwatch

import (
	"context"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/metricmath"
	"github.com/trailwatch/trailwatch/storage"
)

// Limits of a metric math alarm's Metrics (reference/cloudwatch-metrics.md
// §9.1, §15).
const (
	maxAlarmMetricStats = 10
	maxAlarmExpressions = 10
	// singleFieldsWithMath ends the message refusing a single-metric
	// field beside Metrics (mathConflict).
	singleFieldsWithMath = "should not be set if list of Metrics is set."
)

// mathConflict names the first single-metric field set beside Metrics.
// AWS refuses each with "<Field> should not be set if list of Metrics is
// set." (ValidationError; the Statistic form is quoted from an AWS answer
// in cloudtools/troposphere#1276, the others follow it).
func mathConflict(in *PutMetricAlarmInput) string {
	switch {
	case in.MetricName != "":
		return "MetricName"
	case in.Namespace != "":
		return "Namespace"
	case in.Statistic != "":
		return "Statistic"
	case in.ExtendedStatistic != "":
		return "ExtendedStatistic"
	case len(in.Dimensions) > 0:
		return "Dimensions"
	case in.Period != nil:
		return "Period"
	case in.Unit != "":
		return "Unit"
	}
	return ""
}

// checkAlarmMetrics validates a metric math alarm's Metrics and returns
// them as the alarm keeps them, with the alarm's period (that of the
// returned query: its MetricStat's, its own Period, or else the first
// metric's) and the statistic of the returned query when it is a metric.
// Wordings other than the ReturnData and multi-series ones, which are
// AWS's, are unverified.
func checkAlarmMetrics(in *PutMetricAlarmInput) ([]alarm.MetricDataQuery, int32, string, error) {
	var stats, exprs int
	seen := map[string]bool{}
	for i, q := range in.Metrics {
		path := "Metrics.member." + itoa(i+1)
		if !reQueryID.MatchString(q.ID) {
			return nil, 0, "", invalidValue("The value %s for parameter %s.Id is invalid.", q.ID, path)
		}
		if seen[q.ID] {
			return nil, 0, "", invalidValue("The value %s for parameter %s.Id is not unique.", q.ID, path)
		}
		seen[q.ID] = true
		switch {
		case q.MetricStat != nil && q.Expression != "":
			return nil, 0, "", invalidCombination("The parameters %s.MetricStat and %s.Expression are mutually exclusive and you have specified both.", path, path)
		case q.MetricStat == nil && q.Expression == "":
			return nil, 0, "", missing("The parameter %s.MetricStat is required.", path)
		case q.Expression != "":
			exprs++
			if q.Period != nil && !validAlarmPeriod(*q.Period) {
				return nil, 0, "", validationError("Period must be 10, 20, 30 or a multiple of 60")
			}
			continue
		}
		stats++
		ms := q.MetricStat
		if !validAlarmPeriod(*ms.Period) {
			return nil, 0, "", validationError("Period must be 10, 20, 30 or a multiple of 60")
		}
		if !isBasic(ms.Stat) {
			if _, ok := storage.ParseExtendedStatistic(ms.Stat); !ok {
				return nil, 0, "", invalidValue("The value %s for parameter %s.MetricStat.Stat is invalid.", ms.Stat, path)
			}
		}
	}
	if stats > maxAlarmMetricStats {
		return nil, 0, "", validationError("The maximum number of metrics in a metric math alarm is %d.", maxAlarmMetricStats)
	}
	if exprs > maxAlarmExpressions {
		return nil, 0, "", validationError("The maximum number of expressions in a metric math alarm is %d.", maxAlarmExpressions)
	}
	// An anomaly detection alarm returns both the metric and its band
	// (ThresholdMetricId); every other alarm exactly one series.
	returned := -1
	n := 0
	for i, q := range in.Metrics {
		if q.ReturnData == nil || *q.ReturnData {
			n++
			if q.ID != in.ThresholdMetricID {
				returned = i
			}
		}
	}
	if in.ThresholdMetricID != "" && n != 2 {
		return nil, 0, "", validationError("Exactly two elements of the metrics list should return data.")
	}
	if in.ThresholdMetricID == "" && n != 1 {
		return nil, 0, "", validationError("Exactly one element of the metrics list should return data.")
	}
	mq := make([]metricmath.Query, len(in.Metrics))
	for i, q := range in.Metrics {
		mq[i] = metricmath.Query{ID: q.ID, Expression: q.Expression, Label: q.Label}
		if q.MetricStat != nil {
			mq[i].Period = int64(*q.MetricStat.Period)
		}
	}
	prog, err := compileMath(mq)
	if err != nil {
		return nil, 0, "", err
	}
	if in.ThresholdMetricID != "" {
		// A band would have been refused as an unsupported function
		// above, so the Id names something else.
		return nil, 0, "", validationError("ThresholdMetricId %s does not refer to an ANOMALY_DETECTION_BAND expression in the metrics list.", in.ThresholdMetricID)
	}
	if prog.Kind(in.Metrics[returned].ID) == metricmath.Array {
		// AWS's answer to an alarm watching an array of series.
		return nil, 0, "", validationError("Metrics expression that return multi time series are only allowed for MetricsInsights expression with an ORDER BY clause")
	}
	out := make([]alarm.MetricDataQuery, len(in.Metrics))
	for i, q := range in.Metrics {
		rd := q.ReturnData == nil || *q.ReturnData
		aq := alarm.MetricDataQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, AccountID: q.AccountID, ReturnData: &rd}
		if q.Period != nil {
			aq.Period = *q.Period
		}
		if ms := q.MetricStat; ms != nil {
			st := &alarm.MetricStat{Metric: alarm.Metric{Namespace: ms.Metric.Namespace, MetricName: ms.Metric.MetricName}, Period: *ms.Period, Stat: ms.Stat, Unit: ms.Unit}
			for _, d := range toStorage(ms.Metric.Dimensions) {
				st.Metric.Dimensions = append(st.Metric.Dimensions, alarm.Dimension{Name: d.Name, Value: d.Value})
			}
			aq.MetricStat = st
		}
		out[i] = aq
	}
	r := out[returned]
	var period int32
	stat := ""
	switch {
	case r.MetricStat != nil:
		period, stat = r.MetricStat.Period, r.MetricStat.Stat
	case r.Period > 0:
		period = r.Period
	default:
		period = 60
		for _, q := range out {
			if q.MetricStat != nil {
				period = q.MetricStat.Period
				break
			}
		}
	}
	return out, period, stat, nil
}

// isEC2Action reports an EC2 action ARN, which math alarms cannot have
// (reference §10.4).
func isEC2Action(arn string) bool {
	return strings.Contains(arn, ":automate:") || strings.Contains(arn, "action/actions/AWS_EC2.")
}

// mathDatapoints evaluates a metric math alarm over its evaluation range:
// each metric read per period from the range's start, the expressions
// run over them, the returned query's series as the alarm's datapoints.
// Sample counts are known only when the returned query is a metric.
func (s *Service) mathDatapoints(ctx context.Context, account, region string, def *alarm.Definition, now time.Time) ([]alarm.Datapoint, error) {
	rg := alarm.EvaluationRange(def, now)
	mq := make([]metricmath.Query, len(def.Metrics))
	series := map[string]metricmath.Series{}
	counts := map[string]map[int64]float64{}
	for i, q := range def.Metrics {
		mq[i] = metricmath.Query{ID: q.ID, Expression: q.Expression, Label: q.Label, Period: int64(q.Period)}
		ms := q.MetricStat
		if ms == nil {
			continue
		}
		mq[i].Period = int64(ms.Period)
		m := storage.Metric{Namespace: ms.Metric.Namespace, Name: ms.Metric.MetricName}
		for _, d := range ms.Metric.Dimensions {
			m.Dimensions = append(m.Dimensions, storage.Dimension{Name: d.Name, Value: d.Value})
		}
		pts, err := s.statPoints(ctx, account, region, m, int(ms.Period), ms.Stat, ms.Unit, rg.Start, rg.End)
		if err != nil {
			return nil, err
		}
		sr := metricmath.Series{Period: int64(ms.Period)}
		cs := map[int64]float64{}
		for _, p := range pts {
			if p.count == 0 {
				continue
			}
			sr.Timestamps = append(sr.Timestamps, p.t.Unix())
			sr.Values = append(sr.Values, p.v)
			cs[p.t.Unix()] = p.count
		}
		series[q.ID], counts[q.ID] = sr, cs
	}
	prog, err := metricmath.Compile(mq)
	if err != nil {
		// PutMetricAlarm checked the expressions; a stored alarm that no
		// longer compiles is data from another version.
		return nil, err
	}
	var watched string
	for _, q := range def.Metrics {
		if q.Returns() && q.ID != def.ThresholdMetricID {
			watched = q.ID
		}
	}
	var out metricmath.Series
	if r, ok := prog.Run(metricmath.Env{Start: rg.Start.Unix(), End: rg.End.Unix(), Period: int64(rg.Period / time.Second)}, series)[watched]; ok {
		if len(r.Series) > 0 {
			out = r.Series[0]
		}
	} else {
		out = series[watched]
	}
	dps := make([]alarm.Datapoint, len(out.Timestamps))
	for i, t := range out.Timestamps {
		dps[i] = alarm.Datapoint{Timestamp: time.Unix(t, 0).UTC(), Value: out.Values[i], SampleCount: counts[watched][t]}
	}
	return dps, nil
}

// mathTrigger is the Trigger of a math alarm's notification: the
// evaluation settings and the Metrics list instead of the single-metric
// fields, in the order and shape of AWS's message (aws-lambda-go's
// cloudwatch-alarm-sns-payload-multiple-metrics.json).
func mathTrigger(d *alarm.Definition, period int32) any {
	type dim struct {
		Value string `json:"value"`
		Name  string `json:"name"`
	}
	type metric struct {
		Dimensions []dim  `json:"Dimensions"`
		MetricName string `json:"MetricName"`
		Namespace  string `json:"Namespace"`
	}
	type metricStat struct {
		Metric metric `json:"Metric"`
		Period int32  `json:"Period"`
		Stat   string `json:"Stat"`
		Unit   string `json:"Unit,omitempty"`
	}
	type query struct {
		Expression string      `json:"Expression,omitempty"`
		ID         string      `json:"Id"`
		Label      string      `json:"Label,omitempty"`
		MetricStat *metricStat `json:"MetricStat,omitempty"`
		Period     int32       `json:"Period,omitempty"`
		ReturnData bool        `json:"ReturnData"`
	}
	type trigger struct {
		Period                           int32   `json:"Period"`
		EvaluationPeriods                int32   `json:"EvaluationPeriods"`
		DatapointsToAlarm                int32   `json:"DatapointsToAlarm,omitempty"`
		ComparisonOperator               string  `json:"ComparisonOperator"`
		Threshold                        float64 `json:"Threshold"`
		TreatMissingData                 string  `json:"TreatMissingData"`
		EvaluateLowSampleCountPercentile string  `json:"EvaluateLowSampleCountPercentile"`
		Metrics                          []query `json:"Metrics"`
	}
	t := trigger{Period: period, EvaluationPeriods: d.EvaluationPeriods, DatapointsToAlarm: d.DatapointsToAlarm,
		ComparisonOperator: d.ComparisonOperator, Threshold: d.Threshold, TreatMissingData: d.TreatMissingData,
		EvaluateLowSampleCountPercentile: d.EvaluateLowSampleCountPercentile, Metrics: []query{}}
	for _, q := range d.Metrics {
		x := query{Expression: q.Expression, ID: q.ID, Label: q.Label, Period: q.Period, ReturnData: q.Returns()}
		if ms := q.MetricStat; ms != nil {
			st := &metricStat{Metric: metric{Dimensions: []dim{}, MetricName: ms.Metric.MetricName, Namespace: ms.Metric.Namespace},
				Period: ms.Period, Stat: ms.Stat, Unit: ms.Unit}
			for _, dd := range ms.Metric.Dimensions {
				st.Metric.Dimensions = append(st.Metric.Dimensions, dim{Value: dd.Value, Name: dd.Name})
			}
			x.MetricStat = st
		}
		t.Metrics = append(t.Metrics, x)
	}
	return t
}

// fromAlarmQueries is a math alarm's Metrics as DescribeAlarms returns
// them; ReturnData is always given, as AWS's notification shows it.
func fromAlarmQueries(qs []alarm.MetricDataQuery) []MetricDataQuery {
	if len(qs) == 0 {
		return nil
	}
	out := make([]MetricDataQuery, len(qs))
	for i, q := range qs {
		rd := q.Returns()
		out[i] = MetricDataQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, AccountID: q.AccountID, ReturnData: &rd}
		if q.Period > 0 {
			p := q.Period
			out[i].Period = &p
		}
		if ms := q.MetricStat; ms != nil {
			p := ms.Period
			st := &MetricStat{Metric: &Metric{Namespace: ms.Metric.Namespace, MetricName: ms.Metric.MetricName, Dimensions: []Dimension{}},
				Period: &p, Stat: ms.Stat, Unit: ms.Unit}
			for _, d := range ms.Metric.Dimensions {
				st.Metric.Dimensions = append(st.Metric.Dimensions, Dimension{Name: d.Name, Value: d.Value})
			}
			out[i].MetricStat = st
		}
	}
	return out
}
