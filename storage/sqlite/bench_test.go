package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
	db := openFixture(b, path, func(db *sqlite.DB) error {
		return storagetest.LoadFixture(context.Background(), db.Events(), storagetest.FixtureSize, 20_000, b.Logf)
	})
	storagetest.BenchmarkLookupEvents(b, db.Events())
}

// openFixture opens the fixture database at path, first building it with
// load if there is none. It builds under another name and renames when
// done, so an interrupted build is never mistaken for a fixture.
func openFixture(b *testing.B, path string, load func(db *sqlite.DB) error) *sqlite.DB {
	b.Helper()
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := sqlite.Open(tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := load(db); err != nil {
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
	b.Cleanup(func() { db.Close() })
	return db
}

// openBench opens a fresh database in b's temporary directory.
func openBench(b *testing.B) *sqlite.DB {
	b.Helper()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.sqlite"))
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
// many as TRAILWATCH_BENCH_LOG_EVENTS says) kept under os.TempDir()
// between runs; delete the file to rebuild it. Its Disk sub-benchmark
// reports the file's bytes, and the chunks' (the group's StoredBytes), per
// message byte. The file holds the pages compaction freed, which later
// writes reuse.
func BenchmarkScanLogEvents(b *testing.B) {
	if testing.Short() {
		b.Skip("skipping: builds a 1,000,000-event fixture")
	}
	n := storagetest.LogFixtureEvents(b)
	path := filepath.Join(os.TempDir(), fmt.Sprintf("trailwatch-bench-logs-v%d-%d.sqlite", storagetest.LogFixtureVersion, n))
	db := openFixture(b, path, func(db *sqlite.DB) error {
		return storagetest.LoadLogFixture(context.Background(), db.Logs(), n, b.Logf)
	})
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
