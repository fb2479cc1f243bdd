package logs_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// TestSDKIncomingLogMetrics: what PutLogEvents stores is counted in
// AWS/Logs IncomingLogEvents and IncomingBytes, per log group
// (LogGroupName) and for the account as a whole (no dimension), and read
// back exactly with the CloudWatch client. Rejected events are not
// counted; another account sees none of it.
func TestSDKIncomingLogMetrics(t *testing.T) { onBothBackends(t, testSDKIncomingLogMetrics) }

func testSDKIncomingLogMetrics(t *testing.T, s *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	cw := awscw.NewFromConfig(s.RootConfig())
	MustSDKStream(t, c, "/app/a", "s")
	MustSDKStream(t, c, "/app/b", "s")
	now := time.Now()
	put := func(group string, msgs ...string) {
		t.Helper()
		evs := make([]types.InputLogEvent, len(msgs))
		for i, m := range msgs {
			ts := now.Add(-time.Minute).UnixMilli() + int64(i)
			if m == "too old" {
				ts = now.Add(-15 * 24 * time.Hour).UnixMilli()
			}
			evs[i] = types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(m)}
		}
		if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("s"), LogEvents: evs}); err != nil {
			t.Fatal(err)
		}
	}
	put("/app/a", "a", "bb", "ccc")
	put("/app/a", "too old", "héllo") // the first is rejected; é is two bytes
	put("/app/b", strings.Repeat("x", 1000))
	if err := s.Server().FlushVendedMetrics(ctx); err != nil {
		t.Fatal(err)
	}

	type sums struct {
		Sum  float64
		Unit cwtypes.StandardUnit
	}
	sum := func(cw *awscw.Client, name string, dims ...cwtypes.Dimension) []sums {
		t.Helper()
		// One period holds every minute the calls fell in.
		out, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/Logs"), MetricName: aws.String(name), Dimensions: dims,
			StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now.Add(50 * time.Minute)), Period: aws.Int32(3600),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []sums
		for _, d := range out.Datapoints {
			got = append(got, sums{*d.Sum, d.Unit})
		}
		return got
	}
	group := func(name string) cwtypes.Dimension {
		return cwtypes.Dimension{Name: aws.String("LogGroupName"), Value: aws.String(name)}
	}
	for _, tc := range []struct {
		metric string
		dims   []cwtypes.Dimension
		want   []sums
	}{
		{"IncomingLogEvents", []cwtypes.Dimension{group("/app/a")}, []sums{{4, cwtypes.StandardUnitNone}}},
		{"IncomingBytes", []cwtypes.Dimension{group("/app/a")}, []sums{{12, cwtypes.StandardUnitBytes}}},
		{"IncomingLogEvents", []cwtypes.Dimension{group("/app/b")}, []sums{{1, cwtypes.StandardUnitNone}}},
		{"IncomingBytes", []cwtypes.Dimension{group("/app/b")}, []sums{{1000, cwtypes.StandardUnitBytes}}},
		{"IncomingLogEvents", nil, []sums{{5, cwtypes.StandardUnitNone}}},
		{"IncomingBytes", nil, []sums{{1012, cwtypes.StandardUnitBytes}}},
	} {
		if d := cmp.Diff(tc.want, sum(cw, tc.metric, tc.dims...)); d != "" {
			t.Errorf("%s %v (-want +got):\n%s", tc.metric, tc.dims, d)
		}
	}

	// A second flush with nothing new adds nothing; new events add to
	// the same series.
	put("/app/b", "y")
	if err := s.Server().FlushVendedMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Server().FlushVendedMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]sums{{6, cwtypes.StandardUnitNone}}, sum(cw, "IncomingLogEvents")); d != "" {
		t.Errorf("IncomingLogEvents after another batch (-want +got):\n%s", d)
	}

	// GetMetricData reads the same series.
	md, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now.Add(50 * time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("b"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Logs"), MetricName: aws.String("IncomingBytes"),
				Dimensions: []cwtypes.Dimension{group("/app/b")}},
			Period: aws.Int32(3600), Stat: aws.String("Sum")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.MetricDataResults) != 1 || !slices.Equal(md.MetricDataResults[0].Values, []float64{1001}) {
		t.Errorf("GetMetricData IncomingBytes /app/b = %+v, want [1001]", md.MetricDataResults)
	}

	// ListMetrics shows the six series: two metrics, each per group and
	// for the account.
	lm, err := cw.ListMetrics(ctx, &awscw.ListMetricsInput{Namespace: aws.String("AWS/Logs")})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range lm.Metrics {
		k := *m.MetricName
		for _, d := range m.Dimensions {
			k += " " + *d.Name + "=" + *d.Value
		}
		listed = append(listed, k)
	}
	slices.Sort(listed)
	if d := cmp.Diff([]string{
		"IncomingBytes", "IncomingBytes LogGroupName=/app/a", "IncomingBytes LogGroupName=/app/b",
		"IncomingLogEvents", "IncomingLogEvents LogGroupName=/app/a", "IncomingLogEvents LogGroupName=/app/b",
	}, listed); d != "" {
		t.Errorf("ListMetrics AWS/Logs (-want +got):\n%s", d)
	}

	// The metrics belong to the account that ingested.
	other := s.NewAccount(t)
	ocw := awscw.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey))
	if got := sum(ocw, "IncomingLogEvents"); len(got) != 0 {
		t.Errorf("another account reads IncomingLogEvents %v", got)
	}
}
