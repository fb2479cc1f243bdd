package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestAgentServerDownAMinute stops the trailwatch server for a minute
// while the agent runs and the database keeps writing: every line written
// before, during and after the outage arrives once the server is back, and
// a line that arrives twice carries the same event id.
func TestAgentServerDownAMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a one-minute outage")
	}
	t.Parallel() // mostly waiting
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dataDir, dir := t.TempDir(), t.TempDir()
	srv := startServerAt(t, addr, dataDir)

	logPath := filepath.Join(dir, "server_audit.log")
	cfgPath := filepath.Join(dir, "agent.json")
	cfg := fmt.Sprintf(`{"state_dir": %q, "endpoint": %q, "region": "us-east-1", "poll_interval": "50ms", "batch_wait": "50ms",
  "retry_max": "5s", "sources": [{"path": %q, "format": "mariadb", "name": "db1"}]}`, filepath.Join(dir, "state"), srv.URL, logPath)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	agent := exec.Command(binary, "agent", "--config", cfgPath)
	agent.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret,
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
	stderr := &lockedWriter{}
	agent.Stderr = stderr
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		agent.Process.Signal(syscall.SIGTERM)
		agent.Wait()
		if t.Failed() {
			t.Logf("agent stderr:\n%s", stderr.String())
		}
	}()

	const group, batch = "/aws/rds/instance/db1/audit", 3000
	waitFor := func(p *proc, n int) {
		t.Helper()
		reader := cwl.NewFromConfig(p.readConfig(rootKey, rootSecret))
		deadline := time.Now().Add(90 * time.Second)
		for {
			got := shippedLines(t, reader, group)
			if len(got) == n {
				for id, ids := range got {
					for _, e := range ids[1:] {
						if e != ids[0] {
							t.Fatalf("line %s arrived with different event ids %v", id, ids)
						}
					}
				}
				return
			}
			if len(got) > n {
				t.Fatalf("%d distinct lines, want %d", len(got), n)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d lines arrived", len(got), n)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	agentLines(t, logPath, 0, batch)
	waitFor(srv, batch)
	if err := srv.terminate(t); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	// The database writes on through the outage.
	agentLines(t, logPath, batch, 2*batch)
	time.Sleep(30 * time.Second)
	agentLines(t, logPath, 2*batch, 3*batch)
	time.Sleep(30 * time.Second)
	srv = startServerAt(t, addr, dataDir)
	agentLines(t, logPath, 3*batch, 4*batch)
	waitFor(srv, 4*batch)
}
