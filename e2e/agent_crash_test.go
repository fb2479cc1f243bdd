package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func agentLines(t *testing.T, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	ts := time.Now().UTC().Format("20060102 15:04:05")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%s,db1,app,10.0.0.8,%d,%d,QUERY,shop,'INSERT INTO t VALUES (%d)',0\n", ts, i, i, i)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// shippedLines returns the event ids each connection id arrived with.
func shippedLines(t *testing.T, c *cwl.Client, group string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String(group)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			return got
		}
		for _, e := range out.Events {
			var m struct{ EventID, ConnectionID string }
			if err := json.Unmarshal([]byte(*e.Message), &m); err != nil {
				t.Fatalf("shipped message is not JSON: %q", *e.Message)
			}
			got[m.ConnectionID] = append(got[m.ConnectionID], m.EventID)
		}
	}
	return got
}

// TestAgentKill9 kills the agent binary with SIGKILL in the middle of a
// file, again and again, rotates the file between runs, and checks that
// every line arrives and that repeats carry the same event id.
func TestAgentKill9(t *testing.T) {
	srv := testserver.Start(t)
	reader := cwl.NewFromConfig(srv.RootConfig())
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server_audit.log")
	cfgPath := filepath.Join(dir, "agent.json")
	cfg := fmt.Sprintf(`{"state_dir": %q, "endpoint": %q, "region": "us-east-1", "poll_interval": "20ms", "batch_wait": "10ms",
  "batch_max_events": 500,
  "sources": [{"path": %q, "format": "mariadb", "name": "db1"}]}`, filepath.Join(dir, "state"), srv.URL, logPath)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(binary, "agent", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+srv.Root.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+srv.Root.SecretAccessKey,
			"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("agent stderr:\n%s", stderr.String())
			}
		})
		return cmd
	}
	group := "/aws/rds/instance/db1/audit"
	const perRound = 20000
	total := 0
	for round := 0; round < 3; round++ {
		agentLines(t, logPath, total, total+perRound)
		total += perRound
		cmd := start()
		// Kill it once part of the new lines has arrived: mid-file.
		deadline := time.Now().Add(30 * time.Second)
		for len(shippedLines(t, reader, group)) < total-perRound/2 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: agent shipped too little", round)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if round == 1 {
			// Rotated by rename while the agent is down.
			if err := os.Rename(logPath, logPath+".1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := start()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := shippedLines(t, reader, group)
		if len(got) == total {
			dups := 0
			for id, ids := range got {
				for _, e := range ids[1:] {
					dups++
					if e != ids[0] {
						t.Fatalf("line %s arrived with different event ids %v", id, ids)
					}
				}
			}
			t.Logf("%d lines, %d repeats after 3 kills", total, dups)
			break
		}
		if len(got) > total {
			t.Fatalf("%d distinct lines, want %d", len(got), total)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines arrived", len(got), total)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}
