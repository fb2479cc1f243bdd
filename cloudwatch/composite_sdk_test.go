package cloudwatch_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// onBothBackends runs body against a server on SQLite and one on
// PostgreSQL, with alarm passes driven by the test.
func onBothBackends(t *testing.T, body func(t *testing.T, ts *testserver.Server), opts ...testserver.Option) {
	opts = append(opts, testserver.WithConfig(func(c *server.Config) { c.AlarmInterval = -1 }))
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Start(t, opts...)) })
	t.Run("postgres", func(t *testing.T) {
		body(t, testserver.Start(t, append(opts, testserver.WithBackend(testenv.Postgres(t)))...))
	})
}

// childAlarm is a metric alarm that keeps its state while no data comes,
// so that only SetAlarmState moves it.
func childAlarm(name string) *awscw.PutMetricAlarmInput {
	in := putAlarm(name)
	in.TreatMissingData = aws.String("ignore")
	return in
}

func compositeNames(o *awscw.DescribeAlarmsOutput) string {
	var s []string
	for _, a := range o.MetricAlarms {
		s = append(s, "m:"+aws.ToString(a.AlarmName))
	}
	for _, a := range o.CompositeAlarms {
		s = append(s, "c:"+aws.ToString(a.AlarmName))
	}
	return strings.Join(s, ",")
}

