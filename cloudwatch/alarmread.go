package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/storage"
)

// MetricAlarm is a metric alarm as DescribeAlarms returns it.
type MetricAlarm struct {
	AlarmName                          string      `json:"AlarmName"`
	AlarmArn                           string      `json:"AlarmArn"`
	AlarmDescription                   string      `json:"AlarmDescription"`
	AlarmConfigurationUpdatedTimestamp time.Time   `json:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     *bool       `json:"ActionsEnabled"` // a pointer: false must be written
	OKActions                          []string    `json:"OKActions"`
	AlarmActions                       []string    `json:"AlarmActions"`
	InsufficientDataActions            []string    `json:"InsufficientDataActions"`
	StateValue                         string      `json:"StateValue"`
	StateReason                        string      `json:"StateReason"`
	StateReasonData                    string      `json:"StateReasonData"`
	StateUpdatedTimestamp              time.Time   `json:"StateUpdatedTimestamp"`
	MetricName                         string      `json:"MetricName"`
	Namespace                          string      `json:"Namespace"`
	Statistic                          string      `json:"Statistic"`
	ExtendedStatistic                  string      `json:"ExtendedStatistic"`
	Dimensions                         []Dimension `json:"Dimensions"`
	Period                             *int32      `json:"Period"`
	Unit                               string      `json:"Unit"`
	EvaluationPeriods                  *int32      `json:"EvaluationPeriods"`
	DatapointsToAlarm                  *int32      `json:"DatapointsToAlarm"`
	Threshold                          *float64    `json:"Threshold"`
	ComparisonOperator                 string      `json:"ComparisonOperator"`
	TreatMissingData                   string      `json:"TreatMissingData"`
	EvaluateLowSampleCountPercentile   string      `json:"EvaluateLowSampleCountPercentile"`
	StateTransitionedTimestamp         time.Time   `json:"StateTransitionedTimestamp"`
	// Metrics and ThresholdMetricId are a metric math alarm's; such an
	// alarm has no Period of its own.
	Metrics           []MetricDataQuery `json:"Metrics"`
	ThresholdMetricID string            `json:"ThresholdMetricId"`
}

func toMetricAlarm(r *alarmRecord) MetricAlarm {
	d := &r.Def
	m := MetricAlarm{
		AlarmName: d.Name, AlarmArn: d.ARN, AlarmDescription: d.Description,
		AlarmConfigurationUpdatedTimestamp: r.ConfigUpdated, ActionsEnabled: &d.ActionsEnabled,
		OKActions: nonNil(d.OKActions), AlarmActions: nonNil(d.AlarmActions), InsufficientDataActions: nonNil(d.InsufficientDataActions),
		StateValue: string(r.State.Value), StateReason: r.State.Reason, StateReasonData: r.State.ReasonData,
		StateUpdatedTimestamp: r.State.UpdatedTimestamp, MetricName: d.MetricName, Namespace: d.Namespace,
		Statistic: d.Statistic, ExtendedStatistic: d.ExtendedStatistic, Dimensions: []Dimension{},
		Period: &d.Period, Unit: d.Unit, EvaluationPeriods: &d.EvaluationPeriods, Threshold: &d.Threshold,
		ComparisonOperator: d.ComparisonOperator, TreatMissingData: d.TreatMissingData,
		EvaluateLowSampleCountPercentile: d.EvaluateLowSampleCountPercentile,
		StateTransitionedTimestamp:       r.State.TransitionedTimestamp,
	}
	if d.DatapointsToAlarm > 0 {
		m.DatapointsToAlarm = &d.DatapointsToAlarm
	}
	if len(d.Metrics) > 0 {
		m.Period, m.Metrics, m.ThresholdMetricID = nil, fromAlarmQueries(d.Metrics), d.ThresholdMetricID
	}
	for _, x := range d.Dimensions {
		m.Dimensions = append(m.Dimensions, Dimension{Name: x.Name, Value: x.Value})
	}
	return m
}

// DescribeAlarmsInput is DescribeAlarms' request.
type DescribeAlarmsInput struct {
	AlarmNames          []string `json:"AlarmNames" max:"100"`
	AlarmNamePrefix     string   `json:"AlarmNamePrefix" min:"1" max:"255"`
	AlarmTypes          []string `json:"AlarmTypes" enum:"CompositeAlarm|MetricAlarm"`
	ChildrenOfAlarmName string   `json:"ChildrenOfAlarmName" min:"1" max:"255"`
	ParentsOfAlarmName  string   `json:"ParentsOfAlarmName" min:"1" max:"255"`
	StateValue          string   `json:"StateValue" enum:"INSUFFICIENT_DATA|ALARM|OK"`
	ActionPrefix        string   `json:"ActionPrefix" min:"1" max:"1024"`
	MaxRecords          *int32   `json:"MaxRecords" min:"1" max:"100"`
	NextToken           string   `json:"NextToken"`
}

// DescribeAlarmsOutput is DescribeAlarms' result.
type DescribeAlarmsOutput struct {
	CompositeAlarms []CompositeAlarm `json:"CompositeAlarms"`
	MetricAlarms    []MetricAlarm    `json:"MetricAlarms"`
	NextToken       string           `json:"NextToken"`
}

// alarmToken is DescribeAlarms' NextToken: the last name returned and a
// digest of the filters, so a token is not reused with other ones.
type alarmToken struct {
	After string `json:"a"`
	Query string `json:"q"`
}

func describeDigest(in *DescribeAlarmsInput) string {
	b, _ := json.Marshal([]any{in.AlarmNames, in.AlarmNamePrefix, in.AlarmTypes, in.ChildrenOfAlarmName, in.ParentsOfAlarmName, in.StateValue, in.ActionPrefix})
	return string(b)
}

func encodeToken(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil && json.Unmarshal(raw, v) == nil
}

func hasActionPrefix(d *alarm.Definition, prefix string) bool {
	for _, l := range [][]string{d.OKActions, d.AlarmActions, d.InsufficientDataActions} {
		for _, a := range l {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

// DescribeAlarms lists alarms by name. Without AlarmTypes only metric
// alarms are returned (§9.2). ChildrenOfAlarmName lists the alarms a
// composite's rule references (name, ARN, state and its time only),
// ParentsOfAlarmName the composites whose rules reference an alarm (name
// and ARN only); an alarm that does not exist has neither. MaxRecords
// counts alarms of both kinds, and pages go by name across both.
func (s *Service) DescribeAlarms(ctx context.Context, in *DescribeAlarmsInput) (*DescribeAlarmsOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, invalidCombination("AlarmNamePrefix and AlarmNames cannot be specified at the same time.")
	}
	if (in.ChildrenOfAlarmName != "" || in.ParentsOfAlarmName != "") &&
		(len(in.AlarmNames) > 0 || in.AlarmNamePrefix != "" || in.StateValue != "" || in.ActionPrefix != "" || len(in.AlarmTypes) > 0) {
		return nil, invalidCombination("ChildrenOfAlarmName and ParentsOfAlarmName cannot be specified with other filters.")
	}
	if in.ChildrenOfAlarmName != "" && in.ParentsOfAlarmName != "" {
		return nil, invalidCombination("ChildrenOfAlarmName and ParentsOfAlarmName cannot be specified at the same time.")
	}
	out := &DescribeAlarmsOutput{CompositeAlarms: []CompositeAlarm{}, MetricAlarms: []MetricAlarm{}}
	max := 50
	if in.MaxRecords != nil {
		max = int(*in.MaxRecords)
	}
	after := ""
	if in.NextToken != "" {
		var tok alarmToken
		if !decodeToken(in.NextToken, &tok) || tok.Query != describeDigest(in) || tok.After == "" {
			return nil, awsNextToken()
		}
		after = tok.After
	}
	now := s.now().UTC()
	count, last := 0, ""
	// add appends an alarm to the page; false once the page is full, when
	// it sets the token instead.
	add := func(name string, metric func() MetricAlarm, composite func() CompositeAlarm, isComposite bool) bool {
		if count == max {
			out.NextToken = encodeToken(alarmToken{After: last, Query: describeDigest(in)})
			return false
		}
		if isComposite {
			out.CompositeAlarms = append(out.CompositeAlarms, composite())
		} else {
			out.MetricAlarms = append(out.MetricAlarms, metric())
		}
		count, last = count+1, name
		return true
	}
	if in.ChildrenOfAlarmName != "" || in.ParentsOfAlarmName != "" {
		g, err := s.loadRegion(ctx, c.AccountID, c.Region)
		if err != nil {
			return nil, err
		}
		var names []string
		if in.ChildrenOfAlarmName != "" {
			names = g.childrenOf(in.ChildrenOfAlarmName)
		} else {
			names = g.parentsOf(in.ParentsOfAlarmName, "")
		}
		slices.Sort(names)
		for _, n := range names {
			if n <= after || n == in.ChildrenOfAlarmName {
				continue
			}
			r := g.recs[n]
			m, cm := summaryAlarm(r, in.ChildrenOfAlarmName != "")
			if !add(n, func() MetricAlarm { return m }, func() CompositeAlarm { return cm }, r.Composite != nil) {
				break
			}
		}
		return out, nil
	}
	wantMetric, wantComposite := len(in.AlarmTypes) == 0, false
	for _, t := range in.AlarmTypes {
		wantMetric = wantMetric || t == "MetricAlarm"
		wantComposite = wantComposite || t == "CompositeAlarm"
	}
	keep := func(r *alarmRecord) bool {
		if r.Composite != nil && !wantComposite || r.Composite == nil && !wantMetric {
			return false
		}
		return (in.StateValue == "" || string(r.State.Value) == in.StateValue) &&
			(in.ActionPrefix == "" || hasActionPrefix(&r.Def, in.ActionPrefix))
	}
	var names []string
	if len(in.AlarmNames) > 0 {
		names = slices.Clone(in.AlarmNames)
		slices.Sort(names)
		names = slices.Compact(names)
	}
	for {
		var batch []storage.StoredAlarm
		if names != nil {
			for _, n := range names {
				if n <= after {
					continue
				}
				a, err := store.GetAlarm(ctx, c.AccountID, c.Region, n)
				if errors.Is(err, storage.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				batch = append(batch, a)
			}
		} else {
			batch, err = store.ListAlarms(ctx, c.AccountID, c.Region, in.AlarmNamePrefix, after, alarmPage)
			if err != nil {
				return nil, err
			}
		}
		for _, a := range batch {
			r, err := decodeAlarm(a.Data)
			if err != nil {
				return nil, err
			}
			if keep(r) && !add(a.Name, func() MetricAlarm { return toMetricAlarm(r) },
				func() CompositeAlarm { return toCompositeAlarm(r, now) }, r.Composite != nil) {
				return out, nil
			}
			after = a.Name
		}
		if names != nil || len(batch) < alarmPage {
			return out, nil
		}
	}
}

// DescribeAlarmsForMetricInput is DescribeAlarmsForMetric's request.
type DescribeAlarmsForMetricInput struct {
	MetricName        string      `json:"MetricName" required:"true" min:"1" max:"255"`
	Namespace         string      `json:"Namespace" required:"true" min:"1" max:"255" pattern:"[^:].*"`
	Statistic         string      `json:"Statistic" enum:"SampleCount|Average|Sum|Minimum|Maximum"`
	ExtendedStatistic string      `json:"ExtendedStatistic"`
	Dimensions        []Dimension `json:"Dimensions" max:"30"`
	Period            *int32      `json:"Period" min:"1"`
	Unit              string      `json:"Unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
}

