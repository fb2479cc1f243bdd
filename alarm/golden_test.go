package alarm

import (
	"encoding/json"
	"testing"
	"time"
)

// TestReasonDataAsAWS replays two alarm state changes AWS sent (EventBridge
// samples of the User Guide and a recorded event, reference §11) and
// checks the reason and StateReasonData byte for byte.
func TestReasonDataAsAWS(t *testing.T) {
	t.Run("INSUFFICIENT_DATA with every period missing", func(t *testing.T) {
		def := &Definition{Name: "lambda-demo-metric-alarm", Namespace: "AWS/Logs", MetricName: "CallCount", Statistic: "Average",
			Period: 60, EvaluationPeriods: 5, Threshold: 5, ComparisonOperator: GreaterThanThreshold}
		now := time.Date(2023, 8, 4, 12, 31, 29, 591e6, time.UTC)
		st := State{Value: StateOK, Reason: "before"}
		res := Evaluate(def, st, now, nil)
		if want := "Insufficient Data: 5 datapoints were unknown."; res.State.Reason != want {
			t.Errorf("reason %q", res.State.Reason)
		}
		want := `{"version":"1.0","queryDate":"2023-08-04T12:31:29.591+0000","statistic":"Average","period":60,"recentDatapoints":[],"threshold":5.0,"evaluatedDatapoints":[{"timestamp":"2023-08-04T12:30:00.000+0000"},{"timestamp":"2023-08-04T12:29:00.000+0000"},{"timestamp":"2023-08-04T12:28:00.000+0000"},{"timestamp":"2023-08-04T12:27:00.000+0000"},{"timestamp":"2023-08-04T12:26:00.000+0000"}]}`
		if res.State.ReasonData != want {
			t.Errorf("reason data\n got %s\nwant %s", res.State.ReasonData, want)
		}
	})
	t.Run("ALARM to OK, 5-minute period on a minute grid", func(t *testing.T) {
		def := &Definition{Name: "cpu", Namespace: "AWS/RDS", MetricName: "CPUUtilization", Statistic: "Average",
			Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 30, ComparisonOperator: GreaterThanOrEqualToThreshold}
		now := time.Date(2020, 10, 5, 6, 47, 38, 31e6, time.UTC)
		rg := EvaluationRange(def, now)
		if rg.End != time.Date(2020, 10, 5, 6, 47, 0, 0, time.UTC) || rg.Start != time.Date(2020, 10, 5, 6, 27, 0, 0, time.UTC) || rg.Period != 5*time.Minute || rg.Slots != 4 {
			t.Errorf("range %+v", rg)
		}
		pts := []Datapoint{
			{Timestamp: time.Date(2020, 10, 5, 6, 37, 0, 0, time.UTC), Value: 10, SampleCount: 5},
			{Timestamp: time.Date(2020, 10, 5, 6, 42, 0, 0, time.UTC), Value: 10, SampleCount: 5},
		}
		res := Evaluate(def, State{Value: StateAlarm}, now, pts)
		if want := "Threshold Crossed: 2 out of the last 2 datapoints [10.0 (05/10/20 06:42:00), 10.0 (05/10/20 06:37:00)] were not greater than or equal to the threshold (30.0) (minimum 1 datapoint for ALARM -> OK transition)."; res.State.Reason != want {
			t.Errorf("reason\n got %s\nwant %s", res.State.Reason, want)
		}
		// AWS's 2020 event predates evaluatedDatapoints; its entries
		// follow the current documentation's sample.
		want := `{"version":"1.0","queryDate":"2020-10-05T06:47:38.031+0000","startDate":"2020-10-05T06:37:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[10.0,10.0],"threshold":30.0,"evaluatedDatapoints":[{"timestamp":"2020-10-05T06:42:00.000+0000","sampleCount":5.0,"value":10.0},{"timestamp":"2020-10-05T06:37:00.000+0000","sampleCount":5.0,"value":10.0}]}`
		if res.State.ReasonData != want {
			t.Errorf("reason data\n got %s\nwant %s", res.State.ReasonData, want)
		}
	})
}

