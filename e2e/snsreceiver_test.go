package e2e

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// snsCertPath is where a trailwatch server serves its SNS signing
// certificate (internal/server.SNSCertPath): the one SigningCertURL a
// receiver of that server trusts, as AWS receivers trust only
// https://sns.REGION.amazonaws.com/.
const snsCertPath = "/_trailwatch/sns/SimpleNotificationService.pem"

// snsMessage is an SNS HTTP/HTTPS delivery as the receiver saw it.
type snsMessage struct {
	Type, MessageId, Token, TopicArn, Message, SubscribeURL, UnsubscribeURL string
	Subject                                                                 *string
	Timestamp, SignatureVersion, Signature, SigningCertURL                  string
	// SubscriptionArn is the x-amz-sns-subscription-arn header.
	SubscriptionArn string `json:"-"`
}

// snsReceiver is an HTTP endpoint that handles SNS deliveries as a
// careful subscriber does: it verifies every message's signature with the
// certificate at SigningCertURL, after checking that URL names the trusted
// server, confirms subscriptions by fetching SubscribeURL, and passes
// notifications on.
type snsReceiver struct {
	URL           string
	Notifications chan snsMessage
	// Confirmed receives the SignatureVersion of each confirmed
	// SubscriptionConfirmation.
	Confirmed chan string

	t       testing.TB
	trusted string // base URL of the trailwatch server
	client  *http.Client
}

func startSNSReceiver(t testing.TB, trusted string) *snsReceiver {
	r := &snsReceiver{Notifications: make(chan snsMessage, 16), Confirmed: make(chan string, 4), t: t,
		trusted: strings.TrimSuffix(trusted, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	hs := httptest.NewServer(r)
	t.Cleanup(hs.Close)
	r.URL = hs.URL + "/sns"
	return r
}

func (r *snsReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	m, err := r.receive(req)
	if err != nil {
		// SNS does not retry a 4xx; the test fails on what it got.
		r.t.Errorf("sns receiver: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch m.Type {
	case "SubscriptionConfirmation":
		if err := r.confirm(m); err != nil {
			r.t.Errorf("sns receiver: confirm: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		deliver(r.t, r.Confirmed, m.SignatureVersion)
	case "Notification":
		deliver(r.t, r.Notifications, m)
	}
}

// deliver hands v to the test without blocking: a handler stuck on a
// full channel would keep the test server from closing.
func deliver[T any](t testing.TB, c chan T, v T) {
	select {
	case c <- v:
	default:
		t.Errorf("more deliveries than the test expects (%d unread): %v", len(c), v)
	}
}

// receive reads and verifies one delivery.
func (r *snsReceiver) receive(req *http.Request) (snsMessage, error) {
	var m snsMessage
	if req.Method != http.MethodPost {
		return m, fmt.Errorf("method %s, want POST", req.Method)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, fmt.Errorf("body is not an SNS message: %v: %s", err, body)
	}
	m.SubscriptionArn = req.Header.Get("x-amz-sns-subscription-arn")
	for h, want := range map[string]string{"x-amz-sns-message-type": m.Type, "x-amz-sns-message-id": m.MessageId, "x-amz-sns-topic-arn": m.TopicArn} {
		if got := req.Header.Get(h); got != want {
			return m, fmt.Errorf("header %s = %q, message says %q", h, got, want)
		}
	}
	if err := r.verify(&m); err != nil {
		return m, err
	}
	return m, nil
}

// verify checks the signature as SNS documents it ("Verifying the
// signatures of Amazon SNS messages"): the certificate comes from
// SigningCertURL, which must name the trusted host; the string to sign is
// the message's listed fields, each as "name\nvalue\n" in that order,
// Subject only when present; SignatureVersion 1 is SHA1withRSA and 2
// SHA256withRSA.
func (r *snsReceiver) verify(m *snsMessage) error {
	if m.SigningCertURL != r.trusted+snsCertPath {
		return fmt.Errorf("SigningCertURL %q is not the trusted server's certificate", m.SigningCertURL)
	}
	resp, err := r.client.Get(m.SigningCertURL)
	if err != nil {
		return fmt.Errorf("fetch certificate: %w", err)
	}
	pemBytes, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch certificate: %s %v", resp.Status, err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return fmt.Errorf("SigningCertURL did not return a PEM certificate: %q", pemBytes)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return err
	}
	if now := time.Now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("certificate valid %v to %v, not now", cert.NotBefore, cert.NotAfter)
	}
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", m.Message)
	add("MessageId", m.MessageId)
	switch m.Type {
	case "Notification":
		if m.Subject != nil {
			add("Subject", *m.Subject)
		}
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		add("SubscribeURL", m.SubscribeURL)
	default:
		return fmt.Errorf("unknown message Type %q", m.Type)
	}
	add("Timestamp", m.Timestamp)
	if m.Type != "Notification" {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return fmt.Errorf("Signature is not base64: %w", err)
	}
	var algo x509.SignatureAlgorithm
	switch m.SignatureVersion {
	case "1":
		algo = x509.SHA1WithRSA
	case "2":
		algo = x509.SHA256WithRSA
	default:
		return fmt.Errorf("unknown SignatureVersion %q", m.SignatureVersion)
	}
	if err := cert.CheckSignature(algo, []byte(b.String()), sig); err != nil {
		return fmt.Errorf("signature (version %s) does not verify: %w", m.SignatureVersion, err)
	}
	return nil
}

// confirm visits SubscribeURL, after checking it points at the trusted
// server, and checks the answer names a subscription.
func (r *snsReceiver) confirm(m snsMessage) error {
	return visitSubscribeURL(r.client, r.trusted, m.SubscribeURL)
}

// visitSubscribeURL is what a subscriber's click on the confirmation link
// does; the link must point at the trusted server.
func visitSubscribeURL(c *http.Client, trusted, link string) error {
	if !strings.HasPrefix(link, trusted+"/?Action=ConfirmSubscription&") {
		return fmt.Errorf("SubscribeURL %q does not point at the trusted server", link)
	}
	resp, err := c.Get(link)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<SubscriptionArn>arn:aws:sns:") {
		return fmt.Errorf("SubscribeURL answered %s: %s", resp.Status, b)
	}
	return nil
}
