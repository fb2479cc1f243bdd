package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// scrape GETs /metrics without credentials, as Prometheus does, and
// returns each sample line's value by its series ("name{labels}").
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples, string(body)
}

// TestPrometheusMetrics scrapes the endpoint after a few calls made with
// the SDKs and checks the counts they should have moved, that nothing
// in it names an account or a resource, and that a signed GET /metrics
// is an S3 request like any other.
func TestPrometheusMetrics(t *testing.T) {
	s := testserver.Start(t)
	ctx := context.Background()
	cfg := s.RootConfig()

	stsc := sts.NewFromConfig(cfg)
	for range 2 {
		if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	logs := cwl.NewFromConfig(cfg)
	if _, err := logs.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/secret/app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/secret/app"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}); err != nil {
		t.Fatal(err)
	}
	ts := time.Now().UnixMilli()
	if _, err := logs.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/secret/app"), LogStreamName: aws.String("s"),
		LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(ts), Message: aws.String("a")}, {Timestamp: aws.Int64(ts + 1), Message: aws.String("bb")},
			{Timestamp: aws.Int64(ts + 2), Message: aws.String("ccc")}}}); err != nil {
		t.Fatal(err)
	}
	// A wrong secret is refused before the operation runs; it is still
	// counted under its operation.
	bad := s.Config(s.Root.AccessKeyID, "wrong")
	if _, err := cwl.NewFromConfig(bad).DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}); err == nil {
		t.Fatal("DescribeLogGroups with a wrong secret succeeded")
	}
	// An unsigned request names no service: it is counted as unknown,
	// whatever Action it claims.
	resp, err := http.Post(s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=Whatever"+s.Root.AccountID))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	snsc := awssns.NewFromConfig(cfg)
	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("secret-topic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("hi")}); err != nil {
		t.Fatal(err)
	}

	got, body := scrape(t, s.URL)
	for series, want := range map[string]float64{
		`trailwatch_http_requests_total{code="200",operation="GetCallerIdentity",service="sts"}`:       2,
		`trailwatch_http_requests_total{code="200",operation="DescribeLogGroups",service="logs"}`:      1,
		`trailwatch_http_requests_total{code="400",operation="DescribeLogGroups",service="logs"}`:      1,
		`trailwatch_http_requests_total{code="200",operation="PutLogEvents",service="logs"}`:           1,
		`trailwatch_http_requests_total{code="403",operation="unknown",service="unknown"}`:             1,
		`trailwatch_http_requests_total{code="200",operation="Publish",service="sns"}`:                 1,
		`trailwatch_http_request_duration_seconds_count{operation="GetCallerIdentity",service="sts"}`:  2,
		`trailwatch_http_request_duration_seconds_count{operation="DescribeLogGroups",service="logs"}`: 2,
		// GetCallerIdentity twice, CreateLogGroup, CreateLogStream,
		// DescribeLogGroups, CreateTopic; PutLogEvents and Publish are
		// data events no trail selects, and the calls refused before
		// there was a caller have no record.
		`trailwatch_recorded_events_total`:                                          6,
		`trailwatch_log_events_ingested_total`:                                      3,
		`trailwatch_log_bytes_ingested_total`:                                       6,
		`trailwatch_storage_write_duration_seconds_count{operation="PutLogEvents"}`: 1,
		`trailwatch_sns_messages_published_total`:                                   1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	for _, series := range []string{"go_goroutines", "process_cpu_seconds_total", `trailwatch_storage_write_duration_seconds_count{operation="PutEvents"}`} {
		if _, ok := got[series]; !ok {
			t.Errorf("no %s in the scrape", series)
		}
	}
	for _, secret := range []string{s.Root.AccountID, "/secret/app", "secret-topic", s.Root.AccessKeyID} {
		if strings.Contains(body, secret) {
			t.Errorf("the scrape shows %q", secret)
		}
	}

	// Signed, GET /metrics is S3's ListObjects of bucket "metrics".
	s3c := awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = true })
	_, err = s3c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: aws.String("metrics")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchBucket" {
		t.Errorf("signed ListObjects of bucket metrics = %v, want NoSuchBucket", err)
	}
}