// TestTransitionOutputs: history, actions and timestamps of a transition,
// and their absence otherwise.
func TestTransitionOutputs(t *testing.T) {
	def := metricDef(1, 0, GreaterThanThreshold, 5, "")
	def.Unit = "Count"
	st := InitialState(t0)
	now := at(0)
	res := Evaluate(def, st, now, series(t, "9"))
	if !res.Changed || res.State.Value != StateAlarm {
		t.Fatalf("got %+v", res)
	}
	if !res.State.UpdatedTimestamp.Equal(now) || !res.State.TransitionedTimestamp.Equal(now) {
		t.Errorf("timestamps %+v", res.State)
	}
	if len(res.Actions) != 1 || res.Actions[0] != def.AlarmActions[0] {
		t.Errorf("actions %v", res.Actions)
	}
	h := res.History
	if h == nil || h.AlarmName != "errors" || h.AlarmType != "MetricAlarm" || h.HistoryItemType != "StateUpdate" ||
		h.HistorySummary != "Alarm updated from INSUFFICIENT_DATA to ALARM" || !h.Timestamp.Equal(now) {
		t.Fatalf("history %+v", h)
	}
	wantData := `{"version":"1.0","oldState":{"stateValue":"INSUFFICIENT_DATA","stateReason":"Unchecked: Initial alarm creation"},"newState":{"stateValue":"ALARM","stateReason":"Threshold Crossed: 1 datapoint [9.0 (01/05/24 12:00:00)] was greater than the threshold (5.0).","stateReasonData":{"version":"1.0","queryDate":"2024-05-01T12:01:30.000+0000","startDate":"2024-05-01T12:00:00.000+0000","unit":"Count","statistic":"Sum","period":60,"recentDatapoints":[9.0],"threshold":5.0,"evaluatedDatapoints":[{"timestamp":"2024-05-01T12:00:00.000+0000","sampleCount":10.0,"value":9.0}]}}}`
	if h.HistoryData != wantData {
		t.Errorf("history data\n got %s\nwant %s", h.HistoryData, wantData)
	}
	if !json.Valid([]byte(h.HistoryData)) {
		t.Error("history data is not JSON")
	}

	// Staying in ALARM: nothing fires, the state is untouched.
	again := Evaluate(def, res.State, at(1), series(t, "9 9"))
	if again.Changed || again.Actions != nil || again.History != nil || again.State != res.State {
		t.Errorf("steady state changed: %+v", again)
	}

	// Actions disabled: the state changes and history is written, nothing fires.
	def.ActionsEnabled = false
	off := Evaluate(def, res.State, at(1), series(t, "9 1"))
	if !off.Changed || off.State.Value != StateOK || off.Actions != nil || off.History == nil {
		t.Errorf("disabled actions: %+v", off)
	}

	// Each transition kind fires its own list.
	def.ActionsEnabled = true
	toOK := Evaluate(def, res.State, at(1), series(t, "9 1"))
	if len(toOK.Actions) != 1 || toOK.Actions[0] != def.OKActions[0] {
		t.Errorf("OK actions %v", toOK.Actions)
	}
	toInsufficient := Evaluate(def, toOK.State, at(10), series(t, "9 1"))
	if toInsufficient.State.Value != StateInsufficientData || len(toInsufficient.Actions) != 1 || toInsufficient.Actions[0] != def.InsufficientDataActions[0] {
		t.Errorf("INSUFFICIENT_DATA actions %+v", toInsufficient)
	}
}

