package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// BenchmarkLookupEvents runs on a 1,000,000-event fixture kept under
// os.TempDir() between runs; delete the file to rebuild it.
func BenchmarkLookupEvents(b *testing.B) {
	if testing.Short() {
		b.Skip("skipping: builds a 1,000,000-event fixture")
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("trailwatch-bench-lookup-v%d-%d.sqlite", storagetest.FixtureVersion, storagetest.FixtureSize))
	if _, err := os.Stat(path); err != nil {
		buildFixture(b, path, storagetest.FixtureSize)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.BenchmarkLookupEvents(b, db.Events())
}

// buildFixture stores n fixture events in a new database at path. It builds
// under another name and renames when done, so an interrupted build is
// never mistaken for a fixture.
func buildFixture(b *testing.B, path string, n int) {
	b.Helper()
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	db, err := sqlite.Open(tmp)
	if err != nil {
		b.Fatal(err)
	}
	if err := storagetest.LoadFixture(context.Background(), db.Events(), n, 20_000, b.Logf); err != nil {
		db.Close()
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPutEvents measures storing batches of fixture events.
func BenchmarkPutEvents(b *testing.B) {
	for _, batch := range []int{1, 100, 10_000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.sqlite"))
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
		db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.sqlite"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db.Logs()
	})
}

// BenchmarkScanLogEvents runs on a 1,000,000-event logs fixture (or as
// many as TRAILWATCH_BENCH_LOG_EVENTS says) kept under os.TempDir()
// between runs; delete the file to rebuild it. Its Disk sub-benchmark
// reports the file's bytes, and the chunks' (the group's StoredBytes), per
// message byte. The file holds the pages compaction freed, which later
// writes reuse.
func BenchmarkScanLogEvents(b *testing.B) {
	if testing.Short() {
		b.Skip("skipping: builds a 1,000,000-event fixture")
	}
	n := logFixtureSize(b)
	path := filepath.Join(os.TempDir(), fmt.Sprintf("trailwatch-bench-logs-v%d-%d.sqlite", storagetest.LogFixtureVersion, n))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := sqlite.Open(tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := storagetest.LoadLogFixture(context.Background(), db.Logs(), n, b.Logf); err != nil {
			db.Close()
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Run("Disk", func(b *testing.B) {
		g, err := db.Logs().GetLogGroup(context.Background(), storagetest.LogFixtureAccount, storagetest.LogFixtureRegion, storagetest.LogFixtureGroup)
		if err != nil {
			b.Fatal(err)
		}
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(path + suffix); err == nil {
				size += fi.Size()
			}
		}
		for b.Loop() {
		}
		b.ReportMetric(float64(size)/float64(g.RawBytes), "file/raw")
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
