package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Alarm limits (reference/cloudwatch-metrics.md §9, §15).
const (
	// MaxAlarmsPerRegion bounds an account's metric alarms in a region;
	// AWS's own quota is adjustable and this keeps storage bounded.
	MaxAlarmsPerRegion = 10000
	maxEvalSeconds     = 86400
	maxEvalSecondsLong = 7 * 86400
	alarmPage          = 50
	historyPage        = 100
)

// alarmRecord is what storage keeps of an alarm (storage.StoredAlarm.Data).
type alarmRecord struct {
	Def           alarm.Definition
	State         alarm.State
	ConfigUpdated time.Time
	// Composite is set for composite alarms (composite.go).
	Composite *compositeRecord `json:",omitempty"`
	// Tags are the alarm's tags (tags.go), in the order first set.
	Tags []tagRecord `json:",omitempty"`
}

func decodeAlarm(data []byte) (*alarmRecord, error) {
	var r alarmRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode alarm: %w", err)
	}
	return &r, nil
}

func encodeAlarm(r *alarmRecord) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic("BUG: cloudwatch: encode alarm: " + err.Error())
	}
	return b
}

// checkAlarmName refuses control characters, which the length and the
// model allow but AWS does not.
func checkAlarmName(name string) error {
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return invalidValue("The value %s for parameter AlarmName is invalid.", name)
		}
	}
	return nil
}

func alarmARN(c *trailwatch.Caller, name string) string {
	return "arn:aws:cloudwatch:" + c.Region + ":" + c.AccountID + ":alarm:" + name
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New("ValidationError", http.StatusBadRequest, format, args...)
}

func (s *Service) alarmStore() (storage.Alarms, error) {
	if s.alarms == nil {
		return nil, errors.New("cloudwatch: alarms are not configured")
	}
	return s.alarms, nil
}

