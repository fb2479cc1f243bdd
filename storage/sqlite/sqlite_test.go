package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	storagetest.Run(t, func(t testing.TB, name string) storage.Store {
		db, err := sqlite.Open(filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return db
	})
}

// TestSharedLogs opens one file twice, as two processes on one host would.
func TestSharedLogs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores []storage.Store
	for range 2 {
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		stores = append(stores, db)
	}
	storagetest.RunSharedLogs(t, stores...)
}

// TestConformanceEventsMerged runs the event history tests with every
// stored batch merged into the index at once, where the suite otherwise
// mostly reads batches still pending a merge.
func TestConformanceEventsMerged(t *testing.T) {
	dir := t.TempDir()
	storagetest.RunEvents(t, func(t testing.TB, name string) storage.Store {
		db, err := sqlite.Open(filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		db.SetMergeEvents(1)
		return db
	})
}
