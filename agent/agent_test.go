package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// mariaLine writes a server_audit line whose connection id is i, so every
// line can be recognised once shipped; every fifth is a failed login.
func mariaLine(i int) string {
	ts := time.Now().UTC().Format("20060102 15:04:05")
	if i%5 == 0 {
		return fmt.Sprintf("%s,db1,mallory,10.0.0.9,%d,0,FAILED_CONNECT,,,1045\n", ts, i)
	}
	return fmt.Sprintf("%s,db1,app,10.0.0.8,%d,%d,QUERY,shop,'SELECT %d',0\n", ts, i, i, i)
}

func appendLines(t testing.TB, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := from; i < to; i++ {
		if _, err := f.WriteString(mariaLine(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// collect returns, for every connection id shipped to the stream, the
// event ids it arrived with (one per copy), and the count of events the
// filter pattern matched.
func collect(t testing.TB, c *cwl.Client, group, pattern string) (map[string][]string, int) {
	t.Helper()
	got := map[string][]string{}
	n := 0
	in := &cwl.FilterLogEventsInput{LogGroupName: aws.String(group)}
	if pattern != "" {
		in.FilterPattern = aws.String(pattern)
	}
	p := cwl.NewFilterLogEventsPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			return got, -1
		}
		for _, e := range out.Events {
			var m struct {
				EventID      string `json:"eventId"`
				ConnectionID string `json:"connectionId"`
			}
			if err := json.Unmarshal([]byte(*e.Message), &m); err != nil {
				t.Fatalf("shipped message is not JSON: %q", *e.Message)
			}
			got[m.ConnectionID] = append(got[m.ConnectionID], m.EventID)
			n++
		}
	}
	return got, n
}

// waitAll waits until connection ids [0, n) have all arrived, then checks
// that repeats carry the same event id.
func waitAll(t testing.TB, c *cwl.Client, group string, n int) map[string][]string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, _ := collect(t, c, group, "")
		missing := 0
		for i := 0; i < n; i++ {
			if len(got[fmt.Sprint(i)]) == 0 {
				missing++
			}
		}
		if missing == 0 {
			if len(got) != n {
				t.Fatalf("got %d distinct lines, want %d", len(got), n)
			}
			for id, ids := range got {
				for _, e := range ids[1:] {
					if e != ids[0] {
						t.Fatalf("line %s arrived twice with different event ids %v", id, ids)
					}
				}
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines never arrived", missing, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// flakyProxy forwards to the server, or drops every connection while down,
// as an unreachable endpoint does.
type flakyProxy struct {
	down atomic.Bool
	rp   *httputil.ReverseProxy
}

func (p *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	p.rp.ServeHTTP(w, r)
}

func startProxy(t testing.TB, target string) (*flakyProxy, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{rp: httputil.NewSingleHostReverseProxy(u)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: p}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return p, "http://" + ln.Addr().String()
}

func testConfig(dir, logPath string) *Config {
	c := &Config{
		StateDir:     filepath.Join(dir, "state"),
		PollInterval: Duration(50 * time.Millisecond),
		BatchWait:    Duration(50 * time.Millisecond),
		RetryMax:     Duration(300 * time.Millisecond),
		Sources:      []Source{{Path: logPath, Format: FormatMariaDB, Name: "db1"}},
	}
	if err := c.setDefaults(); err != nil {
		panic(err)
	}
	return c
}

func TestShipFailedConnectThroughOutageAndRotation(t *testing.T) {
	srv := testserver.Start(t)
	proxy, proxyURL := startProxy(t, srv.URL)
	awsCfg := srv.RootConfig()
	agentCfg := awsCfg.Copy()
	agentCfg.BaseEndpoint = aws.String(proxyURL)
	reader := cwl.NewFromConfig(awsCfg)

	dir := t.TempDir()
	logPath := filepath.Join(dir, "server_audit.log")
	cfg := testConfig(dir, logPath)
	if cfg.Sources[0].LogGroup != "/aws/rds/instance/db1/audit" || cfg.Sources[0].LogStream != "db1" {
		t.Fatalf("default names %q %q", cfg.Sources[0].LogGroup, cfg.Sources[0].LogStream)
	}
	a, err := New(cfg, cwl.NewFromConfig(agentCfg), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	appendLines(t, logPath, 0, 1000)
	group := "/aws/rds/instance/db1/audit"
	waitAll(t, reader, group, 1000)
	if _, n := collect(t, reader, group, `{ $.operation = "FAILED_CONNECT" }`); n != 200 {
		t.Fatalf("FAILED_CONNECT events: %d, want 200", n)
	}

	// The endpoint goes away; lines keep coming, and the file is rotated
	// by rename (as server_audit_file_rotate_size does) meanwhile.
	proxy.down.Store(true)
	appendLines(t, logPath, 1000, 2000)
	time.Sleep(300 * time.Millisecond)
	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	appendLines(t, logPath, 2000, 3000)
	time.Sleep(2 * time.Second)
	if got, _ := collect(t, reader, group, ""); len(got) != 1000 {
		t.Fatalf("%d lines arrived while the endpoint was down", len(got))
	}
	proxy.down.Store(false)
	waitAll(t, reader, group, 3000)
	if _, n := collect(t, reader, group, `{ $.operation = "FAILED_CONNECT" }`); n != 600 {
		t.Fatalf("FAILED_CONNECT events: %d, want 600", n)
	}
	if u := a.Stats.Unparsed.Load(); u != 0 {
		t.Fatalf("%d lines did not parse", u)
	}
}

// TestCopytruncate rotates the file as logrotate's copytruncate does —
// copy, then truncate in place — right after lines the agent has not read
// yet were written: those lines are read from the copy, the file is read
// again from its start, and every line arrives with an event id of its
// own although offsets start again after the truncation.
func TestCopytruncate(t *testing.T) {
	srv := testserver.Start(t)
	reader := cwl.NewFromConfig(srv.RootConfig())
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server_audit.log")
	cfg := testConfig(dir, logPath)
	// Slow polls, so the rotation lands between two of them.
	cfg.PollInterval = Duration(1500 * time.Millisecond)
	a, err := New(cfg, cwl.NewFromConfig(srv.RootConfig()), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	group := "/aws/rds/instance/db1/audit"
	appendLines(t, logPath, 0, 500)
	waitAll(t, reader, group, 500)

	copytruncate := func(from, to int, copyPath string) {
		t.Helper()
		appendLines(t, logPath, from, to) // not read yet: polls are slow
		b, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copyPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(logPath, 0); err != nil {
			t.Fatal(err)
		}
	}
	copytruncate(500, 800, logPath+".1")
	// The file grows past the old offset before the agent looks again:
	// only the changed bytes before the offset show the truncation.
	appendLines(t, logPath, 800, 1500)
	got := waitAll(t, reader, group, 1500)
	if got["100"][0] == got["900"][0] {
		t.Fatalf("lines before and after the truncation share event id %s", got["100"][0])
	}
	copytruncate(1500, 1600, logPath+".2")
	appendLines(t, logPath, 1600, 1700)
	got = waitAll(t, reader, group, 1700)
	ids := map[string]string{}
	for conn, evs := range got {
		if prev, dup := ids[evs[0]]; dup {
			t.Fatalf("lines %s and %s share event id %s", prev, conn, evs[0])
		}
		ids[evs[0]] = conn
	}
}
