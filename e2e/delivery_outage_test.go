package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/trailfile"
)

// TestDeliveryOutageAndRestart delivers a validated trail to a real
// S3-compatible server, stops that server for a while, kills trailwatch
// (kill -9) during the outage and restarts both: every call is then in
// the bucket exactly once and the digest chain verifies without a gap.
func TestDeliveryOutageAndRestart(t *testing.T) {
	srv := testenv.S3Server(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, "")},
		func(o *s3.Options) { o.UsePathStyle = true })
	const bucket = "outage-archive"
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	env := []string{"TRAILWATCH_DELIVERY_INTERVAL=1s", "TRAILWATCH_DIGEST_INTERVAL=3s",
		"TRAILWATCH_S3_ENDPOINT=" + srv.Endpoint, "TRAILWATCH_S3_PATH_STYLE=true",
		"TRAILWATCH_S3_ACCESS_KEY_ID=" + srv.AccessKeyID, "TRAILWATCH_S3_SECRET_ACCESS_KEY=" + srv.SecretAccessKey}
	p := startServer(t, data, env...)
	start := time.Now().UTC().Add(-time.Minute)
	ct := cloudtrail.NewFromConfig(p.config(rootKey, rootSecret))
	created, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("outage"), S3BucketName: aws.String(bucket),
		EnableLogFileValidation: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("outage")}); err != nil {
		t.Fatal(err)
	}

	var users []string
	calls := func(p *proc, n int) {
		t.Helper()
		c := iam.NewFromConfig(p.config(rootKey, rootSecret))
		for range n {
			name := fmt.Sprintf("outage-user-%d", len(users))
			if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
			users = append(users, name)
			time.Sleep(200 * time.Millisecond)
		}
	}
	calls(p, 5)
	waitUsers(t, s3c, bucket, users) // delivered while the bucket is up
	before := waitDigests(t, s3c, bucket, 1)
	srv.Stop()
	calls(p, 5)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("outage")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(st.LatestDeliveryError) != "" {
			t.Logf("during the outage GetTrailStatus reports %q", aws.ToString(st.LatestDeliveryError))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("GetTrailStatus shows no delivery error 20s into the outage")
		}
		time.Sleep(500 * time.Millisecond)
	}
	p.kill(t)
	p = startServer(t, data, env...)
	calls(p, 3)
	srv.Start()
	// The backlog goes out once the bucket is back; the calls after it
	// then make a log file of their own, whatever the timing.
	waitUsers(t, s3c, bucket, users)
	calls(p, 3)
	counts := waitUsers(t, s3c, bucket, users)
	for _, u := range users {
		if counts[u] != 1 {
			t.Errorf("CreateUser %s delivered %d times, want once", u, counts[u])
		}
	}

	// Two more digests after the restart, so the chain verified spans
	// the outage and the kill.
	waitDigests(t, s3c, bucket, before+2)
	ct = cloudtrail.NewFromConfig(p.config(rootKey, rootSecret))
	keys, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	var pubs []trailfile.PublicKey
	for _, k := range keys.PublicKeyList {
		pubs = append(pubs, trailfile.PublicKey{Fingerprint: aws.ToString(k.Fingerprint), DER: k.Value,
			ValidityStart: aws.ToTime(k.ValidityStartTime), ValidityEnd: aws.ToTime(k.ValidityEndTime)})
	}
	arn := strings.Split(aws.ToString(created.TrailARN), ":")
	report, err := trailfile.Verify(ctx, trailfile.Options{Bucket: bucket, AccountID: arn[4], Region: "us-east-1", HomeRegion: "us-east-1",
		TrailName: "outage", Start: start, End: time.Now().UTC(), Keys: pubs,
		Open: func(string) (trailfile.Reader, error) { return s3Reader{s3c, bucket}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(report.Digests, report.Logs...) {
		if !r.Valid() {
			t.Errorf("after the outage and restart: %s", r.String())
		}
	}
	if len(report.Notices) > 0 {
		t.Errorf("the chain restarted: %v", report.Notices)
	}
	digests, logs := len(report.Digests), len(report.Logs)
	if !report.OK() || digests < before+2 || logs < 3 {
		t.Errorf("verified %d digests and %d log files (ok %v); expected a longer, valid chain", digests, logs, report.OK())
	}
	t.Logf("chain verified: %d digests, %d log files", digests, logs)
}

// waitUsers waits until every user's CreateUser record is in the bucket
// and returns how many times each one is.
func waitUsers(t *testing.T, c *s3.Client, bucket string, users []string) map[string]int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		counts := map[string]int{}
		pager := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("AWSLogs/")})
		for pager.HasMorePages() {
			page, err := pager.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				if !strings.Contains(aws.ToString(o.Key), "/CloudTrail/") {
					continue
				}
				body, _, err := s3Reader{c, bucket}.Get(context.Background(), aws.ToString(o.Key))
				if err != nil {
					t.Fatal(err)
				}
				recs, _, err := trailfile.ReadLogFile(body)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					var rec struct {
						EventName         string
						RequestParameters struct{ UserName string }
					}
					json.Unmarshal(r, &rec)
					if rec.EventName == "CreateUser" {
						counts[rec.RequestParameters.UserName]++
					}
				}
			}
		}
		all := true
		for _, u := range users {
			all = all && counts[u] > 0
		}
		if all {
			return counts
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s the bucket holds %v of %v", counts, users)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// s3Reader reads a bucket for trailfile.Verify.
type s3Reader struct {
	c      *s3.Client
	bucket string
}

func (r s3Reader) List(ctx context.Context, prefix, startAfter string, limit int) ([]trailfile.ObjectInfo, error) {
	out, err := r.c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(r.bucket), Prefix: aws.String(prefix),
		StartAfter: aws.String(startAfter), MaxKeys: aws.Int32(int32(min(limit, 1000)))})
	if err != nil {
		return nil, err
	}
	var objs []trailfile.ObjectInfo
	for _, o := range out.Contents {
		objs = append(objs, trailfile.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
	}
	return objs, nil
}

func (r s3Reader) Get(ctx context.Context, key string) ([]byte, map[string]string, error) {
	out, err := r.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key)})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, nil, fmt.Errorf("%s: %w", key, trailfile.ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, out.Body); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), out.Metadata, nil
}

// waitDigests waits until the bucket holds at least n digest files and
// returns how many it holds.
func waitDigests(t *testing.T, c *s3.Client, bucket string, n int) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		count := 0
		pager := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("AWSLogs/")})
		for pager.HasMorePages() {
			page, err := pager.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				if strings.Contains(aws.ToString(o.Key), "/CloudTrail-Digest/") {
					count++
				}
			}
		}
		if count >= n {
			return count
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d digests after 60s, want %d", count, n)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
