package sns_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Errorf("error = %s: %s, want %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// verify checks an SNS message the way SNS's documentation tells
// receivers to: fetch SigningCertURL, build the string to sign from the
// listed fields, check the RSA signature (SHA1 for version 1, SHA256 for 2).
func verify(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("message is not JSON: %v: %s", err, body)
	}
	resp, err := http.Get(m["SigningCertURL"].(string))
	if err != nil {
		t.Fatalf("fetch certificate: %v", err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatalf("certificate is not PEM: %q", pemBytes)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	if m["Type"] == "Notification" {
		fields = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	} else {
		fields = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var sb strings.Builder
	for _, f := range fields {
		if v, ok := m[f].(string); ok {
			sb.WriteString(f + "\n" + v + "\n")
		}
	}
	sig, err := base64.StdEncoding.DecodeString(m["Signature"].(string))
	if err != nil {
		t.Fatal(err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	switch m["SignatureVersion"] {
	case "1":
		h := sha1.Sum([]byte(sb.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig)
	case "2":
		h := sha256.Sum256([]byte(sb.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	default:
		t.Fatalf("SignatureVersion %v", m["SignatureVersion"])
	}
	if err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	return m
}

type received struct {
	header http.Header
	body   []byte
}

func TestSNSEndToEnd(t *testing.T) {
	srv := testserver.Start(t, testserver.WithConfig(func(c *server.Config) { c.SNSPollInterval = 50 * time.Millisecond }))
	ctx := context.Background()
	c := awssns.NewFromConfig(srv.RootConfig())

	got := make(chan received, 10)
	fail := make(chan bool, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case <-fail:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		default:
		}
		got <- received{r.Header, b}
	}))
	defer recv.Close()
	wait := func() received {
		t.Helper()
		select {
		case r := <-got:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
		return received{}
	}

	// Topics.
	_, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("bad name")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Topic Name")
	out, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("alerts"),
		Attributes: map[string]string{"SignatureVersion": "2", "DisplayName": "Alerts"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *out.TopicArn
	if want := "arn:aws:sns:us-east-1:" + srv.Root.AccountID + ":alerts"; arn != want {
		t.Fatalf("TopicArn = %s, want %s", arn, want)
	}
	again, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil || *again.TopicArn != arn {
		t.Errorf("CreateTopic again = %v, %v", again, err)
	}
	_, err = c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("alerts"), Attributes: map[string]string{"DisplayName": "x"}})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
	_, err = c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("q.fifo")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Topic Name")
	if _, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("q.fifo"), Attributes: map[string]string{"FifoTopic": "true"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil || len(lt.Topics) != 2 {
		t.Errorf("ListTopics = %v, %v", lt, err)
	}
	if _, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Nope"), AttributeValue: aws.String("x")}); err == nil {
		t.Error("SetTopicAttributes with an unknown name succeeded")
	} else {
		wantCode(t, err, "InvalidParameter", "Invalid parameter: AttributeName")
	}
	_, err = c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: aws.String(arn + "x")})
	wantCode(t, err, "NotFound", "Topic does not exist")
	_, err = c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: aws.String("nope")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: TopicArn")

	// Subscribe: the endpoint gets a signed SubscriptionConfirmation and
	// confirms through its SubscribeURL, without credentials.
	_, err = c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("https"), Endpoint: aws.String(recv.URL)})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol")
	sub, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(recv.URL),
		Attributes: map[string]string{"FilterPolicy": `{"severity":["high"]}`}})
	if err != nil || *sub.SubscriptionArn != "pending confirmation" {
		t.Fatalf("Subscribe = %v, %v", sub, err)
	}
	conf := wait()
	if conf.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" {
		t.Errorf("headers %v", conf.header)
	}
	m := verify(t, conf.body)
	resp, err := http.Get(m["SubscribeURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	xmlBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(xmlBody), "<SubscriptionArn>"+arn+":") {
		t.Fatalf("SubscribeURL answered %d %s", resp.StatusCode, xmlBody)
	}
	subs, err := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(subs.Subscriptions) != 1 || !strings.HasPrefix(*subs.Subscriptions[0].SubscriptionArn, arn+":") {
		t.Fatalf("ListSubscriptionsByTopic = %+v, %v", subs, err)
	}
	subARN := *subs.Subscriptions[0].SubscriptionArn
	attrs, err := c.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: &subARN})
	if err != nil || attrs.Attributes["PendingConfirmation"] != "false" || attrs.Attributes["FilterPolicyScope"] != "MessageAttributes" {
		t.Errorf("GetSubscriptionAttributes = %v, %v", attrs, err)
	}
	_, err = c.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
		AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("maybe")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: RawMessageDelivery: Invalid value [maybe]. Must be true or false.")
	if _, err := c.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
		AttributeName: aws.String("DeliveryPolicy"), AttributeValue: aws.String(`{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":2}}`)}); err != nil {
		t.Fatal(err)
	}

	// The filtered-out message never arrives; the matching one arrives
	// signed, after one failed attempt.
	if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("low"),
		MessageAttributes: map[string]types.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("low")}}}); err != nil {
		t.Fatal(err)
	}
	fail <- true
	pub, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("disk\nfull"), Subject: aws.String("Alarm"),
		MessageAttributes: map[string]types.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("high")}}})
	if err != nil {
		t.Fatal(err)
	}
	n := wait()
	m = verify(t, n.body)
	if m["Message"] != "disk\nfull" || m["MessageId"] != *pub.MessageId || m["Subject"] != "Alarm" || n.header.Get("x-amz-sns-subscription-arn") != subARN {
		t.Errorf("notification %s, headers %v", n.body, n.header)
	}
	if a := m["MessageAttributes"].(map[string]any)["severity"].(map[string]any); a["Value"] != "high" || a["Type"] != "String" {
		t.Errorf("MessageAttributes %v", a)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Server().SNSCounts(arn).Delivered < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// As SNS counts them: the confirmation in neither, the notification
	// delivered, and its failed first attempt to an HTTP endpoint failed.
	if got := srv.Server().SNSCounts(arn); got.Delivered != 1 || got.Failed != 1 {
		t.Errorf("counts = %+v, want 1 delivered and 1 failed attempt", got)
	}

	// "{}" removes the filter policy, as the SNS guide's example does.
	if _, err := c.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
		AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(" { } ")}); err != nil {
		t.Fatalf("remove the filter policy: %v", err)
	}
	attrs, err = c.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: &subARN})
	if _, ok := attrs.Attributes["FilterPolicy"]; err != nil || ok {
		t.Errorf("after FilterPolicy {}: attributes %v, %v; want no FilterPolicy", attrs.Attributes, err)
	}

	// Publish errors.
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String(strings.Repeat("x", 262145))})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Message too long")
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String(`{"http":"x"}`), MessageStructure: aws.String("json")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("m"),
		MessageAttributes: map[string]types.MessageAttributeValue{".bad": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
	wantCode(t, err, "ParameterValueInvalid", "Invalid message attribute name starting with character '.' was found.")
	_, err = c.Publish(ctx, &awssns.PublishInput{Message: aws.String("m")})
	wantCode(t, err, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")

	// PublishBatch.
	_, err = c.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("1")}, {Id: aws.String("a"), Message: aws.String("2")}}})
	wantCode(t, err, "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
	var many []types.PublishBatchRequestEntry
	for i := range 11 {
		many = append(many, types.PublishBatchRequestEntry{Id: aws.String(string(rune('a' + i))), Message: aws.String("m")})
	}
	_, err = c.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: many})
	wantCode(t, err, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
	pb, err := c.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("ok"), Message: aws.String("1")}, {Id: aws.String("bad"), Message: aws.String("2"), Subject: aws.String("")}}})
	if err != nil || len(pb.Successful) != 1 || len(pb.Failed) != 1 || *pb.Failed[0].Code != "InvalidParameter" || *pb.Failed[0].Id != "bad" {
		t.Errorf("PublishBatch = %+v, %v", pb, err)
	}

	// Unsubscribe and DeleteTopic are idempotent.
	if _, err := c.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: &subARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: &subARN}); err != nil {
		t.Errorf("Unsubscribe twice: %v", err)
	}
	_, err = c.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: &subARN})
	wantCode(t, err, "NotFound", "Subscription does not exist")
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Errorf("DeleteTopic twice: %v", err)
	}
	ls, err := c.ListSubscriptions(ctx, &awssns.ListSubscriptionsInput{})
	if err != nil || len(ls.Subscriptions) != 0 {
		t.Errorf("ListSubscriptions = %+v, %v", ls, err)
	}
}
