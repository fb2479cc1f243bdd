package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

// debianCLI is the AWS CLI v2 from Debian's awscli package; the `aws` first
// on PATH may be another one (see the project's test script).
const debianCLI = "/usr/bin/aws"

// cli runs the Debian AWS CLI against p with the given credentials and
// decodes its JSON output into out (when non-nil).
func cli(t *testing.T, p *proc, key, secret string, out any, args ...string) {
	t.Helper()
	debian{}.run(t, p, key, secret, out, args...)
}

// cliCommandAs builds a Debian AWS CLI command against p, with a private
// configuration so nothing of the machine's leaks in.
func cliCommandAs(t *testing.T, p *proc, key, secret string, args ...string) *exec.Cmd {
	t.Helper()
	return debian{}.command(t, p, key, secret, args...)
}

// awsCLI is one AWS CLI installation. The machine has two that speak
// different protocols to the same service (Debian's v2.9 predates
// CloudWatch's JSON and CBOR protocols and sends query requests; the pip
// v1.x sends Smithy RPC v2 CBOR), so important flows run with each.
type awsCLI interface {
	name() string
	command(t *testing.T, p *proc, key, secret string, args ...string) *exec.Cmd
}

type debian struct{}

func (debian) name() string { return "debian-v2" }

func (debian) command(t *testing.T, p *proc, key, secret string, args ...string) *exec.Cmd {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\noutput = json\n"), 0o600)
	cmd := exec.Command(debianCLI, append([]string{"--endpoint-url", p.URL}, args...)...)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "HOME=" + home,
		"AWS_CONFIG_FILE=" + cfg, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		// Python buffers a pipe; tail --follow must show lines as they come.
		"PYTHONUNBUFFERED=1",
	}
	return cmd
}

func (c debian) run(t *testing.T, p *proc, key, secret string, out any, args ...string) {
	t.Helper()
	runCLI(t, c, p, key, secret, out, args...)
}

// pip is the AWS CLI v1 first on PATH, when it is not Debian's.
type pip struct{ path string }

func (pip) name() string { return "pip-v1" }

func (c pip) command(t *testing.T, p *proc, key, secret string, args ...string) *exec.Cmd {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(c.path, append([]string{"--endpoint-url", p.URL, "--output", "json"}, args...)...)
	// The machine's environment stays (pyenv finds its Python through
	// it); every AWS setting is replaced.
	cmd.Env = append(cleanEnv(), "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"), "AWS_ACCESS_KEY_ID="+key,
		"AWS_SECRET_ACCESS_KEY="+secret, "AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=")
	return cmd
}

// cleanEnv is the machine's environment without its AWS settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// awsCLIs returns Debian's CLI (required: scripts/test installs it) and
// the pip CLI 1.x when one is on PATH (PyPI is out of reach here, so it
// cannot be installed by the test script).
func awsCLIs(t *testing.T) []awsCLI {
	t.Helper()
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	clis := []awsCLI{debian{}}
	if path, err := exec.LookPath("aws"); err == nil && path != debianCLI {
		if out, err := exec.Command(path, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(out), "aws-cli/1.") {
			clis = append(clis, pip{path: path})
		} else {
			t.Logf("pip AWS CLI 1.x not on PATH; running with Debian's only")
		}
	}
	return clis
}

// runCLI runs c against p and decodes its JSON output into out (when
// non-nil).
func runCLI(t *testing.T, c awsCLI, p *proc, key, secret string, out any, args ...string) {
	t.Helper()
	b, err := c.command(t, p, key, secret, args...).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s: aws %s: %v\n%s%s", c.name(), strings.Join(args, " "), err, b, stderr)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: aws %s: output is not JSON: %v\n%s", c.name(), strings.Join(args, " "), err, b)
		}
	}
}

