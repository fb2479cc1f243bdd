package e2e

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestAdminCreateAccount: `trailwatch admin create-account` prints working
// root credentials of a new account, and list-accounts shows it.
func TestAdminCreateAccount(t *testing.T) {
	dir := t.TempDir()
	admin := func(args ...string) string {
		cmd := exec.Command(binary, append([]string{"admin"}, append(args, "--data-dir", dir)...)...)
		cmd.Env = append(os.Environ(), "TRAILWATCH_ROOT_ACCESS_KEY_ID="+rootKey, "TRAILWATCH_ROOT_SECRET_ACCESS_KEY="+rootSecret)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("trailwatch admin %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := admin("create-account", "--name", "team-b")
	m := regexp.MustCompile(`(?s)account (\d{12}).*aws_access_key_id = (\S+)\s+aws_secret_access_key = (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create-account output has no credentials:\n%s", out)
	}
	account, key, secret := m[1], m[2], m[3]
	if list := admin("list-accounts"); !strings.Contains(list, account+"\tteam-b") {
		t.Errorf("list-accounts does not show %s team-b:\n%s", account, list)
	}

	p := startServer(t, dir)
	who, err := sts.NewFromConfig(p.config(key, secret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != account {
		t.Errorf("new account's key is account %s, want %s", aws.ToString(who.Account), account)
	}
	root, err := sts.NewFromConfig(p.config(rootKey, rootSecret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(root.Account) == account {
		t.Errorf("the default account and the new one share id %s", account)
	}
}

// TestGeneratedCredentials: with no credentials configured, the first start
// writes them to a 0600 file and never prints the secret.
func TestGeneratedCredentials(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "server", "--listen", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = os.Environ()
	logs := &lockedWriter{}
	cmd.Stdout = logs
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var st os.FileInfo
	for i := 0; i < 600; i++ {
		if s, err := os.Stat(dir + "/root-credentials"); err == nil && s.Size() > 0 {
			st = s
			break
		}
		sleep(50)
	}
	if st == nil {
		t.Fatalf("no credentials file after 30s\n%s", logs.String())
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(dir + "/root-credentials")
	m := regexp.MustCompile(`aws_secret_access_key = (\S+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("credentials file has no secret:\n%s", b)
	}
	sleep(500)
	if strings.Contains(logs.String(), m[1]) {
		t.Errorf("the server printed the secret access key")
	}
}
