package sns

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// maxMessageBytes bounds a message with its attributes, and a whole
// batch: 256 KB.
const maxMessageBytes = 262144

// message is one message to publish, from Publish or a batch entry.
type message struct {
	text       string
	subject    *string
	structure  string
	attributes MessageAttributeMap
	dedupID    string
	groupID    string
}

var (
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	batchIDRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
)

// checkAttributes applies SNS's message attribute rules.
func checkAttributes(attrs MessageAttributeMap) error {
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		switch {
		case len(name) > 256:
			return errParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
		case strings.HasPrefix(name, "."):
			return errParameterValueInvalid("Invalid message attribute name starting with character '.' was found.")
		case strings.HasSuffix(name, "."):
			return errParameterValueInvalid("Invalid message attribute name ending with character '.' was found.")
		case strings.Contains(name, ".."):
			return errParameterValueInvalid("Message attribute name can not have successive '.' character.")
		case !attrNameRE.MatchString(name):
			for _, r := range name {
				if !attrNameRE.MatchString(string(r)) {
					return errParameterValueInvalid(fmt.Sprintf("Invalid non-alphanumeric character '#x%X' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", r))
				}
			}
		case len(name) >= 4 && strings.EqualFold(name[:4], "AWS.") || len(name) >= 7 && strings.EqualFold(name[:7], "Amazon."):
			return errParameterValueInvalid("You can't use the reserved prefixes AWS. or Amazon. in message attribute names.")
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		if base != "String" && base != "Number" && base != "Binary" {
			return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name))
		}
		if base == "Binary" {
			if a.StringValue != "" {
				return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' with type 'Binary' must use field 'Binary'.", name))
			}
			if len(a.BinaryValue) == 0 {
				return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType))
			}
			continue
		}
		if len(a.BinaryValue) > 0 {
			return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' with type '%s' must use field 'String'.", name, a.DataType))
		}
		if a.StringValue == "" {
			return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType))
		}
		if base == "Number" {
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
				return errParameterValueInvalid(fmt.Sprintf("Could not cast message attribute '%s' value to number.", name))
			}
		}
		if a.DataType == "String.Array" {
			var arr []any
			if json.Unmarshal([]byte(a.StringValue), &arr) != nil {
				return errParameterValueInvalid(fmt.Sprintf("The message attribute '%s' with type 'String.Array' must be a JSON array.", name))
			}
		}
	}
	return nil
}

// size is what counts against the 256 KB limit: the message and every
// attribute's name, type and value.
func (m *message) size() int {
	n := len(m.text)
	for k, a := range m.attributes {
		n += len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

// check validates a message for topic t.
func (m *message) check(t trailwatch.Topic) (perProtocol map[string]string, err error) {
	if m.subject != nil {
		sub := *m.subject
		if sub == "" || utf8.RuneCountInString(sub) >= 100 || strings.IndexFunc(sub, unicode.IsControl) >= 0 {
			return nil, errInvalidParameter("Subject")
		}
	}
	if strings.TrimSpace(m.text) == "" && m.text == "" {
		return nil, errInvalidParameter("Empty message")
	}
	if err := checkAttributes(m.attributes); err != nil {
		return nil, err
	}
	if m.size() > maxMessageBytes {
		return nil, errInvalidParameter("Message too long")
	}
	fifo := t.Attributes["FifoTopic"] == "true"
	switch {
	case fifo && m.groupID == "":
		return nil, errInvalidParameter("The MessageGroupId parameter is required for FIFO topics")
	case fifo && m.dedupID == "" && t.Attributes["ContentBasedDeduplication"] != "true":
		return nil, errInvalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	case !fifo && m.dedupID != "":
		return nil, errInvalidParameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	case !fifo && m.groupID != "":
		return nil, errInvalidParameter("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
	}
	switch m.structure {
	case "":
		return nil, nil
	case "json":
	default:
		return nil, errInvalidParameter("MessageStructure")
	}
	// Duplicate keys fail the whole call; non-string values are ignored.
	dec := json.NewDecoder(strings.NewReader(m.text))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return nil, errInvalidParameter("Message Structure - JSON message body failed to parse")
	}
	perProtocol = map[string]string{}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, errInvalidParameter("Message Structure - JSON message body failed to parse")
		}
		k := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errInvalidParameter("Message Structure - JSON message body failed to parse")
		}
		if seen[k] {
			return nil, errInvalidParameter("Message Structure - JSON message body failed to parse")
		}
		seen[k] = true
		var s string
		if json.Unmarshal(raw, &s) == nil {
			perProtocol[k] = s
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, errInvalidParameter("Message Structure - JSON message body failed to parse")
	}
	if _, ok := perProtocol["default"]; !ok {
		return nil, errInvalidParameter("Message Structure - No default entry in JSON message body")
	}
	return perProtocol, nil
}

