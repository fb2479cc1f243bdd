package cloudwatch_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/internal/testserver"
	"github.com/trailwatch/trailwatch/storage"
)

func client(t *testing.T) (*awscw.Client, *testserver.Server) {
	ts := testserver.Start(t)
	return awscw.NewFromConfig(ts.RootConfig()), ts
}

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("err = %s: %s, want %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// The whole flow over CBOR, the protocol aws-sdk-go-v2 speaks: put values,
// value lists and statistic sets, read them back per period and unit with
// basic and extended statistics, list and page.
func TestSDKPutAndRead(t *testing.T) {
	cw, _ := client(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	dims := []types.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}}
	var vals []float64
	for i := 1; i <= 100; i++ {
		vals = append(vals, float64(i))
	}
	_, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{
		{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now), Values: vals[:50], Unit: types.StandardUnitMilliseconds},
		{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now.Add(30 * time.Second)), Values: vals[50:], Unit: types.StandardUnitMilliseconds},
		{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now), Value: aws.Float64(5), Unit: types.StandardUnitSeconds},
		{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now.Add(time.Minute)),
			StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(4), Sum: aws.Float64(10), Minimum: aws.Float64(1), Maximum: aws.Float64(4)}, Unit: types.StandardUnitMilliseconds},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("Latency"), Dimensions: dims,
		StartTime: aws.Time(now), EndTime: aws.Time(now.Add(5 * time.Minute)), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSampleCount, types.StatisticSum, types.StatisticAverage, types.StatisticMinimum, types.StatisticMaximum},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Label) != "Latency" || len(out.Datapoints) != 3 {
		t.Fatalf("GetMetricStatistics = %s %+v", aws.ToString(out.Label), out.Datapoints)
	}
	slices.SortFunc(out.Datapoints, func(a, b types.Datapoint) int {
		if c := a.Timestamp.Compare(*b.Timestamp); c != 0 {
			return c
		}
		return len(a.Unit) - len(b.Unit)
	})
	ms := out.Datapoints[0]
	if ms.Unit != types.StandardUnitSeconds {
		ms = out.Datapoints[1]
	}
	for _, dp := range out.Datapoints[:2] {
		if dp.Unit == types.StandardUnitMilliseconds {
			ms = dp
		}
	}
	if *ms.SampleCount != 100 || *ms.Sum != 5050 || *ms.Average != 50.5 || *ms.Minimum != 1 || *ms.Maximum != 100 || !ms.Timestamp.Equal(now) {
		t.Errorf("ms datapoint = %+v", ms)
	}

	// Extended statistics within the sketch's bound, for one unit.
	ext, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("Latency"), Dimensions: dims,
		StartTime: aws.Time(now), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(60),
		ExtendedStatistics: []string{"p50", "p99", "tm90"}, Unit: types.StandardUnitMilliseconds,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Datapoints) != 1 {
		t.Fatalf("extended = %+v", ext.Datapoints)
	}
	for stat, want := range map[string]float64{"p50": 50, "p99": 99, "tm90": 45.5} {
		got := ext.Datapoints[0].ExtendedStatistics[stat]
		if math.Abs(got-want) > storage.SketchRelativeAccuracy*want {
			t.Errorf("%s = %v, want %v", stat, got, want)
		}
	}

	// GetMetricData: ascending, and paged by MaxDatapoints.
	q := []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: &types.MetricStat{
		Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Latency"), Dimensions: dims},
		Period: aws.Int32(60), Stat: aws.String("Sum"), Unit: types.StandardUnitMilliseconds}}}
	gd, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{MetricDataQueries: q, StartTime: aws.Time(now), EndTime: aws.Time(now.Add(5 * time.Minute)),
		ScanBy: types.ScanByTimestampAscending})
	if err != nil {
		t.Fatal(err)
	}
	r := gd.MetricDataResults[0]
	if aws.ToString(r.Label) != "Latency" || r.StatusCode != types.StatusCodeComplete || !slices.Equal(r.Values, []float64{5050, 10}) || !r.Timestamps[0].Equal(now) {
		t.Errorf("GetMetricData = %+v", r)
	}
	page1, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{MetricDataQueries: q, StartTime: aws.Time(now), EndTime: aws.Time(now.Add(5 * time.Minute)), MaxDatapoints: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if page1.NextToken == nil || page1.MetricDataResults[0].StatusCode != types.StatusCodePartialData || !slices.Equal(page1.MetricDataResults[0].Values, []float64{10}) {
		t.Fatalf("page 1 = %+v", page1.MetricDataResults[0])
	}
	page2, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{MetricDataQueries: q, StartTime: aws.Time(now), EndTime: aws.Time(now.Add(5 * time.Minute)), MaxDatapoints: aws.Int32(1), NextToken: page1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if page2.NextToken != nil || !slices.Equal(page2.MetricDataResults[0].Values, []float64{5050}) {
		t.Fatalf("page 2 = %+v", page2.MetricDataResults[0])
	}

	// ListMetrics with filters.
	if _, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("Other"), MetricData: []types.MetricDatum{{MetricName: aws.String("X"), Value: aws.Float64(1)}}}); err != nil {
		t.Fatal(err)
	}
	lm, err := cw.ListMetrics(ctx, &awscw.ListMetricsInput{Dimensions: []types.DimensionFilter{{Name: aws.String("Host")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lm.Metrics) != 1 || aws.ToString(lm.Metrics[0].MetricName) != "Latency" || aws.ToString(lm.Metrics[0].Dimensions[0].Value) != "a" {
		t.Errorf("ListMetrics = %+v", lm.Metrics)
	}
	all, err := cw.ListMetrics(ctx, &awscw.ListMetricsInput{RecentlyActive: types.RecentlyActivePt3h})
	if err != nil || len(all.Metrics) != 2 {
		t.Errorf("ListMetrics PT3H = %+v, %v", all, err)
	}
	_, err = cw.ListMetrics(ctx, &awscw.ListMetricsInput{NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidNextToken", "")
}

// Error paths: AWS's codes (from x-amzn-query-error) and messages.
func TestSDKErrors(t *testing.T) {
	cw, _ := client(t)
	ctx := context.Background()
	now := time.Now()
	put := func(d types.MetricDatum) error {
		_, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{d}})
		return err
	}
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Values: []float64{1}}), "InvalidParameterCombination",
		"The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}),
		"InvalidParameterCombination", "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Values: []float64{1, 2}, Counts: []float64{1}}), "InvalidParameterValue",
		"The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StorageResolution: aws.Int32(5)}), "InvalidParameterValue", "")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(now.Add(-15 * 24 * time.Hour))}), "InvalidParameterValue", "")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(now.Add(3 * time.Hour))}), "InvalidParameterValue", "")
	_, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
	wantCode(t, err, "InvalidParameterValue", "The value AWS/EC2 for parameter Namespace is invalid.")
	many := make([]types.Dimension, 31)
	for i := range many {
		many[i] = types.Dimension{Name: aws.String(string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: many}), "ValidationError", "")

	start := now.Add(-time.Hour)
	_, err = cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("m"),
		StartTime: aws.Time(now), EndTime: aws.Time(start), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	wantCode(t, err, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	_, err = cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("m"),
		StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(1), Statistics: []types.Statistic{types.StatisticSum}})
	wantCode(t, err, "InvalidParameterCombination", "You have requested up to 86400 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
	_, err = cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("m"),
		StartTime: aws.Time(start), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}, ExtendedStatistics: []string{"p50"}})
	wantCode(t, err, "InvalidParameterCombination", "")
	_, err = cw.GetMetricData(ctx, &awscw.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(now), MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("Bad"),
		MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("m")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}}})
	wantCode(t, err, "InvalidParameterValue", "")
}
