package cloudwatch_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// withClient runs body on both backends with a CloudWatch client.
func withClient(t *testing.T, body func(t *testing.T, cw *awscw.Client, ts *testserver.Server)) {
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) { body(t, awscw.NewFromConfig(ts.RootConfig()), ts) })
}

func stat(name, s string) *types.MetricStat {
	return &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String(name)}, Period: aws.Int32(60), Stat: aws.String(s)}
}

func putSums(t *testing.T, cw *awscw.Client, name string, at time.Time, vals map[int]float64) {
	t.Helper()
	var data []types.MetricDatum
	for i, v := range vals {
		data = append(data, types.MetricDatum{MetricName: aws.String(name), Timestamp: aws.Time(at.Add(time.Duration(i) * time.Minute)), Value: aws.Float64(v)})
	}
	if _, err := cw.PutMetricData(context.Background(), &awscw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
}

// Metric math through GetMetricData: each function family over two
// metrics read per minute, hidden (ReturnData false) inputs, labels,
// arrays and the arithmetic message.
func TestSDKGetMetricDataMath(t *testing.T) { withClient(t, testGetMetricDataMath) }

func testGetMetricDataMath(t *testing.T, cw *awscw.Client, _ *testserver.Server) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	putSums(t, cw, "Requests", t0, map[int]float64{0: 100, 1: 200, 2: 50, 3: 100, 4: 400})
	putSums(t, cw, "Errors", t0, map[int]float64{0: 2, 2: 5, 4: 8})
	hide := aws.Bool(false)
	q := func(id, expr, label string) types.MetricDataQuery {
		m := types.MetricDataQuery{Id: aws.String(id), Expression: aws.String(expr)}
		if label != "" {
			m.Label = aws.String(label)
		}
		return m
	}
	hidden := q("e9", "m1 + 1", "")
	hidden.ReturnData = hide
	out, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(5 * time.Minute)),
		ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{
			{Id: aws.String("m1"), MetricStat: stat("Errors", "Sum"), ReturnData: hide},
			{Id: aws.String("m2"), MetricStat: stat("Requests", "Sum"), ReturnData: hide},
			q("e1", "100 * m1 / m2", "ErrorRate"),
			q("e2", "FILL(m1, 0)", ""),
			q("e3", "SUM(METRICS())", ""),
			q("e4", "METRICS() * 2", "x2"),
			q("e5", "RATE(m2)", ""),
			q("e6", "m1 / (m2 - m2)", ""),
			q("e7", "IF(m1 > 3, m1)", ""),
			q("e8", "MINUTE(m1)", ""),
			hidden,
			q("e10", "e9 * 10", ""),
			q("e11", "m2 - AVG(m2) + STDDEV(m1) * 0 + MAX(m1) - MIN(m1)", ""),
			q("e12", "FILL(m1, REPEAT) + FILL(m1, LINEAR) * 0 + ABS(-m2) * 0 + CEIL(m2 / 3) * 0 + FLOOR(m2) * 0", ""),
			q("e13", "DIFF(m2) + DIFF_TIME(m2) * 0 + RUNNING_SUM(m1) * 0", ""),
			q("e14", "FIRST(SORT(METRICS(), MAX, ASC))", ""),
			q("e15", "TIME_SERIES(PERIOD(m1))", ""),
			q("e16", "METRICS(\"m2\")", ""),
		}})
	if err != nil {
		t.Fatal(err)
	}
	type res struct {
		label string
		vals  []float64
		msgs  string
	}
	got := map[string][]res{}
	var ids []string
	for _, r := range out.MetricDataResults {
		var msgs []string
		for _, m := range r.Messages {
			msgs = append(msgs, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
		}
		if r.StatusCode != types.StatusCodeComplete || len(r.Timestamps) != len(r.Values) {
			t.Errorf("%s: status %s, %d timestamps for %d values", *r.Id, r.StatusCode, len(r.Timestamps), len(r.Values))
		}
		for i, ts := range r.Timestamps {
			if ts.Sub(t0)%time.Minute != 0 || ts.Before(t0) || !ts.Before(t0.Add(5*time.Minute)) || (i > 0 && !ts.After(r.Timestamps[i-1])) {
				t.Errorf("%s: timestamp %v", *r.Id, ts)
			}
		}
		got[*r.Id] = append(got[*r.Id], res{aws.ToString(r.Label), r.Values, strings.Join(msgs, "; ")})
		if !slices.Contains(ids, *r.Id) {
			ids = append(ids, *r.Id)
		}
	}
	if want := "e1 e2 e3 e4 e5 e6 e7 e8 e10 e11 e12 e13 e14 e15 e16"; strings.Join(ids, " ") != want {
		t.Errorf("ids = %v, want %s", ids, want)
	}
	m0 := float64(t0.Minute())
	minutes := []float64{m0, m0 + 1, m0 + 2, m0 + 3, m0 + 4}
	for i := range minutes {
		minutes[i] = math.Mod(minutes[i], 60)
	}
	want := map[string][]res{
		"e1":  {{"ErrorRate", []float64{2, 0, 10, 0, 2}, ""}},
		"e2":  {{"e2", []float64{2, 0, 5, 0, 8}, ""}},
		"e3":  {{"e3", []float64{102, 200, 55, 100, 408}, ""}},
		"e4":  {{"x2 Errors", []float64{4, 10, 16}, ""}, {"x2 Requests", []float64{200, 400, 100, 200, 800}, ""}},
		"e5":  {{"e5", []float64{100.0 / 60, -150.0 / 60, 50.0 / 60, 300.0 / 60}, ""}},
		"e6":  {{"e6", nil, "ArithmeticError: One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)"}},
		"e7":  {{"e7", []float64{5, 8}, ""}},
		"e8":  {{"e8", minutes, ""}},
		"e10": {{"e10", []float64{30, 60, 90}, ""}},
		"e11": {{"e11", []float64{-70 + 6, 30 + 6, -120 + 6, -70 + 6, 230 + 6}, ""}},
		"e12": {{"e12", []float64{2, 2, 5, 5, 8}, ""}},
		"e13": {{"e13", []float64{0, 100, -150, 50, 300}, ""}},
		"e14": {{"e14", []float64{2, 5, 8}, ""}},
		"e15": {{"e15", []float64{60, 60, 60, 60, 60}, ""}},
		"e16": {{"Requests", []float64{100, 200, 50, 100, 400}, ""}},
	}
	for id, w := range want {
		g := got[id]
		if len(g) != len(w) {
			t.Errorf("%s: %d results, want %d: %+v", id, len(g), len(w), g)
			continue
		}
		for i := range w {
			if g[i].label != w[i].label || g[i].msgs != w[i].msgs || !closeTo(g[i].vals, w[i].vals) {
				t.Errorf("%s[%d] = %+v, want %+v", id, i, g[i], w[i])
			}
		}
	}
}