// Publish sends a message to every confirmed subscription of the topic
// whose filter policy matches it.
func (s *Service) Publish(ctx context.Context, in *PublishInput) (*PublishOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.PhoneNumber != "" {
		return nil, errInvalidParameter("PhoneNumber Reason: this server does not send SMS")
	}
	arn := in.TopicArn
	if arn == "" {
		arn = in.TargetArn
	}
	if arn == "" {
		return nil, errInvalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
	}
	t, err := s.topic(ctx, c, arn, "Publish")
	if err != nil {
		return nil, err
	}
	m := &message{text: in.Message, subject: in.Subject, structure: in.MessageStructure,
		attributes: in.MessageAttributes, dedupID: in.MessageDeduplicationId, groupID: in.MessageGroupId}
	per, err := m.check(t)
	if err != nil {
		return nil, err
	}
	id := newUUID()
	rows, err := s.render(ctx, t, m, per, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.EnqueueDeliveries(ctx, rows); err != nil {
		return nil, fmt.Errorf("queue deliveries: %w", err)
	}
	s.wake()
	s.published(t.ARN, m.size())
	out := &PublishOutput{MessageId: id}
	if t.Attributes["FifoTopic"] == "true" {
		out.SequenceNumber = s.sequenceNumber()
	}
	return out, nil
}

// sequenceNumber is a FIFO message's SequenceNumber: 20 digits that grow
// with time.
func (s *Service) sequenceNumber() string {
	return fmt.Sprintf("%020d", s.now().UnixNano())
}

// PublishBatch publishes up to 10 messages. Request-level problems fail
// the call; a message SNS would refuse is reported in Failed.
func (s *Service) PublishBatch(ctx context.Context, in *PublishBatchInput) (*PublishBatchOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	entries := in.PublishBatchRequestEntries
	switch {
	case len(entries) == 0:
		return nil, errEmptyBatch()
	case len(entries) > 10:
		return nil, errTooManyEntries()
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Id] {
			return nil, errBatchIDsNotDistinct()
		}
		seen[e.Id] = true
		if !batchIDRE.MatchString(e.Id) {
			return nil, errInvalidBatchID()
		}
	}
	t, err := s.topic(ctx, c, in.TopicArn, "Publish")
	if err != nil {
		return nil, err
	}
	total := 0
	for _, e := range entries {
		m := message{text: e.Message, attributes: e.MessageAttributes}
		total += m.size()
	}
	if total > maxMessageBytes {
		return nil, errBatchTooLong()
	}
	out := &PublishBatchOutput{Successful: []PublishBatchResultEntry{}, Failed: []BatchResultErrorEntry{}}
	var rows []trailwatch.SNSDelivery
	var sizes []int // of the messages accepted
	for _, e := range entries {
		m := &message{text: e.Message, subject: e.Subject, structure: e.MessageStructure,
			attributes: e.MessageAttributes, dedupID: e.MessageDeduplicationId, groupID: e.MessageGroupId}
		per, err := m.check(t)
		if err != nil {
			ae, ok := err.(*awserr.Error)
			if !ok {
				return nil, err
			}
			out.Failed = append(out.Failed, BatchResultErrorEntry{Id: e.Id, Code: ae.Code, Message: ae.Message, SenderFault: true})
			continue
		}
		id := newUUID()
		r, err := s.render(ctx, t, m, per, id)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
		sizes = append(sizes, m.size())
		res := PublishBatchResultEntry{Id: e.Id, MessageId: id}
		if t.Attributes["FifoTopic"] == "true" {
			res.SequenceNumber = s.sequenceNumber()
		}
		out.Successful = append(out.Successful, res)
	}
	if err := s.store.EnqueueDeliveries(ctx, rows); err != nil {
		return nil, fmt.Errorf("queue deliveries: %w", err)
	}
	s.wake()
	for _, n := range sizes {
		s.published(t.ARN, n)
	}
	return out, nil
}

