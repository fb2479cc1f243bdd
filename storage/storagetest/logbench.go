package storagetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
	"github.com/trailwatch/trailwatch/storage"
)

// The logs benchmarks' fixture: events of the mixed log corpus
// (internal/logcorpus) in batches of LogBatchSize, the largest
// PutLogEvents batch, over logFixtureStreams streams of one group, as four
// shippers sending at once would leave them:
// the batches of four consecutive writers cover the same stretch of time,
// so every moment lies in four chunks.
const (
	// LogFixtureVersion names the output of the fixture functions. Change
	// it whenever that output changes, so cached fixtures are rebuilt.
	LogFixtureVersion = 1
	// LogFixtureSize is how many events the fixture holds unless a
	// benchmark asks for another size (a multiple of LogBatchSize).
	LogFixtureSize = 1_000_000
	// LogBatchSize is the events of one fixture batch.
	LogBatchSize = 10_000
	// LogFixtureAccount, LogFixtureRegion and LogFixtureGroup name the
	// fixture's group.
	LogFixtureAccount = "111111111111"
	LogFixtureRegion  = "us-east-1"
	LogFixtureGroup   = "bench/app"

	logFixtureStreams = 50
	logFixtureLanes   = 4
	// logFixtureStart is 2026-11-21T00:00:00Z; a lane's events are 1 ms
	// apart on average, so 10,000,000 events would span about 40 minutes.
	logFixtureStart = 1_795_219_200_000
)

