package cloudtrail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

var bg = context.Background()

// trailsOnBothBackends runs body against a server on SQLite and on
// PostgreSQL (skipped where PostgreSQL is absent, failed under CI).
func trailsOnBothBackends(t *testing.T, body func(t *testing.T, s *testserver.Server)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Start(t)) })
	t.Run("postgres", func(t *testing.T) {
		body(t, testserver.Start(t, testserver.WithBackend(testenv.Postgres(t))))
	})
}

// clientIn is a CloudTrail client of the default account's root signing for
// region.
func clientIn(s *testserver.Server, region string) *ct.Client {
	cfg := s.RootConfig()
	cfg.Region = region
	return ct.NewFromConfig(cfg)
}

// wantAPIError fails t unless err is the AWS error code, with message msg
// when msg is not "".
func wantAPIError(t testing.TB, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: got %v, want %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s: got %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
		return
	}
	if ae.ErrorMessage() == "" {
		t.Errorf("%s: %s without a message", what, code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("%s: message %q, want %q", what, ae.ErrorMessage(), msg)
	}
}

func must[T any](t testing.TB, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestSDKTrailLifecycle walks one trail through every operation.
func TestSDKTrailLifecycle(t *testing.T) { trailsOnBothBackends(t, testSDKTrailLifecycle) }

func testSDKTrailLifecycle(t *testing.T, s *testserver.Server) {
	c := ct.NewFromConfig(s.RootConfig())
	acct := s.Root.AccountID
	arn := trailwatch.TrailARN(testserver.Region, acct, "main-trail")

	created := must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{
		Name: aws.String("main-trail"), S3BucketName: aws.String("audit-logs"), S3KeyPrefix: aws.String("prod"),
		SnsTopicName: aws.String("deliveries"), EnableLogFileValidation: aws.Bool(true),
		TagsList: []types.Tag{{Key: aws.String("team"), Value: aws.String("sec")}, {Key: aws.String("bare")}},
	}))
	want := &ct.CreateTrailOutput{
		Name: aws.String("main-trail"), S3BucketName: aws.String("audit-logs"), S3KeyPrefix: aws.String("prod"),
		SnsTopicName:               aws.String("deliveries"),
		SnsTopicARN:                aws.String("arn:aws:sns:us-east-1:" + acct + ":deliveries"),
		IncludeGlobalServiceEvents: aws.Bool(true), IsMultiRegionTrail: aws.Bool(false), TrailARN: aws.String(arn),
		LogFileValidationEnabled: aws.Bool(true), IsOrganizationTrail: aws.Bool(false),
	}
	if d := cmp.Diff(want, created, cmpopts.IgnoreFields(ct.CreateTrailOutput{}, "ResultMetadata"), cmpopts.IgnoreUnexported(ct.CreateTrailOutput{})); d != "" {
		t.Errorf("CreateTrail (-want +got):\n%s", d)
	}

	got := must[*ct.GetTrailOutput](t, "GetTrail")(c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("main-trail")}))
	wantTrail := &types.Trail{
		Name: aws.String("main-trail"), S3BucketName: aws.String("audit-logs"), S3KeyPrefix: aws.String("prod"),
		SnsTopicName: want.SnsTopicName, SnsTopicARN: want.SnsTopicARN,
		IncludeGlobalServiceEvents: aws.Bool(true), IsMultiRegionTrail: aws.Bool(false), HomeRegion: aws.String("us-east-1"),
		TrailARN: aws.String(arn), LogFileValidationEnabled: aws.Bool(true), HasCustomEventSelectors: aws.Bool(false),
		HasInsightSelectors: aws.Bool(false), IsOrganizationTrail: aws.Bool(false),
	}
	if d := cmp.Diff(wantTrail, got.Trail, cmpopts.IgnoreUnexported(types.Trail{})); d != "" {
		t.Errorf("GetTrail (-want +got):\n%s", d)
	}
	byARN := must[*ct.GetTrailOutput](t, "GetTrail by ARN")(c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String(arn)}))
	if aws.ToString(byARN.Trail.Name) != "main-trail" {
		t.Errorf("GetTrail by ARN = %+v", byARN.Trail)
	}

	// A new trail is not logging and has never delivered.
	st := must[*ct.GetTrailStatusOutput](t, "GetTrailStatus")(c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String("main-trail")}))
	if aws.ToBool(st.IsLogging) || st.StartLoggingTime != nil || st.LatestDeliveryTime != nil || st.TimeLoggingStarted != nil {
		t.Errorf("status of a new trail = %+v", st)
	}
	before := time.Now().Add(-time.Second)
	must[*ct.StartLoggingOutput](t, "StartLogging")(c.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String("main-trail")}))
	st = must[*ct.GetTrailStatusOutput](t, "GetTrailStatus")(c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String(arn)}))
	if !aws.ToBool(st.IsLogging) || st.StartLoggingTime == nil || st.StartLoggingTime.Before(before) ||
		aws.ToString(st.TimeLoggingStarted) != st.StartLoggingTime.UTC().Format("2006-01-02T15:04:05Z") || st.StopLoggingTime != nil {
		t.Errorf("status after StartLogging = %+v", st)
	}
	started := *st.StartLoggingTime
	must[*ct.StartLoggingOutput](t, "StartLogging again")(c.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String("main-trail")}))
	st = must[*ct.GetTrailStatusOutput](t, "GetTrailStatus")(c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String("main-trail")}))
	if !st.StartLoggingTime.Equal(started) {
		t.Errorf("starting a logging trail moved StartLoggingTime from %v to %v", started, st.StartLoggingTime)
	}

	// Delivery state comes from storage, as the delivery worker leaves it.
	delivered := time.Date(2024, 6, 1, 10, 0, 0, 500e6, time.UTC)
	err := s.Server().Store().Trails().UpdateTrailDelivery(bg, acct, "us-east-1", "main-trail", func(d *trailwatch.TrailDelivery) {
		d.LatestDeliveryTime, d.LatestDeliveryAttemptTime = delivered, delivered.Add(time.Minute)
		d.LatestDeliveryError = "AccessDenied"
		d.LatestDigestDeliveryTime = delivered.Add(time.Hour)
	})
	if err != nil {
		t.Fatal(err)
	}
	st = must[*ct.GetTrailStatusOutput](t, "GetTrailStatus")(c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String("main-trail")}))
	if !aws.ToTime(st.LatestDeliveryTime).Equal(delivered) || aws.ToString(st.LatestDeliveryError) != "AccessDenied" ||
		aws.ToString(st.LatestDeliveryAttemptTime) != "2024-06-01T10:01:00Z" || aws.ToString(st.LatestDeliveryAttemptSucceeded) != "2024-06-01T10:00:00Z" ||
		!aws.ToTime(st.LatestDigestDeliveryTime).Equal(delivered.Add(time.Hour)) || st.LatestNotificationTime != nil {
		t.Errorf("status with delivery state = %+v", st)
	}

	must[*ct.StopLoggingOutput](t, "StopLogging")(c.StopLogging(bg, &ct.StopLoggingInput{Name: aws.String(arn)}))
	st = must[*ct.GetTrailStatusOutput](t, "GetTrailStatus")(c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String("main-trail")}))
	if aws.ToBool(st.IsLogging) || st.StopLoggingTime == nil || st.StopLoggingTime.Before(started) || st.TimeLoggingStopped == nil {
		t.Errorf("status after StopLogging = %+v", st)
	}

	// UpdateTrail replaces what it is given and clears with "".
	upd := must[*ct.UpdateTrailOutput](t, "UpdateTrail")(c.UpdateTrail(bg, &ct.UpdateTrailInput{
		Name: aws.String("main-trail"), S3BucketName: aws.String("audit-logs-2"), S3KeyPrefix: aws.String(""),
		SnsTopicName: aws.String(""), IsMultiRegionTrail: aws.Bool(true), KmsKeyId: aws.String("alias/trails"),
	}))
	if aws.ToString(upd.S3BucketName) != "audit-logs-2" || upd.S3KeyPrefix != nil || upd.SnsTopicARN != nil ||
		!aws.ToBool(upd.IsMultiRegionTrail) || !aws.ToBool(upd.LogFileValidationEnabled) ||
		aws.ToString(upd.KmsKeyId) != "arn:aws:kms:us-east-1:"+acct+":alias/trails" {
		t.Errorf("UpdateTrail = %+v", upd)
	}

	// Selectors: the default, then basic, then advanced replacing basic.
	sel := must[*ct.GetEventSelectorsOutput](t, "GetEventSelectors")(c.GetEventSelectors(bg, &ct.GetEventSelectorsInput{TrailName: aws.String("main-trail")}))
	if len(sel.EventSelectors) != 1 || sel.AdvancedEventSelectors != nil || sel.EventSelectors[0].ReadWriteType != types.ReadWriteTypeAll ||
		!aws.ToBool(sel.EventSelectors[0].IncludeManagementEvents) || len(sel.EventSelectors[0].DataResources) != 0 || aws.ToString(sel.TrailARN) != arn {
		t.Errorf("default selectors = %+v", sel)
	}
	put := must[*ct.PutEventSelectorsOutput](t, "PutEventSelectors basic")(c.PutEventSelectors(bg, &ct.PutEventSelectorsInput{
		TrailName: aws.String("main-trail"),
		EventSelectors: []types.EventSelector{{
			ReadWriteType: types.ReadWriteTypeWriteOnly,
			DataResources: []types.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::bucket/"}}},
		}},
	}))
	if len(put.EventSelectors) != 1 || put.EventSelectors[0].ReadWriteType != types.ReadWriteTypeWriteOnly ||
		!aws.ToBool(put.EventSelectors[0].IncludeManagementEvents) || len(put.EventSelectors[0].DataResources) != 1 {
		t.Errorf("PutEventSelectors basic = %+v", put)
	}
	adv := []types.AdvancedEventSelector{
		{Name: aws.String("management"), FieldSelectors: []types.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Management"}},
			{Field: aws.String("readOnly"), Equals: []string{"false"}},
		}},
		{Name: aws.String("log writes"), FieldSelectors: []types.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::Logs::LogGroup"}},
			{Field: aws.String("eventName"), Equals: []string{"PutLogEvents"}},
			{Field: aws.String("resources.ARN"), NotStartsWith: []string{"arn:aws:logs:us-east-1:" + acct + ":log-group:/noisy"}},
		}},
	}
	must[*ct.PutEventSelectorsOutput](t, "PutEventSelectors advanced")(c.PutEventSelectors(bg, &ct.PutEventSelectorsInput{
		TrailName: aws.String(arn), AdvancedEventSelectors: adv,
	}))
	sel = must[*ct.GetEventSelectorsOutput](t, "GetEventSelectors")(c.GetEventSelectors(bg, &ct.GetEventSelectorsInput{TrailName: aws.String("main-trail")}))
	if sel.EventSelectors != nil {
		t.Errorf("basic selectors survived advanced ones: %+v", sel.EventSelectors)
	}
	if d := cmp.Diff(adv, sel.AdvancedEventSelectors, cmpopts.IgnoreUnexported(types.AdvancedEventSelector{}, types.AdvancedFieldSelector{})); d != "" {
		t.Errorf("advanced selectors (-want +got):\n%s", d)
	}
	got = must[*ct.GetTrailOutput](t, "GetTrail")(c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("main-trail")}))
	if !aws.ToBool(got.Trail.HasCustomEventSelectors) {
		t.Errorf("HasCustomEventSelectors false after PutEventSelectors")
	}

	// Tags: created ones, added, replaced, removed.
	must[*ct.AddTagsOutput](t, "AddTags")(c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("audit")}, {Key: aws.String("env"), Value: aws.String("prod")}}}))
	must[*ct.RemoveTagsOutput](t, "RemoveTags")(c.RemoveTags(bg, &ct.RemoveTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{
		{Key: aws.String("bare")}, {Key: aws.String("never-there")}}}))
	tags := must[*ct.ListTagsOutput](t, "ListTags")(c.ListTags(bg, &ct.ListTagsInput{ResourceIdList: []string{arn}}))
	wantTags := []types.ResourceTag{{ResourceId: aws.String(arn), TagsList: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("audit")}, {Key: aws.String("env"), Value: aws.String("prod")}}}}
	if d := cmp.Diff(wantTags, tags.ResourceTagList, cmpopts.IgnoreUnexported(types.ResourceTag{}, types.Tag{})); d != "" {
		t.Errorf("ListTags (-want +got):\n%s", d)
	}

	list := must[*ct.ListTrailsOutput](t, "ListTrails")(c.ListTrails(bg, &ct.ListTrailsInput{}))
	if len(list.Trails) != 1 || aws.ToString(list.Trails[0].TrailARN) != arn || aws.ToString(list.Trails[0].HomeRegion) != "us-east-1" || list.NextToken != nil {
		t.Errorf("ListTrails = %+v", list)
	}
	desc := must[*ct.DescribeTrailsOutput](t, "DescribeTrails")(c.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	if len(desc.TrailList) != 1 || aws.ToString(desc.TrailList[0].S3BucketName) != "audit-logs-2" {
		t.Errorf("DescribeTrails = %+v", desc)
	}

	must[*ct.DeleteTrailOutput](t, "DeleteTrail")(c.DeleteTrail(bg, &ct.DeleteTrailInput{Name: aws.String("main-trail")}))
	_, err = c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("main-trail")})
	wantAPIError(t, "GetTrail after delete", err, "TrailNotFoundException", "Unknown trail: main-trail for the user: "+acct)
	desc = must[*ct.DescribeTrailsOutput](t, "DescribeTrails")(c.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	if desc.TrailList == nil || len(desc.TrailList) != 0 {
		t.Errorf("DescribeTrails after delete = %+v, want an empty list", desc.TrailList)
	}

	// Every call was recorded, the trail named as its resource.
	ev := must[*ct.LookupEventsOutput](t, "LookupEvents")(c.LookupEvents(bg, &ct.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateTrail")}}}))
	if len(ev.Events) != 1 || len(ev.Events[0].Resources) != 1 || aws.ToString(ev.Events[0].Resources[0].ResourceName) != "main-trail" ||
		aws.ToString(ev.Events[0].Resources[0].ResourceType) != "AWS::CloudTrail::Trail" {
		t.Errorf("CreateTrail event = %+v", ev.Events)
	}
}

// TestSDKMultiRegionTrail: a multi-region trail is visible, as a shadow,
// from other regions, read there by ARN and changed only at home.
func TestSDKMultiRegionTrail(t *testing.T) { trailsOnBothBackends(t, testSDKMultiRegionTrail) }

func testSDKMultiRegionTrail(t *testing.T, s *testserver.Server) {
	east, west := clientIn(s, "us-east-1"), clientIn(s, "eu-west-1")
	acct := s.Root.AccountID
	arn := trailwatch.TrailARN("us-east-1", acct, "everywhere")
	must[*ct.CreateTrailOutput](t, "CreateTrail")(east.CreateTrail(bg, &ct.CreateTrailInput{
		Name: aws.String("everywhere"), S3BucketName: aws.String("audit"), IsMultiRegionTrail: aws.Bool(true)}))
	must[*ct.CreateTrailOutput](t, "CreateTrail west")(west.CreateTrail(bg, &ct.CreateTrailInput{
		Name: aws.String("local-west"), S3BucketName: aws.String("audit")}))

	names := func(ts []types.Trail) []string {
		out := []string{}
		for _, tr := range ts {
			out = append(out, aws.ToString(tr.HomeRegion)+"/"+aws.ToString(tr.Name))
		}
		return out
	}
	desc := must[*ct.DescribeTrailsOutput](t, "DescribeTrails west")(west.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	if d := cmp.Diff([]string{"eu-west-1/local-west", "us-east-1/everywhere"}, names(desc.TrailList)); d != "" {
		t.Errorf("DescribeTrails in eu-west-1 (-want +got):\n%s", d)
	}
	desc = must[*ct.DescribeTrailsOutput](t, "DescribeTrails west")(west.DescribeTrails(bg, &ct.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)}))
	if d := cmp.Diff([]string{"eu-west-1/local-west"}, names(desc.TrailList)); d != "" {
		t.Errorf("DescribeTrails without shadows (-want +got):\n%s", d)
	}
	desc = must[*ct.DescribeTrailsOutput](t, "DescribeTrails by name")(west.DescribeTrails(bg, &ct.DescribeTrailsInput{TrailNameList: []string{"everywhere", arn, "local-west", "missing"}}))
	if d := cmp.Diff([]string{"us-east-1/everywhere", "eu-west-1/local-west"}, names(desc.TrailList)); d != "" {
		t.Errorf("DescribeTrails by name and ARN: names reach only the region's own trails (-want +got):\n%s", d)
	}
	desc = must[*ct.DescribeTrailsOutput](t, "DescribeTrails east")(east.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	if d := cmp.Diff([]string{"us-east-1/everywhere"}, names(desc.TrailList)); d != "" {
		t.Errorf("DescribeTrails in us-east-1 (-want +got):\n%s", d)
	}
	list := must[*ct.ListTrailsOutput](t, "ListTrails")(west.ListTrails(bg, &ct.ListTrailsInput{}))
	if len(list.Trails) != 2 {
		t.Errorf("ListTrails = %+v, want both trails with their home regions", list.Trails)
	}

	got := must[*ct.GetTrailOutput](t, "GetTrail shadow by ARN")(west.GetTrail(bg, &ct.GetTrailInput{Name: aws.String(arn)}))
	if aws.ToString(got.Trail.HomeRegion) != "us-east-1" {
		t.Errorf("shadow's HomeRegion = %q", aws.ToString(got.Trail.HomeRegion))
	}
	_, err := west.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("everywhere")})
	wantAPIError(t, "GetTrail shadow by name", err, "TrailNotFoundException", "")
	_, err = west.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String(trailwatch.TrailARN("eu-west-1", acct, "everywhere"))})
	wantAPIError(t, "GetTrailStatus with the wrong region in the ARN", err, "TrailNotFoundException", "")
	must[*ct.GetTrailStatusOutput](t, "GetTrailStatus shadow")(west.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String(arn)}))
	must[*ct.GetEventSelectorsOutput](t, "GetEventSelectors shadow")(west.GetEventSelectors(bg, &ct.GetEventSelectorsInput{TrailName: aws.String(arn)}))
	must[*ct.ListTagsOutput](t, "ListTags shadow")(west.ListTags(bg, &ct.ListTagsInput{ResourceIdList: []string{arn}}))

	for name, call := range map[string]func() error{
		"UpdateTrail": func() error {
			_, err := west.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String(arn), S3BucketName: aws.String("x-bucket")})
			return err
		},
		"DeleteTrail by name": func() error {
			_, err := west.DeleteTrail(bg, &ct.DeleteTrailInput{Name: aws.String("everywhere")})
			return err
		},
		"StartLogging": func() error {
			_, err := west.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String(arn)})
			return err
		},
		"StopLogging": func() error {
			_, err := west.StopLogging(bg, &ct.StopLoggingInput{Name: aws.String(arn)})
			return err
		},
		"PutEventSelectors": func() error {
			_, err := west.PutEventSelectors(bg, &ct.PutEventSelectorsInput{TrailName: aws.String(arn), EventSelectors: []types.EventSelector{{}}})
			return err
		},
		"AddTags": func() error {
			_, err := west.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{{Key: aws.String("k")}}})
			return err
		},
		"RemoveTags": func() error {
			_, err := west.RemoveTags(bg, &ct.RemoveTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{{Key: aws.String("k")}}})
			return err
		},
	} {
		wantAPIError(t, name+" from a shadow's region", call(), "InvalidHomeRegionException", "")
	}

	// The name is taken in every region, and the trail counts there.
	_, err = west.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("everywhere"), S3BucketName: aws.String("audit")})
	wantAPIError(t, "CreateTrail over a shadow's name", err, "TrailAlreadyExistsException", "")
	for i := range 3 {
		must[*ct.CreateTrailOutput](t, "fill west")(west.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String(fmt.Sprintf("west-%d", i)), S3BucketName: aws.String("audit")}))
	}
	_, err = west.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("one-too-many"), S3BucketName: aws.String("audit")})
	wantAPIError(t, "sixth trail visible in eu-west-1", err, "MaximumNumberOfTrailsExceededException", "User: "+acct+" already has 5 trails in eu-west-1.")

	// Turning multi-region off withdraws the shadows.
	must[*ct.UpdateTrailOutput](t, "UpdateTrail single-region")(east.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("everywhere"), IsMultiRegionTrail: aws.Bool(false)}))
	_, err = west.GetTrail(bg, &ct.GetTrailInput{Name: aws.String(arn)})
	wantAPIError(t, "GetTrail of a withdrawn shadow", err, "TrailNotFoundException", "Unknown trail: "+arn+" for the user: "+acct)
	must[*ct.CreateTrailOutput](t, "room again")(west.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("one-more"), S3BucketName: aws.String("audit")}))
	_, err = east.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("everywhere"), IsMultiRegionTrail: aws.Bool(true)})
	wantAPIError(t, "multi-region while eu-west-1 is full", err, "MaximumNumberOfTrailsExceededException", "")
}

