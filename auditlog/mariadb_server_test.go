package auditlog

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

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

// TestMariaDBServerAudit runs a real MariaDB with the server_audit plugin
// (Debian's mariadb-server; scripts/test installs it), produces logins, a
// failed login, DDL, DML, SELECTs, errors and DCL through the mariadb
// client, and parses every line the plugin wrote.
func TestMariaDBServerAudit(t *testing.T) {
	mariadbd, err1 := exec.LookPath("mariadbd")
	installDB, err2 := exec.LookPath("mariadb-install-db")
	client, err3 := exec.LookPath("mariadb")
	plugin := "/usr/lib/mysql/plugin/server_audit.so"
	_, err4 := os.Stat(plugin)
	testenv.Require(t, "MariaDB with server_audit", err1 == nil && err2 == nil && err3 == nil && err4 == nil,
		fmt.Sprint("need mariadbd, mariadb-install-db, mariadb and ", plugin, " (apt-get install mariadb-server mariadb-client)"))
	if testing.Short() {
		t.Skip("starts a database server")
	}

	dir := t.TempDir()
	port := freeTCPPort(t)
	sock := filepath.Join(dir, "mysqld.sock")
	auditLog := filepath.Join(dir, "server_audit.log")
	cnf := filepath.Join(dir, "my.cnf")
	user := ""
	if os.Geteuid() == 0 {
		user = "user=root" // mariadbd refuses to run as root unless told to
	}
	// The audit settings are in their own group, read only by the server,
	// so that mariadb-install-db's bootstrap is not audited.
	writeFile(t, cnf, fmt.Sprintf(`[mariadbd]
%s
datadir=%s/data
socket=%s
pid-file=%s/mysqld.pid
bind-address=127.0.0.1
port=%d
skip-name-resolve
log-error=%s/error.log

[mariadbd_audit]
plugin-load-add=server_audit.so
server_audit=FORCE_PLUS_PERMANENT
server_audit_events=CONNECT,QUERY,TABLE
server_audit_logging=ON
server_audit_output_type=file
server_audit_file_path=%s
`, user, dir, sock, dir, port, dir, auditLog))
	run(t, installDB, "--defaults-file="+cnf, "--auth-root-authentication-method=normal", "--skip-test-db")

	srv := exec.Command(mariadbd, "--defaults-file="+cnf, "--defaults-group-suffix=_audit")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			srv.Process.Signal(os.Interrupt)
			srv.Process.Signal(syscallTERM)
			srv.Wait()
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Wait for the server's own word rather than probe the socket:
		// a probe would be audited as a FAILED_CONNECT.
		if b, _ := os.ReadFile(filepath.Join(dir, "error.log")); strings.Contains(string(b), "ready for connections") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mariadbd did not start; see %s/error.log", dir)
		}
		time.Sleep(100 * time.Millisecond)
	}

	sql := func(args ...string) (string, error) {
		out, err := exec.Command(client, append([]string{"--no-defaults"}, args...)...).CombinedOutput()
		return string(out), err
	}
	mustSQL := func(args ...string) {
		t.Helper()
		if out, err := sql(args...); err != nil {
			t.Fatalf("mariadb %v: %v\n%s", args, err, out)
		}
	}
	tcp := []string{"--protocol=TCP", "-h", "127.0.0.1", "-P", fmt.Sprint(port)}
	mustSQL("-S", sock, "-uroot", "-e", `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'apppw';
CREATE DATABASE shop; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';`)
	mustSQL(append(tcp, "-uapp", "-papppw", "shop", "-e", "SELECT 1")...)
	if _, err := sql(append(tcp, "-uapp", "-pWRONG", "shop", "-e", "SELECT 1")...); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	mustSQL(append(tcp, "-uapp", "-papppw", "shop", "-e", `CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40), qty INT);
INSERT INTO orders VALUES (1,'wid''get, "big"',3);
UPDATE orders SET qty = qty + 1 WHERE id = 1;
SELECT id, item, qty
  FROM orders
  WHERE item = 'tab\there\\';
DELETE FROM orders WHERE id = 2;`)...)
	sql(append(tcp, "-uapp", "-papppw", "shop", "-e", "SELECT * FROM nosuchtable")...)
	mustSQL("-S", sock, "-uroot", "-e", `GRANT SELECT ON shop.* TO 'app'@'127.0.0.1'; CREATE USER 'bob'@'127.0.0.1' IDENTIFIED BY 'secret123';`)
	stop()

	lines := readLines(t, auditLog)
	if len(lines) < 20 {
		t.Fatalf("only %d audit lines", len(lines))
	}
	var events []*Event
	for _, l := range lines {
		e, err := ParseMariaDB(l, MariaDBOptions{Location: time.Local})
		if err != nil {
			t.Errorf("%q: %v", l, err)
			continue
		}
		if e.Raw != l || e.ServerHost == "" || e.User == "" || time.Since(e.Time) > time.Hour || time.Since(e.Time) < -time.Minute {
			t.Errorf("%q: %+v", l, e)
		}
		events = append(events, e)
	}
	find := func(what string, ok func(e *Event) bool) *Event {
		t.Helper()
		for _, e := range events {
			if ok(e) {
				return e
			}
		}
		t.Errorf("no %s in:\n%s", what, strings.Join(lines, "\n"))
		return &Event{}
	}
	e := find("failed login", func(e *Event) bool { return e.Operation == OpFailedConnect && e.User == "app" })
	if e.User != "app" || e.ClientHost != "127.0.0.1" || e.ResultCode != "1045" {
		t.Errorf("failed login: %+v", e)
	}
	find("app login", func(e *Event) bool {
		return e.Operation == OpConnect && e.User == "app" && e.Database == "shop" && e.ResultCode == "0"
	})
	find("logout", func(e *Event) bool { return e.Operation == OpDisconnect && e.User == "app" })
	find("CREATE TABLE", func(e *Event) bool {
		return e.Operation == OpQueryDDL && strings.HasPrefix(e.Statement, "CREATE TABLE orders") && e.ResultCode == "0"
	})
	find("table create event", func(e *Event) bool { return e.Operation == OpTable && e.Command == "CREATE" && e.Object == "orders" })
	find("INSERT with quotes and a comma", func(e *Event) bool {
		return e.Operation == OpQueryDML && e.Statement == `INSERT INTO orders VALUES (1,'wid''get, "big"',3)`
	})
	find("multi-line SELECT with a tab and a backslash", func(e *Event) bool {
		return e.Operation == OpQueryDML && e.Statement == "SELECT id, item, qty\n  FROM orders\n  WHERE item = 'tab\\there\\\\'"
	})
	find("table read event", func(e *Event) bool { return e.Operation == OpTable && e.Command == "READ" && e.Database == "shop" })
	find("table write event", func(e *Event) bool { return e.Operation == OpTable && e.Command == "WRITE" && e.Object == "orders" })
	find("DELETE", func(e *Event) bool {
		return e.Operation == OpQueryDML && e.Statement == "DELETE FROM orders WHERE id = 2"
	})
	find("error 1146", func(e *Event) bool { return e.ResultCode == "1146" && e.Statement == "SELECT * FROM nosuchtable" })
	find("GRANT", func(e *Event) bool {
		return e.Operation == OpQueryDCL && strings.HasPrefix(e.Statement, "GRANT SELECT ON shop.*")
	})
	find("CREATE USER, password masked", func(e *Event) bool {
		return e.Operation == OpQueryDCL && e.Statement == "CREATE USER 'bob'@'127.0.0.1' IDENTIFIED BY *****"
	})
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
