package awsquery_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsquery"
)

// seen is the last form a test server received.
type seen struct {
	mu   sync.Mutex
	form url.Values
}

func (s *seen) get() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.form
}

// mustServer starts a server that records each request's form and answers
// with handle.
func mustServer(tb testing.TB, handle func(w http.ResponseWriter, form url.Values)) (string, *seen) {
	tb.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.form = form
		s.mu.Unlock()
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		handle(w, form)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL, s
}

func sdkConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func mustIAM(tb testing.TB, handle func(w http.ResponseWriter, form url.Values)) (*iam.Client, *seen) {
	tb.Helper()
	endpoint, s := mustServer(tb, handle)
	return iam.NewFromConfig(sdkConfig(), func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }), s
}

func mustSTS(tb testing.TB, handle func(w http.ResponseWriter, form url.Values)) (*sts.Client, *seen) {
	tb.Helper()
	endpoint, s := mustServer(tb, handle)
	return sts.NewFromConfig(sdkConfig(), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }), s
}

// respond answers every request with out for the request's Action.
func respond(tb testing.TB, namespace string, out any) func(http.ResponseWriter, url.Values) {
	return func(w http.ResponseWriter, form url.Values) {
		if err := awsquery.WriteResponse(w, namespace, form.Get("Action"), out, requestID); err != nil {
			tb.Error(err)
		}
	}
}

var sdkOpts = cmp.Options{
	cmpopts.IgnoreUnexported(iamtypes.User{}, iamtypes.AccessKey{}, iamtypes.Tag{}, iam.ListUsersOutput{}, iam.CreateAccessKeyOutput{}, iam.CreateUserOutput{}, sts.GetCallerIdentityOutput{}),
	cmpopts.IgnoreFields(iam.ListUsersOutput{}, "ResultMetadata"),
	cmpopts.IgnoreFields(iam.CreateAccessKeyOutput{}, "ResultMetadata"),
	cmpopts.IgnoreFields(iam.CreateUserOutput{}, "ResultMetadata"),
	cmpopts.IgnoreFields(sts.GetCallerIdentityOutput{}, "ResultMetadata"),
}

