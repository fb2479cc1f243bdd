package frontdoor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// apiCode returns the AWS error code the SDK surfaced, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// rawResponse is what a hand-built request got back.
type rawResponse struct {
	status int
	header http.Header
	body   string
}

// send signs (unless key is "") and sends a request the SDKs would never
// build, as a hostile or broken client might.
func send(t *testing.T, s *testserver.Server, method, path string, hdr map[string]string, body, service, key, secret string, at time.Time) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if key != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), service, testserver.Region, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func jsonHeaders(target string) map[string]string {
	return map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
}

var formHeaders = map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

func TestGetCallerIdentity(t *testing.T) {
	s := testserver.Start(t)
	out, err := sts.NewFromConfig(s.RootConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != s.Root.AccountID || aws.ToString(out.Arn) != "arn:aws:iam::"+s.Root.AccountID+":root" || aws.ToString(out.UserId) != s.Root.AccountID {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
}

func TestAuthenticationFailures(t *testing.T) {
	s := testserver.Start(t)
	ctx := context.Background()
	wrong := s.Config(s.Root.AccessKeyID, "not-the-secret")
	_, err := sts.NewFromConfig(wrong).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = cloudtrail.NewFromConfig(wrong).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantCode(t, err, "InvalidSignatureException")

	unknown := s.Config("AKIAUNKNOWNUNKNOWN00", "whatever")
	_, err = sts.NewFromConfig(unknown).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = cloudtrail.NewFromConfig(unknown).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantCode(t, err, "UnrecognizedClientException")

	// No signature at all.
	r := send(t, s, "POST", "/", formHeaders, "Action=GetCallerIdentity&Version=2011-06-15", "sts", "", "", time.Now())
	if r.status != 403 || !strings.Contains(r.body, "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned: %d %s", r.status, r.body)
	}
	// Outside the 15-minute window, both ways.
	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		r = send(t, s, "POST", "/", formHeaders, "Action=GetCallerIdentity&Version=2011-06-15", "sts", s.Root.AccessKeyID, s.Root.SecretAccessKey, time.Now().Add(skew))
		if r.status != 403 || !strings.Contains(r.body, "<Code>SignatureDoesNotMatch</Code>") || !(strings.Contains(r.body, "Signature expired") || strings.Contains(r.body, "Signature not yet current")) {
			t.Errorf("skew %v: %d %s", skew, r.status, r.body)
		}
	}
	// A malformed Authorization header.
	hdr := map[string]string{"Content-Type": formHeaders["Content-Type"], "Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/garbage", "X-Amz-Date": time.Now().UTC().Format("20060102T150405Z")}
	r = send(t, s, "POST", "/", hdr, "Action=GetCallerIdentity&Version=2011-06-15", "sts", "", "", time.Now())
	if !strings.Contains(r.body, "<Code>IncompleteSignature</Code>") {
		t.Errorf("malformed authorization: %d %s", r.status, r.body)
	}
	// Every answer carries a request id and a Date.
	if r.header.Get("X-Amzn-Requestid") == "" || r.header.Get("Date") == "" {
		t.Errorf("missing x-amzn-RequestId or Date: %v", r.header)
	}
}

func TestPresignedGetCallerIdentity(t *testing.T) {
	s := testserver.Start(t)
	ps := sts.NewPresignClient(sts.NewFromConfig(s.RootConfig()))
	req, err := ps.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	hreq, _ := http.NewRequest(req.Method, req.URL, nil)
	for k, v := range req.SignedHeader {
		hreq.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<Account>"+s.Root.AccountID+"</Account>") {
		t.Errorf("presigned %s %s: %d %s", req.Method, req.URL, resp.StatusCode, b)
	}
}

func TestProtocolErrors(t *testing.T) {
	s := testserver.Start(t)
	key, secret := s.Root.AccessKeyID, s.Root.SecretAccessKey
	now := time.Now()
	cases := []struct {
		name, service, target, body string
		form                        bool
		status                      int
		want                        string
	}{
		{"unknown JSON operation", "cloudtrail", "CloudTrail_20131101.NoSuchOperation", "{}", false, 400, `"UnknownOperationException"`},
		{"unknown query action", "sts", "", "Action=NoSuchAction&Version=2011-06-15", true, 400, "<Code>InvalidAction</Code>"},
		{"missing query action", "sts", "", "Version=2011-06-15", true, 400, "<Code>MissingAction</Code>"},
		{"malformed JSON body", "cloudtrail", "CloudTrail_20131101.LookupEvents", `{"MaxResults":`, false, 400, `"SerializationException"`},
		{"wrong JSON type", "cloudtrail", "CloudTrail_20131101.LookupEvents", `{"MaxResults":"ten"}`, false, 400, `"SerializationException"`},
		{"missing required query parameter", "iam", "", "Action=GetUserPolicy&Version=2010-05-08&UserName=bob", true, 400, "<Code>ValidationError</Code>"},
		{"constraint violation", "cloudtrail", "CloudTrail_20131101.LookupEvents", `{"MaxResults":51}`, false, 400, "InvalidMaxResultsException"},
		{"service not matching the scope", "sts", "CloudTrail_20131101.LookupEvents", "{}", false, 403, "IncompleteSignature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := formHeaders
			if !c.form {
				hdr = jsonHeaders(c.target)
			}
			r := send(t, s, "POST", "/", hdr, c.body, c.service, key, secret, now)
			if r.status != c.status || !strings.Contains(r.body, c.want) {
				t.Errorf("got %d %s, want %d containing %s", r.status, r.body, c.status, c.want)
			}
		})
	}
	big := `{"x":"` + strings.Repeat("a", 17<<20) + `"}`
	r := send(t, s, "POST", "/", jsonHeaders("CloudTrail_20131101.LookupEvents"), big, "cloudtrail", key, secret, now)
	if r.status != 413 || !strings.Contains(r.body, "RequestEntityTooLarge") {
		t.Errorf("oversize body: %d %.200s", r.status, r.body)
	}
}

