package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ack is a call the server answered with 200.
type ack struct {
	user      string
	requestID string
}

// burst creates users from 8 goroutines until stop closes, and returns the
// calls that were acknowledged.
func burst(p *proc, stop <-chan struct{}) func() []ack {
	client := iam.NewFromConfig(p.config(rootKey, rootSecret))
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("burst-%d-%d", g, i)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
				cancel()
				if err != nil {
					// The server died under us: this call was not acknowledged.
					select {
					case <-stop:
						return
					default:
						continue
					}
				}
				id, _ := middleware.GetRequestIDMetadata(out.ResultMetadata)
				mu.Lock()
				acked = append(acked, ack{user: name, requestID: id})
				mu.Unlock()
			}
		}()
	}
	return func() []ack {
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return acked
	}
}

// historyRequestIDs pages through every CreateUser event in the history.
func historyRequestIDs(t *testing.T, p *proc) map[string]int {
	t.Helper()
	client := cloudtrail.NewFromConfig(p.readConfig(rootKey, rootSecret))
	seen := map[string]int{}
	pager := cloudtrail.NewLookupEventsPaginator(client, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateUser")}},
	})
	for pager.HasMorePages() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("LookupEvents: %v", err)
		}
		for _, e := range page.Events {
			var rec struct {
				RequestID string `json:"requestID"`
				ErrorCode string `json:"errorCode"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
				t.Fatalf("record is not JSON: %v", err)
			}
			if rec.ErrorCode == "" {
				seen[rec.RequestID]++
			}
		}
	}
	return seen
}

func checkAcked(t *testing.T, p *proc, acked []ack) {
	t.Helper()
	seen := historyRequestIDs(t, p)
	client := iam.NewFromConfig(p.config(rootKey, rootSecret))
	for _, a := range acked {
		if seen[a.requestID] != 1 {
			t.Errorf("acknowledged CreateUser %s (request %s) is in the history %d times, want 1", a.user, a.requestID, seen[a.requestID])
		}
		if _, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(a.user)}); err != nil {
			t.Errorf("acknowledged user %s is gone: %v", a.user, err)
		}
	}
}

// TestKillDuringBurst kills the server with SIGKILL in the middle of a burst
// of calls; after a restart every call that got a 200 is in the history
// exactly once and its effect is there.
func TestKillDuringBurst(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	stop := make(chan struct{})
	n := burst(p, stop)
	time.Sleep(1500 * time.Millisecond)
	p.kill(t)
	close(stop)
	acked := n()
	if len(acked) < 20 {
		t.Fatalf("only %d calls acknowledged before the kill; the burst did not get going", len(acked))
	}
	t.Logf("%d calls acknowledged before SIGKILL", len(acked))

	p2 := startServer(t, dir)
	checkAcked(t, p2, acked)
}

// TestSIGTERMDuringBurst stops the server with SIGTERM during a burst: it
// exits cleanly and every acknowledged call survives the restart.
func TestSIGTERMDuringBurst(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	stop := make(chan struct{})
	n := burst(p, stop)
	time.Sleep(1500 * time.Millisecond)
	if err := p.terminate(t); err != nil {
		t.Errorf("server exit after SIGTERM: %v\n%s", err, p.stderr.String())
	}
	close(stop)
	acked := n()
	if len(acked) < 20 {
		t.Fatalf("only %d calls acknowledged before SIGTERM", len(acked))
	}
	p2 := startServer(t, dir)
	checkAcked(t, p2, acked)
}
