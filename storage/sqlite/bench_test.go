package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/trailwatch/trailwatch"
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
