package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestDiskFull fills the data directory's file system: writes then fail
// with a server error, the server keeps answering, nothing acknowledged is
// lost, and after a restart everything acknowledged is still readable.
func TestDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	os.MkdirAll(dir, 0o700)
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", dir).CombinedOutput()
	if err != nil {
		// Mounting needs root (or CAP_SYS_ADMIN); no package can provide it,
		// so this skips even under CI.
		t.Skipf("cannot mount a small tmpfs to fill: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })

	p := startServer(t, dir)
	ctx := context.Background()
	client := cloudwatchlogs.NewFromConfig(p.config(rootKey, rootSecret))
	if _, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/full")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/full"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	// Incompressible messages fill the disk quickly.
	base := time.Now().Add(-time.Hour).UnixMilli()
	acked, failures := 0, 0
	for b := 0; b < 400 && failures < 5; b++ {
		evs := make([]types.InputLogEvent, 100)
		for i := range evs {
			n := b*100 + i
			evs[i] = types.InputLogEvent{Timestamp: aws.Int64(base + int64(n)), Message: aws.String(fmt.Sprintf("event %d %x", n, randomBytes(n, 1500)))}
		}
		_, err := client.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/full"), LogStreamName: aws.String("s"), LogEvents: evs})
		if err != nil {
			failures++
			if code := apiCode(err); code != "ServiceUnavailableException" && code != "InternalFailure" {
				t.Errorf("full disk answered %q (%v), want a server error", code, err)
			}
			continue
		}
		if failures > 0 {
			t.Errorf("batch %d acknowledged after an earlier batch failed for lack of space", b)
		}
		acked = (b + 1) * 100
	}
	if failures == 0 {
		t.Fatal("the disk never filled up")
	}
	t.Logf("%d events acknowledged before the disk filled", acked)
	// The server still answers reads.
	if _, err := sts.NewFromConfig(p.config(rootKey, rootSecret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil && !strings.Contains(err.Error(), "InternalFailure") {
		t.Errorf("GetCallerIdentity on a full disk: %v", err)
	}
	checkStream := func(c *cloudwatchlogs.Client) {
		t.Helper()
		n := 0
		pager := cloudwatchlogs.NewGetLogEventsPaginator(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/full"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)},
			func(o *cloudwatchlogs.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			for _, e := range page.Events {
				if want := fmt.Sprintf("event %d ", n); !strings.HasPrefix(aws.ToString(e.Message), want) {
					t.Fatalf("event %d reads %.20q", n, aws.ToString(e.Message))
				}
				n++
			}
		}
		if n < acked || n%100 != 0 {
			t.Errorf("%d events readable, %d acknowledged (whole batches of 100 expected)", n, acked)
		}
	}
	checkStream(cloudwatchlogs.NewFromConfig(p.readConfig(rootKey, rootSecret)))

	p.kill(t)
	p2 := startServer(t, dir)
	checkStream(cloudwatchlogs.NewFromConfig(p2.readConfig(rootKey, rootSecret)))
}

// apiCode returns the AWS error code the SDK surfaced, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// randomBytes returns n-seeded bytes that zstd cannot compress much.
func randomBytes(seed, n int) []byte {
	b := make([]byte, n)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}