func closeTo(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

func TestSDKGetMetricDataMathErrors(t *testing.T) {
	cw, _ := client(t)
	ctx := context.Background()
	now := time.Now()
	get := func(exprs ...string) error {
		qs := []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: stat("Errors", "Sum")}}
		for i, e := range exprs {
			qs = append(qs, types.MetricDataQuery{Id: aws.String("e" + string(rune('1'+i))), Expression: aws.String(e)})
		}
		_, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), MetricDataQueries: qs})
		return err
	}
	cases := []struct {
		exprs []string
		msg   string
	}{
		{[]string{"m1 +"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"m1", "NOPE(m1)"}, "Error in expression 'e2': Function 'NOPE' not found"},
		{[]string{"SEARCH(\"{App} Errors\", \"Sum\", 60)"}, "Error in expression 'e1': Function 'SEARCH' is not supported by this server"},
		{[]string{"ANOMALY_DETECTION_BAND(m1)"}, "Error in expression 'e1': Function 'ANOMALY_DETECTION_BAND' is not supported by this server"},
		{[]string{"SELECT SUM(Errors) FROM App"}, "Error in expression 'e1': Metrics Insights queries are not supported by this server"},
		{[]string{"m1 * m7"}, "Error in expression 'e1': Unrecognized metric or expression id 'm7'"},
		{[]string{"e2", "e1"}, "Error in expression 'e1': Circular reference: e1 -> e2 -> e1"},
		{[]string{"AVG(m1)"}, "Error in expression 'e1': The expression must return a time series or an array of time series"},
		{[]string{"FILL(m1)"}, "Error in expression 'e1': Invalid arguments for function 'FILL'"},
	}
	for _, c := range cases {
		wantCode(t, get(c.exprs...), "ValidationError", c.msg)
	}
	_, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("TIME_SERIES(1)"), Period: aws.Int32(7)}}})
	wantCode(t, err, "InvalidParameterValue", "The parameter MetricDataQueries.member.1.Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
}

