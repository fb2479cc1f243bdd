package auditlog

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkFuzzed holds for every record any parser accepts: the record is
// kept verbatim, the event has a source and an operation, and it
// encodes to JSON.
func checkFuzzed(t *testing.T, in string, e *Event, err error) {
	t.Helper()
	if err != nil {
		if e != nil {
			t.Fatalf("%q: event and error", in)
		}
		return
	}
	if e.Raw != in || e.Source == "" || e.Operation == "" {
		t.Fatalf("%q: %+v", in, e)
	}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	checkAppendJSON(t, e, want)
}

func seed(f *testing.F, path string) {
	for _, l := range readLines(f, path) {
		f.Add(l)
	}
}

func FuzzParseMariaDB(f *testing.F) {
	seed(f, "testdata/mariadb_server_audit.log")
	f.Add(`20261121 20:49:19,vm,app,127.0.0.1,8,30,QUERY,shop,'SELECT \'a\\\',\',0\nFROM t',0`)
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseMariaDB(line, MariaDBOptions{})
		checkFuzzed(t, line, e, err)
		if err == nil {
			classifyMariaDBQuery(e.Statement)
			mariaDBDMLNoSelect(e.Statement)
		}
	})
}

func FuzzParseMariaDBSyslog(f *testing.F) {
	seed(f, "testdata/mariadb_server_audit_syslog_rfc5424.txt")
	seed(f, "testdata/rsyslog_omfwd_tcp_rfc3164_lf.txt")
	seed(f, "testdata/syslog-ng_syslog_tcp_rfc5424_octetcounted.txt")
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseMariaDBSyslog(line, MariaDBOptions{Now: func() time.Time { return now }})
		checkFuzzed(t, line, e, err)
	})
}

func FuzzParsePostgresStderr(f *testing.F) {
	for _, r := range stderrRecords(readLines(f, "testdata/postgres_pgaudit_stderr.log")) {
		f.Add(r, samplePrefix)
	}
	f.Add(`2026-11-21 20:35:41 +03 [77]: [2-1] user=bob,db=shop,app=psql,client=10.0.0.5,e=28P01 FATAL:  x`, "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h,e=%e ")
	f.Add(`2026-11-21 20:35:41.500 UTC 77       6b02009c.1cee LOG:  x`, "%m %-8p %c ")
	f.Fuzz(func(t *testing.T, record, prefix string) {
		p, err := NewPostgresPrefix(prefix)
		if err != nil {
			return
		}
		e, err := ParsePostgresStderr(record, p, PostgresOptions{})
		checkFuzzed(t, record, e, err)
	})
}

func FuzzPostgresJoiner(f *testing.F) {
	f.Add("a\n\tb\nc\n\n\td")
	f.Fuzz(func(t *testing.T, text string) {
		var j PostgresJoiner
		var out string
		n := 0
		add := func(r string) {
			if n > 0 {
				out += "\n"
			}
			out += r
			n++
		}
		for _, l := range splitLines(text) {
			if r, ok := j.Push(l); ok {
				add(r)
			}
		}
		if r, ok := j.Flush(); ok {
			add(r)
		}
		// Joining loses nothing: the records put back together are the input.
		if want := text; out != want && !(len(splitLines(text)) == 0 && out == "") {
			t.Fatalf("joined %q back to %q", text, out)
		}
	})
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func FuzzParsePostgresCSV(f *testing.F) {
	for _, r := range csvRecords(readLines(f, "testdata/postgres_pgaudit_csvlog.csv")) {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, record string) {
		e, err := ParsePostgresCSV(record, PostgresOptions{})
		checkFuzzed(t, record, e, err)
	})
}

func FuzzParsePostgresJSON(f *testing.F) {
	seed(f, "testdata/postgres_pgaudit_jsonlog.json")
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParsePostgresJSON(line, PostgresOptions{})
		checkFuzzed(t, line, e, err)
	})
}

func FuzzParseSyslog(f *testing.F) {
	seed(f, "testdata/rsyslog_omfwd_tcp_rfc5424_octetcounted.txt")
	seed(f, "testdata/syslog-ng_network_tcp_rfc3164_lf.txt")
	f.Add(`<13>1 2026-11-22T02:38:22.795560+00:00 vm app - - [timeQuality tzKnown="1" isSynced="0"][tw@32473 user="al\]ice"] five`)
	f.Add(`<174>2026-11-21T20:38:49.384696+00:00 vm mariadb-audit[4]: hello`)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		m, err := ParseSyslog(line, time.UTC, now)
		if err != nil {
			return
		}
		// The message is the line's tail, and every header field comes
		// from the line.
		if !strings.HasSuffix(line, m.Message) || !strings.Contains(line, m.StructuredData) || !strings.Contains(line, m.AppName) {
			t.Fatalf("%q: %+v", line, m)
		}
		if m.Facility < 0 || m.Facility > 23 || m.Severity < 0 || m.Severity > 7 {
			t.Fatalf("%q: priority %d.%d", line, m.Facility, m.Severity)
		}
	})
}

