package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

const loadUsage = `usage: trailwatch load [flags]

Generates a deterministic corpus of log lines (JSON application logs,
MariaDB server_audit, pgaudit and HTTP access lines, ~200 bytes each),
ingests it with PutLogEvents through the AWS SDK, then times FilterLogEvents
with a rare term, a common term, a JSON pattern and a space-delimited
pattern over the whole group. Credentials and region come from the standard
AWS configuration (environment, shared files).
`

func runLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trailwatch load", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, loadUsage); fs.PrintDefaults() }
	endpoint := fs.String("endpoint", envOr("TRAILWATCH_ENDPOINT", "http://127.0.0.1:4566"), "endpoint URL (empty = AWS's own)")
	group := fs.String("group", "/trailwatch/load", "log group to create and fill")
	events := fs.Int("events", 1_000_000, "events to ingest")
	streams := fs.Int("streams", 50, "log streams")
	batch := fs.Int("batch", 10_000, "events per batch; a batch over PutLogEvents' 1 MiB limit goes in several calls")
	workers := fs.Int("concurrency", 4, "concurrent PutLogEvents callers")
	seed := fs.Uint64("seed", 1, "corpus seed")
	skipIngest := fs.Bool("skip-ingest", false, "only run the queries")
	maxPages := fs.Int("max-pages", 0, "stop each query after this many pages (0 = page to the end)")
	filters := fs.Int("metric-filters", 0, "put this many of the corpus's five metric filters on the group before ingesting (what they add to ingestion)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
		}
	})
	// Every event of the corpus must be accepted: PutLogEvents rejects
	// events older than 14 days and batches spanning more than 24 hours, so
	// the corpus starts just far enough in the past to end now.
	span := time.Duration(*events) * logcorpus.LineSpacing
	base := time.Now().Add(-span).Add(-time.Minute)

	if *filters < 0 || *filters > len(logcorpus.MetricFilters) {
		return fmt.Errorf("--metric-filters %d: between 0 and %d", *filters, len(logcorpus.MetricFilters))
	}
	if !*skipIngest {
		if err := putMetricFilters(ctx, client, *group, logcorpus.MetricFilters[:*filters]); err != nil {
			return err
		}
		if err := ingest(ctx, client, *group, *events, *streams, *batch, *workers, *seed, base); err != nil {
			return err
		}
	}
	for _, q := range logcorpus.Queries {
		if err := query(ctx, client, *group, q.Name, q.Pattern, *maxPages); err != nil {
			return err
		}
	}
	return nil
}

func ingest(ctx context.Context, client *cloudwatchlogs.Client, group string, events, streams, batch, workers int, seed uint64, base time.Time) error {
	_, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	var exists *types.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log group: %w", err)
	}
	for s := 0; s < streams; s++ {
		_, err := client.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fmt.Sprintf("stream-%03d", s))})
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("create log stream: %w", err)
		}
	}
	// Work item k is batch k: lines [k*batch, (k+1)*batch), all sent to
	// stream k mod streams, so each stream's batches stay in time order.
	nBatches := (events + batch - 1) / batch
	var (
		next     atomic.Int64
		sent     atomic.Int64
		rawBytes atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := make([]types.InputLogEvent, 0, batch)
			for {
				k := int(next.Add(1) - 1)
				if k >= nBatches || ctx.Err() != nil {
					return
				}
				evs = evs[:0]
				var raw int64
				first := k * batch
				for _, l := range logcorpus.Lines(seed, first, min(batch, events-first), base) {
					raw += int64(len(l.Message))
					evs = append(evs, types.InputLogEvent{Message: aws.String(l.Message), Timestamp: aws.Int64(l.Timestamp)})
				}
				err := putSplit(ctx, client, group, fmt.Sprintf("stream-%03d", k%streams), evs)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("batch %d: %w", k, err) })
					return
				}
				sent.Add(int64(len(evs)))
				rawBytes.Add(raw)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("put log events: %w", firstErr)
	}
	d := time.Since(start)
	fmt.Printf("ingest: %d events (%.1f MB of messages) in %.2fs = %.0f events/s, %.1f MB/s, %d streams, batches of %d, concurrency %d\n",
		sent.Load(), float64(rawBytes.Load())/1e6, d.Seconds(), float64(sent.Load())/d.Seconds(), float64(rawBytes.Load())/1e6/d.Seconds(), streams, batch, workers)
	return nil
}

// maxPutBytes is PutLogEvents' batch limit: message bytes plus 26 bytes per
// event (reference/cloudwatch-logs.md §3.3).
const maxPutBytes = 1_048_576

// putSplit sends evs in as few PutLogEvents calls as the byte limit
// allows (10,000 events of ~200 bytes do not fit in one), in order.
func putSplit(ctx context.Context, client *cloudwatchlogs.Client, group, stream string, evs []types.InputLogEvent) error {
	for len(evs) > 0 {
		n, size := 0, 0
		for n < len(evs) && size+len(aws.ToString(evs[n].Message))+26 <= maxPutBytes {
			size += len(aws.ToString(evs[n].Message)) + 26
			n++
		}
		out, err := client.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs[:n],
		})
		if err != nil {
			return err
		}
		if out.RejectedLogEventsInfo != nil {
			return fmt.Errorf("events rejected: %+v", *out.RejectedLogEventsInfo)
		}
		evs = evs[n:]
	}
	return nil
}

// query times FilterLogEvents over the whole group: the first page, and
// all pages to the end, or to maxPages when it is positive.
func query(ctx context.Context, client *cloudwatchlogs.Client, group, name, pattern string, maxPages int) error {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(pattern)}
	start := time.Now()
	var first time.Duration
	var firstCount, total, pages int
	p := cloudwatchlogs.NewFilterLogEventsPaginator(client, in)
	for p.HasMorePages() && (maxPages <= 0 || pages < maxPages) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("filter %q: %w", pattern, err)
		}
		pages++
		total += len(page.Events)
		if pages == 1 {
			first, firstCount = time.Since(start), len(page.Events)
		}
	}
	all := "all"
	if p.HasMorePages() {
		all = "first"
	}
	fmt.Printf("filter %-24s first page %5d events in %8.1f ms; %s %8d events, %4d pages in %8.1f ms  (%s)\n",
		name+":", firstCount, ms(first), all, total, pages, ms(time.Since(start)), pattern)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// putMetricFilters creates the group if need be and puts the filters on it.
func putMetricFilters(ctx context.Context, client *cloudwatchlogs.Client, group string, filters []logcorpus.MetricFilter) error {
	if len(filters) == 0 {
		return nil
	}
	_, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	var exists *types.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log group: %w", err)
	}
	for _, f := range filters {
		t := types.MetricTransformation{MetricName: aws.String(f.MetricName), MetricNamespace: aws.String("Load"), MetricValue: aws.String(f.Value), DefaultValue: f.Default}
		if f.Unit != "" {
			t.Unit = types.StandardUnit(f.Unit)
		}
		if _, err := client.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(f.Name),
			FilterPattern: aws.String(f.Pattern), MetricTransformations: []types.MetricTransformation{t}}); err != nil {
			return fmt.Errorf("put metric filter %s: %w", f.Name, err)
		}
	}
	return nil
}
