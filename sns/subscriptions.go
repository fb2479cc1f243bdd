package sns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// tokenLifetime is how long a confirmation token is valid: two days.
const tokenLifetime = 48 * time.Hour

// pendingARN is what Subscribe answers, and the list operations show, for
// a subscription still waiting for confirmation.
const pendingARN = "pending confirmation"

// protocols are the protocols trailwatch delivers to.
var protocols = map[string]bool{"http": true, "https": true, "email": true, "email-json": true}

// otherProtocols are SNS protocols trailwatch has no destination for.
var otherProtocols = map[string]bool{"sms": true, "sqs": true, "application": true, "lambda": true, "firehose": true}

// subscriptionAttributes are the attributes Subscribe and
// SetSubscriptionAttributes accept, with their validators. RawMessageDelivery
// applies to HTTP/HTTPS only here (SQS and Firehose have no destination).
var subscriptionAttributes = map[string]func(sub *trailwatch.Subscription, v string) error{
	"DeliveryPolicy": func(sub *trailwatch.Subscription, v string) error {
		if sub.Protocol != "http" && sub.Protocol != "https" {
			return errInvalidParameter("DeliveryPolicy: only HTTP/S subscriptions support delivery policies")
		}
		return validSubscriptionDeliveryPolicy(v)
	},
	"FilterPolicy": func(sub *trailwatch.Subscription, v string) error {
		if v == "" || emptyPolicy(v) {
			return nil
		}
		scope := sub.Attributes["FilterPolicyScope"]
		_, err := ParseFilterPolicy(v, scope == "MessageBody")
		if err != nil {
			return errInvalidParameter("FilterPolicy: " + err.Error())
		}
		return nil
	},
	"FilterPolicyScope": func(_ *trailwatch.Subscription, v string) error {
		if v != "MessageAttributes" && v != "MessageBody" {
			return errInvalidParameter("FilterPolicyScope: Invalid value [" + v + "]. Please use either MessageBody or MessageAttributes")
		}
		return nil
	},
	"RawMessageDelivery": func(sub *trailwatch.Subscription, v string) error {
		if lv := strings.ToLower(v); lv != "true" && lv != "false" {
			return errInvalidParameter("RawMessageDelivery: Invalid value [" + v + "]. Must be true or false.")
		}
		if sub.Protocol != "http" && sub.Protocol != "https" {
			return errInvalidParameter("Delivery protocol [" + sub.Protocol + "] does not support raw message delivery.")
		}
		return nil
	},
}

// setSubscriptionAttribute validates and sets one attribute on sub.
// prefix is how SNS introduces the reason: "Attributes Reason: " on
// Subscribe.
func setSubscriptionAttribute(sub *trailwatch.Subscription, name, value, prefix string) error {
	check, ok := subscriptionAttributes[name]
	if !ok {
		return errInvalidParameter(prefix + "AttributeName")
	}
	if name == "RawMessageDelivery" {
		value = strings.ToLower(value)
	}
	if err := check(sub, value); err != nil {
		var ae *awserr.Error
		if prefix != "" && errors.As(err, &ae) {
			ae.Message = "Invalid parameter: " + prefix + strings.TrimPrefix(ae.Message, "Invalid parameter: ")
		}
		return err
	}
	if value == "" && name != "FilterPolicyScope" || name == "FilterPolicy" && emptyPolicy(value) {
		delete(sub.Attributes, name)
		return nil
	}
	sub.Attributes[name] = value
	// A new scope must still fit the stored policy, and the other way
	// round.
	if name == "FilterPolicyScope" {
		if p := sub.Attributes["FilterPolicy"]; p != "" {
			if _, err := ParseFilterPolicy(p, value == "MessageBody"); err != nil {
				return errInvalidParameter("FilterPolicy: " + err.Error())
			}
		}
	}
	return nil
}

// emptyPolicy reports whether v is the empty JSON object, which removes a
// subscription's filter policy (the SNS guide's set-subscription-attributes
// example sets "{}" to do so).
func emptyPolicy(v string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(v), &m) == nil && m != nil && len(m) == 0
}

