package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/trailwatch/trailwatch/internal/testenv"
)

// alarmMessage is the part of a CloudWatch alarm's SNS message the
// scenario checks.
type alarmMessage struct {
	AlarmName, NewStateValue, OldStateValue, NewStateReason, AlarmArn string
	Trigger                                                           struct {
		MetricName, Namespace, Statistic string
		Period                           int32
		Threshold                        float64
	}
}

// TestFailedLoginAlarmScenario is docs/alarms-example.md run for real: a
// MariaDB with server_audit writes its audit file; `trailwatch agent`
// ships it to /aws/rds/instance/shop-db/audit on a spawned `trailwatch
// server`; a metric filter counts FAILED_CONNECT (default value 0); three
// failed logins put an alarm (Sum ≥ 3 over one 60 s period) in ALARM, and
// an HTTP endpoint that verifies SNS signatures and an SMTP server both
// receive the notification; application traffic without failures then
// brings the alarm back to OK, and both receive that notification too.
//
// The alarm works on whole minutes, as on AWS (metric filter data has
// one-minute resolution), so the test waits for the failures' minute and
// the next one to end: it takes one to two minutes.
func TestFailedLoginAlarmScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs MariaDB and waits for two minute boundaries")
	}
	// Mostly waiting for minute boundaries: run beside the other
	// parallel tests.
	t.Parallel()
	began := time.Now()
	ctx := context.Background()
	const (
		instance  = "shop-db"
		group     = "/aws/rds/instance/" + instance + "/audit"
		alarmName = "shop-db-failed-logins"
		namespace = "DatabaseAudit"
		metric    = "FailedLogins"
		pattern   = `{ $.operation = "FAILED_CONNECT" }`
		mailbox   = "dba@example.com"
	)

	// server_audit writes local time; the agent reads it as UTC.
	db := testenv.MariaDB(t, testenv.MariaDBOptions{AuditEvents: "CONNECT,QUERY", TimeZone: "UTC"})
	sql := func(args ...string) error {
		out, err := db.SQL(args...)
		if err != nil {
			return fmt.Errorf("mariadb %v: %v: %s", args, err, out)
		}
		return nil
	}
	if err := sql("-S", db.Socket, "-uroot", "-e", `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'apppw';
CREATE DATABASE shop; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';`); err != nil {
		t.Fatal(err)
	}

	mail := startSMTPSink(t)
	p := startServer(t, t.TempDir(), "TRAILWATCH_SMTP_ADDR="+mail.Addr, "TRAILWATCH_ALARM_INTERVAL=1s")
	hook := startSNSReceiver(t, p.URL)
	cfg := p.readConfig(rootKey, rootSecret)
	logsc, cw, snsc := cloudwatchlogs.NewFromConfig(cfg), cloudwatch.NewFromConfig(cfg), sns.NewFromConfig(cfg)

	// The log group and its metric filter first: a filter counts only
	// events ingested after it exists.
	if _, err := logsc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := logsc.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String("failed-logins"), FilterPattern: aws.String(pattern),
		MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String(metric), MetricNamespace: aws.String(namespace),
			MetricValue: aws.String("1"), DefaultValue: aws.Float64(0)}},
	}); err != nil {
		t.Fatal(err)
	}

	// The topic, an HTTP endpoint and an email address, both confirmed.
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("db-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ proto, endpoint string }{{"http", hook.URL}, {"email", mailbox}} {
		if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String(s.proto), Endpoint: aws.String(s.endpoint)}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case v := <-hook.Confirmed:
		if v != "1" {
			t.Errorf("SubscriptionConfirmation SignatureVersion %s, want SNS's default 1", v)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the HTTP endpoint got no SubscriptionConfirmation")
	}
	confirmMail := nextMail(t, mail, 20*time.Second)
	if confirmMail.Subject != "AWS Notification - Subscription Confirmation" || len(confirmMail.To) != 1 || confirmMail.To[0] != mailbox {
		t.Errorf("confirmation email: subject %q to %v", confirmMail.Subject, confirmMail.To)
	}
	link := ""
	for l := range strings.SplitSeq(confirmMail.Body, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "http") {
			link = l
		}
	}
	// The recipient clicks the link.
	if err := visitSubscribeURL(http.DefaultClient, p.URL, link); err != nil {
		t.Fatalf("confirmation email link: %v\n%s", err, confirmMail.Body)
	}
	subs, err := snsc.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	httpSub := ""
	for _, s := range subs.Subscriptions {
		if !strings.HasPrefix(aws.ToString(s.SubscriptionArn), aws.ToString(topic.TopicArn)+":") {
			t.Fatalf("subscription %s to %s is not confirmed", aws.ToString(s.SubscriptionArn), aws.ToString(s.Endpoint))
		}
		if aws.ToString(s.Protocol) == "http" {
			httpSub = aws.ToString(s.SubscriptionArn)
		}
	}
	if len(subs.Subscriptions) != 2 {
		t.Fatalf("%d subscriptions, want 2", len(subs.Subscriptions))
	}
	// Notifications from now on are signed with SHA256withRSA.
	if _, err := snsc.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn,
		AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String("2")}); err != nil {
		t.Fatal(err)
	}

	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarmName), AlarmDescription: aws.String("Three or more failed logins to shop-db in a minute"),
		Namespace: aws.String(namespace), MetricName: aws.String(metric), Statistic: cwtypes.StatisticSum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(3),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
		TreatMissingData:   aws.String("notBreaching"),
		AlarmActions:       []string{aws.ToString(topic.TopicArn)}, OKActions: []string{aws.ToString(topic.TopicArn)},
	}); err != nil {
		t.Fatal(err)
	}

	// The agent, as deployed beside the database.
	dir := t.TempDir()
	agentCfg := filepath.Join(dir, "agent.json")
	if err := os.WriteFile(agentCfg, fmt.Appendf(nil, `{"state_dir": %q, "endpoint": %q, "region": %q,
  "poll_interval": "100ms", "batch_wait": "200ms",
  "sources": [{"path": %q, "format": "mariadb", "name": %q}]}`, filepath.Join(dir, "state"), p.URL, region, db.AuditLog, instance), 0o644); err != nil {
		t.Fatal(err)
	}
	agent := exec.Command(binary, "agent", "--config", agentCfg)
	agent.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret,
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
	agentErr := &lockedWriter{}
	agent.Stderr = agentErr
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		agent.Process.Kill()
		agent.Wait()
		if t.Failed() {
			t.Logf("agent stderr:\n%s", agentErr.String())
		}
	})

	// The application keeps working throughout: a successful login and
	// query every 2 seconds, so every minute has audit events.
	stopApp := make(chan struct{})
	appDone := make(chan struct{})
	go func() {
		defer close(appDone)
		for {
			if err := sql(append(db.TCP(), "-uapp", "-papppw", "shop", "-e", "SELECT 1")...); err != nil {
				t.Errorf("application query: %v", err)
			}
			select {
			case <-stopApp:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	t.Cleanup(func() { close(stopApp); <-appDone })

	// Three wrong passwords, inside one minute: a metric filter counts by
	// the minute of each event, so three failures split over two minutes
	// would never reach the threshold.
	if s := time.Now().Second(); s >= 45 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	attack := time.Now().UTC()
	for range 3 {
		if err := sql(append(db.TCP(), "-uapp", "-pletmein", "shop", "-e", "SELECT 1")...); err == nil {
			t.Fatal("a login with a wrong password succeeded")
		} else if !strings.Contains(err.Error(), "1045") {
			t.Fatalf("wrong password: %v, want error 1045", err)
		}
	}
	if done := time.Now().UTC(); done.Truncate(time.Minute) != attack.Truncate(time.Minute) {
		t.Fatalf("the failed logins took from %v to %v, across a minute boundary", attack, done)
	}
	minute := attack.Truncate(time.Minute)
	t.Logf("3 failed logins at %s; the alarm can fire once %s has ended", attack.Format(time.TimeOnly), minute.Format("15:04"))

	// The minute ends, the alarm fires: a signed HTTP notification and an email.
	alarmMsg := waitTransition(t, hook, topic.TopicArn, httpSub, "ALARM", minute.Add(2*time.Minute))
	if alarmMsg.AlarmName != alarmName || alarmMsg.Trigger.MetricName != metric || alarmMsg.Trigger.Namespace != namespace ||
		alarmMsg.Trigger.Statistic != "SUM" || alarmMsg.Trigger.Period != 60 || alarmMsg.Trigger.Threshold != 3 {
		t.Errorf("ALARM notification: %+v", alarmMsg)
	}
	// The datapoint is the failures' minute, summing to exactly 3.
	wantReason := fmt.Sprintf("Threshold Crossed: 1 datapoint [3.0 (%s)] was greater than or equal to the threshold (3.0).",
		minute.Format("02/01/06 15:04:05"))
	if alarmMsg.NewStateReason != wantReason {
		t.Errorf("ALARM reason %q, want %q", alarmMsg.NewStateReason, wantReason)
	}
	checkAlarmMail(t, mail, alarmName, "ALARM", alarmMsg.NewStateReason)
	t.Logf("ALARM notified %s after the failures", time.Since(attack).Round(time.Second))

	// What the alarm saw is in the log group and the metric.
	found, err := logsc.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(pattern)})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Events) != 3 {
		t.Errorf("%d FAILED_CONNECT events in %s, want 3", len(found.Events), group)
	}
	for _, e := range found.Events {
		var ev struct{ Operation, User, ClientHost, ResultCode string }
		if err := json.Unmarshal([]byte(aws.ToString(e.Message)), &ev); err != nil || ev.User != "app" || ev.ClientHost != "127.0.0.1" || ev.ResultCode != "1045" {
			t.Errorf("shipped failed login %s: %+v %v", aws.ToString(e.Message), ev, err)
		}
	}

	// The failures have stopped; the application's next minute has no
	// failed login, so its datapoint is the filter's default 0.
	okMsg := waitTransition(t, hook, topic.TopicArn, httpSub, "OK", minute.Add(3*time.Minute))
	if okMsg.OldStateValue != "ALARM" || !strings.HasPrefix(okMsg.NewStateReason, "Threshold Crossed: 1 datapoint [0.0 (") ||
		!strings.HasSuffix(okMsg.NewStateReason, "was not greater than or equal to the threshold (3.0).") {
		t.Errorf("OK notification: old %s, reason %q", okMsg.OldStateValue, okMsg.NewStateReason)
	}
	checkAlarmMail(t, mail, alarmName, "OK", okMsg.NewStateReason)

	alarms, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{alarmName}})
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].StateValue != cwtypes.StateValueOk {
		t.Errorf("DescribeAlarms: %+v", alarms.MetricAlarms)
	}
	t.Logf("OK notified %s after the failures; scenario took %s", time.Since(attack).Round(time.Second), time.Since(began).Round(time.Second))
}