func TestSDKParsesGetCallerIdentity(t *testing.T) {
	client, seen := mustSTS(t, respond(t, stsNS, &getCallerIdentityOutput{UserID: ptr("AIDAEXAMPLEALICE0001"), Account: ptr("111122223333"), Arn: ptr("arn:aws:iam::111122223333:user/alice")}))
	got, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := &sts.GetCallerIdentityOutput{UserId: aws.String("AIDAEXAMPLEALICE0001"), Account: aws.String("111122223333"), Arn: aws.String("arn:aws:iam::111122223333:user/alice")}
	if diff := cmp.Diff(want, got, sdkOpts); diff != "" {
		t.Errorf("SDK parsed (-want +got):\n%s", diff)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(got.ResultMetadata); id != requestID {
		t.Errorf("request id %q", id)
	}
	var in getCallerIdentityInput
	if err := awsquery.Decode(seen.get(), &in); err != nil {
		t.Fatal(err)
	}
	if seen.get().Get("Action") != "GetCallerIdentity" || seen.get().Get("Version") != "2011-06-15" {
		t.Errorf("form %v", seen.get())
	}
}

func TestSDKParsesListUsers(t *testing.T) {
	client, seen := mustIAM(t, respond(t, iamNS, sampleUsers()))
	got, err := client.ListUsers(context.Background(), &iam.ListUsersInput{MaxItems: aws.Int32(2), PathPrefix: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	want := &iam.ListUsersOutput{
		Users: []iamtypes.User{
			{Path: aws.String("/"), UserName: aws.String("alice"), UserId: aws.String("AIDAEXAMPLEALICE0001"), Arn: aws.String("arn:aws:iam::111122223333:user/alice"), CreateDate: aws.Time(created), PasswordLastUsed: aws.Time(time.Date(2024, 2, 1, 12, 30, 5, 250e6, time.UTC))},
			{Path: aws.String("/ops/"), UserName: aws.String("bob"), UserId: aws.String("AIDAEXAMPLEBOB000002"), Arn: aws.String("arn:aws:iam::111122223333:user/ops/bob"), CreateDate: aws.Time(created.Add(time.Hour))},
		},
		IsTruncated: true,
		Marker:      aws.String("bob&<next>"),
	}
	if diff := cmp.Diff(want, got, sdkOpts); diff != "" {
		t.Errorf("SDK parsed (-want +got):\n%s", diff)
	}

	// What the SDK sent decodes into the mirror input.
	var in listUsersInput
	if err := awsquery.Decode(seen.get(), &in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(listUsersInput{MaxItems: ptr(int32(2)), PathPrefix: ptr("/")}, in); diff != "" {
		t.Errorf("decoded %v (-want +got):\n%s", seen.get(), diff)
	}
	if err := awsapi.Validate(&in); err != nil {
		t.Error(err)
	}
}

func TestSDKParsesEmptyList(t *testing.T) {
	client, _ := mustIAM(t, respond(t, iamNS, &listUsersOutput{Users: []user{}}))
	got, err := client.ListUsers(context.Background(), &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 0 || got.IsTruncated || got.Marker != nil {
		t.Errorf("got %+v", got)
	}
}

func TestSDKParsesCreateAccessKey(t *testing.T) {
	out := &createAccessKeyOutput{AccessKey: accessKey{UserName: "bob", AccessKeyID: "AKIAEXAMPLEBOB000001", Status: "Active", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", CreateDate: ptr(time.Date(2024, 1, 15, 9, 51, 7, 500e6, time.UTC))}}
	client, seen := mustIAM(t, respond(t, iamNS, out))
	got, err := client.CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	want := &iam.CreateAccessKeyOutput{AccessKey: &iamtypes.AccessKey{
		UserName: aws.String("bob"), AccessKeyId: aws.String("AKIAEXAMPLEBOB000001"), Status: iamtypes.StatusTypeActive,
		SecretAccessKey: aws.String("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), CreateDate: aws.Time(time.Date(2024, 1, 15, 9, 51, 7, 500e6, time.UTC)),
	}}
	if diff := cmp.Diff(want, got, sdkOpts); diff != "" {
		t.Errorf("SDK parsed (-want +got):\n%s", diff)
	}
	var in createAccessKeyInput
	if err := awsquery.Decode(seen.get(), &in); err != nil || in.UserName == nil || *in.UserName != "bob" {
		t.Errorf("decoded %+v, %v", in, err)
	}
	// The secret reaches the client but never the record.
	if rec := string(awsapi.RecordJSON(out)); rec != `{"accessKey":{"userName":"bob","accessKeyId":"AKIAEXAMPLEBOB000001","status":"Active","createDate":"Jan 15, 2024 9:51:07 AM"}}` {
		t.Errorf("record %s", rec)
	}
}

func TestSDKAcceptsEmptyResult(t *testing.T) {
	client, seen := mustIAM(t, respond(t, iamNS, &deleteUserOutput{}))
	if _, err := client.DeleteUser(context.Background(), &iam.DeleteUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	var in deleteUserInput
	if err := awsquery.Decode(seen.get(), &in); err != nil || in.UserName != "bob" {
		t.Errorf("decoded %+v, %v", in, err)
	}
}

// TestDecodeSDKRequests decodes what the real IAM client sends.
func TestDecodeSDKRequests(t *testing.T) {
	client, seen := mustIAM(t, respond(t, iamNS, &createUserOutput{}))
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]\n}"
	if _, err := client.PutUserPolicy(context.Background(), &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("s3+all=1"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	var put putUserPolicyInput
	if err := awsquery.Decode(seen.get(), &put); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(putUserPolicyInput{UserName: "bob", PolicyName: "s3+all=1", PolicyDocument: doc}, put); diff != "" {
		t.Errorf("decoded %v (-want +got):\n%s", seen.get(), diff)
	}
	if err := awsapi.Validate(&put); err != nil {
		t.Error(err)
	}

	if _, err := client.CreateUser(context.Background(), &iam.CreateUserInput{
		UserName: aws.String("carol"), Path: aws.String("/ops/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("sre")}, {Key: aws.String("cost center"), Value: aws.String("")}},
	}); err != nil {
		t.Fatal(err)
	}
	var cu createUserInput
	if err := awsquery.Decode(seen.get(), &cu); err != nil {
		t.Fatal(err)
	}
	want := createUserInput{UserName: "carol", Path: ptr("/ops/"), Tags: []tag{{"team", "sre"}, {"cost center", ""}}}
	if diff := cmp.Diff(want, cu); diff != "" {
		t.Errorf("decoded %v (-want +got):\n%s", seen.get(), diff)
	}

	// An empty list travels as "Tags=".
	if _, err := client.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("dave"), Tags: []iamtypes.Tag{}}); err != nil {
		t.Fatal(err)
	}
	cu = createUserInput{}
	if err := awsquery.Decode(seen.get(), &cu); err != nil {
		t.Fatal(err)
	}
	if cu.Tags == nil || len(cu.Tags) != 0 {
		t.Errorf("form %v decoded to Tags %#v, want an empty list", seen.get(), cu.Tags)
	}
}

func TestSDKSurfacesErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      *awserr.Error
		wantCode string
		wantType any
	}{
		{"modelled", awserr.New("NoSuchEntity", 404, "The user with name bob cannot be found."), "NoSuchEntity", new(*iamtypes.NoSuchEntityException)},
		{"validation", awsapi.Validate(&createUserInput{}).(*awsapi.ValidationError).AWSError("ValidationError"), "ValidationError", nil},
		{"malformed", awserr.New("MalformedInput", 400, "boolean must follow xsd1.1 definition"), "MalformedInput", nil},
		{"server fault", awserr.Internal(), "InternalFailure", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := mustIAM(t, func(w http.ResponseWriter, _ url.Values) { awsquery.WriteError(w, iamNS, tt.err, requestID) })
			_, err := client.DeleteUser(context.Background(), &iam.DeleteUserInput{UserName: aws.String("bob")})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want a smithy.APIError", err)
			}
			if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.err.Message {
				t.Errorf("got %q %q, want %q %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.err.Message)
			}
			if tt.wantType != nil && !errors.As(err, tt.wantType) {
				t.Errorf("got %T, want %T", apiErr, tt.wantType)
			}
			var re interface{ ServiceRequestID() string }
			if errors.As(err, &re) && re.ServiceRequestID() != requestID {
				t.Errorf("request id %q", re.ServiceRequestID())
			}
		})
	}

	// STS answers auth failures the same way.
	client, _ := mustSTS(t, func(w http.ResponseWriter, _ url.Values) {
		awsquery.WriteError(w, stsNS, awserr.New("InvalidClientTokenId", 403, "The security token included in the request is invalid."), requestID)
	})
	_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidClientTokenId" || apiErr.ErrorMessage() != "The security token included in the request is invalid." {
		t.Errorf("got %v", err)
	}
}