func mathAlarm(name string, metrics ...types.MetricDataQuery) *awscw.PutMetricAlarmInput {
	return &awscw.PutMetricAlarmInput{AlarmName: aws.String(name), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(5),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, Metrics: metrics}
}

func expr(id, e string, ret bool) types.MetricDataQuery {
	return types.MetricDataQuery{Id: aws.String(id), Expression: aws.String(e), ReturnData: aws.Bool(ret)}
}

func metricQ(id, name string) types.MetricDataQuery {
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: stat(name, "Sum"), ReturnData: aws.Bool(false)}
}

func TestSDKPutMetricAlarmMathErrors(t *testing.T) {
	cw, _ := alarmClient(t)
	ctx := context.Background()
	ok := func() []types.MetricDataQuery {
		return []types.MetricDataQuery{metricQ("m1", "Errors"), metricQ("m2", "Requests"), expr("e1", "100 * m1 / m2", true)}
	}
	cases := []struct {
		name      string
		edit      func(*awscw.PutMetricAlarmInput)
		code, msg string
	}{
		{"statistic too", func(in *awscw.PutMetricAlarmInput) { in.Statistic = types.StatisticSum },
			"ValidationError", "Statistic should not be set if list of Metrics is set."},
		{"period too", func(in *awscw.PutMetricAlarmInput) { in.Period = aws.Int32(60) },
			"ValidationError", "Period should not be set if list of Metrics is set."},
		{"none returned", func(in *awscw.PutMetricAlarmInput) { in.Metrics[2].ReturnData = aws.Bool(false) },
			"ValidationError", "Exactly one element of the metrics list should return data."},
		{"two returned", func(in *awscw.PutMetricAlarmInput) { in.Metrics[0].ReturnData = nil },
			"ValidationError", "Exactly one element of the metrics list should return data."},
		{"band", func(in *awscw.PutMetricAlarmInput) {
			in.Metrics = []types.MetricDataQuery{metricQ("m1", "Errors"), expr("ad1", "ANOMALY_DETECTION_BAND(m1, 2)", true)}
			in.Metrics[0].ReturnData = aws.Bool(true)
			in.ThresholdMetricId, in.Threshold = aws.String("ad1"), nil
			in.ComparisonOperator = types.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold
		}, "ValidationError", "Error in expression 'ad1': Function 'ANOMALY_DETECTION_BAND' is not supported by this server"},
		{"band returns one", func(in *awscw.PutMetricAlarmInput) { in.ThresholdMetricId = aws.String("e1") },
			"ValidationError", "Exactly two elements of the metrics list should return data."},
		{"array", func(in *awscw.PutMetricAlarmInput) { in.Metrics[2].Expression = aws.String("METRICS() * 2") },
			"ValidationError", "Metrics expression that return multi time series are only allowed for MetricsInsights expression with an ORDER BY clause"},
		{"syntax", func(in *awscw.PutMetricAlarmInput) { in.Metrics[2].Expression = aws.String("m1 / ") },
			"ValidationError", "Error in expression 'e1': Invalid syntax"},
		{"unknown id", func(in *awscw.PutMetricAlarmInput) { in.Metrics[2].Expression = aws.String("m1 / m3") },
			"ValidationError", "Error in expression 'e1': Unrecognized metric or expression id 'm3'"},
		{"upper-case id", func(in *awscw.PutMetricAlarmInput) { in.Metrics[0].Id = aws.String("M1") }, "InvalidParameterValue", ""},
		{"duplicate id", func(in *awscw.PutMetricAlarmInput) { in.Metrics[1].Id = aws.String("m1") }, "InvalidParameterValue", ""},
		{"stat period", func(in *awscw.PutMetricAlarmInput) { in.Metrics[0].MetricStat.Period = aws.Int32(45) },
			"ValidationError", "Period must be 10, 20, 30 or a multiple of 60"},
		{"stat", func(in *awscw.PutMetricAlarmInput) { in.Metrics[0].MetricStat.Stat = aws.String("Median") }, "InvalidParameterValue", ""},
		{"too many metrics", func(in *awscw.PutMetricAlarmInput) {
			for i := range 10 {
				in.Metrics = append(in.Metrics, metricQ("x"+string(rune('a'+i)), "Errors"))
			}
		}, "ValidationError", "The maximum number of metrics in a metric math alarm is 10."},
		{"ec2 action", func(in *awscw.PutMetricAlarmInput) { in.AlarmActions = []string{"arn:aws:automate:us-east-1:ec2:stop"} }, "ValidationError", ""},
		{"one day", func(in *awscw.PutMetricAlarmInput) { in.EvaluationPeriods = aws.Int32(1441) },
			"ValidationError", "The evaluation period (EvaluationPeriods * Period) must not exceed 1 day."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := mathAlarm("a", ok()...)
			c.edit(in)
			_, err := cw.PutMetricAlarm(ctx, in)
			wantCode(t, err, c.code, c.msg)
		})
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{}); err != nil || len(out.MetricAlarms) != 0 {
		t.Errorf("refused alarms were stored: %+v, %v", out, err)
	}
}