// waitTransition waits until deadline for the alarm notification whose
// NewStateValue is state, skipping an earlier OK from INSUFFICIENT_DATA
// (the alarm's first evaluation of a minute without failures).
func waitTransition(t *testing.T, hook *snsReceiver, topicARN *string, subARN, state string, deadline time.Time) alarmMessage {
	t.Helper()
	for {
		var n snsMessage
		select {
		case n = <-hook.Notifications:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("no %s notification by %s", state, deadline.Format(time.TimeOnly))
		}
		if n.TopicArn != aws.ToString(topicARN) || n.SubscriptionArn != subARN || n.SignatureVersion != "2" {
			t.Errorf("notification from %s to %s signed with version %s", n.TopicArn, n.SubscriptionArn, n.SignatureVersion)
		}
		var m alarmMessage
		if err := json.Unmarshal([]byte(n.Message), &m); err != nil {
			t.Fatalf("notification Message is not an alarm's JSON: %v: %s", err, n.Message)
		}
		wantSubject := state + `: "` + m.AlarmName + `" in US East (N. Virginia)`
		if m.NewStateValue == state {
			if n.Subject == nil || *n.Subject != wantSubject {
				t.Errorf("%s notification subject %v, want %q", state, n.Subject, wantSubject)
			}
			return m
		}
		if m.NewStateValue != "OK" || m.OldStateValue != "INSUFFICIENT_DATA" {
			t.Fatalf("waiting for %s, got %s → %s: %s", state, m.OldStateValue, m.NewStateValue, m.NewStateReason)
		}
		t.Logf("first evaluation: %s → OK (%s)", m.OldStateValue, m.NewStateReason)
	}
}

