package postgres_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// TestConformance gives each store of the suite its own schema in one
// database: creating a schema takes milliseconds, a database a second.
func TestConformance(t *testing.T) {
	storagetest.Run(t, schemaOpener(t, "", 0))
}

// TestConformanceEventsMerged runs the event history tests with every
// stored batch merged into the index at once, where the suite otherwise
// mostly reads batches still pending a merge.
func TestConformanceEventsMerged(t *testing.T) {
	storagetest.RunEvents(t, schemaOpener(t, "merged_", 1))
}

// schemaOpener opens each store of the suite in its own schema, named
// prefix+name, merging the event index at mergeEvents pending events when
// that is not 0.
func schemaOpener(t *testing.T, prefix string, mergeEvents int64) storagetest.Opener {
	base := testenv.Postgres(t)
	var mu sync.Mutex
	made := map[string]bool{}
	return func(t testing.TB, name string) storage.Store {
		name = prefix + name
		ctx := context.Background()
		mu.Lock()
		fresh := !made[name]
		made[name] = true
		mu.Unlock()
		if fresh {
			conn, err := pgx.Connect(ctx, base)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			_, err = conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
			conn.Close(ctx)
			if err != nil {
				t.Fatalf("create schema %s: %v", name, err)
			}
		}
		db, err := postgres.Open(ctx, inSchema(t, base, name))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if mergeEvents != 0 {
			db.SetMergeEvents(mergeEvents)
		}
		return db
	}
}

// inSchema returns dbURL with search_path set to schema, which pgx sends as
// a run-time parameter when it connects.
func inSchema(t testing.TB, dbURL, schema string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse %s: %v", dbURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
