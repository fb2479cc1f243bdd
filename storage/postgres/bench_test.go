package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// BenchmarkLookupEvents runs on a 1,000,000-event fixture kept between runs
// in its own database on the test server; drop the database to rebuild it.
func BenchmarkLookupEvents(b *testing.B) {
	if testing.Short() {
		b.Skip("skipping: builds a 1,000,000-event fixture")
	}
	ctx := context.Background()
	name := fmt.Sprintf("trailwatch_bench_lookup_v%d_%d", storagetest.FixtureVersion, storagetest.FixtureSize)
	url, _ := testenv.PostgresFixture(b, name)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// The marker table is created only after the whole fixture is stored,
	// so an interrupted build is thrown away and redone.
	var complete bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('bench_fixture_complete') IS NOT NULL`).Scan(&complete); err != nil {
		b.Fatal(err)
	}
	if !complete {
		if _, err := conn.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
			b.Fatal(err)
		}
		db, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		err = storagetest.LoadFixture(ctx, db.Events(), storagetest.FixtureSize, 20_000, b.Logf)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE bench_fixture_complete ()`); err != nil {
			b.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.BenchmarkLookupEvents(b, db.Events())
}

// BenchmarkPutEvents measures storing batches of fixture events.
func BenchmarkPutEvents(b *testing.B) {
	for _, batch := range []int{1, 100, 10_000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			db, err := postgres.Open(context.Background(), testenv.Postgres(b))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			evs := make([]trailwatch.Event, batch)
			i := 0
			for b.Loop() {
				b.StopTimer()
				for j := range evs {
					evs[j] = storagetest.FixtureEvent(i*batch+j, storagetest.FixtureSize)
				}
				b.StartTimer()
				if err := db.Events().PutEvents(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(batch*i)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkPutLogEvents measures storing 10,000-event batches with one and
// four writers.
func BenchmarkPutLogEvents(b *testing.B) {
	storagetest.BenchmarkPutLogEvents(b, func(b *testing.B) storage.Logs {
		db, err := postgres.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db.Logs()
	})
}

// BenchmarkScanLogEvents runs on a 1,000,000-event logs fixture (or as
// many as TRAILWATCH_BENCH_LOG_EVENTS says) kept between runs in its own
// database on the test server; drop the database to rebuild it. Its Disk
// sub-benchmark reports the bytes of the logs tables with their TOAST and
// indexes, and the chunks' (the group's StoredBytes), per message byte.
// The tables hold the space of the chunks compaction replaced, which
// VACUUM makes free for later writes.
func BenchmarkScanLogEvents(b *testing.B) {
	if testing.Short() {
		b.Skip("skipping: builds a 1,000,000-event fixture")
	}
	n := logFixtureSize(b)
	ctx := context.Background()
	name := fmt.Sprintf("trailwatch_bench_logs_v%d_%d", storagetest.LogFixtureVersion, n)
	url, _ := testenv.PostgresFixture(b, name)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// The marker table is created only after the whole fixture is stored,
	// so an interrupted build is thrown away and redone.
	var complete bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('bench_fixture_complete') IS NOT NULL`).Scan(&complete); err != nil {
		b.Fatal(err)
	}
	if !complete {
		if _, err := conn.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
			b.Fatal(err)
		}
		db, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		err = storagetest.LoadLogFixture(ctx, db.Logs(), n, b.Logf)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE bench_fixture_complete ()`); err != nil {
			b.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Run("Disk", func(b *testing.B) {
		g, err := db.Logs().GetLogGroup(ctx, storagetest.LogFixtureAccount, storagetest.LogFixtureRegion, storagetest.LogFixtureGroup)
		if err != nil {
			b.Fatal(err)
		}
		var size int64
		if err := conn.QueryRow(ctx, `SELECT sum(pg_total_relation_size(c))::bigint
			FROM unnest(ARRAY['log_groups', 'log_streams', 'log_chunks', 'log_metric_filters']::regclass[]) AS c`).Scan(&size); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
		}
		b.ReportMetric(float64(size)/float64(g.RawBytes), "tables/raw")
		b.ReportMetric(float64(g.StoredBytes)/float64(g.RawBytes), "chunks/raw")
	})
	storagetest.BenchmarkScanLogEvents(b, db.Logs(), n)
}

// logFixtureSize is the events of the logs fixture: TRAILWATCH_BENCH_LOG_EVENTS
// if set (say 10000000, for the figures CloudWatch Logs' performance bars
// are stated in), else storagetest.LogFixtureSize.
func logFixtureSize(b *testing.B) int {
	v := os.Getenv("TRAILWATCH_BENCH_LOG_EVENTS")
	if v == "" {
		return storagetest.LogFixtureSize
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n%storagetest.LogBatchSize != 0 {
		b.Fatalf("TRAILWATCH_BENCH_LOG_EVENTS=%q: want a positive multiple of %d", v, storagetest.LogBatchSize)
	}
	return n
}