// TestSDKTrailErrors checks each error path of the trail operations.
func TestSDKTrailErrors(t *testing.T) {
	s := testserver.Start(t)
	c := ct.NewFromConfig(s.RootConfig())
	acct := s.Root.AccountID
	arn := trailwatch.TrailARN("us-east-1", acct, "t01")
	must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("t01"), S3BucketName: aws.String("audit")}))
	logs := cwl.NewFromConfig(s.RootConfig())
	if _, err := logs.CreateLogGroup(bg, &cwl.CreateLogGroupInput{LogGroupName: aws.String("ct")}); err != nil {
		t.Fatal(err)
	}

	create := func(name, bucket string, f ...func(*ct.CreateTrailInput)) func() error {
		return func() error {
			in := &ct.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket)}
			for _, f := range f {
				f(in)
			}
			_, err := c.CreateTrail(bg, in)
			return err
		}
	}
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, code, msg string
		call            func() error
	}{
		{"blank name", "InvalidTrailNameException", "Trail name cannot be blank!", create("", "audit")},
		{"short name", "InvalidTrailNameException", "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.", create("ab", "audit")},
		{"long name", "InvalidTrailNameException", "Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters.", create(long, "audit")},
		{"bad characters", "InvalidTrailNameException", "", create("my trail", "audit")},
		{"starts badly", "InvalidTrailNameException", "Trail name must starts with a letter or number.", create("-abc", "audit")},
		{"ends badly", "InvalidTrailNameException", "Trail name must ends with a letter or number.", create("abc_", "audit")},
		{"adjacent punctuation", "InvalidTrailNameException", "", create("my-_trail", "audit")},
		{"IP address", "InvalidTrailNameException", "Trail names must not be formatted as an IP address.", create("192.168.5.4", "audit")},
		{"exists", "TrailAlreadyExistsException", "", create("t01", "audit")},
		{"bad bucket", "InvalidS3BucketNameException", "", create("t02", "Audit_Bucket")},
		{"long prefix", "InvalidS3PrefixException", "", create("t02", "audit", func(in *ct.CreateTrailInput) { in.S3KeyPrefix = aws.String(strings.Repeat("p", 201)) })},
		{"bad topic", "InvalidSnsTopicNameException", "", create("t02", "audit", func(in *ct.CreateTrailInput) { in.SnsTopicName = aws.String("no spaces") })},
		{"bad key", "InvalidKmsKeyIdException", "", create("t02", "audit", func(in *ct.CreateTrailInput) { in.KmsKeyId = aws.String("not-a-key") })},
		{"multi-region without global events", "InvalidParameterCombinationException", "Multi-Region trail must include global service events.",
			create("t02", "audit", func(in *ct.CreateTrailInput) {
				in.IsMultiRegionTrail, in.IncludeGlobalServiceEvents = aws.Bool(true), aws.Bool(false)
			})},
		{"missing log group", "InvalidCloudWatchLogsLogGroupArnException", "CloudTrail cannot validate the specified log group ARN.",
			create("t02", "audit", func(in *ct.CreateTrailInput) {
				in.CloudWatchLogsLogGroupArn = aws.String("arn:aws:logs:us-east-1:" + acct + ":log-group:missing:*")
				in.CloudWatchLogsRoleArn = aws.String("arn:aws:iam::" + acct + ":role/ct")
			})},
		{"role without log group", "InvalidCloudWatchLogsLogGroupArnException", "",
			create("t02", "audit", func(in *ct.CreateTrailInput) {
				in.CloudWatchLogsRoleArn = aws.String("arn:aws:iam::" + acct + ":role/ct")
			})},
		{"log group without role", "InvalidCloudWatchLogsRoleArnException", "",
			create("t02", "audit", func(in *ct.CreateTrailInput) {
				in.CloudWatchLogsLogGroupArn = aws.String("arn:aws:logs:us-east-1:" + acct + ":log-group:ct:*")
			})},
		{"bad role", "InvalidCloudWatchLogsRoleArnException", "",
			create("t02", "audit", func(in *ct.CreateTrailInput) {
				in.CloudWatchLogsLogGroupArn = aws.String("arn:aws:logs:us-east-1:" + acct + ":log-group:ct:*")
				in.CloudWatchLogsRoleArn = aws.String("arn:aws:iam::" + acct + ":user/ct")
			})},
		{"organization trail", "OrganizationsNotInUseException", "", create("t02", "audit", func(in *ct.CreateTrailInput) { in.IsOrganizationTrail = aws.Bool(true) })},
		{"duplicate tag keys", "InvalidTagParameterException", "", create("t02", "audit", func(in *ct.CreateTrailInput) {
			in.TagsList = []types.Tag{{Key: aws.String("k")}, {Key: aws.String("k")}}
		})},
		{"too many tags", "TagsLimitExceededException", "", create("t02", "audit", func(in *ct.CreateTrailInput) {
			for i := range 51 {
				in.TagsList = append(in.TagsList, types.Tag{Key: aws.String(fmt.Sprint("k", i))})
			}
		})},
		{"empty tag value", "ValidationException", "", create("t02", "audit", func(in *ct.CreateTrailInput) {
			in.TagsList = []types.Tag{{Key: aws.String("k"), Value: aws.String("")}}
		})},

		{"get missing", "TrailNotFoundException", "Unknown trail: nope-trail for the user: " + acct, func() error {
			_, err := c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"get by malformed ARN", "CloudTrailARNInvalidException", "", func() error {
			_, err := c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("arn:aws:cloudtrail:us-east-1:" + acct + ":bucket/t1")})
			return err
		}},
		{"get another account's trail", "TrailNotFoundException", "", func() error {
			_, err := c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String(trailwatch.TrailARN("us-east-1", "999999999999", "t01"))})
			return err
		}},
		{"status of missing", "TrailNotFoundException", "", func() error {
			_, err := c.GetTrailStatus(bg, &ct.GetTrailStatusInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"update missing", "TrailNotFoundException", "", func() error {
			_, err := c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"update to multi-region without global events", "InvalidParameterCombinationException", "", func() error {
			_, err := c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("t01"), IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(false)})
			return err
		}},
		{"update bad name", "InvalidTrailNameException", "", func() error {
			_, err := c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("a..b")})
			return err
		}},
		{"delete missing", "TrailNotFoundException", "", func() error {
			_, err := c.DeleteTrail(bg, &ct.DeleteTrailInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"start missing", "TrailNotFoundException", "", func() error {
			_, err := c.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"stop missing", "TrailNotFoundException", "", func() error {
			_, err := c.StopLogging(bg, &ct.StopLoggingInput{Name: aws.String("nope-trail")})
			return err
		}},
		{"describe bad name", "InvalidTrailNameException", "", func() error {
			_, err := c.DescribeTrails(bg, &ct.DescribeTrailsInput{TrailNameList: []string{"x"}})
			return err
		}},
		{"list tags of missing", "ResourceNotFoundException", "", func() error {
			_, err := c.ListTags(bg, &ct.ListTagsInput{ResourceIdList: []string{trailwatch.TrailARN("us-east-1", acct, "nope-trail")}})
			return err
		}},
		{"list tags in the wrong region", "CloudTrailARNInvalidException", "Region in ARN is wrong, you can only access resources in region us-east-1.", func() error {
			_, err := c.ListTags(bg, &ct.ListTagsInput{ResourceIdList: []string{trailwatch.TrailARN("us-west-2", acct, "t01")}})
			return err
		}},
		{"list tags of 21", "InvalidParameterException", "", func() error {
			ids := make([]string, 21)
			for i := range ids {
				ids[i] = arn
			}
			_, err := c.ListTags(bg, &ct.ListTagsInput{ResourceIdList: ids})
			return err
		}},
		{"add tags to a name", "CloudTrailARNInvalidException", "", func() error {
			_, err := c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String("t01"), TagsList: []types.Tag{{Key: aws.String("k")}}})
			return err
		}},
		{"add tags to an event data store", "ResourceNotFoundException", "", func() error {
			_, err := c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String("arn:aws:cloudtrail:us-east-1:" + acct + ":eventdatastore/EXAMPLE"), TagsList: []types.Tag{{Key: aws.String("k")}}})
			return err
		}},
		{"add reserved tag", "InvalidTagParameterException", "", func() error {
			_, err := c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{{Key: aws.String("aws:owner")}}})
			return err
		}},
		{"remove tags of missing", "ResourceNotFoundException", "", func() error {
			_, err := c.RemoveTags(bg, &ct.RemoveTagsInput{ResourceId: aws.String(trailwatch.TrailARN("us-east-1", acct, "nope-trail")), TagsList: []types.Tag{{Key: aws.String("k")}}})
			return err
		}},
		{"list trails with a bad token", "InvalidNextTokenException", "", func() error {
			_, err := c.ListTrails(bg, &ct.ListTrailsInput{NextToken: aws.String("!!")})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, tt.name, tt.call(), tt.code, tt.msg) })
	}

	// Adding tags up to the limit works; one more does not.
	var fifty []types.Tag
	for i := range 50 {
		fifty = append(fifty, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	must[*ct.AddTagsOutput](t, "AddTags 50")(c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: fifty}))
	_, err := c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{{Key: aws.String("k50")}}})
	wantAPIError(t, "51st tag", err, "TagsLimitExceededException", "")
	must[*ct.AddTagsOutput](t, "replacing a value")(c.AddTags(bg, &ct.AddTagsInput{ResourceId: aws.String(arn), TagsList: []types.Tag{{Key: aws.String("k0"), Value: aws.String("w")}}}))
}

