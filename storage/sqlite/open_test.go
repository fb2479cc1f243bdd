package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPragmas checks the settings the storage contract rests on: a write
// that returned is durable (WAL with synchronous=FULL), waits for locks
// rather than failing, foreign keys are enforced, and readers cannot write.
func TestPragmas(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pragmas := func(pool *sql.DB) map[string]string {
		got := map[string]string{}
		for _, p := range []string{"journal_mode", "synchronous", "foreign_keys", "busy_timeout", "query_only", "auto_vacuum", "temp_store"} {
			var v string
			if err := pool.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
				t.Fatalf("PRAGMA %s: %v", p, err)
			}
			got[p] = v
		}
		return got
	}
	// auto_vacuum 2 = incremental, set on new files; temp_store 2 = memory.
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "query_only": "0", "auto_vacuum": "2", "temp_store": "2"}
	if d := cmp.Diff(want, pragmas(db.w)); d != "" {
		t.Errorf("writer pragmas (-want +got):\n%s", d)
	}
	want["query_only"] = "1"
	if d := cmp.Diff(want, pragmas(db.r)); d != "" {
		t.Errorf("reader pragmas (-want +got):\n%s", d)
	}
	if _, err := db.r.Exec(`INSERT INTO leases (name, holder, expires) VALUES ('x', 'y', 0)`); err == nil {
		t.Errorf("a reader connection wrote")
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(context.Background(), `INSERT INTO migrations (version, applied_at) VALUES (?, 0)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: got %v, want an error saying it is newer", err)
	}
}

func TestOpenTwiceAppliesMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	for range 2 {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.r.QueryRow(`SELECT count(*) FROM migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(migrations) {
			t.Errorf("%d migrations recorded, want %d", n, len(migrations))
		}
		db.Close()
	}
}

// TestOpenPathCharacters checks that a file name is taken as it is, even
// with characters that mean something in a URI.
func TestOpenPathCharacters(t *testing.T) {
	for _, name := range []string{"a b.sqlite", "q?mode=ro.sqlite", "h#x.sqlite", "p%41.sqlite"} {
		dir := t.TempDir()
		db, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("open %q: %v", name, err)
		}
		if _, err := db.w.Exec(`INSERT INTO leases (name, holder, expires) VALUES ('x', 'y', 0)`); err != nil {
			t.Errorf("write to %q: %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no file named %q: %v", name, err)
		}
	}
}

func TestOpenRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"rel.sqlite", "sub/rel.sqlite", "a:b.sqlite"} {
		os.MkdirAll(filepath.Dir(name), 0o755)
		db, err := Open(name)
		if err != nil {
			t.Fatalf("open %q: %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no file %q in the working directory: %v", name, err)
		}
	}
}
