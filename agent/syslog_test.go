package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// startAgent runs an agent until the test ends.
func startAgent(t *testing.T, a *Agent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// messages returns every message in a log group.
func messages(t *testing.T, c *cwl.Client, group string) []string {
	t.Helper()
	var out []string
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String(group)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil // not created yet
		}
		for _, e := range page.Events {
			out = append(out, *e.Message)
		}
	}
	return out
}

func waitMessages(t *testing.T, c *cwl.Client, group string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := messages(t, c, group)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d messages arrived: %q", group, len(got), n, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func syslogTestConfig(t *testing.T) *Config {
	c := &Config{
		StateDir:     filepath.Join(t.TempDir(), "state"),
		PollInterval: Duration(50 * time.Millisecond),
		BatchWait:    Duration(50 * time.Millisecond),
		RetryMax:     Duration(300 * time.Millisecond),
		Syslog:       &SyslogConfig{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", LogStream: "vm"},
		Sources: []Source{
			{SyslogApp: "mysql-server_auditing", Format: FormatMariaDBSyslog, Name: "db1"},
			{SyslogApp: "postgres", Format: FormatPostgresSyslog, Name: "pg1", LogLinePrefix: "%q%u@%d "},
			{SyslogApp: "nginx", Format: FormatPlain, LogGroup: "/web/access"},
		},
	}
	if err := c.setDefaults(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSyslogFromLogger sends with util-linux logger, a real syslog sender,
// over UDP and TCP, RFC 3164 and RFC 5424, LF and octet-counted framing,
// and checks that every message reaches its source's log group parsed,
// or the syslog group as it came.
func TestSyslogFromLogger(t *testing.T) {
	logger, err := exec.LookPath("logger")
	testenv.Require(t, "logger (util-linux)", err == nil, "install bsdutils (scripts/test does)")
	srv := testserver.Start(t)
	client := cwl.NewFromConfig(srv.RootConfig())
	cfg := syslogTestConfig(t)
	a, err := New(cfg, client, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp := a.SyslogAddrs()
	startAgent(t, a)

	send := func(stdin string, args ...string) {
		t.Helper()
		addr := tcp
		if args[0] == "-d" {
			addr = udp
		}
		host, port, _ := net.SplitHostPort(addr.String())
		cmd := exec.Command(logger, append([]string{"-n", host, "-P", port}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("logger %v: %v %s", args, err, out)
		}
	}
	// MariaDB's server_audit in syslog mode writes "<info> <record>".
	send("", "-d", "--rfc3164", "-t", "mysql-server_auditing", "audit db1,mallory,10.0.0.9,5,0,FAILED_CONNECT,,,1045")
	send("", "-d", "--rfc5424", "-t", "mysql-server_auditing", "audit db1,app,10.0.0.8,6,1,QUERY,shop,'SELECT 1',0")
	var lf, counted strings.Builder
	for i := range 200 {
		fmt.Fprintf(&lf, "audit db1,app,10.0.0.8,%d,1,QUERY,shop,'SELECT %d',0\n", 1000+i, i)
		fmt.Fprintf(&counted, "audit db1,app,10.0.0.8,%d,1,QUERY,shop,'SELECT %d',0\n", 2000+i, i)
	}
	send(lf.String(), "-T", "--rfc5424", "-t", "mysql-server_auditing")
	send(counted.String(), "-T", "--octet-count", "--rfc5424", "-t", "mysql-server_auditing")
	send("", "-T", "--octet-count", "--rfc5424", "-t", "postgres", `[7-1] app@shop LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,"SELECT * FROM orders;",<none>`)
	send("", "-T", "--rfc3164", "-t", "nginx", "GET /index.html 200")
	send("", "-d", "--rfc3164", "-t", "cron", "job done")

	audit := waitMessages(t, client, "/aws/rds/instance/db1/audit", 402)
	ids := map[string]bool{}
	ops := map[string]int{}
	for _, m := range audit {
		var e struct {
			EventID, Operation, ConnectionID string
			Unparsed                         bool
		}
		if err := json.Unmarshal([]byte(m), &e); err != nil || e.Unparsed || e.EventID == "" {
			t.Fatalf("audit event %s (%v)", m, err)
		}
		ids[e.EventID] = true
		ops[e.Operation]++
	}
	if len(ids) != 402 || ops["FAILED_CONNECT"] != 1 || ops["QUERY_DML"] != 401 {
		t.Fatalf("%d distinct ids, operations %v", len(ids), ops)
	}
	pg := waitMessages(t, client, "/aws/rds/instance/pg1/postgresql", 1)
	if !strings.Contains(pg[0], `"user":"app"`) || !strings.Contains(pg[0], `"operation":"QUERY_DML"`) || !strings.Contains(pg[0], `"database":"shop"`) {
		t.Fatalf("postgres event %s", pg[0])
	}
	web := waitMessages(t, client, "/web/access", 1)
	if !strings.HasSuffix(web[0], "nginx: GET /index.html 200") {
		t.Fatalf("plain nginx message %q", web[0])
	}
	other := waitMessages(t, client, "/trailwatch/syslog", 1)
	if !strings.HasSuffix(other[0], "cron: job done") {
		t.Fatalf("unrouted message %q", other[0])
	}
	if a.Stats.Syslog.Load() != 405 || a.Stats.SyslogPlain.Load() != 1 || a.Stats.Unparsed.Load() != 0 {
		t.Fatalf("stats: syslog %d plain %d unparsed %d", a.Stats.Syslog.Load(), a.Stats.SyslogPlain.Load(), a.Stats.Unparsed.Load())
	}
}

// TestSyslogTCPCutConnection checks what a sender that disappears
// mid-message leaves: the complete messages before it arrive, and the
// cut one too (as the rest of the stream), so nothing read is lost.
func TestSyslogTCPCutConnection(t *testing.T) {
	srv := testserver.Start(t)
	client := cwl.NewFromConfig(srv.RootConfig())
	cfg := syslogTestConfig(t)
	a, err := New(cfg, client, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, tcp := a.SyslogAddrs()
	startAgent(t, a)
	c, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	msg := "<13>1 2026-11-22T02:38:22Z vm app - - - first"
	fmt.Fprintf(c, "%d %s%d %s", len(msg), msg, 100, "<13>1 2026-11-22T02:38:23Z vm app - - - cut short")
	c.Close()
	got := waitMessages(t, client, "/trailwatch/syslog", 2)
	if got[0] != msg || got[1] != "<13>1 2026-11-22T02:38:23Z vm app - - - cut short" {
		t.Fatalf("%q", got)
	}
}
