package sns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// topicAttributes are the attributes CreateTopic and SetTopicAttributes
// accept, with their validators. FifoTopic can only be given at creation.
var topicAttributes = map[string]func(v string) error{
	"DisplayName": func(v string) error {
		if len(v) > 100 {
			return errInvalidParameter("DisplayName")
		}
		return nil
	},
	"Policy":         validJSON("Policy"),
	"DeliveryPolicy": validTopicDeliveryPolicy,
	"SignatureVersion": func(v string) error {
		if v != "1" && v != "2" {
			return errInvalidParameter("SignatureVersion")
		}
		return nil
	},
	"TracingConfig": func(v string) error {
		if v != "PassThrough" && v != "Active" {
			return errInvalidParameter("TracingConfig")
		}
		return nil
	},
	"KmsMasterKeyId":            func(string) error { return nil },
	"FifoTopic":                 validBool("FifoTopic"),
	"ContentBasedDeduplication": validBool("ContentBasedDeduplication"),
}

func validJSON(name string) func(string) error {
	return func(v string) error {
		if !json.Valid([]byte(v)) {
			return errInvalidParameter(name)
		}
		return nil
	}
}

func validBool(name string) func(string) error {
	return func(v string) error {
		if v != "true" && v != "false" {
			return errInvalidParameter(name)
		}
		return nil
	}
}