// Math alarms are stored with their Metrics, evaluated through the same
// evaluator as GetMetricData and go to ALARM; their notification carries
// the Metrics list.
func TestSDKMathAlarmEvaluation(t *testing.T) { withClient(t, testMathAlarmEvaluation) }

func testMathAlarmEvaluation(t *testing.T, cw *awscw.Client, ts *testserver.Server) {
	ctx := context.Background()
	sn := awssns.NewFromConfig(ts.RootConfig())
	topic, err := sn.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	rate := mathAlarm("error-rate", metricQ("m1", "Errors"), metricQ("m2", "Requests"), expr("e1", "100 * m1 / m2", true))
	rate.Metrics[2].Label = aws.String("Error rate")
	rate.AlarmActions = []string{*topic.TopicArn}
	single := mathAlarm("errors", metricQ("m1", "Errors"))
	single.Metrics[0].ReturnData = aws.Bool(true)
	// No data at all: FILL makes zeros, which are below 1.
	silent := mathAlarm("silence", metricQ("m1", "Heartbeats"), expr("e1", "FILL(m1, 0)", true))
	silent.Threshold, silent.ComparisonOperator = aws.Float64(1), types.ComparisonOperatorLessThanThreshold
	for _, in := range []*awscw.PutMetricAlarmInput{rate, single, silent} {
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"error-rate"}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms = %+v, %v", out, err)
	}
	a := out.MetricAlarms[0]
	if a.Period != nil || a.MetricName != nil || len(a.Metrics) != 3 || aws.ToString(a.Metrics[2].Expression) != "100 * m1 / m2" ||
		aws.ToString(a.Metrics[2].Label) != "Error rate" || !aws.ToBool(a.Metrics[2].ReturnData) || aws.ToBool(a.Metrics[0].ReturnData) ||
		aws.ToString(a.Metrics[1].MetricStat.Metric.MetricName) != "Requests" || aws.ToInt32(a.Metrics[1].MetricStat.Period) != 60 ||
		aws.ToString(a.Metrics[1].MetricStat.Stat) != "Sum" {
		t.Errorf("alarm = %+v", a)
	}

	// The newest whole minute: 8 errors out of 100 requests is 8 %.
	at := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	putSums(t, cw, "Requests", at, map[int]float64{0: 100})
	putSums(t, cw, "Errors", at, map[int]float64{0: 8})
	p, err := ts.Server().EvaluateAlarms(ctx)
	if err != nil || p.Changed != 3 {
		t.Fatalf("EvaluateAlarms = %+v, %v", p, err)
	}
	state := func(name string) types.MetricAlarm {
		t.Helper()
		out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{name}})
		if err != nil || len(out.MetricAlarms) != 1 {
			t.Fatalf("DescribeAlarms(%s) = %+v, %v", name, out, err)
		}
		return out.MetricAlarms[0]
	}
	when := at.Format("02/01/06 15:04:05")
	if a := state("error-rate"); a.StateValue != types.StateValueAlarm ||
		aws.ToString(a.StateReason) != "Threshold Crossed: 1 datapoint [8.0 ("+when+")] was greater than the threshold (5.0)." ||
		strings.Contains(aws.ToString(a.StateReasonData), "statistic") || !strings.Contains(aws.ToString(a.StateReasonData), `"period":60`) {
		t.Errorf("error-rate = %s: %s %s", a.StateValue, aws.ToString(a.StateReason), aws.ToString(a.StateReasonData))
	}
	if a := state("errors"); a.StateValue != types.StateValueAlarm || !strings.Contains(aws.ToString(a.StateReasonData), `"sampleCount":1.0,"value":8.0`) {
		t.Errorf("errors = %s: %s %s", a.StateValue, aws.ToString(a.StateReason), aws.ToString(a.StateReasonData))
	}
	if a := state("silence"); a.StateValue != types.StateValueAlarm || aws.ToString(a.StateReason) != "Threshold Crossed: 1 datapoint [0.0 ("+when+")] was less than the threshold (1.0)." {
		t.Errorf("silence = %s: %s", a.StateValue, aws.ToString(a.StateReason))
	}

	// The notification published to the topic.
	h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("error-rate"), HistoryItemType: types.HistoryItemTypeAction})
	if err != nil || len(h.AlarmHistoryItems) != 1 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	var data struct{ PublishedMessage string }
	if err := json.Unmarshal([]byte(aws.ToString(h.AlarmHistoryItems[0].HistoryData)), &data); err != nil {
		t.Fatal(err)
	}
	var msg struct{ Trigger json.RawMessage }
	if err := json.Unmarshal([]byte(data.PublishedMessage), &msg); err != nil {
		t.Fatal(err)
	}
	wantTrigger := `{"Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":5,"TreatMissingData":"","EvaluateLowSampleCountPercentile":"","Metrics":[` +
		`{"Id":"m1","MetricStat":{"Metric":{"Dimensions":[],"MetricName":"Errors","Namespace":"App"},"Period":60,"Stat":"Sum"},"ReturnData":false},` +
		`{"Id":"m2","MetricStat":{"Metric":{"Dimensions":[],"MetricName":"Requests","Namespace":"App"},"Period":60,"Stat":"Sum"},"ReturnData":false},` +
		`{"Expression":"100 * m1 / m2","Id":"e1","Label":"Error rate","ReturnData":true}]}`
	if string(msg.Trigger) != wantTrigger {
		t.Errorf("Trigger = %s\nwant %s", msg.Trigger, wantTrigger)
	}

	// Errors fall to 1 %: back to OK.
	putSums(t, cw, "Errors", at, map[int]float64{0: -7})
	if p, err := ts.Server().EvaluateAlarms(ctx); err != nil || p.Changed != 2 {
		t.Fatalf("EvaluateAlarms = %+v, %v", p, err)
	}
	if a := state("error-rate"); a.StateValue != types.StateValueOk {
		t.Errorf("error-rate = %s: %s", a.StateValue, aws.ToString(a.StateReason))
	}
}
