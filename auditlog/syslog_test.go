package auditlog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSyslog(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, line string
		want       SyslogMessage
	}{
		// The lines util-linux logger 2.38 sends (captured with --tcp/--udp).
		{"logger rfc5424", `<13>1 2026-11-22T02:38:22.778489+00:00 vm mysql-server_auditing - - [timeQuality tzKnown="1" isSynced="0"] vm,root,localhost,3,0,CONNECT,,,0`,
			SyslogMessage{Facility: 1, Severity: 5, Time: ts("2026-11-22T02:38:22.778489Z"), Hostname: "vm", AppName: "mysql-server_auditing",
				StructuredData: `[timeQuality tzKnown="1" isSynced="0"]`, Message: "vm,root,localhost,3,0,CONNECT,,,0", RFC5424: true}},
		{"logger rfc5424 two SD elements", `<13>1 2026-11-22T02:38:22.795560+00:00 vm app - - [timeQuality tzKnown="1" isSynced="0"][tw@32473 user="al\]ice"] five`,
			SyslogMessage{Facility: 1, Severity: 5, Time: ts("2026-11-22T02:38:22.79556Z"), Hostname: "vm", AppName: "app",
				StructuredData: `[timeQuality tzKnown="1" isSynced="0"][tw@32473 user="al\]ice"]`, Message: "five", RFC5424: true}},
		{"logger rfc3164", `<13>Nov 22 02:38:22 vm app: three`,
			SyslogMessage{Facility: 1, Severity: 5, Time: ts("2026-11-22T02:38:22Z"), Hostname: "vm", AppName: "app", Message: "three"}},
		{"3164 with pid", `<134>Nov  2 10:00:00 db1 postgres[4242]: [3-1] LOG:  x`,
			SyslogMessage{Facility: 16, Severity: 6, Time: ts("2026-11-02T10:00:00Z"), Hostname: "db1", AppName: "postgres", ProcID: "4242", Message: "[3-1] LOG:  x"}},
		{"3164 december read in january", `<13>Dec 31 23:59:59 vm app: x`,
			SyslogMessage{Facility: 1, Severity: 5, Time: ts("2025-12-31T23:59:59Z"), Hostname: "vm", AppName: "app", Message: "x"}},
		{"rsyslog forward format", `<174>2026-11-21T20:38:49.384696+00:00 vm mariadb-audit: hello`,
			SyslogMessage{Facility: 21, Severity: 6, Time: ts("2026-11-21T20:38:49.384696Z"), Hostname: "vm", AppName: "mariadb-audit", Message: "hello"}},
		{"octet counted 5424 with nil values and BOM", "30 <14>1 - - - 77 ID47 - \uFEFFhi",
			SyslogMessage{Facility: 1, Severity: 6, ProcID: "77", MsgID: "ID47", Message: "hi", RFC5424: true}},
		{"5424 without message", `<14>1 2026-11-21T20:38:49Z h a p m -`,
			SyslogMessage{Facility: 1, Severity: 6, Time: ts("2026-11-21T20:38:49Z"), Hostname: "h", AppName: "a", ProcID: "p", MsgID: "m", RFC5424: true}},
	}
	for _, c := range cases {
		got, err := ParseSyslog(c.line, time.UTC, now)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", c.name, d)
		}
	}
	for _, bad := range []string{"", "hello", "<>1 x", "<999>1 2026-11-21T20:38:49Z h a p m - x", "<14>1 2026-11-21T20:38:49Z h a p", "<14>1 2026 h a p m - x",
		"<14>1 2026-11-21T20:38:49Z h a p m [x y=\"z\" m", "<14>1 2026-11-21T20:38:49Z h a p m x", "<13>Nov 22 02:38:22 vm app three", "<13>Nov 22"} {
		if m, err := ParseSyslog(bad, time.UTC, now); err == nil {
			t.Errorf("%q parsed: %+v", bad, m)
		}
	}
}

func TestParsePostgresSyslog(t *testing.T) {
	prefix, err := NewPostgresPrefix("%q%u@%d ")
	if err != nil {
		t.Fatal(err)
	}
	line := `<134>1 2026-11-21T20:35:33.510+00:00 db1 postgres 6873 - - [12-1] app@shop LOG:  AUDIT: SESSION,4,1,READ,SELECT,TABLE,public.orders,"SELECT id FROM orders WHERE id = 1;",<none>`
	e, err := ParsePostgresSyslog(line, prefix, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 21, 20, 35, 33, 510e6, time.UTC)
	if !e.Time.Equal(want) || e.User != "app" || e.Database != "shop" || e.Operation != OpQueryDML || e.Object != "public.orders" || e.Raw != line {
		t.Fatalf("%+v", e)
	}
	// A prefix with its own time wins over the header's.
	p2, _ := NewPostgresPrefix("%m [%p] ")
	e, err = ParsePostgresSyslog(`<134>Nov 21 20:40:00 db1 postgres[77]: [3] 2026-11-21 20:35:41.500 UTC [77] FATAL:  password authentication failed for user "app"`, p2, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Operation != OpFailedConnect || e.Time.Second() != 41 {
		t.Fatalf("%+v", e)
	}
	if _, err := ParsePostgresSyslog(`<134>1 2026-11-21T20:35:33Z db1 postgres 6873 - - [12-2] 	FROM orders`, prefix, PostgresOptions{}); err == nil {
		t.Fatal("a continuation part parsed")
	}
}
