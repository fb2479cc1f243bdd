package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCLISNS drives topics, an HTTP subscription with its confirmation
// handshake, a filter policy, publish and publish-batch with each AWS CLI
// on the machine.
func TestCLISNS(t *testing.T) {
	t.Parallel() // its own server and endpoint
	clis := awsCLIs(t)
	p := startServer(t, t.TempDir())
	msgs := make(chan cliSNSMessage, 16)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m cliSNSMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("SNS message is not JSON: %s", b)
		}
		if m.Type != r.Header.Get("x-amz-sns-message-type") {
			t.Errorf("x-amz-sns-message-type %q for a %q message", r.Header.Get("x-amz-sns-message-type"), m.Type)
		}
		msgs <- m
	}))
	defer endpoint.Close()
	next := func(t *testing.T, typ string) cliSNSMessage {
		t.Helper()
		select {
		case m := <-msgs:
			if m.Type != typ {
				t.Fatalf("received %s %q, want a %s", m.Type, m.Message, typ)
			}
			return m
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s within 30s", typ)
		}
		return cliSNSMessage{}
	}

	for _, c := range clis {
		t.Run(c.name(), func(t *testing.T) {
			run := func(out any, args ...string) { t.Helper(); runCLI(t, c, p, rootKey, rootSecret, out, args...) }
			var topic struct{ TopicArn string }
			run(&topic, "sns", "create-topic", "--name", "alerts-"+c.name())
			arn := topic.TopicArn
			if !strings.HasSuffix(arn, ":alerts-"+c.name()) {
				t.Fatalf("create-topic = %q", arn)
			}
			var topics struct{ Topics []struct{ TopicArn string } }
			run(&topics, "sns", "list-topics")
			if !hasTopic(topics.Topics, arn) {
				t.Fatalf("list-topics = %+v, want %s", topics, arn)
			}
			run(nil, "sns", "set-topic-attributes", "--topic-arn", arn, "--attribute-name", "DisplayName", "--attribute-value", "On-call")
			var attrs struct{ Attributes map[string]string }
			run(&attrs, "sns", "get-topic-attributes", "--topic-arn", arn)
			if attrs.Attributes["DisplayName"] != "On-call" || attrs.Attributes["TopicArn"] != arn || attrs.Attributes["SubscriptionsPending"] != "0" {
				t.Fatalf("get-topic-attributes = %v", attrs.Attributes)
			}

			var sub struct{ SubscriptionArn string }
			run(&sub, "sns", "subscribe", "--topic-arn", arn, "--protocol", "http", "--notification-endpoint", endpoint.URL+"/hook")
			if sub.SubscriptionArn != "pending confirmation" {
				t.Fatalf("subscribe = %q, want pending confirmation", sub.SubscriptionArn)
			}
			confirm := next(t, "SubscriptionConfirmation")
			run(&sub, "sns", "confirm-subscription", "--topic-arn", arn, "--token", confirm.Token)
			if !strings.HasPrefix(sub.SubscriptionArn, arn+":") {
				t.Fatalf("confirm-subscription = %q", sub.SubscriptionArn)
			}
			var subs struct {
				Subscriptions []struct{ SubscriptionArn, Protocol, Endpoint, TopicArn string }
			}
			run(&subs, "sns", "list-subscriptions-by-topic", "--topic-arn", arn)
			if len(subs.Subscriptions) != 1 || subs.Subscriptions[0].SubscriptionArn != sub.SubscriptionArn || subs.Subscriptions[0].Endpoint != endpoint.URL+"/hook" {
				t.Fatalf("list-subscriptions-by-topic = %+v", subs)
			}
			run(&subs, "sns", "list-subscriptions")
			found := false
			for _, s := range subs.Subscriptions {
				found = found || s.SubscriptionArn == sub.SubscriptionArn && s.Protocol == "http" && s.TopicArn == arn
			}
			if !found {
				t.Fatalf("list-subscriptions = %+v, want %s", subs, sub.SubscriptionArn)
			}

			run(nil, "sns", "set-subscription-attributes", "--subscription-arn", sub.SubscriptionArn,
				"--attribute-name", "FilterPolicy", "--attribute-value", `{"severity":["high"]}`)
			var pub struct{ MessageId string }
			run(&pub, "sns", "publish", "--topic-arn", arn, "--message", "disk almost full", "--subject", "low",
				"--message-attributes", `{"severity":{"DataType":"String","StringValue":"low"}}`)
			run(&pub, "sns", "publish", "--topic-arn", arn, "--message", "database down", "--subject", "high",
				"--message-attributes", `{"severity":{"DataType":"String","StringValue":"high"}}`)
			// The filter policy held back the first; the second is the next message.
			n := next(t, "Notification")
			if n.Message != "database down" || n.Subject != "high" || n.MessageId != pub.MessageId || n.TopicArn != arn {
				t.Fatalf("notification = %v, want the high-severity message %s", n, pub.MessageId)
			}

			run(nil, "sns", "set-subscription-attributes", "--subscription-arn", sub.SubscriptionArn, "--attribute-name", "FilterPolicy", "--attribute-value", "{}")
			var batch struct {
				Successful []struct{ Id, MessageId string }
				Failed     []struct{ Id, Code string }
			}
			run(&batch, "sns", "publish-batch", "--topic-arn", arn, "--publish-batch-request-entries",
				"Id=one,Message=first of two", "Id=two,Message=second of two")
			if len(batch.Successful) != 2 || len(batch.Failed) != 0 {
				t.Fatalf("publish-batch = %+v", batch)
			}
			got := map[string]bool{next(t, "Notification").Message: true, next(t, "Notification").Message: true}
			if !got["first of two"] || !got["second of two"] {
				t.Fatalf("publish-batch delivered %v", got)
			}

			run(nil, "sns", "unsubscribe", "--subscription-arn", sub.SubscriptionArn)
			run(&subs, "sns", "list-subscriptions-by-topic", "--topic-arn", arn)
			if len(subs.Subscriptions) != 0 {
				t.Fatalf("list-subscriptions-by-topic after unsubscribe = %+v", subs)
			}
			run(nil, "sns", "delete-topic", "--topic-arn", arn)
			run(&topics, "sns", "list-topics")
			if hasTopic(topics.Topics, arn) {
				t.Fatalf("list-topics after delete-topic still has %s", arn)
			}
			if out := cliFails(t, c, p, rootKey, rootSecret, "sns", "publish", "--topic-arn", arn, "--message", "x"); !strings.Contains(out, "NotFound") {
				t.Fatalf("publish to a deleted topic: %s, want NotFound", out)
			}
		})
	}
}

func hasTopic(topics []struct{ TopicArn string }, arn string) bool {
	for _, tp := range topics {
		if tp.TopicArn == arn {
			return true
		}
	}
	return false
}

// cliSNSMessage is what TestCLISNS reads of an SNS HTTP message (signatures are
// checked by the sns package's SDK tests).
type cliSNSMessage struct{ Type, MessageId, TopicArn, Subject, Message, Token string }
