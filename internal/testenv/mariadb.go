package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MariaDBAuditPlugin is where Debian's mariadb-server puts the
// server_audit plugin.
const MariaDBAuditPlugin = "/usr/lib/mysql/plugin/server_audit.so"

// MariaDBOptions configure MariaDB.
type MariaDBOptions struct {
	// AuditEvents is server_audit_events; "" means CONNECT,QUERY,TABLE.
	AuditEvents string
	// TimeZone is the server's TZ, in which server_audit writes its
	// local-time stamps; "" leaves the test's own environment.
	TimeZone string
}

// MariaDBServer is a running MariaDB with the server_audit plugin
// writing to a file.
type MariaDBServer struct {
	Port     int    // TCP port on 127.0.0.1
	Socket   string // Unix socket; root logs in there without a password
	AuditLog string // the server_audit file
	Dir      string // data directory, configuration and error log

	client  string
	cmd     *exec.Cmd
	stopped bool
}

// MariaDB starts a private MariaDB (Debian's mariadb-server; scripts/test
// installs it) with the server_audit plugin, on a free port and a
// temporary data directory, and stops it when the test ends. It returns
// once the server has said it is ready, without probing it: a probe would
// be audited as a connection. See Require for what happens when MariaDB
// is not installed.
func MariaDB(t testing.TB, opts MariaDBOptions) *MariaDBServer {
	t.Helper()
	mariadbd, err1 := exec.LookPath("mariadbd")
	installDB, err2 := exec.LookPath("mariadb-install-db")
	client, err3 := exec.LookPath("mariadb")
	_, err4 := os.Stat(MariaDBAuditPlugin)
	Require(t, "MariaDB with server_audit", err1 == nil && err2 == nil && err3 == nil && err4 == nil,
		fmt.Sprint("need mariadbd, mariadb-install-db, mariadb and ", MariaDBAuditPlugin, " (apt-get install mariadb-server mariadb-client)"))
	if opts.AuditEvents == "" {
		opts.AuditEvents = "CONNECT,QUERY,TABLE"
	}

	dir := t.TempDir()
	m := &MariaDBServer{Port: freePort(t), Socket: filepath.Join(dir, "mysqld.sock"),
		AuditLog: filepath.Join(dir, "server_audit.log"), Dir: dir, client: client}
	cnf := filepath.Join(dir, "my.cnf")
	user := ""
	if os.Geteuid() == 0 {
		user = "user=root" // mariadbd refuses to run as root unless told to
	}
	// The audit settings are in their own group, read only by the server,
	// so that mariadb-install-db's bootstrap is not audited.
	conf := fmt.Sprintf(`[mariadbd]
%s
datadir=%s/data
socket=%s
pid-file=%s/mysqld.pid
bind-address=127.0.0.1
port=%d
skip-name-resolve
log-error=%s/error.log

[mariadbd_audit]
plugin-load-add=server_audit.so
server_audit=FORCE_PLUS_PERMANENT
server_audit_events=%s
server_audit_logging=ON
server_audit_output_type=file
server_audit_file_path=%s
`, user, dir, m.Socket, dir, m.Port, dir, opts.AuditEvents, m.AuditLog)
	if err := os.WriteFile(cnf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(installDB, "--defaults-file="+cnf, "--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}

	m.cmd = exec.Command(mariadbd, "--defaults-file="+cnf, "--defaults-group-suffix=_audit")
	if opts.TimeZone != "" {
		m.cmd.Env = append(os.Environ(), "TZ="+opts.TimeZone)
	}
	m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	errorLog := filepath.Join(dir, "error.log")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, _ := os.ReadFile(errorLog); strings.Contains(string(b), "ready for connections") {
			return m
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(errorLog)
			t.Fatalf("mariadbd did not start in 60s:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SQL runs the mariadb client with args (and no option files) and
// returns its combined output.
func (m *MariaDBServer) SQL(args ...string) (string, error) {
	out, err := exec.Command(m.client, append([]string{"--no-defaults"}, args...)...).CombinedOutput()
	return string(out), err
}

// TCP is the client arguments that connect over TCP rather than the socket,
// as remote clients do: server_audit records their address.
func (m *MariaDBServer) TCP() []string {
	return []string{"--protocol=TCP", "-h", "127.0.0.1", "-P", fmt.Sprint(m.Port)}
}

// Stop stops the server and waits for it; the audit file is complete
// afterwards. It is safe to call twice.
func (m *MariaDBServer) Stop() {
	if m.stopped {
		return
	}
	m.stopped = true
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.cmd.Wait()
}
