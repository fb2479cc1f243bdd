package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
)

// Delivery is one outbox row's payload: the request to make, rendered and
// signed when the message was published, so every retry sends the same
// bytes.
type Delivery struct {
	Protocol string            `json:"protocol"` // http, https, email, email-json
	Endpoint string            `json:"endpoint"` // URL or email address
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body"`
	Subject  string            `json:"subject,omitempty"` // email
	From     string            `json:"from,omitempty"`    // email display name (the topic's DisplayName)
	Retry    RetryPolicy       `json:"retry"`
	// Confirmation marks a SubscriptionConfirmation or
	// UnsubscribeConfirmation: SNS's notification metrics count only
	// published messages.
	Confirmation bool `json:"confirmation,omitempty"`
}

// DecodeDelivery reads an outbox payload.
func DecodeDelivery(b []byte) (Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("decode sns delivery: %w", err)
	}
	return d, nil
}

// Message is the JSON document HTTP/HTTPS and email-json endpoints
// receive, members in SNS's order.
type Message struct {
	Type              string                      `json:"Type"`
	MessageId         string                      `json:"MessageId"`
	Token             string                      `json:"Token,omitempty"`
	TopicArn          string                      `json:"TopicArn"`
	Subject           *string                     `json:"Subject,omitempty"`
	Message           string                      `json:"Message"`
	SubscribeURL      string                      `json:"SubscribeURL,omitempty"`
	UnsubscribeURL    string                      `json:"UnsubscribeURL,omitempty"`
	Timestamp         string                      `json:"Timestamp"`
	SignatureVersion  string                      `json:"SignatureVersion"`
	Signature         string                      `json:"Signature"`
	SigningCertURL    string                      `json:"SigningCertURL"`
	MessageAttributes map[string]messageAttribute `json:"MessageAttributes,omitempty"`
}

type messageAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// StringToSign is what Signature signs, as SNS documents it: the listed
// members that are present, each as "name\nvalue\n", in this order.
func (m *Message) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", m.Message)
	add("MessageId", m.MessageId)
	if m.Type == "Notification" {
		if m.Subject != nil {
			add("Subject", *m.Subject)
		}
		add("Timestamp", m.Timestamp)
		add("TopicArn", m.TopicArn)
		add("Type", m.Type)
		return b.String()
	}
	add("SubscribeURL", m.SubscribeURL)
	add("Timestamp", m.Timestamp)
	add("Token", m.Token)
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// sign fills SignatureVersion, Signature and SigningCertURL: SHA1withRSA
// for version 1 (SNS's default), SHA256withRSA for version 2.
func (s *Service) sign(m *Message, version string) error {
	if version != "2" {
		version = "1"
	}
	m.SignatureVersion = version
	m.SigningCertURL = s.certURL
	var (
		digest []byte
		hash   crypto.Hash
	)
	if version == "2" {
		h := sha256.Sum256([]byte(m.StringToSign()))
		digest, hash = h[:], crypto.SHA256
	} else {
		h := sha1.Sum([]byte(m.StringToSign()))
		digest, hash = h[:], crypto.SHA1
	}
	sig, err := s.signer.Sign(rand.Reader, digest, hash)
	if err != nil {
		return fmt.Errorf("sign sns message: %w", err)
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// timestamp is SNS's Timestamp: UTC with milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Service) subscribeURL(topicARN, token string) string {
	return s.publicURL + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicARN) + "&Token=" + url.QueryEscape(token)
}

func (s *Service) unsubscribeURL(subARN string) string {
	return s.publicURL + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subARN)
}

// headers are the x-amz-sns headers of an HTTP/HTTPS delivery.
func headers(m *Message, subARN, contentType string) map[string]string {
	h := map[string]string{
		"Content-Type":           contentType,
		"User-Agent":             "Amazon Simple Notification Service Agent",
		"x-amz-sns-message-type": m.Type,
		"x-amz-sns-message-id":   m.MessageId,
		"x-amz-sns-topic-arn":    m.TopicArn,
	}
	if subARN != "" {
		h["x-amz-sns-subscription-arn"] = subARN
	}
	return h
}

// confirmationDelivery renders the SubscriptionConfirmation (or
// UnsubscribeConfirmation) message for sub.
func (s *Service) confirmationDelivery(t trailwatch.Topic, sub trailwatch.Subscription, kind string) (trailwatch.SNSDelivery, error) {
	now := s.now()
	m := &Message{
		Type: kind, MessageId: newUUID(), Token: sub.Token, TopicArn: t.ARN,
		SubscribeURL: s.subscribeURL(t.ARN, sub.Token), Timestamp: timestamp(now),
	}
	if kind == "SubscriptionConfirmation" {
		m.Message = "You have chosen to subscribe to the topic " + t.ARN + ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
	} else {
		m.Message = "You have chosen to deactivate subscription " + sub.ARN + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	}
	if err := s.sign(m, t.Attributes["SignatureVersion"]); err != nil {
		return trailwatch.SNSDelivery{}, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return trailwatch.SNSDelivery{}, err
	}
	d := Delivery{Protocol: sub.Protocol, Endpoint: sub.Endpoint, From: t.Attributes["DisplayName"], Confirmation: true}
	switch sub.Protocol {
	case "http", "https":
		retry, contentType := httpPolicy(t.Attributes["DeliveryPolicy"], sub.Attributes["DeliveryPolicy"])
		// SNS leaves the subscription ARN header off confirmations: the
		// subscription does not exist for the endpoint yet.
		d.Headers, d.Body, d.Retry = headers(m, "", contentType), string(body), retry
	default:
		name := t.Attributes["DisplayName"]
		if name == "" {
			name = "AWS Notification"
		}
		d.Subject = name + " - Subscription Confirmation"
		d.Body = "You have chosen to subscribe to the topic:\n" + t.ARN +
			"\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n" +
			m.SubscribeURL + "\n"
		d.Retry = emailRetry
	}
	return outboxRow(t.ARN, sub.ARN, now, d)
}

func outboxRow(topicARN, subARN string, now time.Time, d Delivery) (trailwatch.SNSDelivery, error) {
	payload, err := json.Marshal(d)
	if err != nil {
		return trailwatch.SNSDelivery{}, fmt.Errorf("encode sns delivery: %w", err)
	}
	return trailwatch.SNSDelivery{TopicARN: topicARN, SubscriptionARN: subARN, Due: now, Payload: payload}, nil
}

// sendUnsubscribeConfirmation tells an HTTP/HTTPS endpoint it was
// unsubscribed through its UnsubscribeURL. The subscription row is gone,
// so the message is sent once, directly through a new pending
// subscription that re-subscribing would confirm.
func (s *Service) sendUnsubscribeConfirmation(ctx context.Context, sub trailwatch.Subscription) {
	t, err := s.store.GetTopic(ctx, sub.TopicARN)
	if err != nil {
		return
	}
	now := s.now().UTC()
	again := sub
	again.ARN = t.ARN + ":" + newUUID()
	again.Pending, again.Token, again.TokenExpires, again.CreatedAt = true, newToken(), now.Add(tokenLifetime), now
	again.ConfirmationWasAuthenticated = false
	created, err := s.store.CreateSubscription(ctx, again)
	if err != nil {
		return
	}
	d, err := s.confirmationDelivery(t, created, "UnsubscribeConfirmation")
	if err != nil {
		return
	}
	if s.store.EnqueueDeliveries(ctx, []trailwatch.SNSDelivery{d}) == nil {
		s.wake()
	}
}
