package cloudwatch_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func putAlarm(name string) *awscw.PutMetricAlarmInput {
	return &awscw.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("App"), MetricName: aws.String("Errors"),
		Dimensions: []types.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}},
		Statistic:  types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3),
		Threshold: aws.Float64(5), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
	}
}

// alarmClient is a client of a server whose alarms are not evaluated
// behind the test's back.
func alarmClient(t *testing.T) (*awscw.Client, *testserver.Server) {
	ts := testserver.Start(t, testserver.WithConfig(func(c *server.Config) { c.AlarmInterval = -1 }))
	return awscw.NewFromConfig(ts.RootConfig()), ts
}

func TestSDKPutAndDescribeAlarms(t *testing.T) {
	cw, ts := alarmClient(t)
	ctx := context.Background()
	in := putAlarm("web-errors")
	in.AlarmDescription = aws.String("too many")
	in.AlarmActions = []string{"arn:aws:sns:us-east-1:123456789012:ops"}
	in.DatapointsToAlarm = aws.Int32(2)
	in.TreatMissingData = aws.String("notBreaching")
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"db-errors", "web-latency"} {
		if _, err := cw.PutMetricAlarm(ctx, putAlarm(n)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"web-errors", "nope"}})
	if err != nil || len(out.MetricAlarms) != 1 || len(out.CompositeAlarms) != 0 {
		t.Fatalf("DescribeAlarms = %+v, %v", out, err)
	}
	a := out.MetricAlarms[0]
	if aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:"+ts.Root.AccountID+":alarm:web-errors" ||
		a.StateValue != types.StateValueInsufficientData || aws.ToString(a.StateReason) != "Unchecked: Initial alarm creation" ||
		aws.ToString(a.AlarmDescription) != "too many" || !aws.ToBool(a.ActionsEnabled) || len(a.AlarmActions) != 1 ||
		aws.ToInt32(a.DatapointsToAlarm) != 2 || aws.ToInt32(a.EvaluationPeriods) != 3 || aws.ToInt32(a.Period) != 60 ||
		aws.ToFloat64(a.Threshold) != 5 || a.Statistic != types.StatisticSum || aws.ToString(a.TreatMissingData) != "notBreaching" ||
		len(a.Dimensions) != 1 || a.StateUpdatedTimestamp == nil || a.AlarmConfigurationUpdatedTimestamp == nil {
		t.Errorf("alarm = %+v", a)
	}
	names := func(o *awscw.DescribeAlarmsOutput) string {
		var s []string
		for _, a := range o.MetricAlarms {
			s = append(s, *a.AlarmName)
		}
		return strings.Join(s, ",")
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNamePrefix: aws.String("web-")}); err != nil || names(out) != "web-errors,web-latency" {
		t.Errorf("prefix = %v, %v", names(out), err)
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:sns:")}); err != nil || names(out) != "web-errors" {
		t.Errorf("ActionPrefix = %v, %v", names(out), err)
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{StateValue: types.StateValueOk}); err != nil || names(out) != "" {
		t.Errorf("StateValue OK = %v, %v", names(out), err)
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}); err != nil || names(out) != "" {
		t.Errorf("composite only = %v, %v", names(out), err)
	}
	// Paging.
	var all []string
	var tok *string
	for {
		out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{MaxRecords: aws.Int32(2), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(out))
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	if strings.Join(all, "|") != "db-errors,web-errors|web-latency" {
		t.Errorf("pages = %q", all)
	}
	_, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidNextToken", "The service cannot process the request because the NextToken is invalid.")
	_, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"a"}, AlarmNamePrefix: aws.String("a")})
	wantCode(t, err, "InvalidParameterCombination", "")

	// DescribeAlarmsForMetric matches metric, dimensions and narrowing fields.
	fm, err := cw.DescribeAlarmsForMetric(ctx, &awscw.DescribeAlarmsForMetricInput{Namespace: aws.String("App"), MetricName: aws.String("Errors")})
	if err != nil || len(fm.MetricAlarms) != 3 {
		t.Errorf("DescribeAlarmsForMetric = %d, %v", len(fm.MetricAlarms), err)
	}
	fm, err = cw.DescribeAlarmsForMetric(ctx, &awscw.DescribeAlarmsForMetricInput{Namespace: aws.String("App"), MetricName: aws.String("Errors"),
		Dimensions: []types.Dimension{{Name: aws.String("Host"), Value: aws.String("b")}}})
	if err != nil || len(fm.MetricAlarms) != 0 {
		t.Errorf("DescribeAlarmsForMetric other host = %d, %v", len(fm.MetricAlarms), err)
	}

	// An update keeps the state and is recorded.
	if _, err := cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("db-errors"), StateValue: types.StateValueAlarm,
		StateReason: aws.String("testing"), StateReasonData: aws.String(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	up := putAlarm("db-errors")
	up.Threshold = aws.Float64(9)
	if _, err := cw.PutMetricAlarm(ctx, up); err != nil {
		t.Fatal(err)
	}
	out, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil || names(out) != "db-errors" || aws.ToFloat64(out.MetricAlarms[0].Threshold) != 9 ||
		aws.ToString(out.MetricAlarms[0].StateReason) != "testing" || aws.ToString(out.MetricAlarms[0].StateReasonData) != `{"a":1}` {
		t.Errorf("after update = %+v, %v", out, err)
	}
	_, err = cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
	wantCode(t, err, "ResourceNotFound", "Alarm nope not found")
	_, err = cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("db-errors"), StateValue: "INVALID", StateReason: aws.String("x")})
	wantCode(t, err, "ValidationError", "1 validation error detected: Value 'INVALID' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
	_, err = cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("db-errors"), StateValue: types.StateValueOk,
		StateReason: aws.String("x"), StateReasonData: aws.String("{not json")})
	wantCode(t, err, "InvalidFormat", "")

	// History: newest first by default, oldest first with ScanBy, by type, paged.
	h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("db-errors")})
	if err != nil || len(h.AlarmHistoryItems) != 3 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if it := h.AlarmHistoryItems[0]; it.HistoryItemType != types.HistoryItemTypeConfigurationUpdate || aws.ToString(it.HistorySummary) != `Alarm "db-errors" updated` {
		t.Errorf("newest = %+v %s", it.HistoryItemType, aws.ToString(it.HistorySummary))
	}
	h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("db-errors"), ScanBy: types.ScanByTimestampAscending})
	if err != nil || aws.ToString(h.AlarmHistoryItems[0].HistorySummary) != `Alarm "db-errors" created` {
		t.Errorf("ascending = %+v, %v", h, err)
	}
	h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{HistoryItemType: types.HistoryItemTypeStateUpdate})
	if err != nil || len(h.AlarmHistoryItems) != 1 || aws.ToString(h.AlarmHistoryItems[0].HistorySummary) != "Alarm updated from INSUFFICIENT_DATA to ALARM" ||
		h.AlarmHistoryItems[0].AlarmType != types.AlarmTypeMetricAlarm {
		t.Errorf("StateUpdate = %+v, %v", h, err)
	} else {
		var data map[string]any
		if err := json.Unmarshal([]byte(*h.AlarmHistoryItems[0].HistoryData), &data); err != nil || data["newState"].(map[string]any)["stateReason"] != "testing" {
			t.Errorf("HistoryData = %s", *h.AlarmHistoryItems[0].HistoryData)
		}
	}
	var count int
	tok = nil
	for range 10 {
		h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{MaxRecords: aws.Int32(2), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		count += len(h.AlarmHistoryItems)
		if tok = h.NextToken; tok == nil {
			break
		}
	}
	if count != 5 { // 3 creates, 1 update, 1 state change
		t.Errorf("paged history = %d items, want 5", count)
	}
	h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{EndDate: aws.Time(time.Now().Add(-time.Hour))})
	if err != nil || len(h.AlarmHistoryItems) != 0 {
		t.Errorf("EndDate in the past = %+v, %v", h, err)
	}

	// Disable and enable actions.
	if _, err := cw.DisableAlarmActions(ctx, &awscw.DisableAlarmActionsInput{AlarmNames: []string{"web-errors", "nope"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"web-errors"}})
	if e := out.MetricAlarms[0].ActionsEnabled; e == nil || *e {
		t.Errorf("ActionsEnabled = %v after DisableAlarmActions, want false", e)
	}
	if _, err := cw.EnableAlarmActions(ctx, &awscw.EnableAlarmActionsInput{AlarmNames: []string{"web-errors"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"web-errors"}})
	if !aws.ToBool(out.MetricAlarms[0].ActionsEnabled) {
		t.Error("actions not enabled again")
	}

	// Delete skips unknown names; history stays.
	if _, err := cw.DeleteAlarms(ctx, &awscw.DeleteAlarmsInput{AlarmNames: []string{"db-errors", "nope"}}); err != nil {
		t.Fatal(err)
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{}); err != nil || names(out) != "web-errors,web-latency" {
		t.Errorf("after delete = %v, %v", names(out), err)
	}
	h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("db-errors")})
	if err != nil || len(h.AlarmHistoryItems) != 4 || aws.ToString(h.AlarmHistoryItems[0].HistorySummary) != `Alarm "db-errors" deleted` {
		t.Errorf("history after delete = %+v, %v", h, err)
	}
}

