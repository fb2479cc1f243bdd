package cloudtraildata_test

// The Go SDK's cloudtraildata client is not in the module proxy these
// tests build from, so PutAuditEvents goes through a small client that
// sends the request exactly as botocore and the SDKs do (reference/
// protocols.md §1: POST /PutAuditEvents?channelArn=…&externalId=…, a JSON
// body, SigV4 for cloudtrail-data) and is signed by aws-sdk-go-v2's own
// signer. Channels and LookupEvents use the real cloudtrail client.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func onBothBackends(t *testing.T, body func(t *testing.T, s *testserver.Server)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Start(t)) })
	t.Run("postgres", func(t *testing.T) {
		body(t, testserver.Start(t, testserver.WithBackend(testenv.Postgres(t))))
	})
}

func wantAPIError(t testing.TB, what string, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: got %v, want %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s: got %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

// dataClient calls PutAuditEvents.
type dataClient struct {
	url   string
	creds aws.Credentials
}

type auditEvent struct {
	ID                string `json:"id"`
	EventData         string `json:"eventData"`
	EventDataChecksum string `json:"eventDataChecksum,omitempty"`
}

type putResult struct {
	Successful []struct{ ID, EventID string } `json:"successful"`
	Failed     []struct {
		ID           string `json:"id"`
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"failed"`
}

// apiError is a REST-JSON error as a client reads it.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func (c dataClient) put(t testing.TB, channel, externalID string, evs []auditEvent) (putResult, error) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"auditEvents": evs})
	return c.putRaw(t, channel, externalID, body)
}

func (c dataClient) putRaw(t testing.TB, channel, externalID string, body []byte) (putResult, error) {
	t.Helper()
	q := url.Values{"channelArn": {channel}}
	if externalID != "" {
		q.Set("externalId", externalID)
	}
	req, _ := http.NewRequest(http.MethodPost, c.url+"/PutAuditEvents?"+q.Encode(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), c.creds, req, hex.EncodeToString(sum[:]), "cloudtrail-data", testserver.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out putResult
	if resp.StatusCode != http.StatusOK {
		var msg struct{ Message string }
		_ = json.Unmarshal(b, &msg)
		code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
		return out, &apiError{status: resp.StatusCode, code: code, message: msg.Message}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if out.Successful == nil || out.Failed == nil {
		t.Errorf("response %s lacks a list", b)
	}
	return out, nil
}

func wantRequestError(t testing.TB, what string, err error, code string) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.code != code || ae.status != 400 || ae.message == "" {
		t.Errorf("%s: got %v, want 400 %s with a message", what, err, code)
	}
}

// eventData is a valid event for account, with changes.
func eventData(account string, change func(m map[string]any)) string {
	m := map[string]any{
		"version":             "1.0",
		"userIdentity":        map[string]any{"type": "CustomUser", "principalId": "alice@example.com", "details": map[string]any{"team": "ops"}},
		"userAgent":           "app/1.0",
		"eventSource":         "orders.example.com",
		"eventName":           "ExportData",
		"eventTime":           "2025-06-01T10:00:00Z",
		"UID":                 "uid-1",
		"requestParameters":   map[string]any{"table": "orders"},
		"responseElements":    map[string]any{"rows": 10},
		"sourceIPAddress":     "192.0.2.1",
		"recipientAccountId":  account,
		"additionalEventData": map[string]any{"k": "v"},
	}
	if change != nil {
		change(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestChannelsAndPutAuditEvents(t *testing.T) {
	onBothBackends(t, func(t *testing.T, s *testserver.Server) {
		ctx := context.Background()
		cli := ct.NewFromConfig(s.RootConfig())
		account := s.Root.AccountID
		eds := "arn:aws:cloudtrail:us-east-1:" + account + ":eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"

		// CreateChannel and its errors.
		created, err := cli.CreateChannel(ctx, &ct.CreateChannelInput{
			Name: aws.String("orders-app"), Source: aws.String("Custom"),
			Destinations: []types.Destination{{Type: types.DestinationTypeEventDataStore, Location: aws.String(eds)}},
			Tags:         []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
		})
		if err != nil {
			t.Fatalf("CreateChannel: %v", err)
		}
		arn := aws.ToString(created.ChannelArn)
		prefix := "arn:aws:cloudtrail:us-east-1:" + account + ":channel/"
		if !strings.HasPrefix(arn, prefix) || len(arn) != len(prefix)+36 {
			t.Fatalf("ChannelArn = %s", arn)
		}
		id := strings.TrimPrefix(arn, prefix)
		if aws.ToString(created.Source) != "Custom" || len(created.Destinations) != 1 || len(created.Tags) != 1 {
			t.Errorf("CreateChannel output = %+v", created)
		}
		noDest, err := cli.CreateChannel(ctx, &ct.CreateChannelInput{Name: aws.String("bare"), Source: aws.String("Custom"), Destinations: []types.Destination{}})
		if err != nil {
			t.Fatalf("CreateChannel without destinations: %v", err)
		}
		for _, tc := range []struct {
			name string
			in   ct.CreateChannelInput
			code string
		}{
			{"taken name", ct.CreateChannelInput{Name: aws.String("orders-app"), Source: aws.String("Custom"), Destinations: []types.Destination{}}, "ChannelAlreadyExistsException"},
			{"partner source", ct.CreateChannelInput{Name: aws.String("ppp"), Source: aws.String("SomePartner"), Destinations: []types.Destination{}}, "InvalidSourceException"},
			{"short name", ct.CreateChannelInput{Name: aws.String("ab"), Source: aws.String("Custom"), Destinations: []types.Destination{}}, "ValidationException"},
			{"bad name", ct.CreateChannelInput{Name: aws.String("a b c"), Source: aws.String("Custom"), Destinations: []types.Destination{}}, "ValidationException"},
			{"not a store", ct.CreateChannelInput{Name: aws.String("x1x"), Source: aws.String("Custom"), Destinations: []types.Destination{{Type: types.DestinationTypeEventDataStore, Location: aws.String("arn:aws:s3:::bucket")}}}, "EventDataStoreARNInvalidException"},
			{"other account's store", ct.CreateChannelInput{Name: aws.String("x2x"), Source: aws.String("Custom"), Destinations: []types.Destination{{Type: types.DestinationTypeEventDataStore, Location: aws.String("arn:aws:cloudtrail:us-east-1:999999999999:eventdatastore/x")}}}, "EventDataStoreARNInvalidException"},
			{"service destination", ct.CreateChannelInput{Name: aws.String("x3x"), Source: aws.String("Custom"), Destinations: []types.Destination{{Type: types.DestinationTypeAwsService, Location: aws.String("config")}}}, "InvalidParameterException"},
			{"reserved tag", ct.CreateChannelInput{Name: aws.String("x4x"), Source: aws.String("Custom"), Destinations: []types.Destination{}, Tags: []types.Tag{{Key: aws.String("aws:x")}}}, "InvalidTagParameterException"},
		} {
			_, err := cli.CreateChannel(ctx, &tc.in)
			wantAPIError(t, "CreateChannel "+tc.name, err, tc.code)
		}

		// GetChannel by ARN and by ID; errors.
		for _, ref := range []string{arn, id} {
			got, err := cli.GetChannel(ctx, &ct.GetChannelInput{Channel: aws.String(ref)})
			if err != nil {
				t.Fatalf("GetChannel %s: %v", ref, err)
			}
			if aws.ToString(got.ChannelArn) != arn || aws.ToString(got.Name) != "orders-app" || aws.ToString(got.Source) != "Custom" ||
				len(got.Destinations) != 1 || aws.ToString(got.Destinations[0].Location) != eds || got.IngestionStatus == nil {
				t.Errorf("GetChannel %s = %+v", ref, got)
			}
		}
		_, err = cli.GetChannel(ctx, &ct.GetChannelInput{Channel: aws.String("not-a-channel")})
		wantAPIError(t, "GetChannel malformed", err, "ChannelARNInvalidException")
		_, err = cli.GetChannel(ctx, &ct.GetChannelInput{Channel: aws.String(prefix + "00000000-0000-4000-8000-000000000000")})
		wantAPIError(t, "GetChannel missing", err, "ChannelNotFoundException")
		other := s.NewAccount(t)
		otherCli := ct.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey))
		_, err = otherCli.GetChannel(ctx, &ct.GetChannelInput{Channel: aws.String(arn)})
		wantAPIError(t, "GetChannel of another account", err, "ChannelNotFoundException")

		// ListChannels pages.
		page1, err := cli.ListChannels(ctx, &ct.ListChannelsInput{MaxResults: aws.Int32(1)})
		if err != nil || len(page1.Channels) != 1 || page1.NextToken == nil {
			t.Fatalf("ListChannels page 1 = %+v, %v", page1, err)
		}
		page2, err := cli.ListChannels(ctx, &ct.ListChannelsInput{MaxResults: aws.Int32(1), NextToken: page1.NextToken})
		if err != nil || len(page2.Channels) != 1 || page2.NextToken != nil {
			t.Fatalf("ListChannels page 2 = %+v, %v", page2, err)
		}
		names := map[string]bool{aws.ToString(page1.Channels[0].Name): true, aws.ToString(page2.Channels[0].Name): true}
		if !names["orders-app"] || !names["bare"] {
			t.Errorf("ListChannels names = %v", names)
		}
		_, err = cli.ListChannels(ctx, &ct.ListChannelsInput{NextToken: aws.String("bogus-token")})
		wantAPIError(t, "ListChannels bad token", err, "InvalidNextTokenException")
		_, err = otherCli.ListChannels(ctx, &ct.ListChannelsInput{NextToken: page1.NextToken})
		wantAPIError(t, "ListChannels token of another account", err, "InvalidNextTokenException")
		if l, err := otherCli.ListChannels(ctx, &ct.ListChannelsInput{}); err != nil || len(l.Channels) != 0 {
			t.Errorf("ListChannels of another account = %+v, %v", l, err)
		}

		// UpdateChannel.
		up, err := cli.UpdateChannel(ctx, &ct.UpdateChannelInput{Channel: aws.String(id), Name: aws.String("orders")})
		if err != nil || aws.ToString(up.Name) != "orders" || len(up.Destinations) != 1 {
			t.Fatalf("UpdateChannel = %+v, %v", up, err)
		}
		_, err = cli.UpdateChannel(ctx, &ct.UpdateChannelInput{Channel: aws.String(id), Name: aws.String("bare")})
		wantAPIError(t, "UpdateChannel to a taken name", err, "ChannelAlreadyExistsException")
		_, err = cli.UpdateChannel(ctx, &ct.UpdateChannelInput{Channel: aws.String(prefix + "00000000-0000-4000-8000-000000000000"), Name: aws.String("zzz")})
		wantAPIError(t, "UpdateChannel missing", err, "ChannelNotFoundException")

		// PutAuditEvents.
		dc := dataClient{url: s.URL, creds: aws.Credentials{AccessKeyID: s.Root.AccessKeyID, SecretAccessKey: s.Root.SecretAccessKey}}
		good := eventData(account, nil)
		sum := sha256.Sum256([]byte(good))
		res, err := dc.put(t, arn, "ext-1", []auditEvent{
			{ID: "ok-1", EventData: good, EventDataChecksum: base64.StdEncoding.EncodeToString(sum[:])},
			{ID: "ok-2", EventData: eventData(account, func(m map[string]any) { m["eventName"] = "Login"; delete(m, "sourceIPAddress") })},
			{ID: "bad-sum", EventData: good, EventDataChecksum: base64.StdEncoding.EncodeToString(make([]byte, 32))},
			{ID: "no-uid", EventData: eventData(account, func(m map[string]any) { delete(m, "UID") })},
			{ID: "no-principal", EventData: eventData(account, func(m map[string]any) { m["userIdentity"] = map[string]any{"type": "x"} })},
			{ID: "long-name", EventData: eventData(account, func(m map[string]any) { m["eventName"] = strings.Repeat("n", 1025) })},
			{ID: "recipient", EventData: eventData(account, func(m map[string]any) { m["recipientAccountId"] = "999999999999" })},
			{ID: "time", EventData: eventData(account, func(m map[string]any) { m["eventTime"] = "2025-06-01 10:00:00" })},
			{ID: "ip", EventData: eventData(account, func(m map[string]any) { m["sourceIPAddress"] = "not-an-ip" })},
			{ID: "not-json", EventData: "{nope"},
			{ID: "aws-source", EventData: eventData(account, func(m map[string]any) { m["eventSource"] = "iam.amazonaws.com" })},
		})
		if err != nil {
			t.Fatalf("PutAuditEvents: %v", err)
		}
		if len(res.Successful) != 2 || res.Successful[0].ID != "ok-1" || res.Successful[1].ID != "ok-2" {
			t.Fatalf("successful = %+v", res.Successful)
		}
		wantFailed := map[string]string{
			"bad-sum": "InvalidChecksum", "no-uid": "FieldNotFound", "no-principal": "FieldNotFound", "long-name": "FieldTooLong",
			"recipient": "InvalidRecipient", "time": "InvalidData", "ip": "InvalidData", "not-json": "InvalidData", "aws-source": "InvalidEventSource",
		}
		if len(res.Failed) != len(wantFailed) {
			t.Errorf("failed = %+v", res.Failed)
		}
		for _, f := range res.Failed {
			if wantFailed[f.ID] != f.ErrorCode || f.ErrorMessage == "" {
				t.Errorf("failed %s: %s (%s), want %s", f.ID, f.ErrorCode, f.ErrorMessage, wantFailed[f.ID])
			}
		}

		// Request errors.
		_, err = dc.put(t, "arn:aws:cloudtrail:us-east-1:"+account+":trail/x", "", []auditEvent{{ID: "a", EventData: good}})
		wantRequestError(t, "trail ARN", err, "InvalidChannelARN")
		_, err = dc.put(t, prefix+"00000000-0000-4000-8000-000000000000", "", []auditEvent{{ID: "a", EventData: good}})
		wantRequestError(t, "missing channel", err, "ChannelNotFound")
		_, err = dc.put(t, "arn:aws:cloudtrail:us-east-1:999999999999:channel/"+id, "", []auditEvent{{ID: "a", EventData: good}})
		wantRequestError(t, "another account's channel", err, "ChannelInsufficientPermission")
		_, err = dc.put(t, arn, "", []auditEvent{{ID: "a", EventData: good}, {ID: "a", EventData: good}})
		wantRequestError(t, "duplicate ids", err, "DuplicatedAuditEventId")
		_, err = dc.put(t, arn, "", nil)
		wantRequestError(t, "no events", err, "ValidationException")
		many := make([]auditEvent, 101)
		for i := range many {
			many[i] = auditEvent{ID: fmt.Sprint("e", i), EventData: good}
		}
		_, err = dc.put(t, arn, "", many)
		wantRequestError(t, "101 events", err, "ValidationException")
		big := make([]auditEvent, 5)
		for i := range big {
			big[i] = auditEvent{ID: fmt.Sprint("b", i), EventData: eventData(account, func(m map[string]any) { m["pad"] = strings.Repeat("x", 250<<10) })}
		}
		_, err = dc.put(t, arn, "", big)
		wantRequestError(t, "over 1 MB", err, "ValidationException")
		_, err = dc.put(t, arn, "x", []auditEvent{{ID: "a", EventData: good}})
		wantRequestError(t, "short externalId", err, "ValidationException")
		_, err = dc.put(t, arn, "", []auditEvent{{ID: "bad id!", EventData: good}})
		wantRequestError(t, "bad id", err, "ValidationException")
		_, err = dc.putRaw(t, arn, "", []byte(`{"auditEvents":`))
		wantRequestError(t, "broken body", err, "SerializationException")

		// Authorisation: a user needs cloudtrail-data:PutAuditEvents on
		// the channel.
		ic := iam.NewFromConfig(s.RootConfig())
		if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("app")}); err != nil {
			t.Fatal(err)
		}
		key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("app")})
		if err != nil {
			t.Fatal(err)
		}
		uc := dataClient{url: s.URL, creds: aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}}
		_, err = uc.put(t, arn, "", []auditEvent{{ID: "u", EventData: good}})
		var ae *apiError
		if !errors.As(err, &ae) || ae.code != "AccessDeniedException" {
			t.Errorf("PutAuditEvents without permission: %v", err)
		}
		pol := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail-data:PutAuditEvents","Resource":%q}]}`, arn)
		if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("app"), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err = uc.put(t, id, "", []auditEvent{{ID: "u", EventData: good}})
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("PutAuditEvents with permission, by ID: %v", err)
		}

		// LookupEvents finds the events among management events.
		look, err := cli.LookupEvents(ctx, &ct.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("Login")}}})
		if err != nil || len(look.Events) != 1 {
			t.Fatalf("LookupEvents EventName=Login = %+v, %v", look, err)
		}
		e := look.Events[0]
		if aws.ToString(e.EventSource) != "orders.example.com" || aws.ToString(e.Username) != "alice@example.com" || aws.ToString(e.EventId) != res.Successful[1].EventID {
			t.Errorf("looked-up event = %+v", e)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
			t.Fatal(err)
		}
		meta, _ := rec["metadata"].(map[string]any)
		data, _ := rec["eventData"].(map[string]any)
		if rec["eventCategory"] != "ActivityAuditLog" || rec["eventType"] != "ActivityLog" || rec["recipientAccountId"] != account ||
			rec["awsRegion"] != "us-east-1" || meta["channelARN"] != arn || meta["ingestionTime"] != rec["eventTime"] || data["UID"] != "uid-1" {
			t.Errorf("record = %v", rec)
		}
		for _, a := range []types.LookupAttribute{
			{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("alice@example.com")},
			{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("orders.example.com")},
			{AttributeKey: types.LookupAttributeKeyEventId, AttributeValue: aws.String(res.Successful[0].EventID)},
		} {
			look, err := cli.LookupEvents(ctx, &ct.LookupEventsInput{LookupAttributes: []types.LookupAttribute{a}})
			if err != nil || len(look.Events) == 0 {
				t.Errorf("LookupEvents %s: %+v, %v", a.AttributeKey, look, err)
			}
		}
		all, err := cli.LookupEvents(ctx, &ct.LookupEventsInput{})
		if err != nil {
			t.Fatal(err)
		}
		mixed := map[string]bool{}
		for _, e := range all.Events {
			mixed[aws.ToString(e.EventSource)] = true
		}
		if !mixed["orders.example.com"] || !mixed["cloudtrail.amazonaws.com"] {
			t.Errorf("LookupEvents without attributes saw sources %v, want activity and management events", mixed)
		}

		// The channel reports its ingestion.
		got, err := cli.GetChannel(ctx, &ct.GetChannelInput{Channel: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if st := got.IngestionStatus; st.LatestIngestionSuccessTime == nil || st.LatestIngestionAttemptTime == nil || aws.ToString(st.LatestIngestionSuccessEventID) == "" {
			t.Errorf("IngestionStatus = %+v", st)
		}

		// DeleteChannel.
		if _, err := cli.DeleteChannel(ctx, &ct.DeleteChannelInput{Channel: aws.String(arn)}); err != nil {
			t.Fatalf("DeleteChannel: %v", err)
		}
		_, err = cli.DeleteChannel(ctx, &ct.DeleteChannelInput{Channel: aws.String(arn)})
		wantAPIError(t, "second DeleteChannel", err, "ChannelNotFoundException")
		_, err = dc.put(t, arn, "", []auditEvent{{ID: "a", EventData: good}})
		wantRequestError(t, "deleted channel", err, "ChannelNotFound")
		if _, err := cli.DeleteChannel(ctx, &ct.DeleteChannelInput{Channel: noDest.ChannelArn}); err != nil {
			t.Errorf("DeleteChannel bare: %v", err)
		}
	})
}
