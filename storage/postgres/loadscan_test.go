package postgres_test

import (
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// BenchmarkScanLoadCorpus runs the load command's FilterLogEvents queries
// (logcorpus.Queries, first page of up to 10,000 events) in process, as
// ScanLogEvents calls, on a database that `trailwatch load` filled: set
// TRAILWATCH_BENCH_LOAD_DB to its URL (scripts/loadbench with KEEP=1
// leaves one; stop its server first, so that compaction does not change
// the chunks between runs). The benchmark only reads.
//
// Besides wall time it reports this process's CPU per call and that of
// the database's PostgreSQL backends (from /proc, so only where the
// server runs on this machine): on a machine shared with other work both
// are steadier than wall time, and together they are what one call costs.
func BenchmarkScanLoadCorpus(b *testing.B) {
	url := os.Getenv("TRAILWATCH_BENCH_LOAD_DB")
	if url == "" {
		b.Skip("skipping: TRAILWATCH_BENCH_LOAD_DB names no database a trailwatch load filled")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var account, region string
	if err := conn.QueryRow(ctx, `SELECT account_id, region FROM log_groups WHERE name = $1`, loadGroup).Scan(&account, &region); err != nil {
		b.Fatalf("find the load group %s: %v", loadGroup, err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, lq := range logcorpus.Queries {
		b.Run(strings.ReplaceAll(lq.Name, " ", "-"), func(b *testing.B) {
			p, err := filterpattern.Compile(lq.Pattern)
			if err != nil {
				b.Fatal(err)
			}
			q := storage.LogScan{AccountID: account, Region: region, Group: loadGroup,
				From: math.MinInt64, To: math.MaxInt64, Terms: p.RequiredTerms(), Limit: 10_000,
				MaxScannedBytes: 64 << 20}
			if p.Kind() != filterpattern.KindAll {
				q.Match = p.MatchBytes
			}
			// One call first, so that the pool's connection exists
			// before the backends' CPU is read.
			if _, _, err := db.Logs().ScanLogEvents(ctx, q); err != nil {
				b.Fatal(err)
			}
			pg0 := backendCPU(ctx, b, conn)
			cpu0, cpuOK := storagetest.ProcessCPU()
			found, calls := 0, 0
			for b.Loop() {
				evs, _, err := db.Logs().ScanLogEvents(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				found = len(evs)
				calls++
			}
			cpu1, _ := storagetest.ProcessCPU()
			pg1 := backendCPU(ctx, b, conn)
			b.ReportMetric(float64(found), "events/op")
			if cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(calls)/float64(time.Millisecond), "cpu-ms/op")
			}
			if pg0 != nil && pg1 != nil {
				var d time.Duration
				for pid, t := range pg1 {
					d += t - pg0[pid] // a backend started meanwhile counts from 0
				}
				b.ReportMetric(float64(d)/float64(calls)/float64(time.Millisecond), "pg-cpu-ms/op")
			}
		})
	}
}

// loadGroup is the group `trailwatch load` fills by default.
const loadGroup = "/trailwatch/load"

// backendCPU returns the CPU time used so far by each PostgreSQL backend
// connected to conn's database other than conn's own, or nil when /proc
// does not show them (a server on another machine).
func backendCPU(ctx context.Context, b *testing.B, conn *pgx.Conn) map[int]time.Duration {
	b.Helper()
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
		if err != nil {
			return nil
		}
		// utime and stime are fields 14 and 15, counted after the
		// parenthesised command name, which may hold spaces.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			return nil
		}
		ut, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return nil
		}
		// Linux reports them in clock ticks of 1/100 s (USER_HZ).
		out[int(pid)] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}
