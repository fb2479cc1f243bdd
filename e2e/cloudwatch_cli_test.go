package e2e

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCLICloudWatch drives metrics and alarms with each AWS CLI on the
// machine: Debian's v2.9 speaks the query protocol to CloudWatch, the pip
// v1.x Smithy RPC v2 CBOR, so one flow checks both wire formats.
func TestCLICloudWatch(t *testing.T) {
	t.Parallel() // its own server; overlaps the waiting alarm scenario
	clis := awsCLIs(t)
	p := startServer(t, t.TempDir())
	for _, c := range clis {
		t.Run(c.name(), func(t *testing.T) {
			run := func(out any, args ...string) { t.Helper(); runCLI(t, c, p, rootKey, rootSecret, out, args...) }
			ns := "App/" + c.name()
			var who struct{ Account string }
			run(&who, "sts", "get-caller-identity")
			at := time.Now().UTC().Truncate(time.Minute).Add(-3 * time.Minute)
			ts := at.Format(time.RFC3339)
			dims := []map[string]string{{"Name": "Service", "Value": "web"}}
			data, _ := json.Marshal([]map[string]any{
				{"MetricName": "Latency", "Dimensions": dims, "Timestamp": ts, "Values": []float64{10, 20, 60}, "Counts": []float64{1, 1, 2}, "Unit": "Milliseconds"},
				{"MetricName": "Latency", "Dimensions": dims, "Timestamp": ts, "Unit": "Milliseconds",
					"StatisticValues": map[string]float64{"SampleCount": 2, "Sum": 100, "Minimum": 40, "Maximum": 60}},
			})
			run(nil, "cloudwatch", "put-metric-data", "--namespace", ns, "--metric-data", string(data))
			// The CLI's shorthand form.
			run(nil, "cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "Requests", "--value", "5", "--unit", "Count", "--timestamp", ts)

			var metrics struct {
				Metrics []struct {
					Namespace, MetricName string
					Dimensions            []struct{ Name, Value string }
				}
			}
			run(&metrics, "cloudwatch", "list-metrics", "--namespace", ns)
			if len(metrics.Metrics) != 2 {
				t.Fatalf("list-metrics = %+v, want Latency and Requests", metrics)
			}
			run(&metrics, "cloudwatch", "list-metrics", "--namespace", ns, "--metric-name", "Latency", "--dimensions", "Name=Service,Value=web")
			if len(metrics.Metrics) != 1 || metrics.Metrics[0].Dimensions[0].Value != "web" {
				t.Fatalf("list-metrics Latency = %+v", metrics)
			}

			start, end := at.Add(-time.Minute).Format(time.RFC3339), at.Add(2*time.Minute).Format(time.RFC3339)
			var stats struct {
				Label      string
				Datapoints []struct {
					Timestamp                                   cliTime
					SampleCount, Sum, Minimum, Maximum, Average float64
					Unit                                        string
				}
			}
			run(&stats, "cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Latency",
				"--dimensions", "Name=Service,Value=web", "--start-time", start, "--end-time", end, "--period", "60",
				"--statistics", "SampleCount", "Sum", "Minimum", "Maximum", "Average")
			if len(stats.Datapoints) != 1 {
				t.Fatalf("get-metric-statistics = %+v, want one datapoint", stats)
			}
			d := stats.Datapoints[0]
			// 10 + 20 + 60×2 from values and counts, 100 over 2 samples from statistic values.
			if !d.Timestamp.Equal(at) || d.SampleCount != 6 || d.Sum != 250 || d.Minimum != 10 || d.Maximum != 60 ||
				math.Abs(d.Average-250.0/6) > 1e-9 || d.Unit != "Milliseconds" || stats.Label != "Latency" {
				t.Fatalf("get-metric-statistics datapoint = %+v (label %q)", d, stats.Label)
			}

			queries, _ := json.Marshal([]map[string]any{{"Id": "m1", "MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": ns, "MetricName": "Requests"}, "Period": 60, "Stat": "Sum"}}})
			var md struct {
				MetricDataResults []struct {
					Id, Label, StatusCode string
					Values                []float64
					Timestamps            []cliTime
				}
			}
			run(&md, "cloudwatch", "get-metric-data", "--metric-data-queries", string(queries), "--start-time", start, "--end-time", end)
			if len(md.MetricDataResults) != 1 {
				t.Fatalf("get-metric-data = %+v", md)
			}
			r := md.MetricDataResults[0]
			if r.Id != "m1" || r.StatusCode != "Complete" || len(r.Values) != 1 || r.Values[0] != 5 || !r.Timestamps[0].Equal(at) {
				t.Fatalf("get-metric-data result = %+v", r)
			}

			// AWS keeps AWS/ namespaces for itself.
			if out := cliFails(t, c, p, rootKey, rootSecret, "cloudwatch", "put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "m", "--value", "1"); !strings.Contains(out, "InvalidParameterValue") {
				t.Fatalf("put-metric-data into AWS/EC2: %s, want InvalidParameterValue", out)
			}

			alarm := "high-latency-" + c.name()
			run(nil, "cloudwatch", "put-metric-alarm", "--alarm-name", alarm, "--alarm-description", "p99 too high",
				"--namespace", ns, "--metric-name", "Latency", "--dimensions", "Name=Service,Value=web",
				"--statistic", "Average", "--period", "60", "--evaluation-periods", "3", "--datapoints-to-alarm", "2",
				"--threshold", "100", "--comparison-operator", "GreaterThanThreshold", "--treat-missing-data", "notBreaching")
			type metricAlarm struct {
				AlarmName, AlarmArn, AlarmDescription, StateValue, StateReason         string
				Namespace, MetricName, Statistic, ComparisonOperator, TreatMissingData string
				Period, EvaluationPeriods, DatapointsToAlarm                           int
				Threshold                                                              float64
				ActionsEnabled                                                         *bool
			}
			var alarms struct{ MetricAlarms []metricAlarm }
			run(&alarms, "cloudwatch", "describe-alarms", "--alarm-names", alarm)
			if len(alarms.MetricAlarms) != 1 {
				t.Fatalf("describe-alarms = %+v", alarms)
			}
			a := alarms.MetricAlarms[0]
			if a.AlarmArn != "arn:aws:cloudwatch:us-east-1:"+who.Account+":alarm:"+alarm || a.AlarmDescription != "p99 too high" ||
				a.Namespace != ns || a.Statistic != "Average" || a.Period != 60 || a.EvaluationPeriods != 3 || a.DatapointsToAlarm != 2 ||
				a.Threshold != 100 || a.ComparisonOperator != "GreaterThanThreshold" || a.TreatMissingData != "notBreaching" ||
				a.ActionsEnabled == nil || !*a.ActionsEnabled {
				t.Fatalf("describe-alarms alarm = %+v", a)
			}
			run(&alarms, "cloudwatch", "describe-alarms-for-metric", "--namespace", ns, "--metric-name", "Latency", "--dimensions", "Name=Service,Value=web")
			if len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].AlarmName != alarm {
				t.Fatalf("describe-alarms-for-metric = %+v", alarms)
			}

			run(nil, "cloudwatch", "set-alarm-state", "--alarm-name", alarm, "--state-value", "ALARM", "--state-reason", "paging drill")
			var history struct {
				AlarmHistoryItems []struct{ AlarmName, HistoryItemType, HistorySummary, HistoryData string }
			}
			run(&history, "cloudwatch", "describe-alarm-history", "--alarm-name", alarm)
			var created, toAlarm bool
			for _, h := range history.AlarmHistoryItems {
				created = created || h.HistoryItemType == "ConfigurationUpdate" && h.HistorySummary == `Alarm "`+alarm+`" created`
				toAlarm = toAlarm || h.HistoryItemType == "StateUpdate" && strings.HasSuffix(h.HistorySummary, " to ALARM") &&
					strings.Contains(h.HistoryData, "paging drill")
			}
			if !created || !toAlarm {
				t.Fatalf("describe-alarm-history = %+v, want the creation and the move to ALARM", history)
			}

			run(nil, "cloudwatch", "disable-alarm-actions", "--alarm-names", alarm)
			run(&alarms, "cloudwatch", "describe-alarms", "--alarm-names", alarm)
			if a := alarms.MetricAlarms[0]; a.ActionsEnabled == nil || *a.ActionsEnabled {
				t.Fatalf("after disable-alarm-actions ActionsEnabled = %v", a.ActionsEnabled)
			}
			run(nil, "cloudwatch", "enable-alarm-actions", "--alarm-names", alarm)
			run(&alarms, "cloudwatch", "describe-alarms", "--alarm-names", alarm)
			if a := alarms.MetricAlarms[0]; a.ActionsEnabled == nil || !*a.ActionsEnabled {
				t.Fatalf("after enable-alarm-actions ActionsEnabled = %v", a.ActionsEnabled)
			}
			if out := cliFails(t, c, p, rootKey, rootSecret, "cloudwatch", "set-alarm-state", "--alarm-name", "no-such-alarm", "--state-value", "OK", "--state-reason", "x"); !strings.Contains(out, "ResourceNotFound") {
				t.Fatalf("set-alarm-state on a missing alarm: %s, want ResourceNotFound", out)
			}
			run(nil, "cloudwatch", "delete-alarms", "--alarm-names", alarm)
			run(&alarms, "cloudwatch", "describe-alarms", "--alarm-names", alarm)
			if len(alarms.MetricAlarms) != 0 {
				t.Fatalf("describe-alarms after delete-alarms = %+v", alarms)
			}
		})
	}
}

// cliTime is a timestamp as a CLI prints it: Debian's v2 writes ISO 8601,
// the pip v1 the parsed value as is, which for CBOR is epoch seconds.
type cliTime struct{ time.Time }

func (c *cliTime) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return c.Time.UnmarshalJSON(b)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	c.Time = time.UnixMilli(int64(math.Round(f * 1000)))
	return nil
}
