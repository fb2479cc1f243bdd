package auditlog

import (
	"strings"
	"testing"
)

func TestParseMySQLJSONFromDocs(t *testing.T) {
	var got []*Event
	for _, l := range readLines(t, "testdata/mysql_json_audit_FROM_DOCS.log") {
		if l == "[" || l == "]" {
			continue
		}
		e, err := ParseMySQLJSON(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, e)
	}
	want := []Event{
		{Operation: OpMessage, AuditClass: "audit", Command: "startup", User: "root", ClientHost: "::1", ConnectionID: "0"},
		{Operation: OpConnect, AuditClass: "connection", Command: "connect", User: "app", ClientHost: "127.0.0.1", Database: "shop", ResultCode: "0", ConnectionID: "8"},
		{Operation: OpFailedConnect, AuditClass: "connection", Command: "connect", User: "app", ClientHost: "127.0.0.1", Database: "shop", ResultCode: "1045", ConnectionID: "9"},
		{Operation: OpQueryDDL, AuditClass: "general", Command: "status", User: "app", ClientHost: "127.0.0.1", Statement: "CREATE TABLE orders (id INT)", ResultCode: "0", ConnectionID: "8"},
		{Operation: OpTable, AuditClass: "table_access", Command: "insert", User: "app", ClientHost: "127.0.0.1", Database: "shop", ObjectType: "TABLE", Object: "orders", Statement: "INSERT INTO orders (id) VALUES(1)", ConnectionID: "8"},
		{Operation: OpQueryDML, AuditClass: "general", Command: "status", User: "app", ClientHost: "127.0.0.1", Statement: "SELECT * FROM nosuchtable", ResultCode: "1146", ConnectionID: "8"},
		{Operation: OpDisconnect, AuditClass: "connection", Command: "disconnect", User: "app", ClientHost: "127.0.0.1", ResultCode: "0", ConnectionID: "8"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].Source, want[i].Raw, want[i].Time = SourceMySQLJSON, got[i].Raw, got[i].Time
		checkEvent(t, got[i], &want[i])
	}
	if !got[1].Time.Equal(mustTime(t, "2019-10-03T13:51:15Z")) {
		t.Errorf("Time = %v", got[1].Time)
	}
}

func TestParsePerconaJSONFromDocs(t *testing.T) {
	var got []*Event
	for _, l := range readLines(t, "testdata/percona_json_audit_FROM_DOCS.log") {
		e, err := ParseMySQLJSON(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, e)
	}
	want := []Event{
		{Operation: OpMessage, Command: "Audit", ResultCode: "0"},
		{Operation: OpConnect, Command: "Connect", User: "root", ClientHost: "localhost", ResultCode: "0", ConnectionID: "37"},
		{Operation: OpFailedConnect, Command: "Connect", User: "app", ClientHost: "10.0.0.5", Database: "shop", ResultCode: "1045", ConnectionID: "38"},
		{Operation: OpQueryDDL, Command: "Query", AuditClass: "drop_table", User: "root", ClientHost: "localhost", Database: "test", Statement: "DROP TABLE t1", ResultCode: "0", ConnectionID: "37"},
		{Operation: OpDisconnect, Command: "Quit", User: "root", ClientHost: "localhost", ResultCode: "0", ConnectionID: "37"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].Source, want[i].Raw, want[i].Time = SourceMySQLJSON, got[i].Raw, got[i].Time
		checkEvent(t, got[i], &want[i])
	}
	if !got[2].Time.Equal(mustTime(t, "2014-04-29T10:21:02Z")) {
		t.Errorf("Time = %v", got[2].Time)
	}
}

func TestParseMongoDBFromDocs(t *testing.T) {
	var got []*Event
	for _, l := range readLines(t, "testdata/mongodb_audit_FROM_DOCS.json") {
		e, err := ParseMongoDB(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, e)
	}
	want := []Event{
		{Operation: OpConnect, Command: "authenticate", User: "app", Database: "shop", ClientHost: "10.0.0.5", ClientPort: 51234, ResultCode: "0"},
		{Operation: OpFailedConnect, Command: "authenticate", User: "app", Database: "shop", ClientHost: "10.0.0.6", ClientPort: 51240, ResultCode: "18"},
		{Operation: OpQueryDDL, Command: "createCollection", User: "app", Database: "shop", ClientHost: "10.0.0.5", ClientPort: 51234, ResultCode: "0", ObjectType: "COLLECTION", Object: "shop.orders"},
		{Operation: OpQueryDCL, Command: "createUser", User: "admin", Database: "shop", ClientHost: "10.0.0.7", ClientPort: 51300, ResultCode: "0", ObjectType: "USER", Object: "bob"},
		{Operation: OpQueryDML, Command: "authCheck", AuditClass: "find", User: "app", Database: "shop", ClientHost: "10.0.0.5", ClientPort: 51234, ResultCode: "0", ObjectType: "COLLECTION", Object: "shop.orders",
			Statement: `{"$db":"shop","filter":{"id":1},"find":"orders"}`},
		{Operation: OpDisconnect, Command: "logout", ClientHost: "10.0.0.5", ClientPort: 51234, ResultCode: "0"},
		{Operation: OpFailedConnect, Command: "authenticate", User: "test", ClientHost: "127.0.0.1", ClientPort: 47466, ResultCode: "18"},
		{Operation: OpQueryDDL, Command: "createCollection", User: "test", Database: "test", ClientHost: "127.0.0.1", ClientPort: 47466, ObjectType: "COLLECTION", Object: "test.foo"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].Source, want[i].Raw, want[i].Time = SourceMongoDB, got[i].Raw, got[i].Time
		checkEvent(t, got[i], &want[i])
	}
	if !got[0].Time.Equal(mustTime(t, "2024-05-01T12:00:00.123Z")) || !got[6].Time.Equal(mustTime(t, "2019-11-11T18:33:46.183Z")) {
		t.Errorf("times %v %v", got[0].Time, got[6].Time)
	}
	for _, bad := range []string{"", "{}", `{"atype":"logout"}`, `{"atype":"logout","ts":"yesterday"}`, "[1]"} {
		if _, err := ParseMongoDB(bad); err == nil || !strings.Contains(err.Error(), "mongodb") {
			t.Errorf("%q: err = %v", bad, err)
		}
		if _, err := ParseMySQLJSON(bad); err == nil {
			t.Errorf("mysql-json %q parsed", bad)
		}
	}
}

func FuzzParseMySQLJSON(f *testing.F) {
	seed(f, "testdata/mysql_json_audit_FROM_DOCS.log")
	seed(f, "testdata/percona_json_audit_FROM_DOCS.log")
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseMySQLJSON(line)
		checkFuzzed(t, line, e, err)
	})
}

func FuzzParseMongoDB(f *testing.F) {
	seed(f, "testdata/mongodb_audit_FROM_DOCS.json")
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseMongoDB(line)
		checkFuzzed(t, line, e, err)
	})
}
