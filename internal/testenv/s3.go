package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// S3 is a running S3-compatible server for tests.
type S3 struct {
	Endpoint        string // http://127.0.0.1:PORT
	AccessKeyID     string
	SecretAccessKey string

	t      testing.TB
	newCmd func() *exec.Cmd
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// BinDir is where scripts/test installs the third-party servers the tests
// run (VersityGW, MinIO): TRAILWATCH_BIN_DIR, or ~/.cache/trailwatch/bin.
func BinDir() string {
	if d := os.Getenv("TRAILWATCH_BIN_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "trailwatch", "bin")
	}
	return filepath.Join(os.TempDir(), "trailwatch-bin")
}

// S3Server starts a real S3-compatible server for this test alone, with
// its data in a temporary directory, and stops it when the test ends:
// VersityGW (posix backend) or else MinIO, from BinDir. When neither is
// installed, see Require.
func S3Server(t testing.TB) *S3 {
	t.Helper()
	s := &S3{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", t: t}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.Endpoint = "http://" + addr
	data := t.TempDir()
	s.log = filepath.Join(data, "..", "s3-server.log")
	switch bin := BinDir(); {
	case isExecutable(filepath.Join(bin, "versitygw")):
		s.newCmd = func() *exec.Cmd {
			cmd := exec.Command(filepath.Join(bin, "versitygw"), "--port", addr, "posix", data)
			cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKeyID, "ROOT_SECRET_KEY="+s.SecretAccessKey)
			return cmd
		}
	case isExecutable(filepath.Join(bin, "minio")):
		console := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		s.newCmd = func() *exec.Cmd {
			cmd := exec.Command(filepath.Join(bin, "minio"), "server", data, "--address", addr, "--console-address", console, "--quiet")
			cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKeyID, "MINIO_ROOT_PASSWORD="+s.SecretAccessKey,
				"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
			return cmd
		}
	default:
		Require(t, "an S3-compatible server", false, "neither versitygw nor minio in "+bin+" (scripts/test installs versitygw)")
	}
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// Start starts the server again after Stop, on the same address and data.
func (s *S3) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := s.newCmd()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	// Any HTTP answer (403 for an anonymous ListBuckets) means it is up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(s.log)
			s.t.Fatalf("%s exited at start:\n%s", cmd.Path, log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s did not answer on %s within 30s", cmd.Path, s.Endpoint)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server, as an outage would; its data stays.
func (s *S3) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePort asks the kernel for an unused loopback port. Another process
// could take it before the server binds it; the server then fails to start
// and the test says so.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