// Subscribe subscribes an endpoint to a topic. HTTP/HTTPS endpoints are
// sent a SubscriptionConfirmation and email ones a confirmation email;
// the subscription stays pending until ConfirmSubscription. Subscribing
// the same endpoint again returns the existing subscription.
func (s *Service) Subscribe(ctx context.Context, in *SubscribeInput) (*SubscriptionArnOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.topic(ctx, c, in.TopicArn, "Subscribe")
	if err != nil {
		return nil, err
	}
	switch {
	case protocols[in.Protocol]:
	case otherProtocols[in.Protocol]:
		return nil, errInvalidParameter("Protocol Reason: this server delivers only to http, https, email and email-json endpoints")
	default:
		return nil, errInvalidParameter("Amazon SNS does not support this protocol string: " + in.Protocol)
	}
	switch in.Protocol {
	case "http", "https":
		if !strings.HasPrefix(in.Endpoint, in.Protocol+"://") || len(in.Endpoint) == len(in.Protocol)+3 {
			return nil, errInvalidParameter("Endpoint must match the specified protocol")
		}
	case "email", "email-json":
		at := strings.LastIndexByte(in.Endpoint, '@')
		if at <= 0 || at == len(in.Endpoint)-1 || strings.ContainsAny(in.Endpoint, " \r\n<>") {
			return nil, errInvalidParameter("Email address")
		}
	}
	now := s.now().UTC()
	sub := trailwatch.Subscription{
		ARN: t.ARN + ":" + newUUID(), TopicARN: t.ARN, AccountID: c.AccountID, Region: c.Region,
		Protocol: in.Protocol, Endpoint: in.Endpoint, Attributes: map[string]string{},
		Pending: true, Token: newToken(), TokenExpires: now.Add(tokenLifetime), CreatedAt: now,
	}
	// FilterPolicyScope first, so the policy is checked against it.
	for _, k := range sortedKeys(in.Attributes) {
		if k != "FilterPolicyScope" {
			continue
		}
		if err := setSubscriptionAttribute(&sub, k, in.Attributes[k], "Attributes Reason: "); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(in.Attributes) {
		if k == "FilterPolicyScope" {
			continue
		}
		if err := setSubscriptionAttribute(&sub, k, in.Attributes[k], "Attributes Reason: "); err != nil {
			return nil, err
		}
	}
	got, err := s.store.CreateSubscription(ctx, sub)
	switch {
	case errors.Is(err, storage.ErrExists):
		for k, v := range sub.Attributes {
			if got.Attributes[k] != v {
				return nil, errInvalidParameter("Attributes Reason: Subscription already exists with different attributes")
			}
		}
		if got.Pending && !in.ReturnSubscriptionArn {
			return &SubscriptionArnOutput{SubscriptionArn: pendingARN}, nil
		}
		return &SubscriptionArnOutput{SubscriptionArn: got.ARN}, nil
	case errors.Is(err, storage.ErrNotFound):
		return nil, errTopicNotFound()
	case err != nil:
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	d, err := s.confirmationDelivery(t, sub, "SubscriptionConfirmation")
	if err != nil {
		return nil, err
	}
	if err := s.store.EnqueueDeliveries(ctx, []trailwatch.SNSDelivery{d}); err != nil {
		return nil, fmt.Errorf("queue subscription confirmation: %w", err)
	}
	s.wake()
	if !in.ReturnSubscriptionArn {
		return &SubscriptionArnOutput{SubscriptionArn: pendingARN}, nil
	}
	return &SubscriptionArnOutput{SubscriptionArn: sub.ARN}, nil
}

// ConfirmSubscription confirms the subscription the token was sent for.
// It is also what the SubscribeURL of a confirmation message calls, without
// credentials: the topic ARN then names the account, and the call is
// recorded as unauthenticated.
func (s *Service) ConfirmSubscription(ctx context.Context, in *ConfirmSubscriptionInput) (*SubscriptionArnOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	region, account, name, ok := arnParts(in.TopicArn)
	if !ok || strings.Contains(name, ":") {
		return nil, errInvalidParameter("Topic")
	}
	if c != nil && region != c.Region {
		return nil, errInvalidParameter("Topic")
	}
	if in.AuthenticateOnUnsubscribe != "" && in.AuthenticateOnUnsubscribe != "true" && in.AuthenticateOnUnsubscribe != "false" {
		return nil, errInvalidParameter("AuthenticateOnUnsubscribe")
	}
	if in.AuthenticateOnUnsubscribe == "true" && c == nil {
		return nil, errInvalidParameter("AuthenticateOnUnsubscribe Reason: the request must be signed to set AuthenticateOnUnsubscribe")
	}
	var found *trailwatch.Subscription
	after := ""
	for found == nil {
		subs, err := s.store.ListSubscriptions(ctx, account, region, in.TopicArn, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("find subscription: %w", err)
		}
		for i := range subs {
			if subs[i].Token == in.Token {
				found = &subs[i]
				break
			}
		}
		if len(subs) < 1000 {
			break
		}
		after = subs[len(subs)-1].ARN
	}
	now := s.now()
	if found == nil || (found.Pending && now.After(found.TokenExpires)) {
		return nil, errInvalidParameter("Token")
	}
	if !found.Pending {
		// ConfirmSubscription is idempotent.
		return &SubscriptionArnOutput{SubscriptionArn: found.ARN}, nil
	}
	err := s.store.UpdateSubscription(ctx, found.ARN, func(sub *trailwatch.Subscription) error {
		sub.Pending = false
		sub.ConfirmationWasAuthenticated = c != nil
		if in.AuthenticateOnUnsubscribe == "true" {
			sub.Attributes["AuthenticateOnUnsubscribe"] = "true"
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errInvalidParameter("Token")
	}
	if err != nil {
		return nil, fmt.Errorf("confirm subscription: %w", err)
	}
	return &SubscriptionArnOutput{SubscriptionArn: found.ARN}, nil
}

// subscriptionARNParts checks a subscription ARN's form: SNS's
// InvalidParameter messages otherwise.
func subscriptionARNParts(arn string) (region, account string, err error) {
	region, account, resource, ok := arnParts(arn)
	if !ok {
		return "", "", errInvalidParameter("SubscriptionArn Reason: An ARN must have at least 6 elements, not " + strconv.Itoa(strings.Count(arn, ":")+1))
	}
	if !strings.Contains(resource, ":") {
		return "", "", errInvalidParameter("SubscriptionId")
	}
	return region, account, nil
}

// Unsubscribe deletes a subscription. Unsubscribing one that does not
// exist succeeds, as on SNS. Without credentials (the UnsubscribeURL of a
// notification) HTTP/HTTPS endpoints are sent an UnsubscribeConfirmation
// whose SubscribeURL re-subscribes them.
func (s *Service) Unsubscribe(ctx context.Context, in *UnsubscribeInput) (*Empty, error) {
	c := trailwatch.CallerFromContext(ctx)
	region, account, err := subscriptionARNParts(in.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	if c != nil && (region != c.Region || account != c.AccountID) {
		return nil, errNotAuthorized(c.ARN, "Unsubscribe", in.SubscriptionArn)
	}
	sub, err := s.store.GetSubscription(ctx, in.SubscriptionArn)
	if errors.Is(err, storage.ErrNotFound) {
		return &Empty{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	if c == nil && sub.Attributes["AuthenticateOnUnsubscribe"] == "true" {
		return nil, errNotAuthorized("anonymous", "Unsubscribe", in.SubscriptionArn)
	}
	if err := s.store.DeleteSubscription(ctx, sub.ARN); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	if c == nil && (sub.Protocol == "http" || sub.Protocol == "https") {
		s.sendUnsubscribeConfirmation(ctx, sub)
	}
	return &Empty{}, nil
}

// ListSubscriptions lists the caller's subscriptions in the region.
func (s *Service) ListSubscriptions(ctx context.Context, in *ListSubscriptionsInput) (*ListSubscriptionsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	return s.listSubscriptions(ctx, c, "", in.NextToken)
}

// ListSubscriptionsByTopic lists a topic's subscriptions.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, in *ListSubscriptionsByTopicInput) (*ListSubscriptionsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.topic(ctx, c, in.TopicArn, "ListSubscriptionsByTopic"); err != nil {
		return nil, err
	}
	return s.listSubscriptions(ctx, c, in.TopicArn, in.NextToken)
}

func (s *Service) listSubscriptions(ctx context.Context, c *trailwatch.Caller, topicARN, next string) (*ListSubscriptionsOutput, error) {
	after, ok := fromPageToken(next)
	if !ok {
		return nil, errInvalidParameter("NextToken")
	}
	subs, err := s.store.ListSubscriptions(ctx, c.AccountID, c.Region, topicARN, after, listPage+1)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	out := &ListSubscriptionsOutput{Subscriptions: []SubscriptionEntry{}}
	if len(subs) > listPage {
		subs = subs[:listPage]
		out.NextToken = pageToken(subs[len(subs)-1].ARN)
	}
	for _, sub := range subs {
		arn := sub.ARN
		if sub.Pending {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, SubscriptionEntry{
			SubscriptionArn: arn, Owner: sub.AccountID, Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: sub.TopicARN,
		})
	}
	return out, nil
}

// subscription returns the caller's subscription, or SNS's errors.
func (s *Service) subscription(ctx context.Context, c *trailwatch.Caller, arn, action string) (trailwatch.Subscription, error) {
	region, account, err := subscriptionARNParts(arn)
	if err != nil {
		return trailwatch.Subscription{}, err
	}
	if region != c.Region {
		return trailwatch.Subscription{}, errInvalidParameter("SubscriptionArn")
	}
	if account != c.AccountID {
		return trailwatch.Subscription{}, errNotAuthorized(c.ARN, action, arn)
	}
	sub, err := s.store.GetSubscription(ctx, arn)
	if errors.Is(err, storage.ErrNotFound) {
		return sub, errSubscriptionNotFound()
	}
	if err != nil {
		return sub, fmt.Errorf("get subscription: %w", err)
	}
	return sub, nil
}

// GetSubscriptionAttributes returns the subscription's attributes.
func (s *Service) GetSubscriptionAttributes(ctx context.Context, in *GetSubscriptionAttributesInput) (*AttributesOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := s.subscription(ctx, c, in.SubscriptionArn, "GetSubscriptionAttributes")
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{
		"SubscriptionArn":              sub.ARN,
		"TopicArn":                     sub.TopicARN,
		"Owner":                        sub.AccountID,
		"Protocol":                     sub.Protocol,
		"Endpoint":                     sub.Endpoint,
		"PendingConfirmation":          strconv.FormatBool(sub.Pending),
		"ConfirmationWasAuthenticated": strconv.FormatBool(sub.ConfirmationWasAuthenticated),
		"RawMessageDelivery":           "false",
	}
	maps.Copy(attrs, sub.Attributes)
	delete(attrs, "AuthenticateOnUnsubscribe")
	if attrs["FilterPolicy"] != "" && attrs["FilterPolicyScope"] == "" {
		attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	if sub.Protocol == "http" || sub.Protocol == "https" {
		t, err := s.store.GetTopic(ctx, sub.TopicARN)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("get topic: %w", err)
		}
		attrs["EffectiveDeliveryPolicy"] = effectiveSubscriptionDeliveryPolicy(t.Attributes["DeliveryPolicy"], sub.Attributes["DeliveryPolicy"])
	}
	return &AttributesOutput{Attributes: attrs}, nil
}

// SetSubscriptionAttributes sets one attribute of a subscription.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, in *SetSubscriptionAttributesInput) (*Empty, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.subscription(ctx, c, in.SubscriptionArn, "SetSubscriptionAttributes"); err != nil {
		return nil, err
	}
	value := ""
	if in.AttributeValue != nil {
		value = *in.AttributeValue
	}
	err = s.store.UpdateSubscription(ctx, in.SubscriptionArn, func(sub *trailwatch.Subscription) error {
		if sub.Attributes == nil {
			sub.Attributes = map[string]string{}
		}
		return setSubscriptionAttribute(sub, in.AttributeName, value, "")
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errSubscriptionNotFound()
	}
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
