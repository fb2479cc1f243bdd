package alarm

import (
	"strings"
	"time"
)

// Range is the window to fetch for one evaluation: Slots periods of
// Period, the first starting at Start, the last ending at End (exclusive).
type Range struct {
	Start  time.Time
	End    time.Time
	Period time.Duration
	Slots  int
}

// extraSlots is how many periods the evaluation range holds beyond
// EvaluationPeriods. AWS documents that the range is larger than N without
// giving the formula; its worked examples use 5 periods for N = 3, which
// this reproduces (unverified for other N).
const extraSlots = 2

// EvaluationRange is the window an evaluation at now reads (§10.1, §10.2).
// Alarms with periods of a minute or more are evaluated every minute on a
// window sliding by the minute, so the newest period ends at now rounded
// down to the minute; high-resolution alarms (10, 20 or 30 s) are
// evaluated every 10 seconds. That is why AWS's reasons show 5-minute
// datapoints stamped 12:37 and 12:42 rather than on 5-minute boundaries.
func EvaluationRange(def *Definition, now time.Time) Range {
	p := time.Duration(periodOf(def)) * time.Second
	step := time.Minute
	if p < time.Minute {
		step = 10 * time.Second
	}
	end := now.UTC().Truncate(step)
	slots := def.N() + extraSlots
	return Range{Start: end.Add(-time.Duration(slots) * p), End: end, Period: p, Slots: slots}
}

// periodOf is the alarm's period: Period, or for math alarms the period
// of the returned query.
func periodOf(def *Definition) int32 {
	if def.Period > 0 {
		return def.Period
	}
	for _, q := range def.Metrics {
		if !q.Returns() {
			continue
		}
		if q.MetricStat != nil && q.MetricStat.Period > 0 {
			return q.MetricStat.Period
		}
		if q.Period > 0 {
			return q.Period
		}
	}
	for _, q := range def.Metrics {
		if q.MetricStat != nil && q.MetricStat.Period > 0 {
			return q.MetricStat.Period
		}
	}
	return 60
}

// Result is the outcome of one evaluation.
type Result struct {
	// State is the alarm's state after the evaluation; the input state
	// when nothing changed.
	State State
	// Changed reports a change of StateValue. CloudWatch rewrites the
	// reason, fires actions and writes history only then.
	Changed bool
	// Actions are the ARNs to run: the new state's action list when the
	// state changed and actions are enabled.
	Actions []string
	// History is the StateUpdate item to record when Changed.
	History *HistoryItem
}

// HistoryItem is an AlarmHistoryItem (§12).
type HistoryItem struct {
	AlarmName       string
	AlarmType       string // MetricAlarm or CompositeAlarm
	Timestamp       time.Time
	HistoryItemType string // StateUpdate
	HistorySummary  string
	HistoryData     string
}

// point is one real datapoint of the range with its verdict.
type point struct {
	slot      int
	dp        Datapoint
	breaching bool
}

// outcome of the M-out-of-N decision.
type outcome struct {
	keep  bool // leave the state as it is
	value StateValue
	// pool is the real datapoints decided on, oldest first.
	pool []point
	// filled are the missing slots TreatMissingData filled, oldest first.
	filled []int
	// fillBreaching says what they were filled with.
	fillBreaching bool
	// unknown is set for the all-missing INSUFFICIENT_DATA outcome.
	unknown bool
}

// Evaluate runs one evaluation of a metric alarm at now over the
// datapoints fetched for EvaluationRange(def, now). Datapoints stamped
// outside the range or off its period grid are ignored; a period without a
// datapoint is missing.
func Evaluate(def *Definition, st State, now time.Time, datapoints []Datapoint) Result {
	rg := EvaluationRange(def, now)
	slots := make([]*Datapoint, rg.Slots)
	band := isBand(def.ComparisonOperator)
	for i := range datapoints {
		dp := datapoints[i]
		off := dp.Timestamp.Sub(rg.Start)
		if off < 0 || rg.Period <= 0 || off%rg.Period != 0 {
			continue
		}
		idx := int(off / rg.Period)
		if idx >= rg.Slots {
			continue
		}
		// A band operator cannot judge a period whose band is unknown.
		if band && !dp.HasBand {
			continue
		}
		slots[idx] = &dp
	}
	out := decide(def, st.Value, slots)
	if !out.keep && def.EvaluateLowSampleCountPercentile == LowSampleIgnore && lowSample(def, out.pool) {
		out.keep = true
	}
	if out.keep || out.value == st.Value {
		return Result{State: st}
	}
	reason, data := explain(def, st.Value, now, rg, out)
	return transition(def.Name, "MetricAlarm", def.ActionsEnabled, actionsFor(def.OKActions, def.AlarmActions, def.InsufficientDataActions, out.value), st, out.value, reason, data, now)
}

// SetState is SetAlarmState: the caller's reason verbatim and its reason
// data (JSON, may be ""). Like CloudWatch it fires actions and writes
// history only when the value changes; the next evaluation of a metric
// alarm decides afresh.
func SetState(name, alarmType string, actionsEnabled bool, ok, alarmActs, insufficient []string, st State, value StateValue, reason, reasonData string, now time.Time) Result {
	if value == st.Value {
		// The value stays; CloudWatch still records the new reason
		// (unverified) but nothing fires.
		st.Reason, st.ReasonData, st.UpdatedTimestamp = reason, reasonData, now
		return Result{State: st}
	}
	return transition(name, alarmType, actionsEnabled, actionsFor(ok, alarmActs, insufficient, value), st, value, reason, reasonData, now)
}

func actionsFor(ok, alarmActs, insufficient []string, v StateValue) []string {
	switch v {
	case StateOK:
		return ok
	case StateAlarm:
		return alarmActs
	}
	return insufficient
}

func transition(name, alarmType string, actionsEnabled bool, actions []string, old State, value StateValue, reason, data string, now time.Time) Result {
	next := State{Value: value, Reason: reason, ReasonData: data, UpdatedTimestamp: now, TransitionedTimestamp: now}
	res := Result{State: next, Changed: true, History: &HistoryItem{
		AlarmName:       name,
		AlarmType:       alarmType,
		Timestamp:       now,
		HistoryItemType: "StateUpdate",
		HistorySummary:  "Alarm updated from " + string(old.Value) + " to " + string(value),
		HistoryData:     historyData(old, next),
	}}
	if actionsEnabled && len(actions) > 0 {
		res.Actions = append([]string(nil), actions...)
	}
	return res
}

// historyData is the HistoryData of a StateUpdate item: both states with
// stateReasonData embedded as an object, absent when there is none (§12).
func historyData(old, next State) string {
	var b strings.Builder
	b.WriteString(`{"version":"1.0","oldState":`)
	writeHistoryState(&b, old)
	b.WriteString(`,"newState":`)
	writeHistoryState(&b, next)
	b.WriteString("}")
	return b.String()
}

func writeHistoryState(b *strings.Builder, s State) {
	b.WriteString(`{"stateValue":`)
	writeJSONString(b, string(s.Value))
	b.WriteString(`,"stateReason":`)
	writeJSONString(b, s.Reason)
	if s.ReasonData != "" && validJSON(s.ReasonData) {
		b.WriteString(`,"stateReasonData":`)
		b.WriteString(s.ReasonData)
	}
	b.WriteString("}")
}