func TestSetState(t *testing.T) {
	st := State{Value: StateOK, Reason: "r", UpdatedTimestamp: t0, TransitionedTimestamp: t0}
	now := t0.Add(time.Hour)
	res := SetState("a", "MetricAlarm", true, []string{"ok"}, []string{"alarm"}, []string{"insufficient"}, st, StateAlarm, "testing", "", now)
	if !res.Changed || res.State.Reason != "testing" || len(res.Actions) != 1 || res.Actions[0] != "alarm" {
		t.Fatalf("got %+v", res)
	}
	want := `{"version":"1.0","oldState":{"stateValue":"OK","stateReason":"r"},"newState":{"stateValue":"ALARM","stateReason":"testing"}}`
	if res.History.HistoryData != want {
		t.Errorf("history %s", res.History.HistoryData)
	}
	same := SetState("a", "MetricAlarm", true, nil, []string{"alarm"}, nil, res.State, StateAlarm, "again", `{"k":1}`, now.Add(time.Minute))
	if same.Changed || same.Actions != nil || same.History != nil || same.State.Reason != "again" || !same.State.TransitionedTimestamp.Equal(now) {
		t.Errorf("same value: %+v", same)
	}
}

func TestAnomalyBand(t *testing.T) {
	def := metricDef(2, 2, LessThanLowerOrGreaterThanUpperThreshold, 0, "")
	def.Namespace, def.MetricName, def.Statistic, def.Period = "", "", "", 300
	def.ThresholdMetricID = "ad1"
	def.Metrics = []MetricDataQuery{
		{ID: "m1", MetricStat: &MetricStat{Metric: Metric{Namespace: "AWS/EC2", MetricName: "CPUUtilization"}, Period: 300, Stat: "Average"}},
		{ID: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)"},
	}
	now := time.Date(2019, 11, 22, 1, 2, 17, 570e6, time.UTC)
	pts := []Datapoint{
		{Timestamp: time.Date(2019, 11, 22, 0, 52, 0, 0, time.UTC), Value: 27.035814838199848, Lower: 31.317673764600034, Upper: 32.68864166862828, HasBand: true},
		{Timestamp: time.Date(2019, 11, 22, 0, 57, 0, 0, time.UTC), Value: 28.244242980188464, Lower: 31.723549397187316, Upper: 33.09242087209403, HasBand: true},
	}
	res := Evaluate(def, State{Value: StateOK}, now, pts)
	// As AWS sent it (reference: a recorded SNS alarm message).
	want := "Thresholds Crossed: 2 out of the last 2 datapoints [28.244242980188464 (22/11/19 00:57:00), 27.035814838199848 (22/11/19 00:52:00)] were less than the lower thresholds [31.723549397187316, 31.317673764600034] or greater than the upper thresholds [33.09242087209403, 32.68864166862828] (minimum 2 datapoints for OK -> ALARM transition)."
	if res.State.Value != StateAlarm || res.State.Reason != want {
		t.Errorf("got %s %q", res.State.Value, res.State.Reason)
	}
	// A period without a band cannot be judged: it is missing, and one
	// breaching point a period old is not enough for M = 2.
	pts[0].HasBand = false
	if res := Evaluate(def, State{Value: StateOK}, now, pts); res.Changed {
		t.Errorf("judged a point without a band: %+v", res)
	}
}

func TestFormatNumber(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0.0", 21: "21.0", 21.5: "21.5", -0.5: "-0.5", 0.2872183414376726: "0.2872183414376726",
		1223375: "1223375.0", 9999999: "9999999.0", 1e7: "1.0E7", 1.5e10: "1.5E10", 0.001: "0.001",
		0.0005: "5.0E-4", 1.25e-7: "1.25E-7", -3e8: "-3.0E8",
	} {
		if got := formatNumber(v); got != want {
			t.Errorf("formatNumber(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestEvaluationRangeHighResolution(t *testing.T) {
	def := &Definition{Period: 10, EvaluationPeriods: 3}
	rg := EvaluationRange(def, time.Date(2024, 5, 1, 12, 0, 37, 0, time.UTC))
	if rg.End != time.Date(2024, 5, 1, 12, 0, 30, 0, time.UTC) || rg.Start != time.Date(2024, 5, 1, 11, 59, 40, 0, time.UTC) || rg.Slots != 5 {
		t.Errorf("range %+v", rg)
	}
}
