package awsjson_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
)

const contentType11 = "application/x-amz-json-1.1"

// capture is what a test server saw of one request.
type capture struct {
	mu     sync.Mutex
	target string
	ctype  string
	body   []byte
}

// mustCloudTrail starts a server answering every request with handle and
// returns a real CloudTrail client pointed at it.
func mustCloudTrail(tb testing.TB, handle func(w http.ResponseWriter, body []byte)) (*cloudtrail.Client, *capture) {
	tb.Helper()
	c := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c.mu.Lock()
		c.target, c.ctype, c.body = r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"), body
		c.mu.Unlock()
		w.Header().Set("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		handle(w, body)
	}))
	tb.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	client := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return client, c
}

func sampleLookupEventsOutput() *lookupEventsOutput {
	return &lookupEventsOutput{
		Events: []event{
			{
				EventID: ptr("1d7f6a44-0000-4000-8000-000000000002"), EventName: ptr("CreateUser"), ReadOnly: ptr("false"),
				AccessKeyID: ptr("AKIAIOSFODNN7EXAMPLE"), EventTime: ptr(time.Date(2024, 1, 15, 9, 41, 7, 500e6, time.UTC)),
				EventSource: ptr("iam.amazonaws.com"), Username: ptr("alice"),
				Resources:       []resource{{ResourceType: ptr("AWS::IAM::User"), ResourceName: ptr("bob")}, {ResourceName: ptr("arn:aws:iam::111122223333:user/bob")}},
				CloudTrailEvent: ptr(`{"eventVersion":"1.11","eventName":"CreateUser","requestParameters":{"userName":"bob"}}`),
			},
			{EventID: ptr("2"), EventName: ptr("ListUsers"), ReadOnly: ptr("true"), EventTime: ptr(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)), Resources: []resource{}},
		},
		NextToken: ptr("tok/en+=="),
	}
}

func TestSDKParsesLookupEventsResponse(t *testing.T) {
	client, _ := mustCloudTrail(t, func(w http.ResponseWriter, _ []byte) {
		if err := awsjson.WriteResponse(w, contentType11, sampleLookupEventsOutput()); err != nil {
			t.Error(err)
		}
	})
	got, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := &cloudtrail.LookupEventsOutput{
		Events: []types.Event{
			{
				EventId: aws.String("1d7f6a44-0000-4000-8000-000000000002"), EventName: aws.String("CreateUser"), ReadOnly: aws.String("false"),
				AccessKeyId: aws.String("AKIAIOSFODNN7EXAMPLE"), EventTime: aws.Time(time.Date(2024, 1, 15, 9, 41, 7, 500e6, time.UTC)),
				EventSource: aws.String("iam.amazonaws.com"), Username: aws.String("alice"),
				Resources:       []types.Resource{{ResourceType: aws.String("AWS::IAM::User"), ResourceName: aws.String("bob")}, {ResourceName: aws.String("arn:aws:iam::111122223333:user/bob")}},
				CloudTrailEvent: aws.String(`{"eventVersion":"1.11","eventName":"CreateUser","requestParameters":{"userName":"bob"}}`),
			},
			{EventId: aws.String("2"), EventName: aws.String("ListUsers"), ReadOnly: aws.String("true"), EventTime: aws.Time(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)), Resources: []types.Resource{}},
		},
		NextToken: aws.String("tok/en+=="),
	}
	opts := cmp.Options{
		cmpopts.IgnoreUnexported(cloudtrail.LookupEventsOutput{}, types.Event{}, types.Resource{}),
		cmpopts.IgnoreFields(cloudtrail.LookupEventsOutput{}, "ResultMetadata"),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("SDK parsed (-want +got):\n%s", diff)
	}
}