// cliFails runs c against p, which must fail; it returns stderr.
func cliFails(t *testing.T, c awsCLI, p *proc, key, secret string, args ...string) string {
	t.Helper()
	out, err := c.command(t, p, key, secret, args...).CombinedOutput()
	if err == nil {
		t.Fatalf("%s: aws %s succeeded, want an error:\n%s", c.name(), strings.Join(args, " "), out)
	}
	return string(out)
}

func TestAWSCLI(t *testing.T) {
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	p := startServer(t, t.TempDir())

	var who struct{ UserId, Account, Arn string }
	cli(t, p, rootKey, rootSecret, &who, "sts", "get-caller-identity")
	if who.Arn != "arn:aws:iam::"+who.Account+":root" || who.UserId != who.Account || len(who.Account) != 12 {
		t.Fatalf("root get-caller-identity = %+v", who)
	}

	var user struct {
		User struct{ UserName, Arn, UserId string }
	}
	cli(t, p, rootKey, rootSecret, &user, "iam", "create-user", "--user-name", "alice")
	if user.User.UserName != "alice" || user.User.Arn != "arn:aws:iam::"+who.Account+":user/alice" {
		t.Fatalf("create-user = %+v", user)
	}
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status, UserName string }
	}
	cli(t, p, rootKey, rootSecret, &key, "iam", "create-access-key", "--user-name", "alice")
	if key.AccessKey.Status != "Active" || key.AccessKey.SecretAccessKey == "" || key.AccessKey.UserName != "alice" {
		t.Fatalf("create-access-key = %+v", key)
	}

	var alice struct{ UserId, Account, Arn string }
	cli(t, p, key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, &alice, "sts", "get-caller-identity")
	if alice.Arn != user.User.Arn || alice.UserId != user.User.UserId {
		t.Fatalf("alice get-caller-identity = %+v, want arn %s", alice, user.User.Arn)
	}

	var events struct {
		Events []struct {
			EventName, Username, EventSource, CloudTrailEvent string
			Resources                                         []struct{ ResourceType, ResourceName string }
		}
	}
	cli(t, p, rootKey, rootSecret, &events, "cloudtrail", "lookup-events",
		"--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateUser")
	if len(events.Events) != 1 {
		t.Fatalf("lookup-events CreateUser: %d events, want 1: %+v", len(events.Events), events)
	}
	e := events.Events[0]
	if e.Username != "root" || e.EventSource != "iam.amazonaws.com" {
		t.Errorf("CreateUser event = %+v", e)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(e.CloudTrailEvent), &rec); err != nil {
		t.Fatalf("CloudTrailEvent: %v", err)
	}
	if rp, _ := rec["requestParameters"].(map[string]any); rp["userName"] != "alice" {
		t.Errorf("requestParameters = %v, want userName alice", rec["requestParameters"])
	}

	// The access key event never carries the secret.
	var keyEvents struct {
		Events []struct{ CloudTrailEvent string }
	}
	cli(t, p, rootKey, rootSecret, &keyEvents, "cloudtrail", "lookup-events",
		"--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAccessKey")
	if len(keyEvents.Events) != 1 {
		t.Fatalf("lookup-events CreateAccessKey: %d events", len(keyEvents.Events))
	}
	if strings.Contains(keyEvents.Events[0].CloudTrailEvent, key.AccessKey.SecretAccessKey) {
		t.Errorf("the secret access key leaked into the record: %s", keyEvents.Events[0].CloudTrailEvent)
	}

	// Paging: the CLI follows NextToken with --max-items/--page-size.
	var all struct{ Events []struct{ EventId string } }
	cli(t, p, rootKey, rootSecret, &all, "cloudtrail", "lookup-events", "--page-size", "1")
	if len(all.Events) < 5 {
		t.Errorf("lookup-events with page size 1 returned %d events, want every call so far (≥5)", len(all.Events))
	}
	ids := map[string]bool{}
	for _, e := range all.Events {
		if ids[e.EventId] {
			t.Errorf("event %s returned twice while paging", e.EventId)
		}
		ids[e.EventId] = true
	}
}