// PutMetricAlarmInput is PutMetricAlarm's request.
type PutMetricAlarmInput struct {
	AlarmName                        string            `json:"AlarmName" required:"true" min:"1" max:"255"`
	AlarmDescription                 string            `json:"AlarmDescription" max:"1024"`
	ActionsEnabled                   *bool             `json:"ActionsEnabled"`
	OKActions                        []string          `json:"OKActions" max:"5"`
	AlarmActions                     []string          `json:"AlarmActions" max:"5"`
	InsufficientDataActions          []string          `json:"InsufficientDataActions" max:"5"`
	MetricName                       string            `json:"MetricName" min:"1" max:"255"`
	Namespace                        string            `json:"Namespace" min:"1" max:"255" pattern:"[^:].*"`
	Statistic                        string            `json:"Statistic" enum:"SampleCount|Average|Sum|Minimum|Maximum"`
	ExtendedStatistic                string            `json:"ExtendedStatistic"`
	Dimensions                       []Dimension       `json:"Dimensions" max:"30"`
	Period                           *int32            `json:"Period" min:"1"`
	Unit                             string            `json:"Unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
	EvaluationPeriods                *int32            `json:"EvaluationPeriods" min:"1"`
	DatapointsToAlarm                *int32            `json:"DatapointsToAlarm" min:"1"`
	Threshold                        *float64          `json:"Threshold"`
	ComparisonOperator               string            `json:"ComparisonOperator" enum:"GreaterThanOrEqualToThreshold|GreaterThanThreshold|LessThanThreshold|LessThanOrEqualToThreshold|LessThanLowerOrGreaterThanUpperThreshold|LessThanLowerThreshold|GreaterThanUpperThreshold"`
	TreatMissingData                 string            `json:"TreatMissingData" min:"1" max:"255"`
	EvaluateLowSampleCountPercentile string            `json:"EvaluateLowSampleCountPercentile" min:"1" max:"255"`
	Metrics                          []MetricDataQuery `json:"Metrics"`
	Tags                             []Tag             `json:"Tags"`
	ThresholdMetricID                string            `json:"ThresholdMetricId" min:"1" max:"255"`
	EvaluationCriteria               json.RawMessage   `json:"EvaluationCriteria"`
	EvaluationInterval               *int32            `json:"EvaluationInterval"`
}

// PutMetricAlarmOutput is PutMetricAlarm's (empty) result.
type PutMetricAlarmOutput struct{}

// Action ARNs CloudWatch accepts (§9.1). It does not check that the
// targets exist.
var actionARN = regexp.MustCompile(`^arn:aws[a-z-]*:(` +
	`sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?` +
	`|lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?` +
	`|automate:[a-z0-9-]+:ec2:(stop|terminate|reboot|recover)` +
	`|swf:[a-z0-9-]+:\d{12}:action/actions/AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot)/1\.0` +
	`|autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:.+` +
	`|ssm:[a-z0-9-]+:\d{12}:opsitem:[1-4](#CATEGORY=.+)?` +
	`|ssm-incidents::\d{12}:responseplan/.+` +
	`|aiops:[a-z0-9-]+:\d{12}:investigation-group/.+` +
	`)$`)

func checkActions(lists ...[]string) error {
	for _, l := range lists {
		for _, a := range l {
			if len(a) < 1 || len(a) > 1024 || !actionARN.MatchString(a) {
				// Wording unverified.
				return validationError("Invalid arn syntax: %s", a)
			}
		}
	}
	return nil
}

func validAlarmPeriod(p int32) bool {
	return p == 10 || p == 20 || p == 30 || (p > 0 && p%60 == 0)
}

// PutMetricAlarm creates or replaces a metric alarm. A new alarm starts in
// INSUFFICIENT_DATA; an update replaces the configuration and keeps the
// state (§9.1). Error texts for the rules AWS documents without quoting
// its message are unverified.
func (s *Service) PutMetricAlarm(ctx context.Context, in *PutMetricAlarmInput) (*PutMetricAlarmOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	if err := checkAlarmName(in.AlarmName); err != nil {
		return nil, err
	}
	if len(in.EvaluationCriteria) > 0 || in.EvaluationInterval != nil {
		return nil, invalidValue("The parameter EvaluationCriteria is not supported by this server: PromQL alarms are not supported.")
	}
	var (
		queries []alarm.MetricDataQuery
		period  int32
		stat    = in.ExtendedStatistic
	)
	if len(in.Metrics) > 0 {
		if f := mathConflict(in); f != "" {
			return nil, validationError("%s %s", f, singleFieldsWithMath)
		}
		var err error
		if queries, period, stat, err = checkAlarmMetrics(in); err != nil {
			return nil, err
		}
		for _, a := range in.AlarmActions {
			if isEC2Action(a) {
				// Reference §10.4; wording unverified.
				return nil, validationError("EC2 actions are not supported for alarms based on metric math expressions.")
			}
		}
	} else {
		switch {
		case in.MetricName == "":
			return nil, missing("The parameter MetricName is required.")
		case in.Namespace == "":
			return nil, missing("The parameter Namespace is required.")
		case in.Statistic != "" && in.ExtendedStatistic != "":
			return nil, invalidCombination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.")
		case in.Statistic == "" && in.ExtendedStatistic == "":
			return nil, missing("The parameter Statistic or ExtendedStatistic is required.")
		case in.Period == nil:
			return nil, missing("The parameter Period is required.")
		}
		if in.ExtendedStatistic != "" {
			if _, ok := storage.ParseExtendedStatistic(in.ExtendedStatistic); !ok {
				return nil, invalidValue("The value %s for parameter ExtendedStatistic is invalid.", in.ExtendedStatistic)
			}
		}
		period = *in.Period
		if !validAlarmPeriod(period) {
			return nil, validationError("Period must be 10, 20, 30 or a multiple of 60")
		}
		if in.ThresholdMetricID != "" {
			return nil, invalidCombination("The parameter ThresholdMetricId can only be used with Metrics.")
		}
	}
	switch {
	case in.EvaluationPeriods == nil:
		return nil, missing("The parameter EvaluationPeriods is required.")
	case in.ComparisonOperator == "":
		return nil, missing("The parameter ComparisonOperator is required.")
	}
	n := *in.EvaluationPeriods
	limit := int64(maxEvalSeconds)
	if period >= 3600 {
		limit = maxEvalSecondsLong
	}
	if int64(period)*int64(n) > limit {
		if period >= 3600 {
			return nil, validationError("The evaluation period (EvaluationPeriods * Period) must not exceed 7 days.")
		}
		return nil, validationError("The evaluation period (EvaluationPeriods * Period) must not exceed 1 day.")
	}
	m := n
	if in.DatapointsToAlarm != nil {
		m = *in.DatapointsToAlarm
		if m > n {
			return nil, validationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods")
		}
	}
	switch in.ComparisonOperator {
	case alarm.LessThanLowerOrGreaterThanUpperThreshold, alarm.LessThanLowerThreshold, alarm.GreaterThanUpperThreshold:
		// Anomaly bands come from an ANOMALY_DETECTION_BAND expression,
		// which trailwatch does not evaluate.
		return nil, validationError("Comparison operator %s is only supported for anomaly detection alarms.", in.ComparisonOperator)
	}
	if in.Threshold == nil {
		return nil, missing("The parameter Threshold is required.")
	}
	switch in.TreatMissingData {
	case "", alarm.MissingDataMissing, alarm.MissingDataIgnore, alarm.MissingDataBreaching, alarm.MissingDataNotBreaching:
	default:
		return nil, validationError("Option unknown: %s. Should be one of: breaching, notBreaching, ignore, missing", in.TreatMissingData)
	}
	switch in.EvaluateLowSampleCountPercentile {
	case "":
	case alarm.LowSampleEvaluate, alarm.LowSampleIgnore:
		if !strings.HasPrefix(stat, "p") {
			return nil, validationError("EvaluateLowSampleCountPercentile can only be used with a percentile statistic.")
		}
	default:
		return nil, validationError("Option unknown: %s. Should be one of: evaluate, ignore", in.EvaluateLowSampleCountPercentile)
	}
	if err := checkActions(in.OKActions, in.AlarmActions, in.InsufficientDataActions); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	def := alarm.Definition{
		Name: in.AlarmName, ARN: alarmARN(c, in.AlarmName), Description: in.AlarmDescription,
		ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions:      nonNil(in.OKActions), AlarmActions: nonNil(in.AlarmActions), InsufficientDataActions: nonNil(in.InsufficientDataActions),
		Namespace: in.Namespace, MetricName: in.MetricName, Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic,
		Unit: in.Unit, EvaluationPeriods: n, Threshold: *in.Threshold, ComparisonOperator: in.ComparisonOperator,
		TreatMissingData: in.TreatMissingData, EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile,
	}
	if in.DatapointsToAlarm != nil {
		def.DatapointsToAlarm = m
	}
	if len(queries) > 0 {
		// A math alarm's period is its returned query's (alarm.EvaluationRange).
		def.Metrics = queries
	} else {
		def.Period = period
	}
	for _, d := range toStorage(in.Dimensions) {
		def.Dimensions = append(def.Dimensions, alarm.Dimension{Name: d.Name, Value: d.Value})
	}
	rec := &alarmRecord{Def: def, State: alarm.InitialState(now), ConfigUpdated: now, Tags: createTags(in.Tags)}
	created, err := store.PutAlarm(ctx, storage.StoredAlarm{Account: c.AccountID, Region: c.Region, Name: in.AlarmName, Data: encodeAlarm(rec)},
		MaxAlarmsPerRegion, func(old []byte) ([]byte, error) {
			prev, err := decodeAlarm(old)
			if err != nil {
				return nil, err
			}
			if prev.Composite != nil {
				return nil, errKindChanged
			}
			// An update keeps the current state (§9.1) and the tags: Tags
			// apply only on create.
			rec.State = prev.State
			rec.Tags = prev.Tags
			return encodeAlarm(rec), nil
		})
	if errors.Is(err, storage.ErrLimitExceeded) {
		return nil, awserr.New("LimitExceeded", http.StatusBadRequest, "The maximum number of alarms for this account has been reached.")
	}
	if errors.Is(err, errKindChanged) {
		// Unverified wording.
		return nil, validationError("The alarm %s is a composite alarm and cannot be updated by PutMetricAlarm.", in.AlarmName)
	}
	if err != nil {
		return nil, err
	}
	kind, verb := "Create", "created"
	if !created {
		kind, verb = "Update", "updated"
	}
	if err := store.AddAlarmHistory(ctx, []storage.AlarmHistoryRecord{configHistory(c, rec, kind, verb, now)}); err != nil {
		return nil, err
	}
	return &PutMetricAlarmOutput{}, nil
}

// configHistory is the ConfigurationUpdate item of a create, update or
// delete. The summary follows the console's "Alarm "x" created"; the
// HistoryData layout is unverified.
func configHistory(c *trailwatch.Caller, rec *alarmRecord, kind, verb string, now time.Time) storage.AlarmHistoryRecord {
	data, _ := json.Marshal(map[string]any{"version": "1.0", "type": kind, verb + "Alarm": configHistoryData(rec, now)})
	return storage.AlarmHistoryRecord{Account: c.AccountID, Region: c.Region, AlarmName: rec.Def.Name, AlarmType: rec.alarmType(),
		Time: now, ItemType: "ConfigurationUpdate", Summary: `Alarm "` + rec.Def.Name + `" ` + verb, Data: string(data)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