func TestSDKParsesEmptyOutput(t *testing.T) {
	client, _ := mustCloudTrail(t, func(w http.ResponseWriter, _ []byte) {
		if err := awsjson.WriteResponse(w, contentType11, (*lookupEventsOutput)(nil)); err != nil {
			t.Error(err)
		}
	})
	got, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Events != nil || got.NextToken != nil {
		t.Errorf("got %+v, want an empty output", got)
	}
}

// TestDecodeSDKRequests decodes what the real client sends.
func TestDecodeSDKRequests(t *testing.T) {
	client, seen := mustCloudTrail(t, func(w http.ResponseWriter, _ []byte) {
		_ = awsjson.WriteResponse(w, contentType11, &lookupEventsOutput{})
	})
	start := time.Date(2024, 1, 15, 9, 0, 0, 250e6, time.UTC)
	end := time.Date(2024, 1, 16, 0, 0, 0, 0, time.UTC)
	_, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateUser")}},
		StartTime:        &start, EndTime: &end, MaxResults: aws.Int32(5), NextToken: aws.String("abc"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen.target != "CloudTrail_20131101.LookupEvents" || seen.ctype != contentType11 {
		t.Errorf("target %q content type %q", seen.target, seen.ctype)
	}
	var in lookupEventsInput
	if err := awsjson.Decode(seen.body, &in); err != nil {
		t.Fatalf("decode %s: %v", seen.body, err)
	}
	want := lookupEventsInput{
		LookupAttributes: []lookupAttribute{{AttributeKey: "EventName", AttributeValue: "CreateUser"}},
		StartTime:        &start, EndTime: &end, MaxResults: ptr(int32(5)), NextToken: ptr("abc"),
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("decoded %s (-want +got):\n%s", seen.body, diff)
	}
	if err := awsapi.Validate(&in); err != nil {
		t.Error(err)
	}

	// No input members: the client sends {}.
	if _, err := client.DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{TrailNameList: []string{"audit"}, IncludeShadowTrails: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	var dt describeTrailsInput
	if err := awsjson.Decode(seen.body, &dt); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(describeTrailsInput{TrailNameList: []string{"audit"}, IncludeShadowTrails: ptr(false)}, dt); diff != "" {
		t.Errorf("decoded %s (-want +got):\n%s", seen.body, diff)
	}
}

func TestSDKSurfacesErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      *awserr.Error
		opt      awsjson.ErrorOptions
		wantCode string
		wantMsg  string
		wantType any // a pointer to the modelled error type, or nil
	}{
		{
			name:     "modelled error, CloudTrail's Message key",
			err:      awserr.New("InvalidTimeRangeException", 0, "Start time must be before end time."),
			opt:      awsjson.ErrorOptions{MessageKey: "Message"},
			wantCode: "InvalidTimeRangeException", wantMsg: "Start time must be before end time.",
			wantType: new(*types.InvalidTimeRangeException),
		},
		{
			name:     "generic error, default message key",
			err:      &awserr.Error{Code: "ValidationException", Message: "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"},
			wantCode: "ValidationException", wantMsg: "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
		},
		{
			name:     "namespaced __type",
			err:      awserr.New("ThrottlingException", 400, "Rate exceeded"),
			opt:      awsjson.ErrorOptions{ShapeNamespace: "com.amazonaws.cloudtrail.v20131101#"},
			wantCode: "ThrottlingException", wantMsg: "Rate exceeded",
		},
		{
			name:     "server fault",
			err:      awserr.Internal(),
			wantCode: "InternalFailure", wantMsg: "The request processing has failed because of an unknown error, exception or failure.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := mustCloudTrail(t, func(w http.ResponseWriter, _ []byte) {
				awsjson.WriteError(w, contentType11, tt.err, tt.opt)
			})
			_, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want a smithy.APIError", err)
			}
			if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMsg {
				t.Errorf("got %q %q, want %q %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.wantMsg)
			}
			if tt.wantType != nil && !errors.As(err, tt.wantType) {
				t.Errorf("got %T, want %T", apiErr, tt.wantType)
			}
		})
	}
}
