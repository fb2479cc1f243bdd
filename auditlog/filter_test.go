package auditlog

import "testing"

func TestFilter(t *testing.T) {
	ev := func(op, user, stmt string) *Event {
		return &Event{Source: SourceMariaDB, Operation: op, User: user, Statement: stmt}
	}
	pg := func(op, class, user string) *Event {
		return &Event{Source: SourcePostgres, Operation: op, AuditClass: class, User: user}
	}
	connect, failed := ev(OpConnect, "bob", ""), ev(OpFailedConnect, "bob", "")
	sel, ins := ev(OpQueryDML, "bob", "SELECT 1"), ev(OpQueryDML, "bob", "INSERT INTO t VALUES (1)")
	ddl, dcl, other, table := ev(OpQueryDDL, "bob", "CREATE TABLE t (a int)"), ev(OpQueryDCL, "bob", "GRANT ALL ON *.* TO x"), ev(OpQuery, "bob", "SHOW TABLES"), ev(OpTable, "bob", "")
	pgRead, pgWrite, msg := pg(OpQueryDML, "READ", "bob"), pg(OpQueryDML, "WRITE", "bob"), pg(OpMessage, "", "")
	aliceSel := ev(OpQueryDML, "alice", "SELECT 1")
	myIns := &Event{Source: SourceMySQLJSON, Operation: OpQueryDML, Statement: "INSERT INTO t VALUES (1)"}
	mongoFind := &Event{Source: SourceMongoDB, Operation: OpQueryDML, AuditClass: "find"}
	mongoIns := &Event{Source: SourceMongoDB, Operation: OpQueryDML, AuditClass: "insert"}
	aliceFailed := ev(OpFailedConnect, "alice", "")

	for _, tc := range []struct {
		events, incl, excl string
		pass, drop         []*Event
	}{
		{"", "", "", []*Event{connect, failed, sel, ins, ddl, dcl, other, table, pgRead, msg}, nil},
		{"CONNECT", "", "", []*Event{connect, failed}, []*Event{sel, ddl, table, msg}},
		{"QUERY", "", "", []*Event{sel, ins, ddl, dcl, other, pgRead}, []*Event{connect, table, msg}},
		{"QUERY_DDL", "", "", []*Event{ddl}, []*Event{sel, dcl, other, connect}},
		{"query_dml", "", "", []*Event{sel, ins, pgRead, pgWrite}, []*Event{ddl, dcl, other}},
		{"QUERY_DML_NO_SELECT", "", "", []*Event{ins, pgWrite, myIns, mongoIns}, []*Event{sel, pgRead, ddl, mongoFind}},
		{"QUERY_DCL,TABLE", "", "", []*Event{dcl, table}, []*Event{ddl, sel, connect}},
		{"MESSAGE", "", "", []*Event{msg}, []*Event{sel, connect}},
		// Users: incl wins over excl; connection events are never user-filtered.
		{"", "alice", "", []*Event{aliceSel, failed, connect}, []*Event{sel, table}},
		{"", "", "bob", []*Event{aliceSel, failed, connect}, []*Event{sel, table, ddl}},
		{"", "alice", "alice,bob", []*Event{aliceSel, aliceFailed}, []*Event{sel}},
		{"", " alice , carol", "", []*Event{aliceSel}, []*Event{sel}},
	} {
		f, err := NewFilter(tc.events, tc.incl, tc.excl)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tc.pass {
			if !f.Match(e) {
				t.Errorf("events=%q incl=%q excl=%q: %s %s %q dropped", tc.events, tc.incl, tc.excl, e.Operation, e.User, e.Statement)
			}
		}
		for _, e := range tc.drop {
			if f.Match(e) {
				t.Errorf("events=%q incl=%q excl=%q: %s %s %q passed", tc.events, tc.incl, tc.excl, e.Operation, e.User, e.Statement)
			}
		}
	}
	if _, err := NewFilter("CONNECT,QUERIES", "", ""); err == nil {
		t.Error("unknown class accepted")
	}
}
