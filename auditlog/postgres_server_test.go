package auditlog

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// TestPostgresPgaudit runs a real PostgreSQL 15 with pgaudit (Debian's
// postgresql-15-pgaudit; scripts/test installs it) writing stderr, csvlog
// and jsonlog, produces logins, a failed login, DDL, DML, SELECTs, an
// error and DCL through psql, and parses every record of all three logs.
func TestPostgresPgaudit(t *testing.T) {
	_, err1 := os.Stat(filepath.Join(pgBin, "postgres"))
	_, err2 := os.Stat("/usr/lib/postgresql/15/lib/pgaudit.so")
	psql, err3 := exec.LookPath("psql")
	testenv.Require(t, "PostgreSQL 15 with pgaudit", err1 == nil && err2 == nil && err3 == nil,
		"need "+pgBin+"/postgres, pgaudit.so and psql (apt-get install postgresql-15 postgresql-15-pgaudit)")
	if testing.Short() {
		t.Skip("starts a database server")
	}

	// initdb refuses to run as root: run the server as postgres, in a
	// directory that user can enter (t.TempDir's parent is private).
	var asUser []string
	uid, gid := -1, -1
	dir, err := os.MkdirTemp("", "auditlog-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	pg := func(args ...string) {
		t.Helper()
		cmd := append(append([]string{}, asUser...), args...)
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", cmd, err, out)
		}
	}
	data, logDir := filepath.Join(dir, "data"), filepath.Join(dir, "log")
	pwfile := filepath.Join(dir, "pw")
	writeFile(t, pwfile, "postgrespw\n")
	if err := os.Chown(pwfile, uid, gid); err != nil {
		t.Fatal(err)
	}
	pg(filepath.Join(pgBin, "initdb"), "-D", data, "-U", "postgres", "--pwfile="+pwfile, "--auth-local=trust",
		"--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
	port := freeTCPPort(t)
	conf, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conf, `
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
shared_preload_libraries = 'pgaudit'
pgaudit.log = 'all'
pgaudit.log_catalog = off
pgaudit.log_relation = on
pgaudit.log_parameter = on
log_connections = on
log_disconnections = on
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = '%s'
log_filename = 'postgresql.log'
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '%s'
log_timezone = 'UTC'
`, port, dir, logDir, samplePrefix)
	conf.Close()
	pg(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "pg_ctl.log"), "-w", "start")
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			pg(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")
		}
	}
	t.Cleanup(stop)

	sql := func(user, password, db, script string) (string, error) {
		cmd := exec.Command(psql, "-X", "-q", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "-U", user, "-d", db, "-v", "ON_ERROR_STOP=0", "-c", script)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGAPPNAME=psql")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	mustSQL := func(user, password, db, script string) {
		t.Helper()
		if out, err := sql(user, password, db, script); err != nil {
			t.Fatalf("psql %s: %v\n%s", script, err, out)
		}
	}
	mustSQL("postgres", "postgrespw", "postgres", "CREATE ROLE app LOGIN PASSWORD 'apppw'")
	mustSQL("postgres", "postgrespw", "postgres", "CREATE DATABASE shop OWNER app")
	if _, err := sql("app", "WRONG", "shop", "SELECT 1"); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	mustSQL("app", "apppw", "shop", "CREATE TABLE orders (id int PRIMARY KEY, item text, qty int)")
	mustSQL("app", "apppw", "shop", "INSERT INTO orders VALUES (1, 'wid''get, \"big\"', 3)")
	mustSQL("app", "apppw", "shop", "UPDATE orders SET qty = qty + 1 WHERE id = 1")
	mustSQL("app", "apppw", "shop", "SELECT id, item, qty\n  FROM orders\n  WHERE id = 1")
	mustSQL("app", "apppw", "shop", "DELETE FROM orders WHERE id = 2")
	sql("app", "apppw", "shop", "SELECT * FROM nosuchtable")
	mustSQL("postgres", "postgrespw", "shop", "GRANT SELECT ON orders TO PUBLIC")
	mustSQL("postgres", "postgrespw", "shop", "ALTER ROLE app PASSWORD 'newpw'")
	stop()

	prefix := mustPrefix(t, samplePrefix)
	check := func(format string, records []string, parse func(string) (*Event, error)) {
		t.Helper()
		if len(records) < 20 {
			t.Fatalf("%s: only %d records", format, len(records))
		}
		var events []*Event
		for _, r := range records {
			e, err := parse(r)
			if err != nil {
				t.Errorf("%s: %q: %v", format, r, err)
				continue
			}
			if e.Raw != r || e.ProcessID == 0 || time.Since(e.Time) > time.Hour || time.Since(e.Time) < -time.Minute {
				t.Errorf("%s: %q: %+v", format, r, e)
			}
			events = append(events, e)
		}
		find := func(what string, ok func(e *Event) bool) {
			t.Helper()
			for _, e := range events {
				if ok(e) {
					return
				}
			}
			t.Errorf("%s: no %s in:\n%s", format, what, strings.Join(records, "\n"))
		}
		find("failed login", func(e *Event) bool {
			return e.Operation == OpFailedConnect && e.User == "app" && e.Database == "shop" && e.ClientHost == "127.0.0.1" && e.ClientPort > 0 &&
				e.Message == `password authentication failed for user "app"` && (format == "stderr" || e.ResultCode == "28P01")
		})
		find("login", func(e *Event) bool { return e.Operation == OpConnect && e.User == "app" && e.Database == "shop" })
		find("logout", func(e *Event) bool { return e.Operation == OpDisconnect && e.User == "app" && e.Database == "shop" })
		find("CREATE TABLE", func(e *Event) bool {
			return e.Operation == OpQueryDDL && e.AuditClass == "DDL" && e.Command == "CREATE TABLE" &&
				e.Statement == "CREATE TABLE orders (id int PRIMARY KEY, item text, qty int)" && e.User == "app"
		})
		find("INSERT with quotes and a comma", func(e *Event) bool {
			return e.Operation == OpQueryDML && e.AuditClass == "WRITE" && e.Command == "INSERT" && e.ObjectType == "TABLE" &&
				e.Object == "public.orders" && e.Statement == `INSERT INTO orders VALUES (1, 'wid''get, "big"', 3)`
		})
		find("multi-line SELECT", func(e *Event) bool {
			return e.Operation == OpQueryDML && e.AuditClass == "READ" && e.Command == "SELECT" &&
				e.Statement == "SELECT id, item, qty\n  FROM orders\n  WHERE id = 1"
		})
		find("UPDATE", func(e *Event) bool { return e.Command == "UPDATE" && e.AuditClass == "WRITE" })
		find("DELETE", func(e *Event) bool { return e.Command == "DELETE" && e.Statement == "DELETE FROM orders WHERE id = 2" })
		find("error", func(e *Event) bool {
			return e.Operation == OpMessage && e.Severity == "ERROR" && strings.Contains(e.Message, `"nosuchtable" does not exist`) &&
				(format == "stderr" || e.ResultCode == "42P01")
		})
		find("GRANT", func(e *Event) bool { return e.Operation == OpQueryDCL && e.Command == "GRANT" })
		find("ALTER ROLE, password redacted", func(e *Event) bool {
			return e.Operation == OpQueryDCL && e.Command == "ALTER ROLE" && e.Statement == "ALTER ROLE app PASSWORD <REDACTED>"
		})
		find("CREATE ROLE", func(e *Event) bool { return e.Operation == OpQueryDCL && e.Command == "CREATE ROLE" })
	}
	check("stderr", stderrRecords(readLines(t, filepath.Join(logDir, "postgresql.log"))),
		func(r string) (*Event, error) { return ParsePostgresStderr(r, prefix, PostgresOptions{}) })
	check("csvlog", csvRecords(readLines(t, filepath.Join(logDir, "postgresql.csv"))),
		func(r string) (*Event, error) { return ParsePostgresCSV(r, PostgresOptions{}) })
	check("jsonlog", readLines(t, filepath.Join(logDir, "postgresql.json")),
		func(r string) (*Event, error) { return ParsePostgresJSON(r, PostgresOptions{}) })
}

// freeTCPPort returns a port nothing listens on right now.
func freeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
