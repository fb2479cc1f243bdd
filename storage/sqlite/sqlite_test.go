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
