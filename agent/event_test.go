package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/trailwatch/trailwatch/auditlog"
)

// The agent wrote its messages with encoding/json before it wrote them by
// hand; these are the shapes it marshalled, kept to check that the bytes
// have not changed.
type jsonShipped struct {
	EventID string `json:"eventId"`
	*auditlog.Event
}

type jsonUnparsed struct {
	EventID    string `json:"eventId"`
	Source     string `json:"source"`
	Unparsed   bool   `json:"unparsed"`
	ParseError string `json:"parseError"`
	Raw        string `json:"raw"`
}

// TestEventMessagesMatchEncodingJSON frames every captured and documented
// sample as the agent does and checks each message against encoding/json's
// encoding of the same event, parsed or not.
func TestEventMessagesMatchEncodingJSON(t *testing.T) {
	for _, c := range []struct{ format, sample string }{
		{FormatMariaDB, "mariadb_server_audit.log"},
		{FormatMariaDBSyslog, "mariadb_server_audit_syslog_rfc5424.txt"},
		{FormatMariaDBSyslog, "rsyslog_omfwd_tcp_rfc3164_lf.txt"},
		{FormatMariaDBSyslog, "syslog-ng_network_tcp_rfc3164_lf.txt"},
		{FormatPostgresStderr, "postgres_pgaudit_stderr.log"},
		{FormatPostgresCSV, "postgres_pgaudit_csvlog.csv"},
		{FormatPostgresJSON, "postgres_pgaudit_jsonlog.json"},
		{FormatMySQLJSON, "mysql_json_audit_FROM_DOCS.log"},
		{FormatMySQLJSON, "percona_json_audit_FROM_DOCS.log"},
		{FormatMongoDB, "mongodb_audit_FROM_DOCS.json"},
		{FormatMariaDB, "postgres_pgaudit_stderr.log"}, // nothing parses: every message is an unparsed event
	} {
		t.Run(c.format+"/"+c.sample, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "auditlog", "testdata", c.sample))
			if err != nil {
				t.Fatal(err)
			}
			src := &Source{Format: c.format, LogLinePrefix: "%m [%p] %q%u@%d %r %a "}
			p, err := newParser(src)
			if err != nil {
				t.Fatal(err)
			}
			a := &Agent{cfg: &Config{}, logf: t.Logf}
			fs := &fileState{Dev: 0x803, Ino: 0x1a2b}
			var got [][]byte
			a.frame(src, p, fs, data, true, true, false, func(_ int64, msg []byte, _ int) { got = append(got, bytes.Clone(msg)) })
			checkInBody(t, a, src, p, fs, data, got)
			// The records again, as the frame found them, encoded the
			// way the agent used to.
			i := 0
			off := 0
			for _, line := range bytes.SplitAfter(data, []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				rec := string(bytes.TrimRight(line, "\r\n"))
				start := off
				off += len(line)
				// Continuation lines of stderr records and the inner
				// lines of CSV records are parts of the record before.
				if c.format == FormatPostgresStderr && line[0] == '\t' || c.format == FormatPostgresCSV && bytes.Count(data[:start], []byte(`"`))%2 == 1 {
					continue
				}
				end := off
				for end < len(data) && (c.format == FormatPostgresStderr && data[end] == '\t' || c.format == FormatPostgresCSV && bytes.Count(data[start:end], []byte(`"`))%2 == 1) {
					end += bytes.IndexByte(data[end:], '\n') + 1
				}
				rec = string(bytes.TrimRight(data[start:end], "\r\n"))
				id := strconv.FormatUint(fs.Dev, 16) + "-" + strconv.FormatUint(fs.Ino, 16) + "-" + strconv.FormatInt(int64(start), 16)
				var want []byte
				e, err := p.parse(rec)
				if err != nil {
					want, _ = json.Marshal(jsonUnparsed{EventID: id, Source: c.format, Unparsed: true, ParseError: err.Error(), Raw: rec})
				} else {
					want, _ = json.Marshal(jsonShipped{EventID: id, Event: e})
				}
				if i >= len(got) {
					t.Fatalf("%d messages, want more", len(got))
				}
				if !bytes.Equal(got[i], want) {
					t.Fatalf("message %d differs from encoding/json's\n got %s\nwant %s", i, got[i], want)
				}
				i++
			}
			if i != len(got) || i == 0 {
				t.Fatalf("%d messages, want %d", len(got), i)
			}
		})
	}
}

