package alarm

import (
	"testing"
)

// TestSequences drives alarms minute by minute over a series (one value a
// minute from 12:00, "-" missing, "v/n" a value from n samples) and checks
// the state after every evaluation (I, O, A) and the final StateReason.
// The evaluation range is N+2 periods; an alarm starts in
// INSUFFICIENT_DATA.
func TestSequences(t *testing.T) {
	p90 := func(d *Definition) { d.Statistic, d.ExtendedStatistic = "", "p90" }
	p25 := func(d *Definition) { d.Statistic, d.ExtendedStatistic = "", "p25" }
	lowIgnore := func(d *Definition) { d.EvaluateLowSampleCountPercentile = LowSampleIgnore }
	dynamo := func(d *Definition) { d.Namespace = "AWS/DynamoDB" }
	cases := []struct {
		name    string
		n, m    int32
		op      string
		thr     float64
		missing string
		mods    []func(*Definition)
		values  string
		states  string
		reason  string
	}{
		{"single point flips", 1, 0, GreaterThanThreshold, 5, "", nil, "1 9 1", "OAO",
			"Threshold Crossed: 1 datapoint [1.0 (01/05/24 12:02:00)] was not greater than the threshold (5.0)."},
		{"1 of 1 with DatapointsToAlarm", 1, 1, GreaterThanThreshold, 5, "", nil, "9", "A",
			"Threshold Crossed: 1 out of the last 1 datapoints [9.0 (01/05/24 12:00:00)] was greater than the threshold (5.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."},
		{"3 of 3 then recovery", 3, 3, GreaterThanOrEqualToThreshold, 5, "", nil, "5 6 7 1", "IIAO",
			"Threshold Crossed: 1 out of the last 3 datapoints [1.0 (01/05/24 12:03:00)] was not greater than or equal to the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"3 periods without DatapointsToAlarm, alarm", 3, 0, GreaterThanOrEqualToThreshold, 5, "", nil, "5 6 7", "IIA",
			"Threshold Crossed: 3 datapoints were greater than or equal to the threshold (5.0). The most recent datapoints which crossed the threshold: [7.0 (01/05/24 12:02:00), 6.0 (01/05/24 12:01:00), 5.0 (01/05/24 12:00:00)]."},
		{"3 periods without DatapointsToAlarm, recovery", 3, 0, GreaterThanOrEqualToThreshold, 5, "", nil, "5 6 7 1", "IIAO",
			"Threshold Crossed: 1 datapoint [1.0 (01/05/24 12:03:00)] was not greater than or equal to the threshold (5.0)."},
		{"2 of 3 alternating", 3, 2, GreaterThanThreshold, 5, "", nil, "9 1 9 1 1", "IOAOO",
			"Threshold Crossed: 2 out of the last 3 datapoints [1.0 (01/05/24 12:03:00), 1.0 (01/05/24 12:01:00)] were not greater than the threshold (5.0) (minimum 2 datapoints for ALARM -> OK transition)."},
		{"breaching fills gaps", 3, 2, GreaterThanThreshold, 5, MissingDataBreaching, nil, "- - 9 - -", "AAAAA",
			"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."},
		{"notBreaching fills gaps", 3, 2, GreaterThanThreshold, 5, MissingDataNotBreaching, nil, "- 9 - 9 -", "OOOAA",
			"Threshold Crossed: 2 out of the last 3 datapoints [9.0 (01/05/24 12:03:00), 9.0 (01/05/24 12:01:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition)."},
		{"ignore with no data keeps the initial state", 3, 3, GreaterThanThreshold, 5, MissingDataIgnore, nil, "- - - - -", "IIIII",
			InitialReason},
		{"less than, gaps skipped", 2, 2, LessThanThreshold, 10, "", nil, "5 5 20 - -", "IAOOO",
			"Threshold Crossed: 1 out of the last 2 datapoints [20.0 (01/05/24 12:02:00)] was not less than the threshold (10.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"less than or equal", 2, 2, LessThanOrEqualToThreshold, 10, "", nil, "10 10 11", "IAO",
			"Threshold Crossed: 1 out of the last 2 datapoints [11.0 (01/05/24 12:02:00)] was not less than or equal to the threshold (10.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"2 of 4, not consecutive", 4, 2, GreaterThanThreshold, 0, "", nil, "0 0 1 0 0 1 1", "OOOOOAA",
			"Threshold Crossed: 2 out of the last 4 datapoints [1.0 (01/05/24 12:05:00), 1.0 (01/05/24 12:02:00)] were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition)."},
		{"p90 low samples ignored", 1, 0, GreaterThanThreshold, 5, "", []func(*Definition){p90, lowIgnore}, "9/50 9/200 1/50 1/100", "IAAO",
			"Threshold Crossed: 1 datapoint [1.0 (01/05/24 12:03:00)] was not greater than the threshold (5.0)."},
		{"p90 low samples evaluated", 1, 0, GreaterThanThreshold, 5, "", []func(*Definition){p90}, "9/50 9/200 1/50 1/100", "AAOO",
			"Threshold Crossed: 1 datapoint [1.0 (01/05/24 12:02:00)] was not greater than the threshold (5.0)."},
		{"p25 needs 40 samples", 1, 0, GreaterThanThreshold, 5, "", []func(*Definition){p25, lowIgnore}, "9/39 9/40", "IA",
			"Threshold Crossed: 1 datapoint [9.0 (01/05/24 12:01:00)] was greater than the threshold (5.0)."},
		{"AWS/DynamoDB always ignores missing data", 1, 0, GreaterThanThreshold, 5, MissingDataMissing, []func(*Definition){dynamo}, "- 9 - - -", "IAAAA",
			"Threshold Crossed: 1 datapoint [9.0 (01/05/24 12:01:00)] was greater than the threshold (5.0)."},
		{"missing data ends in INSUFFICIENT_DATA", 1, 0, GreaterThanThreshold, 5, MissingDataMissing, nil, "- 9 - - -", "IAAAI",
			"Insufficient Data: 1 datapoint was unknown."},
		{"breaching fillers against one good point", 2, 2, GreaterThanThreshold, 5, MissingDataBreaching, nil, "1 - - - - 1", "OOOOAO",
			"Threshold Crossed: 1 out of the last 2 datapoints [1.0 (01/05/24 12:05:00)] was not greater than the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"5 periods without DatapointsToAlarm", 5, 0, GreaterThanThreshold, 5, "", nil, "9 9 9 9 9 9", "IIIIAA",
			"Threshold Crossed: 5 datapoints were greater than the threshold (5.0). The most recent datapoints which crossed the threshold: [9.0 (01/05/24 12:04:00), 9.0 (01/05/24 12:03:00), 9.0 (01/05/24 12:02:00), 9.0 (01/05/24 12:01:00), 9.0 (01/05/24 12:00:00)]."},
		{"5 of 6 lists the most recent", 6, 5, GreaterThanThreshold, 5, "", nil, "9 9 9 9 9", "IIIIA",
			"Threshold Crossed: 5 out of the last 6 datapoints were greater than the threshold (5.0). The most recent datapoints which crossed the threshold: [9.0 (01/05/24 12:04:00), 9.0 (01/05/24 12:03:00), 9.0 (01/05/24 12:02:00), 9.0 (01/05/24 12:01:00), 9.0 (01/05/24 12:00:00)] (minimum 5 datapoints for INSUFFICIENT_DATA -> ALARM transition)."},
		{"premature alarm under missing", 3, 2, GreaterThanThreshold, 5, MissingDataMissing, nil, "9 -", "IA",
			"Threshold Crossed: 1 out of the last 3 datapoints [9.0 (01/05/24 12:00:00)] was greater than the threshold (5.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."},
		{"no premature alarm under ignore", 3, 2, GreaterThanThreshold, 5, MissingDataIgnore, nil, "9 -", "II",
			InitialReason},
		{"OK goes INSUFFICIENT_DATA when data stops", 2, 0, GreaterThanThreshold, 5, "", nil, "1 1 - - - -", "OOOOOI",
			"Insufficient Data: 2 datapoints were unknown."},
		{"greater or equal at the threshold", 1, 0, GreaterThanOrEqualToThreshold, 5, "", nil, "5 4.999", "AO",
			"Threshold Crossed: 1 datapoint [4.999 (01/05/24 12:01:00)] was not greater than or equal to the threshold (5.0)."},
		{"greater at the threshold", 1, 0, GreaterThanThreshold, 5, "", nil, "5 5.001", "OA",
			"Threshold Crossed: 1 datapoint [5.001 (01/05/24 12:01:00)] was greater than the threshold (5.0)."},
		{"less at the threshold", 1, 0, LessThanThreshold, 5, "", nil, "5 4.5", "OA",
			"Threshold Crossed: 1 datapoint [4.5 (01/05/24 12:01:00)] was less than the threshold (5.0)."},
		{"less or equal at the threshold", 1, 0, LessThanOrEqualToThreshold, 5, "", nil, "5 5.5", "AO",
			"Threshold Crossed: 1 datapoint [5.5 (01/05/24 12:01:00)] was not less than or equal to the threshold (5.0)."},
		{"1 of 3 under notBreaching", 3, 1, GreaterThanThreshold, 5, MissingDataNotBreaching, nil, "- - 9", "OOA",
			"Threshold Crossed: 1 out of the last 3 datapoints [9.0 (01/05/24 12:02:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{"breaching fillers too few", 3, 3, GreaterThanThreshold, 5, MissingDataBreaching, nil, "1", "O",
			"Threshold Crossed: 1 out of the last 3 datapoints [1.0 (01/05/24 12:00:00)] was not greater than the threshold (5.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> OK transition)."},
		{"notBreaching with no data", 2, 2, GreaterThanThreshold, 5, MissingDataNotBreaching, nil, "-", "O",
			"Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."},
		{"ignore keeps ALARM when data stops", 2, 2, GreaterThanThreshold, 5, MissingDataIgnore, nil, "9 9 - - - -", "IAAAAA",
			"Threshold Crossed: 2 out of the last 2 datapoints [9.0 (01/05/24 12:01:00), 9.0 (01/05/24 12:00:00)] were greater than the threshold (5.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."},
		{"missing leaves ALARM when data stops", 2, 2, GreaterThanThreshold, 5, MissingDataMissing, nil, "9 9 - - - -", "IAAAAI",
			"Insufficient Data: 2 datapoints were unknown."},
		{"breaching with no data, one period", 1, 1, GreaterThanThreshold, 5, MissingDataBreaching, nil, "-", "A",
			"Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching]."},
		{"flapping below", 1, 0, LessThanThreshold, 1, "", nil, "0 2 0 2", "AOAO",
			"Threshold Crossed: 1 datapoint [2.0 (01/05/24 12:03:00)] was not less than the threshold (1.0)."},
		{"3 of 5", 5, 3, GreaterThanThreshold, 50, "", nil, "10 60 10 60 10 60", "OOOOOA",
			"Threshold Crossed: 3 out of the last 5 datapoints [60.0 (01/05/24 12:05:00), 60.0 (01/05/24 12:03:00), 60.0 (01/05/24 12:01:00)] were greater than the threshold (50.0) (minimum 3 datapoints for OK -> ALARM transition)."},
		{"negative numbers", 1, 0, LessThanThreshold, -0.5, "", nil, "-1.25", "A",
			"Threshold Crossed: 1 datapoint [-1.25 (01/05/24 12:00:00)] was less than the threshold (-0.5)."},
		{"large numbers in Java notation", 1, 0, GreaterThanThreshold, 1e7, "", nil, "20000000", "A",
			"Threshold Crossed: 1 datapoint [2.0E7 (01/05/24 12:00:00)] was greater than the threshold (1.0E7)."},
		{"small numbers in Java notation", 1, 0, GreaterThanThreshold, 0.0001, "", nil, "0.0005", "A",
			"Threshold Crossed: 1 datapoint [5.0E-4 (01/05/24 12:00:00)] was greater than the threshold (1.0E-4)."},
		{"1 of 3 needs 3 good points to recover", 3, 1, GreaterThanThreshold, 5, "", nil, "9 1 1 1", "AAAO",
			"Threshold Crossed: 3 out of the last 3 datapoints [1.0 (01/05/24 12:03:00), 1.0 (01/05/24 12:02:00), 1.0 (01/05/24 12:01:00)] were not greater than the threshold (5.0) (minimum 3 datapoints for ALARM -> OK transition)."},
		{"gaps between breaching points", 2, 2, GreaterThanThreshold, 5, "", nil, "9 - 9 - 1", "IAAAO",
			"Threshold Crossed: 1 out of the last 2 datapoints [1.0 (01/05/24 12:04:00)] was not greater than the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition)."},
	}
	letter := map[StateValue]byte{StateOK: 'O', StateAlarm: 'A', StateInsufficientData: 'I'}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := metricDef(c.n, c.m, c.op, c.thr, c.missing)
			for _, f := range c.mods {
				f(def)
			}
			data := series(t, c.values)
			st := InitialState(t0)
			var got []byte
			for i := range len(c.states) {
				res := Evaluate(def, st, at(i), data)
				st = res.State
				got = append(got, letter[st.Value])
			}
			if string(got) != c.states {
				t.Errorf("states %s, want %s", got, c.states)
			}
			if st.Reason != c.reason {
				t.Errorf("reason\n got %s\nwant %s", st.Reason, c.reason)
			}
		})
	}
	if len(cases) < 40 {
		t.Errorf("%d cases; the issue asks for at least 40", len(cases))
	}
}
