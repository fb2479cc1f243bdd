package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestPutAuditEventsCLI sends an application's audit event with the pip
// AWS CLI's `cloudtrail-data put-audit-events` (Debian's CLI 2.9 has no
// cloudtrail-data, and PyPI is out of reach here, so it runs where the
// machine has CLI 1.x) and finds it with LookupEvents.
func TestPutAuditEventsCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil || path == debianCLI {
		t.Skip("pip AWS CLI 1.x not on PATH")
	}
	if out, err := exec.Command(path, "--version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "aws-cli/1.") {
		t.Skip("pip AWS CLI 1.x not on PATH")
	}
	p := startServer(t, t.TempDir())
	ctx := context.Background()
	ct := cloudtrail.NewFromConfig(p.config(rootKey, rootSecret))
	who, err := sts.NewFromConfig(p.config(rootKey, rootSecret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := ct.CreateChannel(ctx, &cloudtrail.CreateChannelInput{Name: aws.String("orders-app"), Source: aws.String("Custom"),
		Destinations: []cttypes.Destination{{Type: cttypes.DestinationTypeEventDataStore,
			Location: aws.String("arn:aws:cloudtrail:us-east-1:" + aws.ToString(who.Account) + ":eventdatastore/orders-store")}}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{
		"version": "1.0", "userIdentity": map[string]any{"type": "CustomUser", "principalId": "alice@example.com"},
		"eventSource": "orders.example.com", "eventName": "ExportData", "eventTime": "2026-06-01T10:00:00Z",
		"UID": "uid-42", "recipientAccountId": aws.ToString(who.Account), "sourceIPAddress": "192.0.2.1",
	})
	events, _ := json.Marshal([]map[string]string{{"id": "export-42", "eventData": string(data)}})
	home := t.TempDir()
	cmd := exec.Command(path, "cloudtrail-data", "put-audit-events", "--channel-arn", aws.ToString(ch.ChannelArn),
		"--audit-events", string(events), "--endpoint-url", p.URL, "--output", "json")
	cmd.Env = append(os.Environ(), "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"), "AWS_ACCESS_KEY_ID="+rootKey,
		"AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("put-audit-events: %v\n%s%s", err, out, stderr)
	}
	var res struct {
		Successful []struct{ ID, EventID string } `json:"Successful"`
		Failed     []any                          `json:"Failed"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Successful) != 1 || len(res.Failed) != 0 || res.Successful[0].ID != "export-42" {
		t.Fatalf("put-audit-events answered %s (%v)", out, err)
	}
	found, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventId, AttributeValue: aws.String(res.Successful[0].EventID)}}})
	if err != nil || len(found.Events) != 1 || aws.ToString(found.Events[0].EventName) != "ExportData" {
		t.Fatalf("LookupEvents by the returned event ID: %+v, %v", found, err)
	}
}