func FuzzParsePostgresSyslog(f *testing.F) {
	f.Add(`<134>1 2026-11-21T20:35:33.510+00:00 db1 postgres 6873 - - [12-1] app@shop LOG:  AUDIT: SESSION,4,1,READ,SELECT,TABLE,public.orders,"SELECT 1;",<none>`, "%q%u@%d ")
	f.Add(`<134>Nov 21 20:40:00 db1 postgres[77]: [3] 2026-11-21 20:35:41.500 UTC [77] FATAL:  password authentication failed for user "app"`, "%m [%p] ")
	f.Fuzz(func(t *testing.T, line, prefix string) {
		p, err := NewPostgresPrefix(prefix)
		if err != nil {
			return
		}
		e, err := ParsePostgresSyslog(line, p, PostgresOptions{})
		checkFuzzed(t, line, e, err)
	})
}

// FuzzPostgresJSONFast: where the fast jsonlog reader accepts a line,
// json.Unmarshal accepts it too and decodes the same.
func FuzzPostgresJSONFast(f *testing.F) {
	seed(f, "testdata/postgres_pgaudit_jsonlog.json")
	f.Add(`{"pid":-0,"PID":1,"x":[1],"message":"a\"\\\/\b\f\n\r\tb","y":1.5e+3,"z":true,"w":null}`)
	f.Fuzz(func(t *testing.T, line string) {
		var fast, std postgresJSON
		if !decodePostgresJSONFast(line, &fast) {
			return
		}
		if err := json.Unmarshal([]byte(line), &std); err != nil {
			t.Fatalf("%q: fast reader accepts, json.Unmarshal: %v", line, err)
		}
		if fast != std {
			t.Fatalf("%q:\nfast %+v\n std %+v", line, fast, std)
		}
	})
}

// FuzzPostgresWallFast: where the fast reader of PostgreSQL times accepts
// a time, time.ParseInLocation reads the same.
func FuzzPostgresWallFast(f *testing.F) {
	for _, s := range []string{"2026-11-21 20:35:40.453", "2026-11-21 20:35:40", "2024-02-29 23:59:59.123456789",
		"2023-02-29 00:00:00", "2026-11-21 20:35:40.", "2026-11-21 20:35:40,5", "2026-11-21 24:00:00", "0000-01-01 00:00:00.0000000001"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, wall string, offset int) {
		for _, loc := range []*time.Location{time.UTC, time.FixedZone("+03", offset%(24*3600))} {
			fast, ok := parsePostgresWallFast(wall, loc)
			if !ok {
				continue
			}
			std, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", wall, loc)
			if err != nil {
				t.Fatalf("%q: fast reader accepts, time.ParseInLocation: %v", wall, err)
			}
			if fast != std {
				t.Fatalf("%q: fast %v, std %v", wall, fast, std)
			}
		}
	})
}

// FuzzPostgresCSVFast: where the fast csvlog reader accepts a record,
// encoding/csv reads the same single record.
func FuzzPostgresCSVFast(f *testing.F) {
	for _, r := range csvRecords(readLines(f, "testdata/postgres_pgaudit_csvlog.csv")) {
		f.Add(r)
	}
	f.Add(`a,"b ""c"" d","e` + "\n" + `f",,""`)
	f.Fuzz(func(t *testing.T, record string) {
		var fields [27]string
		n, ok := readPostgresCSVFast(record, fields[:])
		if !ok {
			return
		}
		r := csv.NewReader(strings.NewReader(record))
		r.FieldsPerRecord = -1
		std, err := r.Read()
		if err != nil {
			t.Fatalf("%q: fast reader accepts, encoding/csv: %v", record, err)
		}
		if _, err := r.Read(); err == nil {
			t.Fatalf("%q: fast reader accepts, encoding/csv reads more than one record", record)
		}
		if !slices.Equal(fields[:n], std) {
			t.Fatalf("%q:\nfast %q\n std %q", record, fields[:n], std)
		}
	})
}
