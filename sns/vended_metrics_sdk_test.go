package sns_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// TestSDKSNSMetrics: Publish and PublishBatch are counted in AWS/SNS
// NumberOfMessagesPublished and PublishSize, deliveries in
// NumberOfNotificationsDelivered and NumberOfNotificationsFailed (every
// failed attempt to an HTTP endpoint; confirmations not at all), per
// TopicName, read back exactly with the CloudWatch client.
func TestSDKSNSMetrics(t *testing.T) {
	fast := testserver.WithConfig(func(c *server.Config) { c.SNSPollInterval = 50 * time.Millisecond })
	t.Run("sqlite", func(t *testing.T) { testSDKSNSMetrics(t, testserver.Start(t, fast)) })
	t.Run("postgres", func(t *testing.T) {
		testSDKSNSMetrics(t, testserver.Start(t, fast, testserver.WithBackend(testenv.Postgres(t))))
	})
}

// confirmingEndpoint confirms subscriptions and answers notifications
// with status.
func confirmingEndpoint(t *testing.T, status int) *httptest.Server {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ Type, SubscribeURL string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("endpoint got %s", b)
		}
		if m.Type == "SubscriptionConfirmation" {
			resp, err := http.Get(m.SubscribeURL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func testSDKSNSMetrics(t *testing.T, srv *testserver.Server) {
	ctx := context.Background()
	c := awssns.NewFromConfig(srv.RootConfig())
	cw := awscw.NewFromConfig(srv.RootConfig())
	start := time.Now()

	topic := func(name string) string {
		t.Helper()
		out, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.TopicArn
	}
	busy, quiet := topic("busy"), topic("quiet")
	for _, ep := range []struct {
		url    string
		policy string
	}{
		{confirmingEndpoint(t, http.StatusOK).URL, ""},
		// One retry a second after the first attempt: two failed attempts
		// per message.
		{confirmingEndpoint(t, http.StatusInternalServerError).URL, `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":1}}`},
	} {
		attrs := map[string]string{}
		if ep.policy != "" {
			attrs["DeliveryPolicy"] = ep.policy
		}
		if _, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &busy, Protocol: aws.String("http"), Endpoint: aws.String(ep.url), Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		subs, err := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &busy})
		if err != nil {
			t.Fatal(err)
		}
		confirmed := 0
		for _, s := range subs.Subscriptions {
			if *s.SubscriptionArn != "PendingConfirmation" && *s.SubscriptionArn != "pending confirmation" {
				confirmed++
			}
		}
		if confirmed == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriptions not confirmed: %+v", subs.Subscriptions)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Three messages reach the busy topic, of 5, 7 + 8 (the attribute's
	// name, type and value) and 3 bytes; a batch entry SNS refuses is
	// not counted. One message goes to the topic without subscribers.
	if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &busy, Message: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &busy, Message: aws.String("world!!"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	batch, err := c.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: &busy, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("ok"), Message: aws.String("xyz")},
		{Id: aws.String("bad"), Message: aws.String("nope"),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Foo"), StringValue: aws.String("x")}}},
	}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 {
		t.Fatalf("PublishBatch = %+v, %v", batch, err)
	}
	if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &quiet, Message: aws.String("anyone?")}); err != nil {
		t.Fatal(err)
	}

	deadline = time.Now().Add(20 * time.Second)
	for got := srv.Server().SNSCounts(busy); got.Delivered < 3 || got.Failed < 6; got = srv.Server().SNSCounts(busy) {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries so far %+v, want 3 delivered and 6 failed attempts", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := srv.Server().FlushVendedMetrics(ctx); err != nil {
		t.Fatal(err)
	}

	type stats struct {
		SampleCount, Sum, Minimum, Maximum float64
		Unit                               cwtypes.StandardUnit
	}
	read := func(name, topic string) []stats {
		t.Helper()
		out, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/SNS"), MetricName: aws.String(name),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("TopicName"), Value: aws.String(topic)}},
			StartTime:  aws.Time(start.Add(-10 * time.Minute)), EndTime: aws.Time(start.Add(50 * time.Minute)), Period: aws.Int32(3600),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount, cwtypes.StatisticSum, cwtypes.StatisticMinimum, cwtypes.StatisticMaximum},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []stats
		for _, d := range out.Datapoints {
			got = append(got, stats{*d.SampleCount, *d.Sum, *d.Minimum, *d.Maximum, d.Unit})
		}
		return got
	}
	count := cwtypes.StandardUnitCount
	for _, tc := range []struct {
		metric, topic string
		want          []stats
	}{
		{"NumberOfMessagesPublished", "busy", []stats{{3, 3, 1, 1, count}}},
		{"PublishSize", "busy", []stats{{3, 23, 3, 15, cwtypes.StandardUnitBytes}}},
		{"NumberOfNotificationsDelivered", "busy", []stats{{3, 3, 1, 1, count}}},
		{"NumberOfNotificationsFailed", "busy", []stats{{6, 6, 1, 1, count}}},
		{"NumberOfMessagesPublished", "quiet", []stats{{1, 1, 1, 1, count}}},
		{"PublishSize", "quiet", []stats{{1, 7, 7, 7, cwtypes.StandardUnitBytes}}},
		{"NumberOfNotificationsDelivered", "quiet", nil},
	} {
		if d := cmp.Diff(tc.want, read(tc.metric, tc.topic)); d != "" {
			t.Errorf("%s TopicName=%s (-want +got):\n%s", tc.metric, tc.topic, d)
		}
	}
}
