package auditlog

import (
	"strings"
	"testing"
)

// samplePrefix is the log_line_prefix of realclients/postgres_pgaudit.sh,
// which wrote the samples in testdata.
const samplePrefix = "%m [%p] %q%u@%d %r %a "

func mustPrefix(t testing.TB, p string) *PostgresPrefix {
	t.Helper()
	pp, err := NewPostgresPrefix(p)
	if err != nil {
		t.Fatal(err)
	}
	return pp
}

// stderrRecords joins the lines of a stderr log with a PostgresJoiner.
func stderrRecords(lines []string) []string {
	var j PostgresJoiner
	var out []string
	for _, l := range lines {
		if r, ok := j.Push(l); ok {
			out = append(out, r)
		}
	}
	if r, ok := j.Flush(); ok {
		out = append(out, r)
	}
	return out
}

// csvRecords joins the lines of a csvlog file into records.
func csvRecords(lines []string) []string {
	var out []string
	cur := ""
	for _, l := range lines {
		if cur != "" {
			cur += "\n" + l
		} else {
			cur = l
		}
		if CSVRecordComplete(cur) {
			out = append(out, cur)
			cur = ""
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// pgSampleWant is what every format of the same sample must give for
// the interesting records, keyed by a substring of the record.
var pgSampleWant = []struct {
	contains string
	want     Event
}{
	{`password authentication failed`, Event{Operation: OpFailedConnect, Command: "authentication failed", User: "app", Database: "shop",
		ClientHost: "127.0.0.1", ClientPort: 52396, ProcessID: 7412, Severity: "FATAL",
		Message: `password authentication failed for user "app"`}},
	{`connection authorized: user=app`, Event{Operation: OpConnect, Command: "connection authorized", User: "app", Database: "shop",
		ClientHost: "127.0.0.1", ClientPort: 52408, ProcessID: 7414, Severity: "LOG",
		Message: `connection authorized: user=app database=shop application_name=psql`}},
	{`disconnection: session time: 0:00:00.051`, Event{Operation: OpDisconnect, Command: "disconnection", User: "app", Database: "shop",
		ClientHost: "127.0.0.1", ClientPort: 52408, ProcessID: 7414, Severity: "LOG", Application: "psql",
		Message: `disconnection: session time: 0:00:00.051 user=app database=shop host=127.0.0.1 port=52408`}},
	{`AUDIT: SESSION,1,1,DDL,CREATE TABLE`, Event{Operation: OpQueryDDL, AuditType: "SESSION", StatementID: 1, SubstatementID: 1, AuditClass: "DDL",
		Command: "CREATE TABLE", User: "app", Database: "shop", ClientHost: "127.0.0.1", ClientPort: 52408, ProcessID: 7414, Severity: "LOG",
		Application: "psql", Statement: `CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, item text, qty int);`}},
	{`AUDIT: SESSION,4,1,READ,SELECT`, Event{Operation: OpQueryDML, AuditType: "SESSION", StatementID: 4, SubstatementID: 1, AuditClass: "READ",
		Command: "SELECT", ObjectType: "TABLE", Object: "public.orders", User: "app", Database: "shop", ClientHost: "127.0.0.1", ClientPort: 52408,
		ProcessID: 7414, Severity: "LOG", Application: "psql", Statement: `SELECT id, item, qty FROM orders WHERE id = 1;`}},
	{`AUDIT: SESSION,7,1,READ,SELECT`, Event{Operation: OpQueryDML, AuditType: "SESSION", StatementID: 7, SubstatementID: 1, AuditClass: "READ",
		Command: "SELECT", ObjectType: "TABLE", Object: "public.orders", User: "app", Database: "shop", ClientHost: "127.0.0.1", ClientPort: 52408,
		ProcessID: 7414, Severity: "LOG", Application: "psql", Statement: `PREPARE q(int) AS SELECT item FROM orders WHERE id = $1;`, Parameter: "1"}},
	{`AUDIT: SESSION,1,1,FUNCTION,DO`, Event{Operation: OpQuery, AuditType: "SESSION", StatementID: 1, SubstatementID: 1, AuditClass: "FUNCTION",
		Command: "DO", User: "postgres", Database: "postgres", ClientHost: "127.0.0.1", ClientPort: 52386, ProcessID: 7406, Severity: "LOG",
		Application: "psql", Statement: "DO $$BEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='app') THEN CREATE ROLE app LOGIN PASSWORD 'apppw'; END IF;\nEND$$;"}},
	{`AUDIT: SESSION,2,1,ROLE,ALTER ROLE`, Event{Operation: OpQueryDCL, AuditType: "SESSION", StatementID: 2, SubstatementID: 1, AuditClass: "ROLE",
		Command: "ALTER ROLE", User: "postgres", Database: "shop", ClientHost: "127.0.0.1", ClientPort: 52420, ProcessID: 7416, Severity: "LOG",
		Application: "psql", Statement: `ALTER ROLE app PASSWORD <REDACTED>`}},
}

// checkPgSample checks the records of one format against pgSampleWant;
// fix adjusts the expectation to what the format carries.
func checkPgSample(t *testing.T, records []string, parse func(string) (*Event, error), fix func(*Event, *Event)) {
	t.Helper()
	found := map[string]bool{}
	for _, r := range records {
		e, err := parse(r)
		if err != nil {
			t.Errorf("%q: %v", r, err)
			continue
		}
		if e.Raw != r || e.Source != SourcePostgres || e.Time.IsZero() || e.Operation == "" {
			t.Errorf("%q: %+v", r, e)
		}
		for _, w := range pgSampleWant {
			if !strings.Contains(r, w.contains) {
				continue
			}
			found[w.contains] = true
			want := w.want
			want.Source, want.Raw, want.Time = SourcePostgres, r, e.Time
			fix(e, &want)
			checkEvent(t, e, &want)
		}
	}
	for _, w := range pgSampleWant {
		if !found[w.contains] {
			t.Errorf("no record with %q", w.contains)
		}
	}
}

func TestParsePostgresStderrSample(t *testing.T) {
	p := mustPrefix(t, samplePrefix)
	records := stderrRecords(readLines(t, "testdata/postgres_pgaudit_stderr.log"))
	if len(records) != 36 {
		t.Errorf("%d records, want 36 (38 lines, one statement on 3 lines)", len(records))
	}
	checkPgSample(t, records, func(r string) (*Event, error) { return ParsePostgresStderr(r, p, PostgresOptions{}) },
		func(_, want *Event) {})
	e, err := ParsePostgresStderr(records[0], p, PostgresOptions{})
	if err != nil || e.ProcessID != 7363 || e.User != "" || e.Operation != OpMessage ||
		!e.Time.Equal(mustTime(t, "2026-11-21T20:35:40.453Z")) || !strings.HasPrefix(e.Message, "starting PostgreSQL 15.18") {
		t.Errorf("postmaster line (prefix cut at %%q): %+v, %v", e, err)
	}
}

func TestParsePostgresCSVSample(t *testing.T) {
	records := csvRecords(readLines(t, "testdata/postgres_pgaudit_csvlog.csv"))
	checkPgSample(t, records, func(r string) (*Event, error) { return ParsePostgresCSV(r, PostgresOptions{}) },
		func(got, want *Event) {
			// csvlog carries the SQLSTATE, the session id and the detail line.
			want.ResultCode, want.SessionID, want.Detail = got.ResultCode, got.SessionID, got.Detail
		})
}

func TestParsePostgresJSONSample(t *testing.T) {
	checkPgSample(t, readLines(t, "testdata/postgres_pgaudit_jsonlog.json"), func(r string) (*Event, error) { return ParsePostgresJSON(r, PostgresOptions{}) },
		func(got, want *Event) {
			want.ResultCode, want.SessionID, want.Detail = got.ResultCode, got.SessionID, got.Detail
		})
	for _, l := range readLines(t, "testdata/postgres_pgaudit_jsonlog.json") {
		if strings.Contains(l, "password authentication failed") {
			e, _ := ParsePostgresJSON(l, PostgresOptions{})
			if e.ResultCode != "28P01" {
				t.Errorf("failed login ResultCode = %q, want 28P01", e.ResultCode)
			}
		}
	}
}

func TestParsePostgresStderrPrefixes(t *testing.T) {
	for _, tc := range []struct {
		prefix, line string
		want         Event
	}{
		{CommonPostgresPrefix, `2026-11-21 20:35:41.027 UTC [7414] app@shop LOG:  AUDIT: OBJECT,3,1,WRITE,UPDATE,TABLE,public.orders,"UPDATE orders SET item = ""a,b""",<none>`,
			Event{Operation: OpQueryDML, AuditType: "OBJECT", StatementID: 3, SubstatementID: 1, AuditClass: "WRITE", Command: "UPDATE",
				ObjectType: "TABLE", Object: "public.orders", User: "app", Database: "shop", ProcessID: 7414, Severity: "LOG",
				Statement: `UPDATE orders SET item = "a,b"`}},
		{"%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h,e=%e ", `2026-11-21 20:35:41 +03 [77]: [2-1] user=bob,db=shop,app=psql,client=10.0.0.5,e=28P01 FATAL:  password authentication failed for user "bob"`,
			Event{Operation: OpFailedConnect, Command: "authentication failed", User: "bob", Database: "shop", ClientHost: "10.0.0.5", ProcessID: 77,
				Severity: "FATAL", Application: "psql", ResultCode: "28P01", Message: `password authentication failed for user "bob"`}},
		{"%m %-8p %c ", `2026-11-21 20:35:41.500 UTC 77       6b02009c.1cee LOG:  disconnection: session time: 0:00:01.000 user=bob database=shop host=[local]`,
			Event{Operation: OpDisconnect, Command: "disconnection", User: "bob", Database: "shop", ClientHost: "[local]", ProcessID: 77, SessionID: "6b02009c.1cee",
				Severity: "LOG", Message: `disconnection: session time: 0:00:01.000 user=bob database=shop host=[local]`}},
	} {
		e, err := ParsePostgresStderr(tc.line, mustPrefix(t, tc.prefix), PostgresOptions{})
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		tc.want.Source, tc.want.Raw, tc.want.Time = SourcePostgres, tc.line, e.Time
		checkEvent(t, e, &tc.want)
	}
	e, err := ParsePostgresStderr(`2026-11-21 20:35:41 +03 [77]: [2-1] user=,db=,app=,client=,e=00000 LOG:  x`,
		mustPrefix(t, "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h,e=%e "), PostgresOptions{})
	if err != nil || !e.Time.Equal(mustTime(t, "2026-11-21T17:35:41Z")) {
		t.Errorf("+03 zone: %v, %v", e, err)
	}
}

func TestParsePostgresErrors(t *testing.T) {
	p := mustPrefix(t, samplePrefix)
	for _, line := range []string{
		"",
		"\tcontinuation alone",
		"2026-11-21 20:35:41.027 UTC [7414] app@shop 127.0.0.1(52408) psql NOSEVERITY:  x",
		"2026-11-21 20:35:41.027 CET [7414] app@shop 127.0.0.1(52408) psql LOG:  x",
		"2026-11-21 20:35:41.027 UTC [x] app@shop 127.0.0.1(52408) psql LOG:  x",
		"2026-11-21 20:35:41.027 UTC [7414] app@shop 127.0.0.1(52408) psql LOG:  AUDIT: SESSION,1,1,DDL",
		"2026-11-21 20:35:41.027 UTC [7414] app@shop 127.0.0.1(52408) psql LOG:  AUDIT: BOGUS,1,1,DDL,CREATE TABLE,,,x,<none>",
		"2026-11-21 20:35:41.027 UTC [7414] app@shop 127.0.0.1(52408) psql LOG:  AUDIT: SESSION,1,1,NOPE,CREATE TABLE,,,x,<none>",
		`2026-11-21 20:35:41.027 UTC [7414] app@shop 127.0.0.1(52408) psql LOG:  AUDIT: SESSION,1,1,DDL,CREATE TABLE,,,"x,<none>`,
	} {
		if _, err := ParsePostgresStderr(line, p, PostgresOptions{}); err == nil {
			t.Errorf("%q parsed", line)
		}
	}
	for _, r := range []string{"", "a,b", `{"timestamp":1}`, "\n"} {
		if _, err := ParsePostgresCSV(r, PostgresOptions{}); err == nil {
			t.Errorf("csv %q parsed", r)
		}
		if _, err := ParsePostgresJSON(r, PostgresOptions{}); err == nil {
			t.Errorf("json %q parsed", r)
		}
	}
	for _, bad := range []string{"%", "%z", "%-"} {
		if _, err := NewPostgresPrefix(bad); err == nil {
			t.Errorf("prefix %q compiled", bad)
		}
	}
}
