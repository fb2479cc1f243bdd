package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

// cliTrail is the trail JSON the CLI prints.
type cliTrail struct {
	Name, S3BucketName, S3KeyPrefix, TrailARN, HomeRegion string
	IncludeGlobalServiceEvents, IsMultiRegionTrail        bool
	LogFileValidationEnabled                              bool
}

// TestAWSCLITrails drives a trail through its life with the Debian AWS CLI,
// which sends the long X-Amz-Target prefix and whole-second timestamps.
func TestAWSCLITrails(t *testing.T) {
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	p := startServer(t, t.TempDir())
	run := func(out any, args ...string) { t.Helper(); cli(t, p, rootKey, rootSecret, out, args...) }

	var created cliTrail
	run(&created, "cloudtrail", "create-trail", "--name", "audit-trail", "--s3-bucket-name", "audit-archive",
		"--s3-key-prefix", "prod", "--enable-log-file-validation")
	if created.Name != "audit-trail" || created.S3BucketName != "audit-archive" || created.S3KeyPrefix != "prod" ||
		!created.IncludeGlobalServiceEvents || !created.LogFileValidationEnabled || created.IsMultiRegionTrail ||
		!strings.HasPrefix(created.TrailARN, "arn:aws:cloudtrail:us-east-1:") || !strings.HasSuffix(created.TrailARN, ":trail/audit-trail") {
		t.Fatalf("create-trail = %+v", created)
	}

	var desc struct{ TrailList []cliTrail }
	run(&desc, "cloudtrail", "describe-trails", "--trail-name-list", "audit-trail")
	if len(desc.TrailList) != 1 || desc.TrailList[0].HomeRegion != "us-east-1" || desc.TrailList[0].TrailARN != created.TrailARN {
		t.Fatalf("describe-trails = %+v", desc)
	}

	var updated cliTrail
	run(&updated, "cloudtrail", "update-trail", "--name", created.TrailARN, "--is-multi-region-trail", "--s3-key-prefix", "")
	if !updated.IsMultiRegionTrail || updated.S3KeyPrefix != "" || updated.S3BucketName != "audit-archive" {
		t.Fatalf("update-trail = %+v", updated)
	}

	// CLI v2 prints timestamps as ISO 8601 text.
	type status struct {
		IsLogging                              bool
		StartLoggingTime, StopLoggingTime      string
		TimeLoggingStarted, TimeLoggingStopped string
	}
	var st status
	run(&st, "cloudtrail", "get-trail-status", "--name", "audit-trail")
	if st.IsLogging || st.StartLoggingTime != "" {
		t.Fatalf("status of a new trail = %+v", st)
	}
	run(nil, "cloudtrail", "start-logging", "--name", "audit-trail")
	run(&st, "cloudtrail", "get-trail-status", "--name", "audit-trail")
	if !st.IsLogging || st.StartLoggingTime == "" || st.TimeLoggingStarted == "" {
		t.Fatalf("status after start-logging = %+v", st)
	}
	run(nil, "cloudtrail", "stop-logging", "--name", "audit-trail")
	st = status{}
	run(&st, "cloudtrail", "get-trail-status", "--name", "audit-trail")
	if st.IsLogging || st.StopLoggingTime == "" || st.StopLoggingTime < st.StartLoggingTime || st.TimeLoggingStopped == "" {
		t.Fatalf("status after stop-logging = %+v", st)
	}

	// The multi-region trail is a shadow in another region: visible, but
	// not to be changed there.
	var west struct{ TrailList []cliTrail }
	run(&west, "--region", "eu-west-1", "cloudtrail", "describe-trails")
	if len(west.TrailList) != 1 || west.TrailList[0].HomeRegion != "us-east-1" {
		t.Fatalf("describe-trails in eu-west-1 = %+v", west)
	}
	out, err := cliCommand(t, p, "--region", "eu-west-1", "cloudtrail", "delete-trail", "--name", created.TrailARN).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "InvalidHomeRegionException") {
		t.Fatalf("delete-trail from eu-west-1: %v\n%s", err, out)
	}

	var sel struct {
		TrailARN       string
		EventSelectors []struct {
			ReadWriteType           string
			IncludeManagementEvents bool
		}
	}
	run(&sel, "cloudtrail", "put-event-selectors", "--trail-name", "audit-trail",
		"--event-selectors", `[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true}]`)
	run(&sel, "cloudtrail", "get-event-selectors", "--trail-name", "audit-trail")
	if sel.TrailARN != created.TrailARN || len(sel.EventSelectors) != 1 || sel.EventSelectors[0].ReadWriteType != "WriteOnly" {
		t.Fatalf("get-event-selectors = %+v", sel)
	}

	run(nil, "cloudtrail", "add-tags", "--resource-id", created.TrailARN, "--tags-list", "Key=team,Value=security")
	var tags struct {
		ResourceTagList []struct {
			ResourceId string
			TagsList   []struct{ Key, Value string }
		}
	}
	run(&tags, "cloudtrail", "list-tags", "--resource-id-list", created.TrailARN)
	if len(tags.ResourceTagList) != 1 || len(tags.ResourceTagList[0].TagsList) != 1 || tags.ResourceTagList[0].TagsList[0].Value != "security" {
		t.Fatalf("list-tags = %+v", tags)
	}

	var list struct {
		Trails []struct{ Name, HomeRegion, TrailARN string }
	}
	run(&list, "cloudtrail", "list-trails")
	if len(list.Trails) != 1 || list.Trails[0].Name != "audit-trail" {
		t.Fatalf("list-trails = %+v", list)
	}

	run(nil, "cloudtrail", "delete-trail", "--name", "audit-trail")
	out, err = cliCommand(t, p, "cloudtrail", "get-trail", "--name", "audit-trail").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "TrailNotFoundException") || !strings.Contains(string(out), "Unknown trail: audit-trail for the user:") {
		t.Fatalf("get-trail after delete-trail: %v\n%s", err, out)
	}
}
