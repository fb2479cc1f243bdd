package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// TestKillDuringMetricFilterIngestion ingests into a group with a metric
// filter while the server is killed with SIGKILL and restarted; at the
// end the metric counts every stored matching event exactly once: its
// SampleCount is the number of matching events the group holds, and its
// Sum the sum of the values they carry.
func TestKillDuringMetricFilterIngestion(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const group, writers, perBatch = "/crash/metrics", 3, 100
	base := time.Now().Add(-time.Hour).Truncate(time.Minute).UnixMilli()

	p := startServer(t, dir)
	client := cloudwatchlogs.NewFromConfig(p.config(rootKey, rootSecret))
	if _, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		if _, err := client.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String("m"), FilterPattern: aws.String(`[w, kind=MATCH, n, v]`),
		MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("Matched"), MetricNamespace: aws.String("Crash"), MetricValue: aws.String("$v")}},
	}); err != nil {
		t.Fatal(err)
	}

	// next[w] is the next event number of writer w: a batch that failed
	// (perhaps stored, perhaps not) is not resent, so every stored event
	// is distinct and the group itself says what the metric must count.
	next := make([]int, writers)
	ingest := func(p *proc, d time.Duration, kill bool) {
		client := cloudwatchlogs.NewFromConfig(p.config(rootKey, rootSecret))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					evs := make([]types.InputLogEvent, perBatch)
					for i := range evs {
						n := next[w] + i
						kind := "OTHER"
						if n%3 != 0 {
							kind = "MATCH"
						}
						evs[i] = types.InputLogEvent{Timestamp: aws.Int64(base + int64(n)*10), Message: aws.String(fmt.Sprintf("w%d %s %d %d", w, kind, n, n%7))}
					}
					next[w] += perBatch
					cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					_, err := client.PutLogEvents(cctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w)), LogEvents: evs})
					cancel()
					if err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(d)
		if kill {
			p.kill(t)
		}
		close(stop)
		wg.Wait()
	}
	ingest(p, 1500*time.Millisecond, true)
	p = startServer(t, dir)
	ingest(p, 1500*time.Millisecond, true)
	p = startServer(t, dir)
	ingest(p, 500*time.Millisecond, false)

	read := cloudwatchlogs.NewFromConfig(p.readConfig(rootKey, rootSecret))
	var wantCount, wantSum float64
	var minTS, maxTS int64 = 1 << 62, 0
	for w := range writers {
		pager := cloudwatchlogs.NewGetLogEventsPaginator(read, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w)), StartFromHead: aws.Bool(true),
		}, func(o *cloudwatchlogs.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				minTS, maxTS = min(minTS, *e.Timestamp), max(maxTS, *e.Timestamp)
				var ws, kind string
				var n, v int
				if _, err := fmt.Sscanf(aws.ToString(e.Message), "%s %s %d %d", &ws, &kind, &n, &v); err != nil {
					t.Fatalf("stored message %q: %v", aws.ToString(e.Message), err)
				}
				if kind == "MATCH" {
					wantCount++
					wantSum += float64(v)
				}
			}
		}
	}
	if wantCount == 0 {
		t.Fatal("no matching event was stored")
	}
	t.Logf("%.0f matching events stored across two SIGKILLs", wantCount)

	cw := cloudwatch.NewFromConfig(p.readConfig(rootKey, rootSecret))
	out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Crash"), MetricName: aws.String("Matched"),
		StartTime: aws.Time(time.UnixMilli(minTS).Truncate(time.Hour)), EndTime: aws.Time(time.UnixMilli(maxTS).Add(time.Hour)),
		Period:     aws.Int32(3600),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount, cwtypes.StatisticSum},
	})
	if err != nil {
		t.Fatal(err)
	}
	var gotCount, gotSum float64
	for _, d := range out.Datapoints {
		gotCount += *d.SampleCount
		gotSum += *d.Sum
	}
	if gotCount != wantCount || gotSum != wantSum {
		t.Errorf("metric SampleCount %v Sum %v; the group holds %v matching events summing to %v",
			gotCount, gotSum, wantCount, wantSum)
	}
}
