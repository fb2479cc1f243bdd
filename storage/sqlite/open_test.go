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

// A file made before auto_vacuum was set keeps the pages compaction and
// retention free; Vacuum switches it to incremental, after which log
// maintenance hands them back to the file system.
func TestVacuumSetsIncremental(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// As an older trailwatch left it: no auto_vacuum.
	for _, q := range []string{`PRAGMA auto_vacuum = NONE`, `VACUUM`} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fill := func() {
		t.Helper()
		if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS junk (b BLOB);
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
			INSERT INTO junk SELECT randomblob(4000) FROM n`); err != nil {
			t.Fatal(err)
		}
	}
	pages := func() (total, free int) {
		t.Helper()
		if err := db.w.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count)`).Scan(&total, &free); err != nil {
			t.Fatal(err)
		}
		return total, free
	}
	fill()
	if _, err := db.w.ExecContext(ctx, `DELETE FROM junk`); err != nil {
		t.Fatal(err)
	}
	if err := db.releaseFreePages(ctx); err != nil {
		t.Fatal(err)
	}
	if _, free := pages(); free < 400 {
		t.Fatalf("%d free pages after deleting 2 MB without auto_vacuum, want them kept", free)
	}
	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	var mode int
	if err := db.w.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum %d (%v) after Vacuum, want 2 (incremental)", mode, err)
	}
	if _, free := pages(); free != 0 {
		t.Errorf("%d free pages after Vacuum, want 0", free)
	}
	before, _ := pages()
	fill()
	if _, err := db.w.ExecContext(ctx, `DELETE FROM junk`); err != nil {
		t.Fatal(err)
	}
	if err := db.releaseFreePages(ctx); err != nil {
		t.Fatal(err)
	}
	if total, free := pages(); free != 0 || total > before+10 {
		t.Errorf("after filling and emptying a table: %d pages, %d free; want about %d, none free", total, free, before)
	}
}
