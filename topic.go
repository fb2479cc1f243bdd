package trailwatch

import "time"

// Topic is an SNS topic. Attributes holds the attributes set by
// CreateTopic or SetTopicAttributes, under SNS's attribute names; the
// computed ones (Owner, TopicArn, subscription counts,
// EffectiveDeliveryPolicy) are derived by the service and never stored.
type Topic struct {
	AccountID  string
	Region     string
	Name       string
	ARN        string
	Attributes map[string]string
	Tags       []Tag
	CreatedAt  time.Time
}

// Subscription is an SNS subscription of an endpoint to a topic.
type Subscription struct {
	ARN       string
	TopicARN  string
	AccountID string // the subscriber: the topic's owner here
	Region    string
	Protocol  string // http, https, email, email-json
	Endpoint  string
	// Attributes set by Subscribe or SetSubscriptionAttributes, under
	// SNS's names (FilterPolicy, FilterPolicyScope, RawMessageDelivery,
	// DeliveryPolicy).
	Attributes map[string]string
	// Pending is true until the endpoint confirms with Token, which is
	// valid until TokenExpires.
	Pending      bool
	Token        string
	TokenExpires time.Time
	// ConfirmationWasAuthenticated records whether ConfirmSubscription
	// was called with credentials.
	ConfirmationWasAuthenticated bool
	CreatedAt                    time.Time
}

// SNSDelivery is one message waiting to be delivered to one subscription
// endpoint: an outbox row. Payload is the service's rendering of the
// request, opaque to storage.
type SNSDelivery struct {
	ID              int64
	TopicARN        string
	SubscriptionARN string
	Due             time.Time
	Attempts        int
	Payload         []byte
}
