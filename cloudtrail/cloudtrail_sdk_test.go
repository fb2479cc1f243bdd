package cloudtrail_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cloudtrailsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// MustCallerIdentity makes n recorded calls (sts:GetCallerIdentity) with cfg.
func MustCallerIdentity(tb testing.TB, cfg aws.Config, n int) {
	tb.Helper()
	c := sts.NewFromConfig(cfg)
	for range n {
		if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
			tb.Fatalf("GetCallerIdentity: %v", err)
		}
	}
}

func stsOnly() []types.LookupAttribute {
	return []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("sts.amazonaws.com")}}
}

func TestSDKLookupEvents(t *testing.T) {
	s := testserver.Start(t)
	cfg := s.RootConfig()
	MustCallerIdentity(t, cfg, 7)
	ct := cloudtrailsdk.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := ct.LookupEvents(ctx, &cloudtrailsdk.LookupEventsInput{LookupAttributes: stsOnly()})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 7 || out.NextToken != nil {
		t.Fatalf("got %d events and token %v, want 7 and none", len(out.Events), out.NextToken)
	}
	e := out.Events[0]
	if aws.ToString(e.EventName) != "GetCallerIdentity" || aws.ToString(e.EventSource) != "sts.amazonaws.com" ||
		aws.ToString(e.ReadOnly) != "true" || aws.ToString(e.Username) != "root" ||
		aws.ToString(e.AccessKeyId) != s.Root.AccessKeyID || e.EventTime == nil || e.EventId == nil {
		t.Errorf("event fields: %+v", e)
	}
	if since := time.Since(aws.ToTime(e.EventTime)); since < -time.Minute || since > time.Minute {
		t.Errorf("EventTime %v is not now", aws.ToTime(e.EventTime))
	}
	var rec trailwatch.Event
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
		t.Fatalf("CloudTrailEvent is not a record: %v", err)
	}
	if rec.EventID != aws.ToString(e.EventId) || rec.AWSRegion != testserver.Region {
		t.Errorf("CloudTrailEvent %+v does not match event %s", rec, aws.ToString(e.EventId))
	}
	for i := 1; i < len(out.Events); i++ {
		if out.Events[i].EventTime.After(*out.Events[i-1].EventTime) {
			t.Errorf("event %d is newer than event %d", i, i-1)
		}
	}

	// The SDK's paginator follows NextToken to the end, without repeats.
	p := cloudtrailsdk.NewLookupEventsPaginator(ct, &cloudtrailsdk.LookupEventsInput{LookupAttributes: stsOnly(), MaxResults: aws.Int32(3)})
	var sizes []int
	seen := map[string]bool{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Events))
		for _, e := range page.Events {
			if seen[*e.EventId] {
				t.Errorf("event %s on two pages", *e.EventId)
			}
			seen[*e.EventId] = true
		}
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}

	// LookupEvents is itself recorded, as a read-only CloudTrail call.
	own, err := ct.LookupEvents(ctx, &cloudtrailsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("LookupEvents")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(own.Events) < 4 {
		t.Fatalf("found %d LookupEvents records, want one per call made", len(own.Events))
	}
	if e := own.Events[0]; aws.ToString(e.EventSource) != "cloudtrail.amazonaws.com" || aws.ToString(e.ReadOnly) != "true" {
		t.Errorf("LookupEvents record: source %q, ReadOnly %q", aws.ToString(e.EventSource), aws.ToString(e.ReadOnly))
	}
}

func TestSDKLookupEventsErrors(t *testing.T) {
	s := testserver.Start(t)
	MustCallerIdentity(t, s.RootConfig(), 2)
	ct := cloudtrailsdk.NewFromConfig(s.RootConfig())
	first, err := ct.LookupEvents(context.Background(), &cloudtrailsdk.LookupEventsInput{MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, token %v", err, first)
	}
	now := time.Now()
	tests := []struct {
		name    string
		in      cloudtrailsdk.LookupEventsInput
		target  any
		message string
	}{
		{"MaxResults 51", cloudtrailsdk.LookupEventsInput{MaxResults: aws.Int32(51)}, new(*types.InvalidMaxResultsException),
			"A max results value of 51 is invalid. Specify max results between 1 and 50."},
		{"MaxResults 0", cloudtrailsdk.LookupEventsInput{MaxResults: aws.Int32(0)}, new(*types.InvalidMaxResultsException),
			"A max results value of 0 is invalid. Specify max results between 1 and 50."},
		{"two attributes", cloudtrailsdk.LookupEventsInput{LookupAttributes: append(stsOnly(), stsOnly()...)}, new(*types.InvalidLookupAttributesException), ""},
		{"unknown key", cloudtrailsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: "Region", AttributeValue: aws.String("x")}}}, new(*types.InvalidLookupAttributesException), ""},
		{"start after end", cloudtrailsdk.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}, new(*types.InvalidTimeRangeException), ""},
		{"bad category", cloudtrailsdk.LookupEventsInput{EventCategory: "management"}, new(*types.InvalidEventCategoryException), ""},
		{"garbage token", cloudtrailsdk.LookupEventsInput{NextToken: aws.String("garbage")}, new(*types.InvalidNextTokenException), ""},
		{"token with other parameters", cloudtrailsdk.LookupEventsInput{NextToken: first.NextToken, LookupAttributes: stsOnly()}, new(*types.InvalidNextTokenException), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ct.LookupEvents(context.Background(), &tt.in)
			if !errors.As(err, tt.target) {
				t.Fatalf("got %v, want %T", err, tt.target)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorMessage() == "" {
				t.Fatalf("no message in %v: the body's Message did not reach the SDK", err)
			}
			if tt.message != "" && ae.ErrorMessage() != tt.message {
				t.Errorf("message %q, want %q", ae.ErrorMessage(), tt.message)
			}
		})
	}
}

func TestSDKLookupEventsIsolation(t *testing.T) {
	s := testserver.Start(t)
	MustCallerIdentity(t, s.RootConfig(), 3)
	ctx := context.Background()

	west := s.RootConfig()
	west.Region = "us-west-2"
	out, err := cloudtrailsdk.NewFromConfig(west).LookupEvents(ctx, &cloudtrailsdk.LookupEventsInput{LookupAttributes: stsOnly()})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 0 {
		t.Errorf("us-west-2 sees %d of us-east-1's events", len(out.Events))
	}

	other := s.NewAccount(t)
	out, err = cloudtrailsdk.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey)).
		LookupEvents(ctx, &cloudtrailsdk.LookupEventsInput{LookupAttributes: stsOnly()})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 0 {
		t.Errorf("another account sees %d of the first account's events", len(out.Events))
	}
}