func TestSDKPutMetricAlarmErrors(t *testing.T) {
	cw, _ := alarmClient(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		edit      func(*awscw.PutMetricAlarmInput)
		code, msg string
	}{
		{"period", func(in *awscw.PutMetricAlarmInput) { in.Period = aws.Int32(45) }, "ValidationError", "Period must be 10, 20, 30 or a multiple of 60"},
		{"one day", func(in *awscw.PutMetricAlarmInput) { in.EvaluationPeriods = aws.Int32(1441) },
			"ValidationError", "The evaluation period (EvaluationPeriods * Period) must not exceed 1 day."},
		{"seven days", func(in *awscw.PutMetricAlarmInput) {
			in.Period = aws.Int32(3600)
			in.EvaluationPeriods = aws.Int32(169)
		},
			"ValidationError", "The evaluation period (EvaluationPeriods * Period) must not exceed 7 days."},
		{"M > N", func(in *awscw.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(4) },
			"ValidationError", "DatapointsToAlarm must be less than or equal to EvaluationPeriods"},
		{"action", func(in *awscw.PutMetricAlarmInput) { in.OKActions = []string{"arn:aws:sqs:us-east-1:123456789012:q"} },
			"ValidationError", "Invalid arn syntax: arn:aws:sqs:us-east-1:123456789012:q"},
		{"too many actions", func(in *awscw.PutMetricAlarmInput) {
			in.AlarmActions = strings.Split(strings.Repeat("arn:aws:sns:us-east-1:123456789012:t ", 6), " ")[:6]
		}, "ValidationError", ""},
		{"both statistics", func(in *awscw.PutMetricAlarmInput) { in.ExtendedStatistic = aws.String("p99") }, "InvalidParameterCombination", ""},
		{"math", func(in *awscw.PutMetricAlarmInput) {
			in.Namespace, in.MetricName, in.Statistic, in.Period, in.Dimensions = nil, nil, "", nil, nil
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("m1*2")}}
		}, "ValidationError", "Error in expression 'e1': Unrecognized metric or expression id 'm1'"},
		{"missing data", func(in *awscw.PutMetricAlarmInput) { in.TreatMissingData = aws.String("sometimes") }, "ValidationError", ""},
		{"no threshold", func(in *awscw.PutMetricAlarmInput) { in.Threshold = nil }, "MissingParameter", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := putAlarm("a")
			c.edit(in)
			_, err := cw.PutMetricAlarm(ctx, in)
			wantCode(t, err, c.code, c.msg)
		})
	}
	if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{}); err != nil || len(out.MetricAlarms) != 0 {
		t.Errorf("refused alarms were stored: %+v, %v", out, err)
	}
	// Every documented action form is accepted.
	in := putAlarm("ok")
	in.AlarmActions = []string{"arn:aws:sns:us-east-1:123456789012:t", "arn:aws:automate:us-east-1:ec2:stop",
		"arn:aws:lambda:us-east-1:123456789012:function:f:live", "arn:aws:ssm:us-east-1:123456789012:opsitem:2#CATEGORY=Security",
		"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:id:autoScalingGroupName/g:policyName/p"}
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// The evaluation worker: data crossing the threshold move the alarm to
// ALARM and an HTTP subscriber of its SNS topic gets the notification; data
// falling back move it to OK with a second one.
func TestAlarmWorkerNotifies(t *testing.T) {
	ts := testserver.Start(t, testserver.WithConfig(func(c *server.Config) {
		c.SNSPollInterval = 50 * time.Millisecond
		c.AlarmInterval = -1 // passes are driven by the test
	}))
	ctx := context.Background()
	cw := awscw.NewFromConfig(ts.RootConfig())
	sub := newSubscriber(t, ts, "ops")
	wait := func() map[string]any { t.Helper(); return sub.wait(t) }

	in := putAlarm("errors")
	in.Statistic = types.StatisticMinimum
	in.EvaluationPeriods = aws.Int32(1)
	in.AlarmActions = []string{sub.topic}
	in.OKActions = []string{sub.topic}
	in.Unit = types.StandardUnitCount
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	put := func(v float64) {
		t.Helper()
		// The newest whole minute: the last period of the evaluation range.
		at := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
		if _, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{{
			MetricName: aws.String("Errors"), Dimensions: in.Dimensions, Timestamp: aws.Time(at), Value: aws.Float64(v), Unit: types.StandardUnitCount}}}); err != nil {
			t.Fatal(err)
		}
	}
	pass := func(changed int) {
		t.Helper()
		p, err := ts.Server().EvaluateAlarms(ctx)
		if err != nil || !p.Held || p.Changed != changed {
			t.Fatalf("EvaluateAlarms = %+v, %v; want %d changed", p, err, changed)
		}
	}
	notification := func(state, old string) map[string]any {
		t.Helper()
		n := wait()
		if n["Type"] != "Notification" || n["Subject"] != state+`: "errors" in US East (N. Virginia)` {
			t.Fatalf("delivery = %v", n)
		}
		var msg map[string]any
		if err := json.Unmarshal([]byte(n["Message"].(string)), &msg); err != nil {
			t.Fatal(err)
		}
		if msg["AlarmName"] != "errors" || msg["NewStateValue"] != state || msg["OldStateValue"] != old ||
			msg["AWSAccountId"] != ts.Root.AccountID || msg["Region"] != "US East (N. Virginia)" ||
			!strings.HasPrefix(msg["NewStateReason"].(string), "Threshold Crossed: 1 datapoint [") {
			t.Errorf("message = %v", msg)
		}
		tr := msg["Trigger"].(map[string]any)
		if tr["Statistic"] != "MINIMUM" || tr["StatisticType"] != "Statistic" || tr["Unit"] != "Count" || tr["Threshold"] != 5.0 ||
			tr["Dimensions"].([]any)[0].(map[string]any)["name"] != "Host" {
			t.Errorf("Trigger = %v", tr)
		}
		return msg
	}

	put(10)
	pass(1)
	notification("ALARM", "INSUFFICIENT_DATA")
	pass(0) // the state persists: no action again
	put(1)  // the minimum of the period falls to 1
	pass(1)
	notification("OK", "ALARM")
	select {
	case b := <-sub.got:
		t.Fatalf("unexpected delivery %s", b)
	case <-time.After(200 * time.Millisecond):
	}
	h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("errors"), HistoryItemType: types.HistoryItemTypeAction})
	if err != nil || len(h.AlarmHistoryItems) != 2 || aws.ToString(h.AlarmHistoryItems[0].HistorySummary) != "Successfully executed action "+sub.topic {
		t.Errorf("Action history = %+v, %v", h, err)
	}
	out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"errors"}})
	if err != nil || out.MetricAlarms[0].StateValue != types.StateValueOk || out.MetricAlarms[0].StateTransitionedTimestamp == nil {
		t.Errorf("alarm after OK = %+v, %v", out, err)
	}
}

// subscriber is an HTTP endpoint subscribed, and confirmed, to a new SNS
// topic: wait returns its next delivery, decoded.
type subscriber struct {
	topic string
	got   chan []byte
}

func newSubscriber(t *testing.T, ts *testserver.Server, topicName string) *subscriber {
	t.Helper()
	ctx := context.Background()
	sn := awssns.NewFromConfig(ts.RootConfig())
	s := &subscriber{got: make(chan []byte, 10)}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.got <- b
	}))
	t.Cleanup(recv.Close)
	topic, err := sn.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(topicName)})
	if err != nil {
		t.Fatal(err)
	}
	s.topic = *topic.TopicArn
	if _, err := sn.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(recv.URL)}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.wait(t)["SubscribeURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return s
}

func (s *subscriber) wait(t *testing.T) map[string]any {
	t.Helper()
	select {
	case b := <-s.got:
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("delivery %s: %v", b, err)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	return nil
}
