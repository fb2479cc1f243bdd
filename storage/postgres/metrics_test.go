package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage/postgres"
)

// TestBucketLookupPlanWithoutStatistics checks that a merge finds its
// buckets through the primary key on a table never analyzed, where the
// planner once took the (resolution, ts) index and read every bucket of
// the minute for each key.
func TestBucketLookupPlanWithoutStatistics(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	// One minute of a busy account: 8,000 series, one bucket each.
	if _, err := conn.Exec(ctx, `INSERT INTO metric_buckets (series_id, ts, resolution, unit, count, sum, min, max)
		SELECT g, 1700000040, 60, 'Milliseconds', 1, 1, 1, 1 FROM generate_series(1, 8000) AS g`); err != nil {
		t.Fatalf("insert buckets: %v", err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+postgres.BucketLookup, pgx.QueryExecModeSimpleProtocol,
		[]int64{1, 2, 3}, []int64{1700000040, 1700000040, 1700000040}, []int32{60, 60, 60},
		[]string{"Milliseconds", "Milliseconds", "Milliseconds"})
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatalf("scan plan: %v", err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("explain: %v", err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "metric_buckets_pkey") || strings.Contains(text, "metric_buckets_age") {
		t.Errorf("bucket lookup does not go through the primary key:\n%s", text)
	}
}
