package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Fixed root credentials for spawned servers.
const (
	rootKey    = "AKIAE2ETESTROOTKEY01"
	rootSecret = "e2eTestRootSecretKey0123456789abcdefghij"
	region     = "us-east-1"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trailwatch-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "trailwatch")
	build := exec.Command("go", "build", "-o", binary, "../cmd/trailwatch")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build trailwatch:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a spawned trailwatch server.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	exited chan error
	stderr *lockedWriter
}

var listenLine = regexp.MustCompile(`trailwatch listening on (https?://\S+)`)

// startServer spawns `trailwatch server` on a free port over dataDir and
// waits until it prints its endpoint.
func startServer(t testing.TB, dataDir string, extraEnv ...string) *proc {
	t.Helper()
	return startServerAt(t, "127.0.0.1:0", dataDir, extraEnv...)
}

// startServerAt is startServer on a given listen address, for tests that
// restart a server where its clients expect it.
func startServerAt(t testing.TB, listen, dataDir string, extraEnv ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, "server", "--listen", listen, "--data-dir", dataDir)
	cmd.Env = append(os.Environ(),
		"TRAILWATCH_ROOT_ACCESS_KEY_ID="+rootKey,
		"TRAILWATCH_ROOT_SECRET_ACCESS_KEY="+rootSecret,
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1), stderr: &lockedWriter{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	go func() { p.exited <- cmd.Wait() }()
	select {
	case p.URL = <-urlc:
	case err := <-p.exited:
		t.Fatalf("server exited before listening: %v\n%s", err, p.stderr.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start in 60s\n%s", p.stderr.String())
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(t testing.TB) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// terminate sends SIGTERM and returns the exit error.
func (p *proc) terminate(t testing.TB) error {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		return err
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("server did not stop within 60s of SIGTERM")
		return nil
	}
}

// config is an SDK configuration for the spawned server. It makes one
// attempt per call: a retried write would blur what the crash tests count.
func (p *proc) config(key, secret string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint:     aws.String(p.URL),
		RetryMaxAttempts: 1,
	}
}

// readConfig is config with the SDK's standard retries, for reading back
// what was stored. aws-sdk-go-v2 sometimes loses a keep-alive connection
// while reading a response ("use of closed network connection", an SDK
// and net/http race: aws/aws-sdk-go-v2#2737), against AWS as against
// any server, and relies on its retryer to try again; a test that reads
// many large pages with retries off fails now and then.
func (p *proc) readConfig(key, secret string) aws.Config {
	cfg := p.config(key, secret)
	cfg.RetryMaxAttempts = 3
	return cfg
}
