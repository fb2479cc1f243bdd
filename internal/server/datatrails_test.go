package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// TestDataEventsForSelectingTrails: a data-plane call is recorded only
// while a logging trail of the account selects it, as CloudTrail records
// data events only for trails that ask for them.
func TestDataEventsForSelectingTrails(t *testing.T) {
	s := testserver.Start(t)
	ctx := context.Background()
	logs := cwl.NewFromConfig(s.RootConfig())
	ct := cloudtrail.NewFromConfig(s.RootConfig())
	if _, err := logs.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/app"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	put := func(msg string) {
		t.Helper()
		if _, err := logs.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/app"), LogStreamName: aws.String("s"),
			LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String(msg)}}}); err != nil {
			t.Fatal(err)
		}
	}
	// dataEvents counts the stored PutLogEvents records.
	dataEvents := func() int {
		t.Helper()
		chunks, err := s.Server().Store().Events().ReadEventChunks(ctx, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range chunks {
			for _, r := range c.Records {
				var rec struct{ EventName, EventCategory string }
				json.Unmarshal(r, &rec)
				if rec.EventName == "PutLogEvents" && rec.EventCategory == "Data" {
					n++
				}
			}
		}
		return n
	}

	put("before any trail")
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("data"), S3BucketName: aws.String("data-trail-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("data"),
		AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{Name: aws.String("log writes"), FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::Logs::LogStream"}},
			{Field: aws.String("eventName"), Equals: []string{"PutLogEvents"}},
		}}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond) // the front door's view of trails is up to 2 s old
	put("trail not logging")
	if n := dataEvents(); n != 0 {
		t.Fatalf("%d PutLogEvents records before a logging trail selects them", n)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	put("selected")
	if _, err := logs.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/app"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if n := dataEvents(); n != 1 {
		t.Fatalf("%d PutLogEvents records while a logging trail selects them, want 1 (and no GetLogEvents)", n)
	}
	// Still never in event history.
	out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("PutLogEvents")}}})
	if err != nil || len(out.Events) != 0 {
		t.Errorf("LookupEvents PutLogEvents = %v, %v; want none", out, err)
	}
}
