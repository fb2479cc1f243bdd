// Package sns is the SNS service: topics, subscriptions of HTTP/HTTPS and
// email endpoints, filter policies and publishing, with SNS's shapes,
// validation and errors. Publishing renders and signs one delivery per
// matching subscription and stores them in the outbox (storage.SNS); the
// worker in worker/snsdelivery sends them. The package speaks neither
// HTTP nor SQL.
package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configures a Service.
type Options struct {
	// Store holds topics, subscriptions and the outbox. Required.
	Store storage.SNS
	// Signer signs HTTP/HTTPS and email-json messages (RSA). Required.
	Signer crypto.Signer
	// PublicURL is the base URL endpoints reach trailwatch at: the
	// SubscribeURL and UnsubscribeURL of messages point there. Required.
	PublicURL string
	// CertPath is the path, under PublicURL, of the signing certificate
	// (SigningCertURL). Required.
	CertPath string
	// Wake, when set, is called after deliveries are queued, so the
	// delivery worker need not wait for its next poll.
	Wake func()
	// Published, when set, is told of each message a Publish or
	// PublishBatch accepted, once it is queued: its topic and its size
	// (the message and its attributes, as the 256 KB limit counts them),
	// for the AWS/SNS NumberOfMessagesPublished and PublishSize metrics.
	Published func(topicARN string, size int)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Service implements the SNS operations. It holds no state of its own.
type Service struct {
	store     storage.SNS
	signer    crypto.Signer
	publicURL string
	certURL   string
	wake      func()
	published func(topicARN string, size int)
	now       func() time.Time
}

// New returns a Service; it panics if a required option is missing, which
// is a wiring bug in main.
func New(opts Options) *Service {
	if opts.Store == nil || opts.Signer == nil || opts.PublicURL == "" || opts.CertPath == "" {
		panic("BUG: sns.New needs Options.Store, Signer, PublicURL and CertPath")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	if opts.Published == nil {
		opts.Published = func(string, int) {}
	}
	base := strings.TrimSuffix(opts.PublicURL, "/")
	return &Service{store: opts.Store, signer: opts.Signer, publicURL: base, certURL: base + opts.CertPath,
		wake: opts.Wake, published: opts.Published, now: opts.Now}
}

// API returns SNS's operation table for the front door.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:    "sns",
		ActionPrefix:   "sns",
		EventSource:    "sns.amazonaws.com",
		APIVersion:     "2010-03-31",
		Protocols:      []awsapi.Protocol{awsapi.Query},
		XMLNamespace:   "http://sns.amazonaws.com/doc/2010-03-31/",
		ValidationCode: "ValidationError",
	},
		awsapi.Op(awsapi.Def[CreateTopicInput, CreateTopicOutput]{
			Name: "CreateTopic", Handle: s.CreateTopic,
			// "To be able to tag a topic on creation, you must have the
			// sns:CreateTopic and sns:TagResource permissions."
			Also: func(in *CreateTopicInput) [][]string {
				if len(in.Tags) == 0 {
					return nil
				}
				return [][]string{{"sns:TagResource"}}
			},
			Resources: func(ctx context.Context, in *CreateTopicInput) ([]trailwatch.Resource, error) {
				c, err := callerOf(ctx)
				if err != nil {
					return nil, err
				}
				return topicResource(topicARN(c.Region, c.AccountID, in.Name)), nil
			},
		}),
		awsapi.Op(awsapi.Def[DeleteTopicInput, Empty]{
			Name: "DeleteTopic", Handle: s.DeleteTopic,
			Resources: func(_ context.Context, in *DeleteTopicInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[ListTopicsInput, ListTopicsOutput]{
			Name: "ListTopics", ReadOnly: true, Handle: s.ListTopics,
		}),
		awsapi.Op(awsapi.Def[GetTopicAttributesInput, AttributesOutput]{
			Name: "GetTopicAttributes", ReadOnly: true, Handle: s.GetTopicAttributes,
			Resources: func(_ context.Context, in *GetTopicAttributesInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[SetTopicAttributesInput, Empty]{
			Name: "SetTopicAttributes", Handle: s.SetTopicAttributes,
			Resources: func(_ context.Context, in *SetTopicAttributesInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[SubscribeInput, SubscriptionArnOutput]{
			Name: "Subscribe", Handle: s.Subscribe,
			Resources: func(_ context.Context, in *SubscribeInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[ConfirmSubscriptionInput, SubscriptionArnOutput]{
			Name: "ConfirmSubscription", Handle: s.ConfirmSubscription,
			Resources: func(_ context.Context, in *ConfirmSubscriptionInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[UnsubscribeInput, Empty]{
			Name: "Unsubscribe", Handle: s.Unsubscribe,
			Resources: func(_ context.Context, in *UnsubscribeInput) ([]trailwatch.Resource, error) {
				return subscriptionResource(in.SubscriptionArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[ListSubscriptionsInput, ListSubscriptionsOutput]{
			Name: "ListSubscriptions", ReadOnly: true, Handle: s.ListSubscriptions,
		}),
		awsapi.Op(awsapi.Def[ListSubscriptionsByTopicInput, ListSubscriptionsOutput]{
			Name: "ListSubscriptionsByTopic", ReadOnly: true, Handle: s.ListSubscriptionsByTopic,
			Resources: func(_ context.Context, in *ListSubscriptionsByTopicInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[GetSubscriptionAttributesInput, AttributesOutput]{
			Name: "GetSubscriptionAttributes", ReadOnly: true, Handle: s.GetSubscriptionAttributes,
			Resources: func(_ context.Context, in *GetSubscriptionAttributesInput) ([]trailwatch.Resource, error) {
				return subscriptionResource(in.SubscriptionArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[SetSubscriptionAttributesInput, Empty]{
			Name: "SetSubscriptionAttributes", Handle: s.SetSubscriptionAttributes,
			Resources: func(_ context.Context, in *SetSubscriptionAttributesInput) ([]trailwatch.Resource, error) {
				return subscriptionResource(in.SubscriptionArn), nil
			},
		}),
		awsapi.Op(awsapi.Def[PublishInput, PublishOutput]{
			Name: "Publish", Data: true, Handle: s.Publish,
			Resources: func(_ context.Context, in *PublishInput) ([]trailwatch.Resource, error) {
				arn := in.TopicArn
				if arn == "" {
					arn = in.TargetArn
				}
				return topicResource(arn), nil
			},
		}),
		awsapi.Op(awsapi.Def[PublishBatchInput, PublishBatchOutput]{
			Name: "PublishBatch", Data: true, Handle: s.PublishBatch,
			Resources: func(_ context.Context, in *PublishBatchInput) ([]trailwatch.Resource, error) {
				return topicResource(in.TopicArn), nil
			},
		}),
	)
}

func topicResource(arn string) []trailwatch.Resource {
	if arn == "" {
		return nil
	}
	return []trailwatch.Resource{{Type: "AWS::SNS::Topic", ARN: arn}}
}

func subscriptionResource(arn string) []trailwatch.Resource {
	if arn == "" {
		return nil
	}
	return []trailwatch.Resource{{Type: "AWS::SNS::Subscription", ARN: arn}}
}

// errNoCaller means the front door called an operation without
// authenticating first: a wiring bug, answered as InternalFailure.
var errNoCaller = errors.New("sns: no caller in context")

func callerOf(ctx context.Context) (*trailwatch.Caller, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errNoCaller
	}
	return c, nil
}

func topicARN(region, account, name string) string {
	return "arn:aws:sns:" + region + ":" + account + ":" + name
}

// arnParts splits an SNS ARN into region, account and resource (the
// topic name, or topic:subscription-id); ok is false for anything else.
func arnParts(arn string) (region, account, resource string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] != "aws" || p[2] != "sns" || p[3] == "" || p[4] == "" || p[5] == "" {
		return "", "", "", false
	}
	return p[3], p[4], p[5], true
}

// ownTopic checks that arn is a well-formed topic ARN in the caller's
// region and account: InvalidParameter "TopicArn" otherwise, or
// AuthorizationError for another account's topic.
func ownTopic(c *trailwatch.Caller, arn, action string) error {
	region, account, name, ok := arnParts(arn)
	if !ok || strings.Contains(name, ":") || region != c.Region {
		return errInvalidParameter("TopicArn")
	}
	if account != c.AccountID {
		return errNotAuthorized(c.ARN, action, arn)
	}
	return nil
}

// newUUID returns a random version-4 UUID, the form of SNS's message and
// subscription ids.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("FATAL: crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newToken returns a confirmation token: 288 hex characters, as long as
// SNS's.
func newToken() string {
	var b [144]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("FATAL: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// pageToken and fromPageToken make the opaque NextToken: the last ARN of
// the page, base64.
func pageToken(arn string) string { return base64.StdEncoding.EncodeToString([]byte(arn)) }

func fromPageToken(tok string) (string, bool) {
	if tok == "" {
		return "", true
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "arn:aws:sns:") {
		return "", false
	}
	return string(b), true
}