func TestSDKCompositeAlarms(t *testing.T) {
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) {
		ctx := context.Background()
		cw := awscw.NewFromConfig(ts.RootConfig())
		arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:" + n }
		for _, n := range []string{"cpu", "disk"} {
			if _, err := cw.PutMetricAlarm(ctx, childAlarm(n)); err != nil {
				t.Fatal(err)
			}
		}
		put := func(name, rule string) error {
			_, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String(name), AlarmRule: aws.String(rule)})
			return err
		}
		set := func(name string, v types.StateValue) {
			t.Helper()
			if _, err := cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String(name), StateValue: v,
				StateReason: aws.String("test")}); err != nil {
				t.Fatal(err)
			}
		}
		composite := func(name string) types.CompositeAlarm {
			t.Helper()
			out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{name},
				AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
			if err != nil || len(out.CompositeAlarms) != 1 {
				t.Fatalf("DescribeAlarms %s = %+v, %v", name, out, err)
			}
			return out.CompositeAlarms[0]
		}

		// Validation.
		wantCode(t, put("x", "ALARM(cpu) OR ALARM(nope)"), "ValidationError",
			"Could not save the composite alarm as alarms [nope] in the alarm rule do not exist")
		wantCode(t, put("x", `ALARM("arn:aws:cloudwatch:eu-west-1:`+ts.Root.AccountID+`:alarm:cpu")`), "ValidationError",
			"Could not save the composite alarm as alarms [arn:aws:cloudwatch:eu-west-1:"+ts.Root.AccountID+":alarm:cpu] in the alarm rule do not exist")
		wantCode(t, put("x", "ALARM(x)"), "ValidationError", "Could not save the composite alarm as alarms [x] in the alarm rule do not exist")
		wantCode(t, put("x", "ALARM(cpu) AND"), "ValidationError", "")
		wantCode(t, put("x", ""), "ValidationError", "")
		wantCode(t, put("cpu", "TRUE"), "ValidationError", "")
		_, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("x"), AlarmRule: aws.String("ALARM(cpu)"),
			ActionsSuppressor: aws.String("disk")})
		wantCode(t, err, "MissingParameter", "")
		_, err = cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("x"), AlarmRule: aws.String("ALARM(cpu)"),
			AlarmActions: []string{"arn:aws:automate:us-east-1:ec2:stop"}})
		wantCode(t, err, "ValidationError", "")

		// A composite over two alarms that never had data is OK at once.
		if _, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("service"),
			AlarmRule: aws.String(`ALARM(cpu) OR ALARM("` + arn("disk") + `")`), AlarmDescription: aws.String("cpu or disk"),
			AlarmActions: []string{"arn:aws:sns:us-east-1:" + ts.Root.AccountID + ":page"}}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, func() error { _, err := cw.PutMetricAlarm(ctx, childAlarm("service")); return err }(), "ValidationError", "")
		c := composite("service")
		if c.StateValue != types.StateValueOk || aws.ToString(c.AlarmArn) != arn("service") ||
			aws.ToString(c.AlarmRule) != `ALARM(cpu) OR ALARM("`+arn("disk")+`")` || aws.ToString(c.AlarmDescription) != "cpu or disk" ||
			!aws.ToBool(c.ActionsEnabled) || len(c.AlarmActions) != 1 || c.OKActions == nil || c.StateUpdatedTimestamp == nil ||
			c.StateTransitionedTimestamp == nil || c.AlarmConfigurationUpdatedTimestamp == nil || c.ActionsSuppressor != nil {
			t.Errorf("composite = %+v", c)
		}
		if !strings.Contains(aws.ToString(c.StateReason), " transitioned to INSUFFICIENT_DATA at ") {
			t.Errorf("reason = %q", aws.ToString(c.StateReason))
		}

		// Filters: metric alarms by default, composites on request.
		for _, tc := range []struct {
			in   awscw.DescribeAlarmsInput
			want string
		}{
			{awscw.DescribeAlarmsInput{}, "m:cpu,m:disk"},
			{awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}, "c:service"},
			{awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}}, "m:cpu,m:disk,c:service"},
			{awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, StateValue: types.StateValueAlarm}, ""},
			{awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, ActionPrefix: aws.String("arn:aws:sns:")}, "c:service"},
			{awscw.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("service")}, "m:cpu,m:disk"},
			{awscw.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("disk")}, "c:service"},
			{awscw.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("service")}, ""},
			{awscw.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("nope")}, ""},
		} {
			out, err := cw.DescribeAlarms(ctx, &tc.in)
			if err != nil || compositeNames(out) != tc.want {
				t.Errorf("DescribeAlarms(%+v) = %q, %v; want %q", tc.in, compositeNames(out), err, tc.want)
			}
		}
		// Children carry their state, parents only name and ARN.
		out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("service")})
		if err != nil || out.MetricAlarms[0].StateValue != types.StateValueInsufficientData || out.MetricAlarms[0].StateUpdatedTimestamp == nil ||
			out.MetricAlarms[0].MetricName != nil || aws.ToString(out.MetricAlarms[0].AlarmArn) != arn("cpu") {
			t.Errorf("children = %+v, %v", out, err)
		}
		out, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("cpu")})
		if err != nil || len(out.CompositeAlarms) != 1 || out.CompositeAlarms[0].StateValue != "" || out.CompositeAlarms[0].AlarmRule != nil ||
			aws.ToString(out.CompositeAlarms[0].AlarmArn) != arn("service") {
			t.Errorf("parents = %+v, %v", out, err)
		}
		_, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("cpu"), StateValue: types.StateValueOk})
		wantCode(t, err, "InvalidParameterCombination", "")

		// The composite follows its children.
		set("cpu", types.StateValueAlarm)
		c = composite("service")
		if c.StateValue != types.StateValueAlarm ||
			!strings.HasPrefix(aws.ToString(c.StateReason), arn("cpu")+" transitioned to ALARM at ") {
			t.Fatalf("after cpu ALARM: %+v", c)
		}
		var data struct {
			TriggeringAlarms []struct {
				Arn   string
				State struct{ Value, Timestamp string }
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(c.StateReasonData)), &data); err != nil || len(data.TriggeringAlarms) != 1 ||
			data.TriggeringAlarms[0].Arn != arn("cpu") || data.TriggeringAlarms[0].State.Value != "ALARM" {
			t.Errorf("reason data %s: %v", aws.ToString(c.StateReasonData), err)
		}
		set("disk", types.StateValueAlarm) // still ALARM: nothing changes
		if c2 := composite("service"); !c2.StateTransitionedTimestamp.Equal(*c.StateTransitionedTimestamp) || aws.ToString(c2.StateReason) != aws.ToString(c.StateReason) {
			t.Errorf("composite moved while its rule stayed true: %+v", c2)
		}
		set("cpu", types.StateValueOk)
		if c = composite("service"); c.StateValue != types.StateValueAlarm {
			t.Errorf("disk still in ALARM, composite %s", c.StateValue)
		}
		set("disk", types.StateValueOk)
		c = composite("service")
		if c.StateValue != types.StateValueOk || !strings.HasPrefix(aws.ToString(c.StateReason), arn("disk")+" transitioned to OK at ") {
			t.Errorf("after both OK: %+v", c)
		}
		if err := json.Unmarshal([]byte(aws.ToString(c.StateReasonData)), &data); err != nil || len(data.TriggeringAlarms) != 2 ||
			data.TriggeringAlarms[0].Arn != arn("disk") || data.TriggeringAlarms[1].Arn != arn("cpu") {
			t.Errorf("recovery reason data %s: %v", aws.ToString(c.StateReasonData), err)
		}

		// History: composite items only when asked for.
		h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("service"), HistoryItemType: types.HistoryItemTypeStateUpdate})
		if err != nil || len(h.AlarmHistoryItems) != 0 {
			t.Errorf("history without AlarmTypes = %+v, %v", h, err)
		}
		h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("service"),
			AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, HistoryItemType: types.HistoryItemTypeStateUpdate})
		var summaries []string
		for _, it := range h.AlarmHistoryItems {
			if it.AlarmType != types.AlarmTypeCompositeAlarm {
				t.Errorf("item type %s", it.AlarmType)
			}
			summaries = append(summaries, aws.ToString(it.HistorySummary))
		}
		if err != nil || strings.Join(summaries, "|") != "Alarm updated from ALARM to OK|Alarm updated from OK to ALARM|Alarm updated from INSUFFICIENT_DATA to OK" {
			t.Errorf("composite history = %q, %v", summaries, err)
		}
		// The ALARM action ran (and failed: there is no such topic).
		h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("service"),
			AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, HistoryItemType: types.HistoryItemTypeAction})
		if err != nil || len(h.AlarmHistoryItems) != 1 {
			t.Errorf("action history = %+v, %v", h, err)
		}

		// Composites of composites, and SetAlarmState on a composite.
		if err := put("top", "ALARM(service) AND NOT ALARM(nothing-here) OR FALSE"); err == nil {
			t.Fatal("rule naming a missing alarm accepted")
		}
		if err := put("top", "ALARM(service)"); err != nil {
			t.Fatal(err)
		}
		set("cpu", types.StateValueAlarm)
		if c := composite("top"); c.StateValue != types.StateValueAlarm || !strings.HasPrefix(aws.ToString(c.StateReason), arn("service")+" transitioned to ALARM") {
			t.Errorf("top = %+v", c)
		}
		set("service", types.StateValueOk)
		if c := composite("top"); c.StateValue != types.StateValueOk {
			t.Errorf("top after SetAlarmState on service = %s", c.StateValue)
		}
		if c := composite("service"); c.StateValue != types.StateValueOk || aws.ToString(c.StateReason) != "test" {
			t.Errorf("service = %+v", c)
		}

		// Deleting alarms composites depend on.
		del := func(names ...string) error {
			_, err := cw.DeleteAlarms(ctx, &awscw.DeleteAlarmsInput{AlarmNames: names})
			return err
		}
		wantCode(t, del("cpu"), "ValidationError", "Cannot delete cpu as there are composite alarm(s) depending on it.")
		wantCode(t, del("disk", "cpu", "nope"), "ValidationError", "Cannot delete cpu,disk as there are composite alarm(s) depending on them.")
		wantCode(t, del("service", "top"), "ValidationError", "")
		wantCode(t, del("service"), "ValidationError", "Cannot delete service as there are composite alarm(s) depending on it.")

		// A cycle is accepted, not evaluated, and blocks deletion.
		if err := put("loop-a", "ALARM(cpu)"); err != nil {
			t.Fatal(err)
		}
		if err := put("loop-b", "ALARM(loop-a)"); err != nil {
			t.Fatal(err)
		}
		if err := put("loop-a", "ALARM(loop-b) OR ALARM(cpu)"); err != nil {
			t.Fatalf("closing a cycle: %v", err)
		}
		before := composite("loop-a")
		set("cpu", types.StateValueOk)
		if c := composite("loop-a"); c.StateValue != before.StateValue || !c.StateUpdatedTimestamp.Equal(*before.StateUpdatedTimestamp) {
			t.Errorf("composite on a cycle was evaluated: %+v", c)
		}
		wantCode(t, del("loop-a"), "ValidationError", "Cannot delete loop-a as there are composite alarm(s) depending on it.")
		if err := put("loop-a", "FALSE"); err != nil {
			t.Fatal(err)
		}
		for _, names := range [][]string{{"loop-b"}, {"loop-a"}, {"top"}, {"service", "cpu", "disk"}} {
			if err := del(names...); err != nil {
				t.Fatalf("DeleteAlarms %v: %v", names, err)
			}
		}
		out, err = cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}})
		if err != nil || compositeNames(out) != "" {
			t.Errorf("left after deleting = %q, %v", compositeNames(out), err)
		}
		h, err = cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("service"),
			AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, HistoryItemType: types.HistoryItemTypeConfigurationUpdate})
		if err != nil || len(h.AlarmHistoryItems) != 2 || aws.ToString(h.AlarmHistoryItems[0].HistorySummary) != `Alarm "service" deleted` {
			t.Errorf("configuration history = %+v, %v", h, err)
		}
	})
}