// onBothBackends runs a test body against a server on SQLite and on
// PostgreSQL (skipped where PostgreSQL is absent, failed under CI).
func onBothBackends(t *testing.T, body func(t *testing.T, s *testserver.Server)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Start(t)) })
	t.Run("postgres", func(t *testing.T) {
		body(t, testserver.Start(t, testserver.WithBackend(testenv.Postgres(t))))
	})
}

// TestDeniedCallIsRecorded: a user whose policy denies cloudtrail:LookupEvents
// gets AccessDenied, and the root sees the denial in its own event history.
func TestDeniedCallIsRecorded(t *testing.T) { onBothBackends(t, testDeniedCallIsRecorded) }

func testDeniedCallIsRecorded(t *testing.T, s *testserver.Server) {
	ctx := context.Background()
	admin := iam.NewFromConfig(s.RootConfig())
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := s.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	_, err = cloudtrail.NewFromConfig(bob).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantCode(t, err, "AccessDeniedException")
	// The allow still works for other actions.
	if _, err := sts.NewFromConfig(bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}

	out, err := cloudtrail.NewFromConfig(s.RootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("bob")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var denied int
	for _, e := range out.Events {
		var rec map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
			t.Fatal(err)
		}
		if aws.ToString(e.EventName) == "LookupEvents" {
			if rec["errorCode"] != "AccessDenied" && rec["errorCode"] != "AccessDeniedException" {
				t.Errorf("denied call recorded with errorCode %v", rec["errorCode"])
			}
			ui, _ := rec["userIdentity"].(map[string]any)
			if ui["type"] != "IAMUser" || ui["userName"] != "bob" {
				t.Errorf("userIdentity = %v", ui)
			}
			denied++
		}
	}
	if denied != 1 {
		t.Errorf("found %d denied LookupEvents records for bob, want 1 (events: %d)", denied, len(out.Events))
	}
}

// TestUserWithoutPolicyIsDenied: default deny for non-root users.
func TestUserWithoutPolicyIsDenied(t *testing.T) {
	s := testserver.Start(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(s.RootConfig())
	admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carol := s.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	_, err = iam.NewFromConfig(carol).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	// GetCallerIdentity needs no permission.
	if _, err := sts.NewFromConfig(carol).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity without policies: %v", err)
	}
	// A deactivated key stops working at once.
	if _, err := admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: k.AccessKey.AccessKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(carol).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

// TestAccountIsolation: account B sees none of account A's events or users.
func TestAccountIsolation(t *testing.T) { onBothBackends(t, testAccountIsolation) }

func testAccountIsolation(t *testing.T, s *testserver.Server) {
	ctx := context.Background()
	a := iam.NewFromConfig(s.RootConfig())
	if _, err := a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("only-in-a")}); err != nil {
		t.Fatal(err)
	}
	b := s.NewAccount(t)
	bcfg := s.Config(b.AccessKeyID, b.SecretAccessKey)
	_, err := iam.NewFromConfig(bcfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("only-in-a")})
	wantCode(t, err, "NoSuchEntity")
	users, err := iam.NewFromConfig(bcfg).ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 0 {
		t.Fatalf("account B ListUsers = %v, %v", users, err)
	}
	out, err := cloudtrail.NewFromConfig(bcfg).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range out.Events {
		var rec struct {
			RecipientAccountID string `json:"recipientAccountId"`
		}
		json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec)
		if rec.RecipientAccountID != b.AccountID {
			t.Errorf("account B sees an event of account %s: %s", rec.RecipientAccountID, aws.ToString(e.EventName))
		}
		if aws.ToString(e.EventName) == "CreateUser" {
			t.Errorf("account B sees account A's CreateUser")
		}
	}
	// And A cannot see B's GetUser attempt.
	outA, err := cloudtrail.NewFromConfig(s.RootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetUser")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(outA.Events) != 0 {
		t.Errorf("account A sees %d GetUser events made by account B", len(outA.Events))
	}
}

// TestDataEventsStayOutOfHistory: event history holds management events
// only; PutLogEvents, a data event, is not in it.
func TestDataEventsStayOutOfHistory(t *testing.T) {
	s := testserver.Start(t)
	ctx := context.Background()
	logsClient := cloudwatchlogs.NewFromConfig(s.RootConfig())
	if _, err := logsClient.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logsClient.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logsClient.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []logtypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String("hello")}}}); err != nil {
		t.Fatal(err)
	}
	ct := cloudtrail.NewFromConfig(s.RootConfig())
	for name, want := range map[string]int{"CreateLogGroup": 1, "PutLogEvents": 0} {
		out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != want {
			t.Errorf("%s: %d events in history, want %d", name, len(out.Events), want)
		}
	}
}