// checkAlarmMail waits for the email of a transition to state, skipping
// the initial INSUFFICIENT_DATA → OK one, as waitTransition does.
func checkAlarmMail(t *testing.T, mail *smtpSink, alarmName, state, reason string) {
	t.Helper()
	for {
		e := nextMail(t, mail, 20*time.Second)
		var m alarmMessage
		if err := json.Unmarshal([]byte(strings.TrimSpace(e.Body)), &m); err != nil {
			t.Fatalf("alarm email body is not the alarm's JSON: %v\n%s", err, e.Body)
		}
		if m.NewStateValue != state && m.OldStateValue == "INSUFFICIENT_DATA" {
			continue
		}
		want := state + `: "` + alarmName + `" in US East (N. Virginia)`
		if e.Subject != want || m.AlarmName != alarmName || m.NewStateValue != state || m.NewStateReason != reason ||
			len(e.To) != 1 || e.To[0] != "dba@example.com" {
			t.Errorf("%s email: subject %q to %v, message %+v", state, e.Subject, e.To, m)
		}
		return
	}
}

func nextMail(t *testing.T, mail *smtpSink, wait time.Duration) email {
	t.Helper()
	select {
	case e := <-mail.Mail:
		return e
	case <-time.After(wait):
		t.Fatalf("no email within %s", wait)
		return email{}
	}
}