// clock is a settable server clock.
type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.d)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.d += d
	c.mu.Unlock()
}

// TestCompositeActionsAndSuppression: a composite's actions reach an SNS
// subscription on every transition, except while its suppressor holds
// them: WaitPeriod, then the suppressor in ALARM, then ExtensionPeriod,
// after which the held ALARM action runs.
func TestCompositeActionsAndSuppression(t *testing.T) {
	clk := &clock{}
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) {
		ctx := context.Background()
		cw := awscw.NewFromConfig(ts.RootConfig())
		sub := newSubscriber(t, ts, "pager")
		wait := func() map[string]any { t.Helper(); return sub.wait(t) }
		quiet := func() {
			t.Helper()
			select {
			case b := <-sub.got:
				t.Fatalf("unexpected delivery %s", b)
			case <-time.After(300 * time.Millisecond):
			}
		}
		arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:" + n }
		set := func(name string, v types.StateValue) {
			t.Helper()
			if _, err := cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String(name), StateValue: v,
				StateReason: aws.String("test")}); err != nil {
				t.Fatal(err)
			}
		}
		notified := func(state, old string) {
			t.Helper()
			n := wait()
			if n["Subject"] != state+`: "svc" in US East (N. Virginia)` {
				t.Fatalf("delivery = %v", n)
			}
			var msg map[string]any
			if err := json.Unmarshal([]byte(n["Message"].(string)), &msg); err != nil {
				t.Fatal(err)
			}
			kids, _ := msg["TriggeringChildren"].([]any)
			if msg["AlarmName"] != "svc" || msg["NewStateValue"] != state || msg["OldStateValue"] != old || msg["AlarmRule"] != "ALARM(app)" ||
				msg["AlarmArn"] != arn("svc") || msg["Trigger"] != nil || len(kids) != 1 ||
				kids[0].(map[string]any)["Arn"] != arn("app") || kids[0].(map[string]any)["State"].(map[string]any)["Value"] != state {
				t.Errorf("message = %v", msg)
			}
		}
		suppressed := func(by string) {
			t.Helper()
			out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"svc"}, AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
			if err != nil || len(out.CompositeAlarms) != 1 {
				t.Fatalf("DescribeAlarms = %+v, %v", out, err)
			}
			c := out.CompositeAlarms[0]
			reason := ""
			if by != "" {
				reason = "Actions suppressed by " + by
			}
			if string(c.ActionsSuppressedBy) != by || aws.ToString(c.ActionsSuppressedReason) != reason ||
				aws.ToString(c.ActionsSuppressor) != "maintenance" || aws.ToInt32(c.ActionsSuppressorWaitPeriod) != 60 ||
				aws.ToInt32(c.ActionsSuppressorExtensionPeriod) != 120 {
				t.Errorf("suppression = %s %q, want %s", c.ActionsSuppressedBy, aws.ToString(c.ActionsSuppressedReason), by)
			}
		}
		pass := func() {
			t.Helper()
			if _, err := ts.Server().EvaluateAlarms(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []string{"app", "maintenance"} {
			if _, err := cw.PutMetricAlarm(ctx, childAlarm(n)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("svc"), AlarmRule: aws.String("ALARM(app)"),
			AlarmActions: []string{sub.topic}, OKActions: []string{sub.topic},
			ActionsSuppressor: aws.String("maintenance"), ActionsSuppressorWaitPeriod: aws.Int32(60), ActionsSuppressorExtensionPeriod: aws.Int32(120)}); err != nil {
			t.Fatal(err)
		}
		// Creation moves it from INSUFFICIENT_DATA to OK, and OK acts.
		n := wait()
		if n["Subject"] != `OK: "svc" in US East (N. Virginia)` {
			t.Fatalf("first delivery = %v", n)
		}
		suppressed("")

		set("app", types.StateValueAlarm)
		suppressed("WaitPeriod")
		quiet()
		set("maintenance", types.StateValueAlarm)
		suppressed("Alarm")
		clk.advance(2 * time.Minute)
		pass()
		quiet()
		set("maintenance", types.StateValueOk)
		suppressed("ExtensionPeriod")
		clk.advance(time.Minute)
		pass()
		quiet()
		clk.advance(90 * time.Second)
		suppressed("")
		pass() // the extension has run out: the held ALARM action runs
		notified("ALARM", "OK")
		pass()
		quiet()

		// Without the suppressor in play, both transitions act at once;
		// with actions disabled, neither does.
		set("app", types.StateValueOk)
		notified("OK", "ALARM")
		if _, err := cw.DisableAlarmActions(ctx, &awscw.DisableAlarmActionsInput{AlarmNames: []string{"svc"}}); err != nil {
			t.Fatal(err)
		}
		set("app", types.StateValueAlarm)
		clk.advance(2 * time.Minute)
		pass()
		quiet()
		h, err := cw.DescribeAlarmHistory(ctx, &awscw.DescribeAlarmHistoryInput{AlarmName: aws.String("svc"),
			AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}, HistoryItemType: types.HistoryItemTypeAction})
		var actions []string
		for _, it := range h.AlarmHistoryItems {
			actions = append(actions, aws.ToString(it.HistorySummary))
		}
		if err != nil || len(actions) != 3 || slices.ContainsFunc(actions, func(s string) bool { return s != "Successfully executed action "+sub.topic }) {
			t.Errorf("action history = %q, %v", actions, err)
		}
	}, testserver.WithConfig(func(c *server.Config) {
		c.Now = clk.Now
		c.SNSPollInterval = 50 * time.Millisecond
	}))
}

