package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/trailwatch/trailwatch/internal/testenv"
)

// validator runs `aws cloudtrail validate-logs` with one of the machine's
// AWS CLIs against a spawned server, which serves both the CloudTrail API
// and (read-only) the archive over S3.
type validator struct {
	name string
	cmd  func(args ...string) *exec.Cmd
}

// debianValidator: CLI 2.9 ignores --endpoint-url for the S3 calls of
// validate-logs and predates AWS_ENDPOINT_URL_S3, so its S3 endpoint rule
// set is replaced through AWS_DATA_PATH with one that resolves every
// bucket, path-style, to the server.
func debianValidator(t *testing.T, p *proc) validator {
	t.Helper()
	const models = "/usr/lib/python3/dist-packages/awscli/botocore/data/s3"
	versions, err := os.ReadDir(models)
	if err != nil || len(versions) == 0 {
		t.Fatalf("find the Debian CLI's S3 model: %v", err)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i].Name() < versions[j].Name() })
	data := t.TempDir()
	dir := filepath.Join(data, "s3", versions[len(versions)-1].Name())
	os.MkdirAll(dir, 0o755)
	auth := map[string]any{"authSchemes": []any{map[string]any{"name": "sigv4", "signingName": "s3", "signingRegion": "{Region}", "disableDoubleEncoding": true}}}
	bucket := []any{
		map[string]any{"fn": "isSet", "argv": []any{map[string]any{"ref": "Bucket"}}},
		map[string]any{"fn": "uriEncode", "argv": []any{map[string]any{"ref": "Bucket"}}, "assign": "b"},
	}
	rules := map[string]any{
		"version": "1.0",
		"parameters": map[string]any{
			"Region":   map[string]any{"builtIn": "AWS::Region", "required": false, "type": "String", "documentation": "region"},
			"Endpoint": map[string]any{"builtIn": "SDK::Endpoint", "required": false, "type": "String", "documentation": "endpoint"},
			"Bucket":   map[string]any{"required": false, "type": "String", "documentation": "bucket"},
		},
		"rules": []any{
			map[string]any{"type": "endpoint", "conditions": bucket, "endpoint": map[string]any{"url": p.URL + "/{b}", "properties": auth, "headers": map[string]any{}}},
			map[string]any{"type": "endpoint", "conditions": []any{}, "endpoint": map[string]any{"url": p.URL, "properties": auth, "headers": map[string]any{}}},
		},
	}
	b, _ := json.Marshal(rules)
	if err := os.WriteFile(filepath.Join(dir, "endpoint-rule-set-1.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return validator{name: "Debian CLI 2.9", cmd: func(args ...string) *exec.Cmd {
		c := cliCommandAs(t, p, rootKey, rootSecret, args...)
		c.Env = append(c.Env, "AWS_DATA_PATH="+data)
		return c
	}}
}

// pipValidator: CLI 1.45 (pip) routes every client through
// AWS_ENDPOINT_URL_<SERVICE>. It cannot be installed here (PyPI is out of
// reach), so the test runs it only where the machine has it.
func pipValidator(t *testing.T, p *proc) (validator, bool) {
	path, err := exec.LookPath("aws")
	if err != nil || path == debianCLI {
		return validator{}, false
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/1.") {
		return validator{}, false
	}
	return validator{name: "pip CLI " + strings.Fields(string(out))[0], cmd: func(args ...string) *exec.Cmd {
		home := t.TempDir()
		c := exec.Command(path, args...)
		c.Env = append(os.Environ(), "HOME="+home,
			"AWS_CONFIG_FILE="+filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"),
			"AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_ENDPOINT_URL_CLOUDTRAIL="+p.URL, "AWS_ENDPOINT_URL_S3="+p.URL, "AWS_EC2_METADATA_DISABLED=true")
		return c
	}}, true
}