// CreateTopic creates a topic, or returns the ARN of the caller's topic of
// that name when its attributes and tags are the ones given (SNS's
// CreateTopic is idempotent).
func (s *Service) CreateTopic(ctx context.Context, in *CreateTopicInput) (*CreateTopicOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	fifo := in.Attributes["FifoTopic"] == "true"
	base := in.Name
	if fifo {
		base = strings.TrimSuffix(in.Name, ".fifo")
		if base == in.Name {
			return nil, errInvalidParameter("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
		}
	}
	if !topicNameRE.MatchString(base) || len(in.Name) > 256 {
		return nil, errInvalidParameter("Topic Name")
	}
	attrs := map[string]string{}
	for k, v := range in.Attributes {
		check, ok := topicAttributes[k]
		if !ok {
			return nil, errInvalidParameter("Attributes Reason: Unknown attribute " + k)
		}
		if err := check(v); err != nil {
			return nil, err
		}
		attrs[k] = v
	}
	if attrs["FifoTopic"] == "false" {
		delete(attrs, "FifoTopic")
	}
	if _, ok := attrs["ContentBasedDeduplication"]; ok && !fifo {
		return nil, errInvalidParameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
	}
	if fifo {
		if _, ok := attrs["ContentBasedDeduplication"]; !ok {
			attrs["ContentBasedDeduplication"] = "false"
		}
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	t := trailwatch.Topic{
		AccountID: c.AccountID, Region: c.Region, Name: in.Name,
		ARN: topicARN(c.Region, c.AccountID, in.Name), Attributes: attrs, Tags: tags,
		CreatedAt: s.now().UTC(),
	}
	old, err := s.store.CreateTopic(ctx, t, maxTopicsPerAccount)
	switch {
	case errors.Is(err, storage.ErrExists):
		// A repeated CreateTopic must not change the topic: different
		// attributes or tags are refused, as SNS does.
		for k, v := range attrs {
			if old.Attributes[k] != v {
				return nil, errInvalidParameter("Attributes Reason: Topic already exists with different attributes")
			}
		}
		if len(tags) > 0 && !sameTags(tags, old.Tags) {
			return nil, errInvalidParameter("Tags Reason: Topic already exists with different tags")
		}
	case errors.Is(err, storage.ErrLimitExceeded):
		return nil, errTopicLimit()
	case err != nil:
		return nil, fmt.Errorf("create topic: %w", err)
	}
	return &CreateTopicOutput{TopicArn: t.ARN}, nil
}

// checkTags refuses duplicate keys and more than 50 tags.
func checkTags(in []Tag) ([]trailwatch.Tag, error) {
	if len(in) > 50 {
		return nil, errInvalidParameter("Tags Reason: Could not complete request: tag quota of per resource exceeded")
	}
	seen := map[string]bool{}
	var out []trailwatch.Tag
	for _, t := range in {
		if seen[t.Key] {
			return nil, errInvalidParameter("Duplicated keys are not allowed.")
		}
		seen[t.Key] = true
		out = append(out, trailwatch.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

func sameTags(a, b []trailwatch.Tag) bool {
	m := func(ts []trailwatch.Tag) map[string]string {
		out := map[string]string{}
		for _, t := range ts {
			if t.Value != nil {
				out[t.Key] = *t.Value
			} else {
				out[t.Key] = ""
			}
		}
		return out
	}
	return maps.Equal(m(a), m(b))
}

// DeleteTopic deletes a topic and its subscriptions. Deleting a topic that
// does not exist succeeds, as on SNS.
func (s *Service) DeleteTopic(ctx context.Context, in *DeleteTopicInput) (*Empty, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := ownTopic(c, in.TopicArn, "DeleteTopic"); err != nil {
		return nil, err
	}
	if err := s.store.DeleteTopic(ctx, in.TopicArn); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("delete topic: %w", err)
	}
	return &Empty{}, nil
}

// listPage is the page size of every SNS list operation.
const listPage = 100

// ListTopics lists the caller's topics in the region, 100 a page.
func (s *Service) ListTopics(ctx context.Context, in *ListTopicsInput) (*ListTopicsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	after, ok := fromPageToken(in.NextToken)
	if !ok {
		return nil, errInvalidParameter("NextToken")
	}
	ts, err := s.store.ListTopics(ctx, c.AccountID, c.Region, after, listPage+1)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out := &ListTopicsOutput{Topics: []TopicEntry{}}
	if len(ts) > listPage {
		ts = ts[:listPage]
		out.NextToken = pageToken(ts[len(ts)-1].ARN)
	}
	for _, t := range ts {
		out.Topics = append(out.Topics, TopicEntry{TopicArn: t.ARN})
	}
	return out, nil
}

// topic returns the caller's topic, or SNS's errors for a bad ARN,
// another account's topic or a missing one.
func (s *Service) topic(ctx context.Context, c *trailwatch.Caller, arn, action string) (trailwatch.Topic, error) {
	if err := ownTopic(c, arn, action); err != nil {
		return trailwatch.Topic{}, err
	}
	t, err := s.store.GetTopic(ctx, arn)
	if errors.Is(err, storage.ErrNotFound) {
		return t, errTopicNotFound()
	}
	if err != nil {
		return t, fmt.Errorf("get topic: %w", err)
	}
	return t, nil
}

// defaultTopicPolicy is the access policy SNS gives a new topic.
func defaultTopicPolicy(t trailwatch.Topic) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		t.ARN + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + t.AccountID + `"}}}]}`
}

// GetTopicAttributes returns the topic's attributes, the stored ones and
// those SNS computes.
func (s *Service) GetTopicAttributes(ctx context.Context, in *GetTopicAttributesInput) (*AttributesOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.topic(ctx, c, in.TopicArn, "GetTopicAttributes")
	if err != nil {
		return nil, err
	}
	var confirmed, pending int
	after := ""
	for {
		subs, err := s.store.ListSubscriptions(ctx, t.AccountID, t.Region, t.ARN, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("count subscriptions: %w", err)
		}
		for _, sub := range subs {
			if sub.Pending {
				pending++
			} else {
				confirmed++
			}
		}
		if len(subs) < 1000 {
			break
		}
		after = subs[len(subs)-1].ARN
	}
	attrs := map[string]string{
		"TopicArn":                t.ARN,
		"Owner":                   t.AccountID,
		"Policy":                  defaultTopicPolicy(t),
		"DisplayName":             "",
		"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
		"SubscriptionsPending":    strconv.Itoa(pending),
		"SubscriptionsDeleted":    "0",
		"EffectiveDeliveryPolicy": effectiveTopicDeliveryPolicy(t.Attributes["DeliveryPolicy"]),
	}
	maps.Copy(attrs, t.Attributes)
	return &AttributesOutput{Attributes: attrs}, nil
}

// SetTopicAttributes sets one attribute. FifoTopic cannot change after
// creation; ContentBasedDeduplication applies to FIFO topics only.
func (s *Service) SetTopicAttributes(ctx context.Context, in *SetTopicAttributesInput) (*Empty, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := ownTopic(c, in.TopicArn, "SetTopicAttributes"); err != nil {
		return nil, err
	}
	check, ok := topicAttributes[in.AttributeName]
	if !ok || in.AttributeName == "FifoTopic" {
		return nil, errInvalidParameter("AttributeName")
	}
	value := ""
	if in.AttributeValue != nil {
		value = *in.AttributeValue
	}
	// An empty value removes an optional attribute.
	if value != "" {
		if err := check(value); err != nil {
			return nil, err
		}
	}
	err = s.store.UpdateTopic(ctx, in.TopicArn, func(t *trailwatch.Topic) error {
		if in.AttributeName == "ContentBasedDeduplication" && t.Attributes["FifoTopic"] != "true" {
			return errInvalidParameter("ContentBasedDeduplication Reason: Content-based deduplication can only be set for FIFO topics")
		}
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		if value == "" && in.AttributeName != "DisplayName" {
			delete(t.Attributes, in.AttributeName)
		} else {
			t.Attributes[in.AttributeName] = value
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errTopicNotFound()
	}
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// sortedKeys is the keys of m in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