// checkInBody frames data again with the messages written as the spool
// holds them and compares each with the message as it is (got), escaped
// afterwards, and its size with the size of the message as it is.
func checkInBody(t *testing.T, a *Agent, src *Source, p *parser, fs *fileState, data []byte, got [][]byte) {
	t.Helper()
	i := 0
	a.frame(src, p, fs, data, true, true, true, func(_ int64, esc []byte, size int) {
		if i >= len(got) {
			t.Fatalf("%d messages in the body's form, %d as they are", i+1, len(got))
		}
		if want := appendSDKEscaped(nil, got[i]); !bytes.Equal(esc, want) {
			t.Fatalf("message %d in the body's form\n got %s\nwant %s", i, esc, want)
		}
		if want := decodedSize(got[i]); size != want {
			t.Fatalf("message %d: size %d, want %d", i, size, want)
		}
		i++
	})
	if i != len(got) {
		t.Fatalf("%d messages in the body's form, %d as they are", i, len(got))
	}
}

// FuzzEventInBody frames arbitrary records of each format both ways: the
// messages written in the body's form in one pass are the messages
// escaped afterwards.
func FuzzEventInBody(f *testing.F) {
	formats := []string{FormatPostgresJSON, FormatPostgresCSV, FormatPostgresStderr, FormatMariaDB, FormatMySQLJSON, FormatMongoDB, FormatPlain}
	for _, c := range []struct{ format, sample string }{
		{FormatPostgresJSON, "postgres_pgaudit_jsonlog.json"},
		{FormatPostgresCSV, "postgres_pgaudit_csvlog.csv"},
		{FormatPostgresStderr, "postgres_pgaudit_stderr.log"},
		{FormatMariaDB, "mariadb_server_audit.log"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "auditlog", "testdata", c.sample))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.SplitAfter(data, []byte("\n"))[:8] {
			f.Add(uint8(slices.Index(formats, c.format)), line)
		}
	}
	f.Add(uint8(0), []byte(`{"timestamp":"2026-11-21 20:35:41.500 UTC","error_severity":"LOG","message":"AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT '<\u2028>' \\ \u007f\u00e9\",<none>"}`+"\n"))
	f.Add(uint8(6), []byte("tab\t \x7f \xff \u2028 \"q\" \\\n"))
	f.Fuzz(func(t *testing.T, fi uint8, data []byte) {
		src := &Source{Format: formats[int(fi)%len(formats)], LogLinePrefix: "%m [%p] %q%u@%d %r %a "}
		p, err := newParser(src)
		if err != nil {
			t.Fatal(err)
		}
		a := &Agent{cfg: &Config{}, logf: t.Logf}
		fs := &fileState{Dev: 0x803, Ino: 0x1a2b}
		var got [][]byte
		a.frame(src, p, fs, data, true, true, false, func(_ int64, msg []byte, _ int) { got = append(got, bytes.Clone(msg)) })
		checkInBody(t, a, src, p, fs, data, got)
	})
}

// TestEventTimeWithoutRFC3339: a record whose time has no RFC 3339 form
// is shipped as unparsed, not as an empty message PutLogEvents refuses.
func TestEventTimeWithoutRFC3339(t *testing.T) {
	src := &Source{Format: FormatPostgresStderr, LogLinePrefix: "%n [%p] "}
	p, err := newParser(src)
	if err != nil {
		t.Fatal(err)
	}
	a := &Agent{cfg: &Config{}, logf: t.Logf}
	_, msg, _, ok := a.event(src, p, []byte("400000000000.5 [7] LOG:  statement: SELECT 1"), []byte("1-2-3"), nil, false)
	var m jsonUnparsed
	if !ok || json.Unmarshal(msg, &m) != nil || !m.Unparsed || m.EventID != "1-2-3" || m.ParseError == "" {
		t.Fatalf("got %s", msg)
	}
}