// TestValidateLogs delivers a trail with log file validation, checks that
// both AWS CLIs' validate-logs accept the archive, then tampers with it
// and checks that each change is reported.
func TestValidateLogs(t *testing.T) {
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	data := t.TempDir()
	p := startServer(t, data, "TRAILWATCH_DELIVERY_INTERVAL=1s", "TRAILWATCH_DIGEST_INTERVAL=3s")
	start := time.Now().UTC().Add(-time.Minute)
	var created struct{ TrailARN string }
	cli(t, p, rootKey, rootSecret, &created, "cloudtrail", "create-trail", "--name", "proof", "--s3-bucket-name", "proof-archive",
		"--s3-key-prefix", "tw", "--enable-log-file-validation")
	cli(t, p, rootKey, rootSecret, nil, "cloudtrail", "start-logging", "--name", "proof")

	// Calls every half second, so that every digest period has log files.
	client := iam.NewFromConfig(p.config(rootKey, rootSecret))
	stop := make(chan struct{})
	traffic := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				traffic <- nil
				return
			case <-time.After(500 * time.Millisecond):
			}
			if _, err := client.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("auditor-%d", i))}); err != nil {
				traffic <- err
				return
			}
		}
	}()
	bucket := filepath.Join(data, "archive", "proof-archive")
	digests := waitForFiles(t, bucket, "/CloudTrail-Digest/", 8)[:8]
	close(stop)
	if err := <-traffic; err != nil {
		t.Fatal(err)
	}
	// Which log files each digest lists.
	listed := map[string][]string{}
	for _, d := range digests {
		var dg struct{ LogFiles []struct{ S3Object string } }
		if err := json.Unmarshal(gunzipFile(t, filepath.Join(bucket, d)), &dg); err != nil {
			t.Fatal(err)
		}
		for _, l := range dg.LogFiles {
			listed[d] = append(listed[d], l.S3Object)
		}
	}

	validators := []validator{debianValidator(t, p)}
	if v, ok := pipValidator(t, p); ok {
		validators = append(validators, v)
	} else {
		t.Log("pip AWS CLI 1.x not on PATH: validating with the Debian CLI only")
	}
	validate := func(v validator) (string, int) {
		t.Helper()
		cmd := v.cmd("cloudtrail", "validate-logs", "--trail-arn", created.TrailARN,
			"--start-time", start.Format("2006-01-02T15:04:05Z"), "--verbose", "--region", "us-east-1")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		return string(out), code
	}
	for _, v := range validators {
		out, code := validate(v)
		if code != 0 || strings.Contains(out, "INVALID") || !strings.Contains(out, "digest files valid") || !strings.Contains(out, "log files valid") {
			t.Fatalf("%s on the intact archive: exit %d\n%s", v.name, code, out)
		}
		t.Logf("%s, intact archive:\n%s", v.name, lastLines(out, 4))
	}

	checkDelivered(t, p, bucket, digests, listed)

	// Tamper: a record altered in a log file and another log file deleted
	// (each listed by a digest that stays), one digest deleted, and two
	// consecutive digests deleted. validate-logs reaches a deleted digest
	// through the chain from the next one, and then goes on with the next
	// older digest it listed: of two in a row it names only the newer.
	if len(listed[digests[6]]) == 0 || len(listed[digests[7]]) == 0 {
		t.Fatalf("digests without log files: %v", listed)
	}
	altered, deleted := listed[digests[6]][0], listed[digests[7]][0]
	rewriteGzip(t, filepath.Join(bucket, altered), func(b []byte) []byte { return bytes.Replace(b, []byte(`"Records":[`), []byte(`"Records": [`), 1) })
	os.Remove(filepath.Join(bucket, deleted))
	for _, i := range []int{1, 3, 4} {
		os.Remove(filepath.Join(bucket, digests[i]))
	}
	for _, v := range validators {
		out, code := validate(v)
		if code == 0 {
			t.Errorf("%s accepted a tampered archive:\n%s", v.name, out)
		}
		for _, want := range []string{
			altered + "\tINVALID: hash value doesn't match",
			deleted + "\tINVALID: not found",
			digests[1] + "\tINVALID: not found",
			digests[4] + "\tINVALID: not found",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s does not report %q:\n%s", v.name, want, out)
			}
		}
	}
}

// waitForFiles waits until bucket holds at least n objects whose key
// contains part, and returns their keys in order.
func waitForFiles(t *testing.T, bucket, part string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var keys []string
		filepath.WalkDir(bucket, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json.gz") {
				key, _ := filepath.Rel(bucket, path)
				if strings.Contains("/"+key, part) {
					keys = append(keys, key)
				}
			}
			return nil
		})
		sort.Strings(keys)
		if len(keys) >= n {
			return keys
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d objects under %s after 60s, want %d", len(keys), part, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rewriteGzip changes the inflated content of a gzip file.
func rewriteGzip(t *testing.T, path string, change func([]byte) []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(change(b))
	zw.Close()
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// gunzipFile returns a gzip file's inflated content.
func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	logKeyLayout    = regexp.MustCompile(`^tw/AWSLogs/(\d{12})/CloudTrail/us-east-1/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_us-east-1_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)
	digestKeyLayout = regexp.MustCompile(`^tw/AWSLogs/(\d{12})/CloudTrail\-Digest/us-east-1/\d+/\d+/\d+/(\d{12})_CloudTrail\-Digest_us-east-1_proof_us-east-1_\d{8}T\d{6}Z\.json\.gz$`)
)

// checkDelivered reads the delivered files back: keys follow CloudTrail's
// layout (reference/cloudtrail.md §6.1, §7.1), and every record carries the
// fields of §2.1 and is the very record LookupEvents returns for its ID.
func checkDelivered(t *testing.T, p *proc, bucket string, digests []string, listed map[string][]string) {
	t.Helper()
	for _, d := range digests {
		if m := digestKeyLayout.FindStringSubmatch(d); m == nil || m[1] != m[2] {
			t.Errorf("digest key %s does not follow CloudTrail's layout", d)
		}
	}
	ct := cloudtrail.NewFromConfig(p.readConfig(rootKey, rootSecret))
	required := []string{"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
		"sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly",
		"eventType", "managementEvent", "recipientAccountId", "eventCategory"}
	checked := 0
	for _, logs := range listed {
		for _, key := range logs {
			m := logKeyLayout.FindStringSubmatch(key)
			if m == nil || m[1] != m[5] || m[2] != m[6] || m[3] != m[7] || m[4] != m[8] {
				t.Errorf("log file key %s does not follow CloudTrail's layout", key)
			}
			var file struct{ Records []json.RawMessage }
			if err := json.Unmarshal(gunzipFile(t, filepath.Join(bucket, key)), &file); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			for _, raw := range file.Records {
				var rec map[string]json.RawMessage
				json.Unmarshal(raw, &rec)
				for _, f := range required {
					if _, ok := rec[f]; !ok {
						t.Errorf("%s: a record has no %s: %s", key, f, raw)
					}
				}
				if checked >= 20 {
					continue
				}
				var id string
				json.Unmarshal(rec["eventID"], &id)
				out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
					LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventId, AttributeValue: aws.String(id)}}})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Events) != 1 || aws.ToString(out.Events[0].CloudTrailEvent) != string(raw) {
					t.Errorf("delivered record %s differs from event history's:\n%s\n%v", id, raw, out.Events)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Error("no delivered record was checked")
	}
}
