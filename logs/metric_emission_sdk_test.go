package logs_test

import (
	"context"
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

// TestSDKMetricFilterEmits: what PutLogEvents stores in a group reaches
// CloudWatch through the group's metric filters (§6), read back with the
// CloudWatch client's GetMetricStatistics: a counting filter with a
// default value, and a filter that extracts the value of a field.
func TestSDKMetricFilterEmits(t *testing.T) { onBothBackends(t, testSDKMetricFilterEmits) }

func testSDKMetricFilterEmits(t *testing.T, s *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	cw := awscw.NewFromConfig(s.RootConfig())
	MustSDKStream(t, c, "/db/audit", "s")
	if _, err := c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{
		LogGroupName: aws.String("/db/audit"), FilterName: aws.String("failed"), FilterPattern: aws.String(`FAILED_CONNECT`),
		MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("FailedConnects"),
			MetricNamespace: aws.String("DB"), MetricValue: aws.String("1"), DefaultValue: aws.Float64(0), Unit: types.StandardUnitCount}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{
		LogGroupName: aws.String("/db/audit"), FilterName: aws.String("rows"), FilterPattern: aws.String(`{ $.op = "QUERY" }`),
		MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("Rows"),
			MetricNamespace: aws.String("DB"), MetricValue: aws.String("$.rows")}},
	}); err != nil {
		t.Fatal(err)
	}
	// Three minutes, well inside the accepted window: the first has two
	// failures, the second none (the default value), the third one.
	base := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
	at := func(d time.Duration) *int64 { return aws.Int64(base.Add(d).UnixMilli()) }
	evs := []types.InputLogEvent{
		{Timestamp: at(time.Second), Message: aws.String(`bob FAILED_CONNECT 1045`)},
		{Timestamp: at(2 * time.Second), Message: aws.String(`{"op": "QUERY", "rows": 12}`)},
		{Timestamp: at(3 * time.Second), Message: aws.String(`ann FAILED_CONNECT 1045`)},
		{Timestamp: at(70 * time.Second), Message: aws.String(`{"op": "QUERY", "rows": 30}`)},
		{Timestamp: at(71 * time.Second), Message: aws.String(`{"op": "CONNECT", "rows": 999}`)},
		{Timestamp: at(72 * time.Second), Message: aws.String(`{"op": "QUERY", "rows": "many"}`)},
	}
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/db/audit"), LogStreamName: aws.String("s"), LogEvents: evs}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/db/audit"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: at(125 * time.Second), Message: aws.String(`carl FAILED_CONNECT 1045`)}}}); err != nil {
		t.Fatal(err)
	}

	type point struct {
		At               time.Time
		SampleCount, Sum float64
		Minimum, Maximum float64
		Unit             cwtypes.StandardUnit
	}
	stats := func(name string) []point {
		t.Helper()
		out, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{
			Namespace: aws.String("DB"), MetricName: aws.String(name),
			StartTime: aws.Time(base.Add(-time.Minute)), EndTime: aws.Time(base.Add(5 * time.Minute)), Period: aws.Int32(60),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount, cwtypes.StatisticSum, cwtypes.StatisticMinimum, cwtypes.StatisticMaximum},
		})
		if err != nil {
			t.Fatal(err)
		}
		var ps []point
		for _, d := range out.Datapoints {
			ps = append(ps, point{d.Timestamp.UTC(), *d.SampleCount, *d.Sum, *d.Minimum, *d.Maximum, d.Unit})
		}
		// GetMetricStatistics returns datapoints in no particular order.
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				if ps[j].At.Before(ps[i].At) {
					ps[i], ps[j] = ps[j], ps[i]
				}
			}
		}
		return ps
	}
	b := base.UTC()
	if d := cmp.Diff([]point{
		{b, 2, 2, 1, 1, cwtypes.StandardUnitCount},
		{b.Add(time.Minute), 1, 0, 0, 0, cwtypes.StandardUnitCount},
		{b.Add(2 * time.Minute), 1, 1, 1, 1, cwtypes.StandardUnitCount},
	}, stats("FailedConnects")); d != "" {
		t.Errorf("FailedConnects (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]point{
		{b, 1, 12, 12, 12, cwtypes.StandardUnitNone},
		{b.Add(time.Minute), 1, 30, 30, 30, cwtypes.StandardUnitNone},
	}, stats("Rows")); d != "" {
		t.Errorf("Rows (-want +got):\n%s", d)
	}
}
