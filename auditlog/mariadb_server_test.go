package auditlog

import (
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

// TestMariaDBServerAudit runs a real MariaDB with the server_audit plugin
// (Debian's mariadb-server; scripts/test installs it), produces logins, a
// failed login, DDL, DML, SELECTs, errors and DCL through the mariadb
// client, and parses every line the plugin wrote.
func TestMariaDBServerAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database server")
	}
	db := testenv.MariaDB(t, testenv.MariaDBOptions{})
	mustSQL := func(args ...string) {
		t.Helper()
		if out, err := db.SQL(args...); err != nil {
			t.Fatalf("mariadb %v: %v\n%s", args, err, out)
		}
	}
	tcp := db.TCP()
	mustSQL("-S", db.Socket, "-uroot", "-e", `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'apppw';
CREATE DATABASE shop; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';`)
	mustSQL(append(tcp, "-uapp", "-papppw", "shop", "-e", "SELECT 1")...)
	if _, err := db.SQL(append(tcp, "-uapp", "-pWRONG", "shop", "-e", "SELECT 1")...); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	mustSQL(append(tcp, "-uapp", "-papppw", "shop", "-e", `CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40), qty INT);
INSERT INTO orders VALUES (1,'wid''get, "big"',3);
UPDATE orders SET qty = qty + 1 WHERE id = 1;
SELECT id, item, qty
  FROM orders
  WHERE item = 'tab\there\\';
DELETE FROM orders WHERE id = 2;`)...)
	db.SQL(append(tcp, "-uapp", "-papppw", "shop", "-e", "SELECT * FROM nosuchtable")...)
	mustSQL("-S", db.Socket, "-uroot", "-e", `GRANT SELECT ON shop.* TO 'app'@'127.0.0.1'; CREATE USER 'bob'@'127.0.0.1' IDENTIFIED BY 'secret123';`)
	db.Stop()

	lines := readLines(t, db.AuditLog)
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