// TestSDKCompositeAtLeast: a composite with AT_LEAST follows how many of
// its children are in ALARM, a percentage one how many are not OK, and
// malformed rules are refused in CloudWatch's words.
func TestSDKCompositeAtLeast(t *testing.T) {
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) {
		ctx := context.Background()
		cw := awscw.NewFromConfig(ts.RootConfig())
		arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:" + n }
		for _, n := range []string{"az1", "az2", "az3"} {
			if _, err := cw.PutMetricAlarm(ctx, childAlarm(n)); err != nil {
				t.Fatal(err)
			}
		}
		set := func(name string, v types.StateValue) {
			t.Helper()
			if _, err := cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String(name), StateValue: v,
				StateReason: aws.String("test")}); err != nil {
				t.Fatal(err)
			}
		}
		states := func() string {
			t.Helper()
			out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"zones", "degraded"},
				AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
			if err != nil || len(out.CompositeAlarms) != 2 {
				t.Fatalf("DescribeAlarms = %+v, %v", out, err)
			}
			return string(out.CompositeAlarms[0].StateValue) + "," + string(out.CompositeAlarms[1].StateValue)
		}
		for _, n := range []string{"az1", "az2", "az3"} {
			set(n, types.StateValueOk)
		}
		rules := map[string]string{
			"zones":    `AT_LEAST(2, ALARM, (az1, "az2", "` + arn("az3") + `"))`,
			"degraded": "AT_LEAST(50%, NOT OK, (az1, az2, az3))",
		}
		for _, name := range []string{"zones", "degraded"} {
			if _, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String(name),
				AlarmRule: aws.String(rules[name])}); err != nil {
				t.Fatal(err)
			}
		}
		// DescribeAlarms lists degraded before zones.
		if got := states(); got != "OK,OK" {
			t.Fatalf("initial %s", got)
		}
		set("az1", types.StateValueAlarm) // 1 of 3 in ALARM, 33% not OK
		if got := states(); got != "OK,OK" {
			t.Errorf("one in ALARM: %s", got)
		}
		set("az2", types.StateValueInsufficientData) // 67% not OK
		if got := states(); got != "ALARM,OK" {
			t.Errorf("one in ALARM, one INSUFFICIENT_DATA: %s", got)
		}
		set("az3", types.StateValueAlarm) // 2 of 3 in ALARM
		if got := states(); got != "ALARM,ALARM" {
			t.Errorf("two in ALARM: %s", got)
		}
		out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"zones"}, AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
		if err != nil || !strings.HasPrefix(aws.ToString(out.CompositeAlarms[0].StateReason), arn("az3")+" transitioned to ALARM at ") ||
			aws.ToString(out.CompositeAlarms[0].AlarmRule) != rules["zones"] {
			t.Errorf("zones = %+v, %v", out, err)
		}
		set("az1", types.StateValueOk)
		set("az2", types.StateValueOk) // 1 of 3 in ALARM
		if got := states(); got != "OK,OK" {
			t.Errorf("back to one in ALARM: %s", got)
		}
		// AT_LEAST's children are children: they cannot be deleted while
		// referenced, and unknown ones are refused.
		if out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("az2")}); err != nil || compositeNames(out) != "c:degraded,c:zones" {
			t.Errorf("parents of az2 = %q, %v", compositeNames(out), err)
		}
		put := func(rule string) error {
			_, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("x"), AlarmRule: aws.String(rule)})
			return err
		}
		wantCode(t, put("AT_LEAST(1, ALARM, (az1, nope))"), "ValidationError",
			"Could not save the composite alarm as alarms [nope] in the alarm rule do not exist")
		wantCode(t, put("ALARM(az 1)"), "ValidationError", "Error in AlarmRule [Unsupported token '1' at char 9, must be: ')']")
		wantCode(t, put("()"), "ValidationError", "Error in AlarmRule [Unsupported token ')' at char 1]")
		wantCode(t, put("AT_LEAST(4, ALARM, (az1, az2, az3))"), "ValidationError", "")
	})
}