// TestSDKEventSelectorErrors checks AWS's validation of both selector
// kinds and their mutual exclusion.
func TestSDKEventSelectorErrors(t *testing.T) {
	s := testserver.Start(t)
	c := ct.NewFromConfig(s.RootConfig())
	must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("sel"), S3BucketName: aws.String("audit")}))
	// (A selector without FieldSelectors never leaves the SDK, which
	// checks required members itself.)
	basic := func(sel ...types.EventSelector) *ct.PutEventSelectorsInput {
		return &ct.PutEventSelectorsInput{TrailName: aws.String("sel"), EventSelectors: sel}
	}
	s3 := func(values ...string) types.EventSelector {
		return types.EventSelector{DataResources: []types.DataResource{{Type: aws.String("AWS::S3::Object"), Values: values}}}
	}
	advanced := func(fs ...types.AdvancedFieldSelector) *ct.PutEventSelectorsInput {
		return &ct.PutEventSelectorsInput{TrailName: aws.String("sel"), AdvancedEventSelectors: []types.AdvancedEventSelector{{FieldSelectors: fs}}}
	}
	field := func(name string, equals ...string) types.AdvancedFieldSelector {
		return types.AdvancedFieldSelector{Field: aws.String(name), Equals: equals}
	}
	many := make([]string, 251)
	for i := range many {
		many[i] = fmt.Sprintf("arn:aws:s3:::bucket/p%d", i)
	}
	values := make([]string, 501)
	for i := range values {
		values[i] = fmt.Sprint("Get", i)
	}
	tests := []struct {
		name, code, msg string
		in              *ct.PutEventSelectorsInput
	}{
		{"neither kind", "InvalidEventSelectorsException", "", &ct.PutEventSelectorsInput{TrailName: aws.String("sel")}},
		{"both kinds", "InvalidEventSelectorsException", "", &ct.PutEventSelectorsInput{TrailName: aws.String("sel"),
			EventSelectors:         []types.EventSelector{{}},
			AdvancedEventSelectors: []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{field("eventCategory", "Management")}}}}},
		{"six selectors", "InvalidEventSelectorsException", "", basic(types.EventSelector{}, types.EventSelector{}, types.EventSelector{}, types.EventSelector{}, types.EventSelector{}, types.EventSelector{})},
		{"bad ReadWriteType", "InvalidEventSelectorsException", "", basic(types.EventSelector{ReadWriteType: "read-only"})},
		{"bad excluded source", "InvalidEventSelectorsException", "", basic(types.EventSelector{ExcludeManagementEventSources: []string{"s3.amazonaws.com"}})},
		{"bucket wildcard", "InvalidEventSelectorsException", "Value arn:aws:s3:::* for DataResources.Values is invalid.", basic(s3("arn:aws:s3:::*"))},
		{"bucket without slash", "InvalidEventSelectorsException", "Value arn:aws:s3:::bucket for DataResources.Values is invalid.", basic(s3("arn:aws:s3:::bucket"))},
		{"lambda wildcard", "InvalidEventSelectorsException", "Value arn:aws:lambda:* for DataResources.Values is invalid.", basic(types.EventSelector{DataResources: []types.DataResource{{Type: aws.String("AWS::Lambda::Function"), Values: []string{"arn:aws:lambda:*"}}}})},
		{"advanced-only type", "InvalidEventSelectorsException", "", basic(types.EventSelector{DataResources: []types.DataResource{{Type: aws.String("AWS::SNS::Topic"), Values: []string{"arn:aws:sns"}}}})},
		{"251 data resources", "InvalidEventSelectorsException", "", basic(s3(many...))},
		{"no category", "InvalidEventSelectorsException", "", advanced(field("readOnly", "true"))},
		{"unknown category", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Insight"))},
		{"data without resources.type", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Data"))},
		{"field not allowed for management", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Management"), field("eventName", "CreateTrail"))},
		{"readOnly not a boolean", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Management"), field("readOnly", "yes"))},
		{"StartsWith on readOnly", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Management"),
			types.AdvancedFieldSelector{Field: aws.String("readOnly"), StartsWith: []string{"t"}})},
		{"field without operator", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Management"), types.AdvancedFieldSelector{Field: aws.String("readOnly")})},
		{"management eventSource Equals", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Management"), field("eventSource", "s3.amazonaws.com"))},
		{"501 values", "InvalidEventSelectorsException", "", advanced(field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object"), field("eventName", values...))},
		{"empty value", "ValidationException", "", advanced(field("eventCategory", "Management"), field("readOnly", ""))},
		{"bad field name", "ValidationException", "", advanced(field("eventCategory", "Management"), field("read only", "true"))},
		{"missing trail", "TrailNotFoundException", "", &ct.PutEventSelectorsInput{TrailName: aws.String("nope-trail"), EventSelectors: []types.EventSelector{{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutEventSelectors(bg, tt.in)
			wantAPIError(t, tt.name, err, tt.code, tt.msg)
		})
	}
	// The whole-type values do not count towards the 250.
	must[*ct.PutEventSelectorsOutput](t, "250 resources and all Lambda functions")(c.PutEventSelectors(bg, basic(s3(many[:250]...),
		types.EventSelector{DataResources: []types.DataResource{{Type: aws.String("AWS::Lambda::Function"), Values: []string{"arn:aws:lambda"}}}})))
	_, err := c.GetEventSelectors(bg, &ct.GetEventSelectorsInput{TrailName: aws.String("nope-trail")})
	wantAPIError(t, "GetEventSelectors of missing", err, "TrailNotFoundException", "")
	// A failed put leaves the selectors as they were.
	sel := must[*ct.GetEventSelectorsOutput](t, "GetEventSelectors")(c.GetEventSelectors(bg, &ct.GetEventSelectorsInput{TrailName: aws.String("sel")}))
	if len(sel.EventSelectors) != 2 {
		t.Errorf("selectors after failed puts = %+v", sel.EventSelectors)
	}
}

// TestSDKTrailIsolation: trails of one account are invisible to another.
func TestSDKTrailIsolation(t *testing.T) {
	s := testserver.Start(t)
	c := ct.NewFromConfig(s.RootConfig())
	must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("mine"), S3BucketName: aws.String("audit"), IsMultiRegionTrail: aws.Bool(true)}))
	other := s.NewAccount(t)
	oc := ct.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey))
	list := must[*ct.ListTrailsOutput](t, "ListTrails")(oc.ListTrails(bg, &ct.ListTrailsInput{}))
	desc := must[*ct.DescribeTrailsOutput](t, "DescribeTrails")(oc.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	if len(list.Trails) != 0 || len(desc.TrailList) != 0 {
		t.Errorf("another account sees %+v / %+v", list.Trails, desc.TrailList)
	}
	arn := trailwatch.TrailARN("us-east-1", s.Root.AccountID, "mine")
	_, err := oc.GetTrail(bg, &ct.GetTrailInput{Name: aws.String(arn)})
	wantAPIError(t, "GetTrail of another account's trail", err, "TrailNotFoundException", "")
	_, err = oc.DeleteTrail(bg, &ct.DeleteTrailInput{Name: aws.String(arn)})
	wantAPIError(t, "DeleteTrail of another account's trail", err, "TrailNotFoundException", "")
	// The same name is free in the other account (its bucket is not: a
	// local bucket belongs to the account that first named it).
	must[*ct.CreateTrailOutput](t, "CreateTrail other")(oc.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("mine"), S3BucketName: aws.String("audit-other")}))
}

// TestSDKTrailAuthorization: IAM users are authorised against the trail's
// ARN.
func TestSDKTrailAuthorization(t *testing.T) {
	s := testserver.Start(t)
	root := ct.NewFromConfig(s.RootConfig())
	acct := s.Root.AccountID
	for _, n := range []string{"app-trail", "sec-trail"} {
		must[*ct.CreateTrailOutput](t, "CreateTrail")(root.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String(n), S3BucketName: aws.String("audit")}))
	}
	ic := iam.NewFromConfig(s.RootConfig())
	if _, err := ic.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["cloudtrail:StartLogging","cloudtrail:GetTrailStatus"],"Resource":"arn:aws:cloudtrail:*:*:trail/app-*"},
		{"Effect":"Allow","Action":"cloudtrail:DescribeTrails","Resource":"*"}]}`
	if _, err := ic.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("ct"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	c := ct.NewFromConfig(s.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	must[*ct.StartLoggingOutput](t, "StartLogging app-trail")(c.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String("app-trail")}))
	must[*ct.DescribeTrailsOutput](t, "DescribeTrails")(c.DescribeTrails(bg, &ct.DescribeTrailsInput{}))
	_, err = c.StartLogging(bg, &ct.StartLoggingInput{Name: aws.String("sec-trail")})
	wantAPIError(t, "StartLogging sec-trail", err, "AccessDeniedException", "User: arn:aws:iam::"+acct+":user/ops is not authorized to perform: cloudtrail:StartLogging on resource: "+
		"arn:aws:cloudtrail:us-east-1:"+acct+":trail/sec-trail because no identity-based policy allows the cloudtrail:StartLogging action")
	_, err = c.DeleteTrail(bg, &ct.DeleteTrailInput{Name: aws.String("app-trail")})
	wantAPIError(t, "DeleteTrail app-trail", err, "AccessDeniedException", "")
}

// TestSDKListTrailsPages: ListTrails lists every region's trails, 50 to a
// page, and its token resumes after the last one listed.
func TestSDKListTrailsPages(t *testing.T) {
	s := testserver.Start(t)
	want := map[string]bool{}
	for r := range 11 {
		region := fmt.Sprintf("xx-test-%d", r)
		c := clientIn(s, region)
		for i := range 5 {
			name := fmt.Sprintf("trail-%d", i)
			must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String("audit")}))
			want[trailwatch.TrailARN(region, s.Root.AccountID, name)] = true
		}
	}
	p := ct.NewListTrailsPaginator(clientIn(s, "us-east-1"), &ct.ListTrailsInput{})
	var sizes []int
	for p.HasMorePages() {
		page := must[*ct.ListTrailsOutput](t, "ListTrails")(p.NextPage(bg))
		sizes = append(sizes, len(page.Trails))
		for _, tr := range page.Trails {
			if !want[aws.ToString(tr.TrailARN)] {
				t.Errorf("unexpected or repeated trail %s", aws.ToString(tr.TrailARN))
			}
			delete(want, aws.ToString(tr.TrailARN))
		}
	}
	if d := cmp.Diff([]int{50, 5}, sizes); d != "" || len(want) != 0 {
		t.Errorf("page sizes (-want +got):\n%s; never listed: %v", d, want)
	}
}
