package alarm

import (
	"strconv"
	"strings"
	"time"
)

// StateValue is an alarm's state.
type StateValue string

// The three states of every alarm (§11).
const (
	StateOK               StateValue = "OK"
	StateAlarm            StateValue = "ALARM"
	StateInsufficientData StateValue = "INSUFFICIENT_DATA"
)

// Comparison operators of PutMetricAlarm. The last three compare against an
// anomaly detection band and need ThresholdMetricID.
const (
	GreaterThanOrEqualToThreshold            = "GreaterThanOrEqualToThreshold"
	GreaterThanThreshold                     = "GreaterThanThreshold"
	LessThanThreshold                        = "LessThanThreshold"
	LessThanOrEqualToThreshold               = "LessThanOrEqualToThreshold"
	LessThanLowerOrGreaterThanUpperThreshold = "LessThanLowerOrGreaterThanUpperThreshold"
	LessThanLowerThreshold                   = "LessThanLowerThreshold"
	GreaterThanUpperThreshold                = "GreaterThanUpperThreshold"
)

// TreatMissingData values. The API takes a free string; anything else is
// treated as Missing, the default.
const (
	MissingDataMissing      = "missing"
	MissingDataIgnore       = "ignore"
	MissingDataBreaching    = "breaching"
	MissingDataNotBreaching = "notBreaching"
)

// EvaluateLowSampleCountPercentile values.
const (
	LowSampleEvaluate = "evaluate"
	LowSampleIgnore   = "ignore"
)

// InitialReason is the StateReason of a metric alarm that has just been
// created (§9.1).
const InitialReason = "Unchecked: Initial alarm creation"

// Dimension is one name/value pair of a metric.
type Dimension struct {
	Name  string
	Value string
}

// Metric names a metric: namespace, name and its exact dimension set.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// MetricStat is a metric with the period, statistic and unit to read it at.
type MetricStat struct {
	Metric Metric
	Period int32
	Stat   string
	Unit   string
}

// MetricDataQuery is one entry of a metric-math alarm's Metrics: either a
// MetricStat or an Expression.
type MetricDataQuery struct {
	ID         string
	MetricStat *MetricStat
	Expression string
	Label      string
	Period     int32
	AccountID  string
	// ReturnData nil means the API default, true.
	ReturnData *bool
}

// Returns reports whether the query's result is returned (the watched
// series of a math alarm).
func (q MetricDataQuery) Returns() bool { return q.ReturnData == nil || *q.ReturnData }

// Definition is a metric alarm as PutMetricAlarm takes it. Exactly one of
// the single-metric fields (Namespace, MetricName, Statistic or
// ExtendedStatistic, Dimensions, Unit) and Metrics is used.
type Definition struct {
	Name        string
	ARN         string
	Description string

	ActionsEnabled          bool
	OKActions               []string
	AlarmActions            []string
	InsufficientDataActions []string

	Namespace         string
	MetricName        string
	Dimensions        []Dimension
	Statistic         string
	ExtendedStatistic string
	Unit              string

	Metrics           []MetricDataQuery
	ThresholdMetricID string

	// Period is in seconds: 10, 20, 30 or a multiple of 60.
	Period int32
	// EvaluationPeriods is N.
	EvaluationPeriods int32
	// DatapointsToAlarm is M; 0 means it was not given, so M = N. The
	// distinction matters: CloudWatch words its reasons differently for
	// alarms that set it.
	DatapointsToAlarm int32

	Threshold          float64
	ComparisonOperator string

	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
}

// M is the number of breaching datapoints that put the alarm into ALARM.
func (d *Definition) M() int {
	if d.DatapointsToAlarm > 0 {
		return int(d.DatapointsToAlarm)
	}
	return int(d.EvaluationPeriods)
}

// N is the number of datapoints the alarm decides on.
func (d *Definition) N() int { return int(d.EvaluationPeriods) }

// stat is the statistic the alarm reads, "" for math alarms.
func (d *Definition) stat() string {
	if d.ExtendedStatistic != "" {
		return d.ExtendedStatistic
	}
	return d.Statistic
}

// isBand reports whether the operator compares against an anomaly band.
func isBand(op string) bool {
	switch op {
	case LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold:
		return true
	}
	return false
}

// missingMode is the effective TreatMissingData. AWS/DynamoDB alarms always
// ignore missing data (§10.2).
func (d *Definition) missingMode() string {
	if d.Namespace == "AWS/DynamoDB" {
		return MissingDataIgnore
	}
	switch d.TreatMissingData {
	case MissingDataIgnore, MissingDataBreaching, MissingDataNotBreaching:
		return d.TreatMissingData
	}
	return MissingDataMissing
}

// percentile returns p in percent (0–100) when the alarm's statistic is a percentile
// (pNN or pNN.NN), the only kind EvaluateLowSampleCountPercentile applies to.
func (d *Definition) percentile() (float64, bool) {
	s := d.ExtendedStatistic
	if s == "" {
		for _, q := range d.Metrics {
			if q.Returns() && q.MetricStat != nil {
				s = q.MetricStat.Stat
			}
		}
	}
	if len(s) < 2 || s[0] != 'p' {
		return 0, false
	}
	v, err := strconv.ParseFloat(s[1:], 64)
	if err != nil || v < 0 || v > 100 || strings.ContainsAny(s[1:], "eE+-") {
		return 0, false
	}
	return v, true
}

// State is what an alarm carries between evaluations.
type State struct {
	Value StateValue
	// Reason and ReasonData are StateReason and StateReasonData (a JSON
	// string, "" when there is none).
	Reason     string
	ReasonData string
	// UpdatedTimestamp is StateUpdatedTimestamp, TransitionedTimestamp is
	// StateTransitionedTimestamp (the last change of Value).
	UpdatedTimestamp      time.Time
	TransitionedTimestamp time.Time
}

// InitialState is the state of a metric alarm PutMetricAlarm has just
// created.
func InitialState(now time.Time) State {
	return State{Value: StateInsufficientData, Reason: InitialReason, UpdatedTimestamp: now, TransitionedTimestamp: now}
}

// Datapoint is the alarm's statistic over one period of the evaluation
// range, stamped with the period's start. SampleCount is the number of
// values behind it (used for the low-sample percentile rule and written to
// StateReasonData). Lower and Upper are the anomaly band at that period,
// used only by the band operators; HasBand says they were computed.
type Datapoint struct {
	Timestamp   time.Time
	Value       float64
	SampleCount float64
	Lower       float64
	Upper       float64
	HasBand     bool
}
