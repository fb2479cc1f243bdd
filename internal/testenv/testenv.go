// Package testenv decides whether a test that needs a real component (a
// PostgreSQL server, the AWS CLI, a browser) runs, skips or fails: when the
// component is missing the test skips with the reason, except under CI=true,
// where a missing component is a failure so that a green CI run means the
// tests really ran.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// InCI reports whether the tests run in CI (CI=true), where every real
// component must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require lets the test continue if ok; otherwise it skips the test with
// why, or fails it under CI=true. what names the component ("PostgreSQL",
// "aws CLI").
func Require(t testing.TB, what string, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("%s is required when CI=true: %s", what, why)
	}
	t.Skipf("skipping: %s unavailable: %s (set CI=true to make this a failure)", what, why)
}

// DefaultPostgres is the server Postgres uses when TRAILWATCH_TEST_POSTGRES
// is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresServer returns the URL of the test PostgreSQL server, from
// TRAILWATCH_TEST_POSTGRES (a postgres:// URL) or DefaultPostgres, after
// checking that it accepts connections; see Require for what happens when
// it does not.
func PostgresServer(t testing.TB) string {
	t.Helper()
	server := os.Getenv("TRAILWATCH_TEST_POSTGRES")
	if server == "" {
		server = DefaultPostgres
	}
	err := pingOnce(server)
	Require(t, "PostgreSQL", err == nil, fmt.Sprintf("%s: %v", redact(server), err))
	return server
}

// pinged caches the reachability check, so a package whose tests create
// dozens of databases pays for one failed connection attempt, not dozens.
var pinged sync.Map // server URL → error (nil when reachable)

func pingOnce(server string) error {
	if v, ok := pinged.Load(server); ok {
		err, _ := v.(error)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	pinged.Store(server, err)
	return err
}

// Postgres returns the URL of a new, empty database on the test server,
// created for this test and dropped when it ends.
func Postgres(t testing.TB) string {
	t.Helper()
	server := PostgresServer(t)
	var b [6]byte
	rand.Read(b[:])
	name := "trailwatch_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(server), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("connect to %s to drop %s: %v", redact(server), name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends sessions a leaked pool may still hold open.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, server, name)
}

// PostgresFixture returns the URL of the database name on the test server,
// creating it if it does not exist, and never drops it: it is for fixtures
// expensive enough to keep between runs (benchmark data sets). created
// reports whether the database is new.
func PostgresFixture(t testing.TB, name string) (dbURL string, created bool) {
	t.Helper()
	server := PostgresServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(server), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("look for database %s: %v", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatalf("create database %s: %v", name, err)
		}
	}
	return withDatabase(t, server, name), !exists
}

// withDatabase returns server with its database replaced by name.
func withDatabase(t testing.TB, server, name string) string {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("TRAILWATCH_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// redact hides a password in a server URL before it is printed.
func redact(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
