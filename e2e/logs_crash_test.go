package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// TestKillDuringIngestion kills the server with SIGKILL while several
// writers stream PutLogEvents batches; after a restart every acknowledged
// event is readable, in order, exactly once, and no batch is half stored.
func TestKillDuringIngestion(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	ctx := context.Background()
	client := cloudwatchlogs.NewFromConfig(p.config(rootKey, rootSecret))
	const group, writers, perBatch = "/crash/test", 4, 200
	if _, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	for w := 0; w < writers; w++ {
		if _, err := client.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w))}); err != nil {
			t.Fatal(err)
		}
	}
	acked := make([]int, writers) // batches acknowledged per writer
	var wg sync.WaitGroup
	stop := make(chan struct{})
	base := time.Now().Add(-time.Hour).UnixMilli()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				evs := make([]types.InputLogEvent, perBatch)
				for i := range evs {
					n := b*perBatch + i
					evs[i] = types.InputLogEvent{Timestamp: aws.Int64(base + int64(n)), Message: aws.String(fmt.Sprintf("w%d event %d %s", w, n, strings.Repeat("x", 100)))}
				}
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := client.PutLogEvents(cctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w)), LogEvents: evs})
				cancel()
				if err != nil {
					return // the server is gone; this batch was not acknowledged
				}
				acked[w] = b + 1
			}
		}()
	}
	time.Sleep(2 * time.Second)
	p.kill(t)
	close(stop)
	wg.Wait()
	total := 0
	for _, a := range acked {
		total += a * perBatch
	}
	if total == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}
	t.Logf("%d events acknowledged before SIGKILL", total)

	p2 := startServer(t, dir)
	client = cloudwatchlogs.NewFromConfig(p2.readConfig(rootKey, rootSecret))
	for w := 0; w < writers; w++ {
		var got []int
		pager := cloudwatchlogs.NewGetLogEventsPaginator(client, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprint("w", w)), StartFromHead: aws.Bool(true),
		}, func(o *cloudwatchlogs.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				f := strings.Fields(aws.ToString(e.Message))
				n, _ := strconv.Atoi(f[2])
				got = append(got, n)
			}
		}
		if len(got)%perBatch != 0 {
			t.Errorf("writer %d: %d events stored, not whole batches of %d", w, len(got), perBatch)
		}
		if len(got) < acked[w]*perBatch {
			t.Errorf("writer %d: %d events after restart, %d were acknowledged", w, len(got), acked[w]*perBatch)
		}
		for i, n := range got {
			if n != i {
				t.Errorf("writer %d: event %d is #%d: lost, duplicated or out of order", w, i, n)
				break
			}
		}
	}
}
