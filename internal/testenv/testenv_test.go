package testenv_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/internal/testenv"
)

// recorder is a testing.TB that records how a helper ended the test.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	r.TB.SkipNow() // ends the goroutine as the real Skipf would; see run
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	r.TB.SkipNow()
}

// run calls fn with a recorder in a subtest of its own, so the SkipNow that
// stands in for skipping and failing ends only that subtest.
func run(t *testing.T, fn func(tb testing.TB)) *recorder {
	t.Helper()
	r := &recorder{}
	t.Run("inner", func(t *testing.T) {
		r.TB = t
		fn(r)
	})
	return r
}

func TestRequire(t *testing.T) {
	tests := []struct {
		name                    string
		ci                      string
		ok                      bool
		wantSkipped, wantFailed bool
	}{
		{"present", "", true, false, false},
		{"present in CI", "true", true, false, false},
		{"absent skips", "", false, true, false},
		{"absent with CI=false skips", "false", false, true, false},
		{"absent in CI fails", "true", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := run(t, func(tb testing.TB) { testenv.Require(tb, "widget", tt.ok, "not installed") })
			if r.skipped != tt.wantSkipped || r.failed != tt.wantFailed {
				t.Fatalf("skipped %v failed %v, want %v %v", r.skipped, r.failed, tt.wantSkipped, tt.wantFailed)
			}
			if (r.skipped || r.failed) && !(strings.Contains(r.msg, "widget") && strings.Contains(r.msg, "not installed")) {
				t.Errorf("message %q does not name the component and the reason", r.msg)
			}
		})
	}
}

func TestPostgresUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens there, so the connection is
	// refused at once.
	t.Setenv("TRAILWATCH_TEST_POSTGRES", "postgres://postgres:secret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := run(t, func(tb testing.TB) { testenv.Postgres(tb) })
			if ci == "true" && !r.failed || ci == "" && !r.skipped {
				t.Fatalf("skipped %v failed %v with CI=%q", r.skipped, r.failed, ci)
			}
			if strings.Contains(r.msg, "secret") {
				t.Errorf("message shows the password: %q", r.msg)
			}
		})
	}
}

func TestPostgres(t *testing.T) {
	server := testenv.PostgresServer(t)
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		u := testenv.Postgres(t)
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect to the new database: %v", err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables", tables)
		}
		if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		parsed, _ := url.Parse(u)
		if parsed.Path != "/"+name {
			t.Errorf("URL %s does not name database %s", u, name)
		}
		if other := testenv.Postgres(t); other == u {
			t.Errorf("two calls returned the same database %s", u)
		}
	})
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if name == "" || exists {
		t.Errorf("database %q still exists after its test ended", name)
	}
}
