package auditlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// checkAppendJSON compares AppendJSONFields with json.Marshal's encoding
// of the same event, and AppendJSONFieldsInString with that encoding
// escaped.
func checkAppendJSON(t *testing.T, e *Event, want []byte) {
	t.Helper()
	got, err := e.AppendJSONFields([]byte("{"))
	if err != nil {
		t.Fatalf("%q: AppendJSONFields: %v", e.Raw, err)
	}
	got = append(got, '}')
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSONFields differs from json.Marshal\n got %s\nwant %s", got, want)
	}
	in, size, err := e.AppendJSONFieldsInString([]byte("{"))
	if err != nil {
		t.Fatalf("%q: AppendJSONFieldsInString: %v", e.Raw, err)
	}
	if size != len(want)-2 {
		t.Fatalf("AppendJSONFieldsInString says %d bytes unescaped, AppendJSONFields wrote %d", size, len(want)-2)
	}
	in = append(in, '}')
	if wantIn := inStringEscaper.Replace(string(want)); string(in) != wantIn {
		t.Fatalf("AppendJSONFieldsInString differs from the escaped encoding\n got %s\nwant %s", in, wantIn)
	}
}

// inStringEscaper escapes JSON as the inside of a JSON string, the way
// AppendJSONFieldsInString says it does.
var inStringEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\x7f", `\u007f`)

// TestAppendJSONFieldsSamples encodes the event of every captured and
// documented sample record both ways.
func TestAppendJSONFieldsSamples(t *testing.T) {
	prefix := mustPrefix(t, samplePrefix)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	popt := PostgresOptions{Location: time.UTC}
	samples := []struct {
		records []string
		parse   func(string) (*Event, error)
	}{
		{readLines(t, "testdata/mariadb_server_audit.log"), func(r string) (*Event, error) { return ParseMariaDB(r, MariaDBOptions{}) }},
		{readLines(t, "testdata/mariadb_server_audit_syslog_rfc5424.txt"), func(r string) (*Event, error) {
			return ParseMariaDBSyslog(r, MariaDBOptions{Now: func() time.Time { return now }})
		}},
		{stderrRecords(readLines(t, "testdata/postgres_pgaudit_stderr.log")), func(r string) (*Event, error) { return ParsePostgresStderr(r, prefix, popt) }},
		{csvRecords(readLines(t, "testdata/postgres_pgaudit_csvlog.csv")), func(r string) (*Event, error) { return ParsePostgresCSV(r, popt) }},
		{readLines(t, "testdata/postgres_pgaudit_jsonlog.json"), func(r string) (*Event, error) { return ParsePostgresJSON(r, popt) }},
		{readLines(t, "testdata/mysql_json_audit_FROM_DOCS.log"), ParseMySQLJSON},
		{readLines(t, "testdata/percona_json_audit_FROM_DOCS.log"), ParseMySQLJSON},
		{readLines(t, "testdata/mongodb_audit_FROM_DOCS.json"), ParseMongoDB},
	}
	n := 0
	for _, s := range samples {
		for _, r := range s.records {
			e, err := s.parse(r)
			if err != nil {
				continue
			}
			want, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			checkAppendJSON(t, e, want)
			n++
		}
	}
	if n < 200 {
		t.Fatalf("only %d sample records parsed", n)
	}
}

// FuzzAppendJSONFields encodes events with arbitrary strings, numbers and
// times both ways; where json.Marshal fails, AppendJSONFields must too.
func FuzzAppendJSONFields(f *testing.F) {
	f.Add("QUERY", "SELECT '<a>' & \"b\" \\ \u2028\x00\x7f\xff é", 5432, int64(1763766000123456789), 3600)
	f.Add("", "\t\n\r\b\f", -1, int64(-62167219200000000), 0)
	f.Add("x", "y", 0, int64(253402300800000000), -90000)
	f.Fuzz(func(t *testing.T, s1, s2 string, n int, nanos int64, offset int) {
		e := &Event{Source: s1, Time: time.Unix(0, nanos).In(time.FixedZone("Z", offset)), Operation: s2,
			Command: s2, User: s1, ClientPort: n, Statement: s2 + s1, ProcessID: -n, Message: s1, Raw: s2}
		want, werr := json.Marshal(e)
		got, gerr := e.AppendJSONFields(nil)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("json.Marshal error %v, AppendJSONFields error %v", werr, gerr)
		}
		if werr == nil {
			checkAppendJSON(t, e, want)
		} else if len(got) != 0 {
			t.Fatalf("AppendJSONFields failed but appended %q", got)
		} else if in, _, err := e.AppendJSONFieldsInString(nil); err == nil || len(in) != 0 {
			t.Fatalf("AppendJSONFieldsInString: %q, %v; AppendJSONFields failed", in, err)
		}
	})
}
