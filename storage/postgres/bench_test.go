package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/testenv"
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
