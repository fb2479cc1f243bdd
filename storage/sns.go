package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch"
)

// SNS holds topics, subscriptions and the outbox of deliveries not yet
// made. Topics and subscriptions are keyed by ARN, which contains the
// account and region.
type SNS interface {
	// CreateTopic stores t. When a topic with t.ARN exists already it
	// returns that topic and ErrExists (SNS's CreateTopic is idempotent,
	// so the caller compares); ErrLimitExceeded when the account already
	// has maxPerAccount topics in the region.
	CreateTopic(ctx context.Context, t trailwatch.Topic, maxPerAccount int) (trailwatch.Topic, error)
	// GetTopic returns ErrNotFound.
	GetTopic(ctx context.Context, arn string) (trailwatch.Topic, error)
	// ListTopics returns up to limit topics of the account in the region
	// whose ARN sorts after `after` ("" = from the start), in ARN order.
	ListTopics(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Topic, error)
	// UpdateTopic reads the topic, lets fn change its Attributes and
	// Tags and stores them, atomically. ErrNotFound; fn's error is
	// returned as is and nothing is written.
	UpdateTopic(ctx context.Context, arn string, fn func(*trailwatch.Topic) error) error
	// DeleteTopic removes the topic with its subscriptions and their
	// pending deliveries. ErrNotFound.
	DeleteTopic(ctx context.Context, arn string) error

	// CreateSubscription stores s. When the topic already has a
	// subscription of that protocol and endpoint it returns that one and
	// ErrExists; ErrNotFound when the topic does not exist.
	CreateSubscription(ctx context.Context, s trailwatch.Subscription) (trailwatch.Subscription, error)
	// GetSubscription returns ErrNotFound.
	GetSubscription(ctx context.Context, arn string) (trailwatch.Subscription, error)
	// ListSubscriptions returns up to limit subscriptions of the account
	// in the region, only topicARN's when it is not "", whose ARN sorts
	// after `after`, in ARN order.
	ListSubscriptions(ctx context.Context, account, region, topicARN, after string, limit int) ([]trailwatch.Subscription, error)
	// UpdateSubscription reads the subscription, lets fn change it and
	// stores the result (Attributes, Pending, Token, TokenExpires,
	// ConfirmationWasAuthenticated), atomically. ErrNotFound.
	UpdateSubscription(ctx context.Context, arn string, fn func(*trailwatch.Subscription) error) error
	// DeleteSubscription removes the subscription and its pending
	// deliveries. ErrNotFound.
	DeleteSubscription(ctx context.Context, arn string) error

	// EnqueueDeliveries stores the deliveries atomically; IDs are
	// assigned by storage. A delivery whose subscription no longer exists
	// is dropped.
	EnqueueDeliveries(ctx context.Context, ds []trailwatch.SNSDelivery) error
	// DueDeliveries returns up to limit deliveries due at or before now,
	// earliest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]trailwatch.SNSDelivery, error)
	// RescheduleDelivery records a failed attempt: the delivery's
	// Attempts and Due are replaced. ErrNotFound when it is gone.
	RescheduleDelivery(ctx context.Context, id int64, attempts int, due time.Time) error
	// DeleteDelivery removes a delivery that succeeded or was given up.
	// Deleting a missing one is not an error.
	DeleteDelivery(ctx context.Context, id int64) error
}

// EncodeSNSJSON encodes a topic or subscription as the JSON data column
// both backends keep it in.
func EncodeSNSJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode sns record: %w", err)
	}
	return string(b), nil
}

// DecodeSNSJSON reverses EncodeSNSJSON.
func DecodeSNSJSON(data string, v any) error {
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return fmt.Errorf("decode sns record: %w", err)
	}
	return nil
}
