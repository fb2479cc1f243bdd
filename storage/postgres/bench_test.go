package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
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
	name := fmt.Sprintf("trailwatch_bench_lookup_v%d_%d", storagetest.FixtureVersion, storagetest.FixtureSize)
	db, _ := openFixture(b, name, func(ctx context.Context, db *postgres.DB) error {
		return storagetest.LoadFixture(ctx, db.Events(), storagetest.FixtureSize, 20_000, b.Logf)
	})
	storagetest.BenchmarkLookupEvents(b, db.Events())
}

// openFixture opens the fixture database called name on the test server,
// first building it with load if it is not complete, and returns it with
// a plain connection to the same database, both closed when b ends.
func openFixture(b *testing.B, name string, load func(ctx context.Context, db *postgres.DB) error) (*postgres.DB, *pgx.Conn) {
	b.Helper()
	ctx := context.Background()
	url, _ := testenv.PostgresFixture(b, name)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(ctx) })
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
		err = load(ctx, db)
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
	b.Cleanup(func() { db.Close() })
	return db, conn
}

// openBench opens a fresh database on the test server.
func openBench(b *testing.B) *postgres.DB {
	b.Helper()
	db, err := postgres.Open(context.Background(), testenv.Postgres(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkPutEvents measures storing batches of fixture events.
func BenchmarkPutEvents(b *testing.B) {
	storagetest.BenchmarkPutEvents(b, func(b *testing.B) storage.Events { return openBench(b).Events() })
}

// BenchmarkPutLogEvents measures storing 10,000-event batches with one and
// four writers.
func BenchmarkPutLogEvents(b *testing.B) {
	storagetest.BenchmarkPutLogEvents(b, func(b *testing.B) storage.Logs { return openBench(b).Logs() })
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
	n := storagetest.LogFixtureEvents(b)
	name := fmt.Sprintf("trailwatch_bench_logs_v%d_%d", storagetest.LogFixtureVersion, n)
	db, conn := openFixture(b, name, func(ctx context.Context, db *postgres.DB) error {
		return storagetest.LoadLogFixture(ctx, db.Logs(), n, b.Logf)
	})
	ctx := context.Background()
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
