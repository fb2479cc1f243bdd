package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/archive/dir"
	"github.com/trailwatch/trailwatch/internal/testenv"
)

// TestAWSCLIS3 reads the local archive with the Debian AWS CLI's s3 and
// s3api commands through --endpoint-url (botocore: path-style, SigV4
// service s3, x-amz-content-sha256).
func TestAWSCLIS3(t *testing.T) {
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	data := t.TempDir()
	p := startServer(t, data)
	run := func(out any, args ...string) { t.Helper(); cli(t, p, rootKey, rootSecret, out, args...) }
	run(nil, "cloudtrail", "create-trail", "--name", "audit-trail", "--s3-bucket-name", "cli-archive")

	// What the delivery worker would write, through the same store.
	st, err := dir.Open(filepath.Join(data, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Bucket(context.Background(), "cli-archive")
	if err != nil {
		t.Fatal(err)
	}
	const digest = "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/21/111111111111_CloudTrail-Digest_us-east-1_audit-trail_us-east-1_20261121T010000Z.json.gz"
	const logKey = "AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/21/111111111111_CloudTrail_us-east-1_20261121T0005Z_abcdefgh12345678.json.gz"
	if err := b.Put(context.Background(), digest, []byte("digest bytes"), map[string]string{"signature": "0a1b", "signature-algorithm": "SHA256withRSA"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(context.Background(), logKey, []byte("log file bytes"), nil); err != nil {
		t.Fatal(err)
	}

	out, err := cliCommandAs(t, p, rootKey, rootSecret, "s3", "ls", "s3://cli-archive/", "--recursive").Output()
	if err != nil {
		t.Fatalf("aws s3 ls: %v", err)
	}
	if !strings.Contains(string(out), digest) || !strings.Contains(string(out), logKey) || strings.Contains(string(out), ".s3meta.json") {
		t.Errorf("aws s3 ls:\n%s", out)
	}
	out, err = cliCommandAs(t, p, rootKey, rootSecret, "s3", "ls").Output()
	if err != nil || !strings.Contains(string(out), "cli-archive") {
		t.Errorf("aws s3 ls (buckets): %v\n%s", err, out)
	}

	dst := filepath.Join(t.TempDir(), "log.json.gz")
	if out, err := cliCommandAs(t, p, rootKey, rootSecret, "s3", "cp", "s3://cli-archive/"+logKey, dst).CombinedOutput(); err != nil {
		t.Fatalf("aws s3 cp: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(dst); string(got) != "log file bytes" {
		t.Errorf("aws s3 cp wrote %q", got)
	}

	var head struct {
		ContentLength int64
		ETag          string
		Metadata      map[string]string
	}
	run(&head, "s3api", "head-object", "--bucket", "cli-archive", "--key", digest)
	if head.ContentLength != int64(len("digest bytes")) || head.ETag == "" ||
		head.Metadata["signature"] != "0a1b" || head.Metadata["signature-algorithm"] != "SHA256withRSA" {
		t.Errorf("head-object = %+v", head)
	}
	var loc struct{ LocationConstraint *string }
	run(&loc, "s3api", "get-bucket-location", "--bucket", "cli-archive")
	if loc.LocationConstraint != nil {
		t.Errorf("get-bucket-location = %v, want null (us-east-1)", *loc.LocationConstraint)
	}
	var listed struct{ Contents []struct{ Key string } }
	run(&listed, "s3api", "list-objects", "--bucket", "cli-archive", "--prefix", "AWSLogs/111111111111/CloudTrail-Digest/", "--marker", "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/20/")
	if len(listed.Contents) != 1 || listed.Contents[0].Key != digest {
		t.Errorf("list-objects of digests after a marker = %+v", listed)
	}

	cmd := cliCommandAs(t, p, rootKey, rootSecret, "s3", "cp", dst, "s3://cli-archive/new-object")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "MethodNotAllowed") {
		t.Errorf("aws s3 cp upload: %v\n%s", err, out)
	}
}