// LogFixtureEvents is the events of the logs fixture a benchmark should
// use: TRAILWATCH_BENCH_LOG_EVENTS if set (say 10000000, for the figures
// CloudWatch Logs' performance bars are stated in), else LogFixtureSize.
// It fails tb when the variable is not a positive multiple of
// LogBatchSize.
func LogFixtureEvents(tb testing.TB) int {
	tb.Helper()
	v := os.Getenv("TRAILWATCH_BENCH_LOG_EVENTS")
	if v == "" {
		return LogFixtureSize
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n%LogBatchSize != 0 {
		tb.Fatalf("TRAILWATCH_BENCH_LOG_EVENTS=%q: want a positive multiple of %d", v, LogBatchSize)
	}
	return n
}

// logFixtureBatch returns batch k of the fixture: its stream, ingestion
// time and events. Batches of different lanes interleave in time; within
// a lane, each continues where the lane's previous one ended.
func logFixtureBatch(k int) (stream string, ingest int64, evs []trailwatch.LogEvent) {
	lane := k % logFixtureLanes
	round := k / logFixtureLanes
	// Each lane has its own corpus, started afresh per batch from a seed
	// that names the batch, so any batch can be built alone.
	c := logcorpus.New(uint64(LogFixtureVersion)<<32 | uint64(k))
	start := int64(logFixtureStart) + int64(round)*LogBatchSize + int64(lane)
	evs = make([]trailwatch.LogEvent, LogBatchSize)
	var buf []byte
	r := logcorpus.NewRNG(uint64(k) * 7919)
	ms := start
	for i := range evs {
		ms += int64(r.IntN(3))
		ts := ms
		if r.IntN(20) == 0 {
			ts -= int64(r.IntN(2000)) // a straggler, as shippers send them
		}
		buf = c.Next(buf[:0], ts)
		evs[i] = trailwatch.LogEvent{Timestamp: ts, Message: string(buf)}
	}
	return fmt.Sprintf("host-%02d/app", k%logFixtureStreams), ms + 2000, evs
}

// LoadLogFixture stores the first n events of the fixture in l, then
// compacts them as the background worker would, reporting progress
// through logf.
func LoadLogFixture(ctx context.Context, l storage.Logs, n int, logf func(format string, args ...any)) error {
	g := trailwatch.LogGroup{AccountID: LogFixtureAccount, Region: LogFixtureRegion, Name: LogFixtureGroup,
		CreatedAt: time.UnixMilli(logFixtureStart).UTC(), Class: "STANDARD"}
	if err := l.CreateLogGroup(ctx, g); err != nil {
		return fmt.Errorf("load log fixture: %w", err)
	}
	for i := range logFixtureStreams {
		st := trailwatch.LogStream{Name: fmt.Sprintf("host-%02d/app", i), CreatedAt: g.CreatedAt}
		if err := l.CreateLogStream(ctx, g.AccountID, g.Region, g.Name, st); err != nil {
			return fmt.Errorf("load log fixture: %w", err)
		}
	}
	start := time.Now()
	batches := n / LogBatchSize
	for k := range batches {
		stream, ingest, evs := logFixtureBatch(k)
		if _, err := l.PutLogEvents(ctx, g.AccountID, g.Region, g.Name, stream, ingest, evs); err != nil {
			return fmt.Errorf("load log fixture batch %d: %w", k, err)
		}
		if (k+1)%(batches/10) == 0 {
			logf("log fixture: %d/%d events stored in %v", (k+1)*LogBatchSize, n, time.Since(start).Round(time.Second))
		}
	}
	start = time.Now()
	removed := 0
	for {
		n, err := l.CompactLogEvents(ctx, 100)
		if err != nil {
			return fmt.Errorf("compact log fixture: %w", err)
		}
		if n == 0 {
			break
		}
		removed += n
	}
	logf("log fixture: compaction removed %d chunks in %v", removed, time.Since(start).Round(time.Second))
	return nil
}

// BenchmarkPutLogEvents measures PutLogEvents of fixture batches
// (LogBatchSize events, about 2 MB) by 1 and 4 concurrent writers, each
// to its own stream of one group, reporting events/s. newLogs returns an
// empty store for each sub-benchmark.
func BenchmarkPutLogEvents(b *testing.B, newLogs func(b *testing.B) storage.Logs) {
	// A few distinct batches, built once: generating them costs more than
	// storing them.
	const distinct = 8
	batches := make([][]trailwatch.LogEvent, distinct)
	var raw int64
	for k := range batches {
		_, _, batches[k] = logFixtureBatch(k)
		for _, e := range batches[k] {
			raw += int64(len(e.Message))
		}
	}
	for _, writers := range []int{1, 4} {
		b.Run(fmt.Sprint("writers=", writers), func(b *testing.B) {
			ctx := context.Background()
			l := newLogs(b)
			g := trailwatch.LogGroup{AccountID: LogFixtureAccount, Region: LogFixtureRegion, Name: "put", Class: "STANDARD"}
			if err := l.CreateLogGroup(ctx, g); err != nil {
				b.Fatal(err)
			}
			for w := range writers {
				if err := l.CreateLogStream(ctx, g.AccountID, g.Region, g.Name, trailwatch.LogStream{Name: fmt.Sprint("w", w)}); err != nil {
					b.Fatal(err)
				}
			}
			var (
				next atomic.Int64
				wg   sync.WaitGroup
				errs = make(chan error, writers)
			)
			b.SetBytes(raw / distinct)
			b.ResetTimer()
			for w := range writers {
				wg.Go(func() {
					for {
						k := next.Add(1) - 1
						if k >= int64(b.N) {
							return
						}
						if _, err := l.PutLogEvents(ctx, g.AccountID, g.Region, g.Name, fmt.Sprint("w", w), k, batches[k%distinct]); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*LogBatchSize)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// logQueries are the FilterLogEvents-like scans of BenchmarkScanLogEvents.
var logQueries = []struct {
	name    string
	pattern string
	limit   int
}{
	// A word of one of the corpus's rare lines: a few per million.
	{"RareTerm", logcorpus.Rare[0].Term, 10_000},
	// In about one line of seven.
	{"CommonTerm/limit=10000", "GET", 10_000},
	{"CommonTerm/limit=50", "GET", 50},
	{"JSONPattern", `{ $.level = "error" && $.duration_ms > 1000 }`, 10_000},
	{"AllEvents/limit=10000", "", 10_000},
}

// BenchmarkScanLogEvents measures ScanLogEvents over the whole fixture
// group of n events (LoadLogFixture) with a filter pattern compiled by
// filterpattern, as FilterLogEvents runs it: the pattern's required terms
// let chunks be skipped, its MatchBytes decides. Each sub-benchmark reports the events
// a call returns and the CPU time of this process per call (the database
// server's, for a backend that has one, is not in it).
func BenchmarkScanLogEvents(b *testing.B, l storage.Logs, n int) {
	ctx := context.Background()
	for _, lq := range logQueries {
		b.Run(lq.name, func(b *testing.B) {
			p, err := filterpattern.Compile(lq.pattern)
			if err != nil {
				b.Fatal(err)
			}
			q := storage.LogScan{AccountID: LogFixtureAccount, Region: LogFixtureRegion, Group: LogFixtureGroup,
				From: logFixtureStart - 1_000_000, To: logFixtureStart + 10*int64(n),
				Terms: p.RequiredTerms(), Limit: lq.limit}
			if p.Kind() != filterpattern.KindAll {
				q.Match = p.MatchBytes
			}
			found, calls := 0, 0
			cpu0, cpuOK := ProcessCPU()
			for b.Loop() {
				evs, _, err := l.ScanLogEvents(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				found = len(evs)
				calls++
			}
			cpu1, _ := ProcessCPU()
			if found == 0 {
				b.Fatalf("%q found nothing: the fixture or the query is wrong", lq.pattern)
			}
			b.ReportMetric(float64(found), "events/op")
			if cpuOK {
				// On a machine shared with other work, the CPU time a call
				// costs is steadier than its wall time.
				b.ReportMetric(float64(cpu1-cpu0)/float64(calls)/float64(time.Millisecond), "cpu-ms/op")
			}
		})
	}
}