// DescribeAlarmsForMetricOutput is DescribeAlarmsForMetric's result.
type DescribeAlarmsForMetricOutput struct {
	MetricAlarms []MetricAlarm `json:"MetricAlarms"`
}

// DescribeAlarmsForMetric lists the single-metric alarms watching the
// metric; the optional fields narrow it. It has no paging (§9.2).
func (s *Service) DescribeAlarmsForMetric(ctx context.Context, in *DescribeAlarmsForMetricInput) (*DescribeAlarmsForMetricOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	dims := toStorage(in.Dimensions)
	out := &DescribeAlarmsForMetricOutput{MetricAlarms: []MetricAlarm{}}
	after := ""
	for {
		batch, err := store.ListAlarms(ctx, c.AccountID, c.Region, "", after, alarmPage)
		if err != nil {
			return nil, err
		}
		for _, a := range batch {
			after = a.Name
			r, err := decodeAlarm(a.Data)
			if err != nil {
				return nil, err
			}
			d := &r.Def
			if d.MetricName != in.MetricName || d.Namespace != in.Namespace ||
				(in.Statistic != "" && d.Statistic != in.Statistic) ||
				(in.ExtendedStatistic != "" && d.ExtendedStatistic != in.ExtendedStatistic) ||
				(in.Period != nil && d.Period != *in.Period) || (in.Unit != "" && d.Unit != in.Unit) {
				continue
			}
			if len(in.Dimensions) > 0 && !sameDims(d.Dimensions, dims) {
				continue
			}
			out.MetricAlarms = append(out.MetricAlarms, toMetricAlarm(r))
		}
		if len(batch) < alarmPage {
			return out, nil
		}
	}
}

func sameDims(a []alarm.Dimension, b []storage.Dimension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