// render builds the outbox rows of one message: one per confirmed
// subscription whose filter policy matches.
func (s *Service) render(ctx context.Context, t trailwatch.Topic, m *message, per map[string]string, id string) ([]trailwatch.SNSDelivery, error) {
	now := s.now()
	var rows []trailwatch.SNSDelivery
	after := ""
	for {
		subs, err := s.store.ListSubscriptions(ctx, t.AccountID, t.Region, t.ARN, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		for _, sub := range subs {
			if sub.Pending || !s.passes(sub, m) {
				continue
			}
			text := m.text
			if per != nil {
				text = per["default"]
				if v, ok := per[sub.Protocol]; ok {
					text = v
				}
			}
			d, err := s.notification(t, sub, m, text, id, now)
			if err != nil {
				return nil, err
			}
			row, err := outboxRow(t.ARN, sub.ARN, now, d)
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
		if len(subs) < 1000 {
			return rows, nil
		}
		after = subs[len(subs)-1].ARN
	}
}

// passes applies the subscription's filter policy; a policy that no
// longer parses matches nothing.
func (s *Service) passes(sub trailwatch.Subscription, m *message) bool {
	policy := sub.Attributes["FilterPolicy"]
	if policy == "" {
		return true
	}
	body := sub.Attributes["FilterPolicyScope"] == "MessageBody"
	p, err := ParseFilterPolicy(policy, body)
	if err != nil {
		return false
	}
	if body {
		return p.MatchBody(m.text)
	}
	attrs := map[string]Attribute{}
	for k, a := range m.attributes {
		v := a.StringValue
		if strings.HasPrefix(a.DataType, "Binary") {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		attrs[k] = Attribute{DataType: a.DataType, Value: v}
	}
	return p.MatchAttributes(attrs)
}

// notification renders the Notification for one subscription. Message
// attributes go along only when the message is a plain string and the
// delivery is not raw, as on SNS.
func (s *Service) notification(t trailwatch.Topic, sub trailwatch.Subscription, m *message, text, id string, now time.Time) (Delivery, error) {
	n := &Message{Type: "Notification", MessageId: id, TopicArn: t.ARN, Subject: m.subject, Message: text,
		Timestamp: timestamp(now), UnsubscribeURL: s.unsubscribeURL(sub.ARN)}
	if m.structure == "" && len(m.attributes) > 0 {
		n.MessageAttributes = map[string]messageAttribute{}
		for k, a := range m.attributes {
			v := a.StringValue
			if strings.HasPrefix(a.DataType, "Binary") {
				v = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
			n.MessageAttributes[k] = messageAttribute{Type: a.DataType, Value: v}
		}
	}
	if err := s.sign(n, t.Attributes["SignatureVersion"]); err != nil {
		return Delivery{}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		return Delivery{}, err
	}
	body := strings.TrimSuffix(buf.String(), "\n")
	d := Delivery{Protocol: sub.Protocol, Endpoint: sub.Endpoint, From: t.Attributes["DisplayName"]}
	switch sub.Protocol {
	case "http", "https":
		retry, contentType := httpPolicy(t.Attributes["DeliveryPolicy"], sub.Attributes["DeliveryPolicy"])
		d.Retry = retry
		d.Headers = headers(n, sub.ARN, contentType)
		d.Body = body
		if sub.Attributes["RawMessageDelivery"] == "true" {
			d.Headers["x-amz-sns-rawdelivery"] = "true"
			d.Body = text
		}
	case "email-json":
		d.Retry, d.Body = emailRetry, body
		d.Subject = emailSubject(m)
	default: // email
		d.Retry, d.Body = emailRetry, text
		d.Subject = emailSubject(m)
	}
	return d, nil
}

// emailSubject is the message's Subject, or SNS's default.
func emailSubject(m *message) string {
	if m.subject != nil {
		return *m.subject
	}
	return "AWS Notification Message"
}
