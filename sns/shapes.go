package sns

// Input and output shapes, member for member as in SNS's model (botocore
// sns/2010-03-31). Constraint tags copy the model's; the front door checks
// them before a handler runs.

// Tag is SNS's Tag shape.
type Tag struct {
	Key   string  `json:"Key" required:"true" min:"1" max:"128"`
	Value *string `json:"Value" required:"true" max:"256"`
}

// CreateTopicInput is CreateTopic's request.
type CreateTopicInput struct {
	Name                 string            `json:"Name" required:"true"`
	Attributes           map[string]string `json:"Attributes"`
	Tags                 []Tag             `json:"Tags"`
	DataProtectionPolicy string            `json:"DataProtectionPolicy"`
}

// CreateTopicOutput is CreateTopic's result.
type CreateTopicOutput struct {
	TopicArn string `json:"TopicArn"`
}

// DeleteTopicInput is DeleteTopic's request.
type DeleteTopicInput struct {
	TopicArn string `json:"TopicArn" required:"true"`
}

// Empty is the result of the operations that return nothing.
type Empty struct{}

// ListTopicsInput is ListTopics' request.
type ListTopicsInput struct {
	NextToken string `json:"NextToken"`
}

// TopicEntry is SNS's Topic shape.
type TopicEntry struct {
	TopicArn string `json:"TopicArn"`
}

// ListTopicsOutput is ListTopics' result.
type ListTopicsOutput struct {
	Topics    []TopicEntry `json:"Topics"`
	NextToken string       `json:"NextToken"`
}

// GetTopicAttributesInput is GetTopicAttributes' request.
type GetTopicAttributesInput struct {
	TopicArn string `json:"TopicArn" required:"true"`
}

// AttributesOutput is the result of GetTopicAttributes and
// GetSubscriptionAttributes.
type AttributesOutput struct {
	Attributes map[string]string `json:"Attributes"`
}

// SetTopicAttributesInput is SetTopicAttributes' request.
type SetTopicAttributesInput struct {
	TopicArn       string  `json:"TopicArn" required:"true"`
	AttributeName  string  `json:"AttributeName" required:"true"`
	AttributeValue *string `json:"AttributeValue"`
}

// SubscribeInput is Subscribe's request.
type SubscribeInput struct {
	TopicArn              string            `json:"TopicArn" required:"true"`
	Protocol              string            `json:"Protocol" required:"true"`
	Endpoint              string            `json:"Endpoint"`
	Attributes            map[string]string `json:"Attributes"`
	ReturnSubscriptionArn bool              `json:"ReturnSubscriptionArn"`
}

// SubscriptionArnOutput is the result of Subscribe and
// ConfirmSubscription.
type SubscriptionArnOutput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

// ConfirmSubscriptionInput is ConfirmSubscription's request.
type ConfirmSubscriptionInput struct {
	TopicArn                  string `json:"TopicArn" required:"true"`
	Token                     string `json:"Token" required:"true"`
	AuthenticateOnUnsubscribe string `json:"AuthenticateOnUnsubscribe"`
}

// UnsubscribeInput is Unsubscribe's request.
type UnsubscribeInput struct {
	SubscriptionArn string `json:"SubscriptionArn" required:"true"`
}

// ListSubscriptionsInput is ListSubscriptions' request.
type ListSubscriptionsInput struct {
	NextToken string `json:"NextToken"`
}

// ListSubscriptionsByTopicInput is ListSubscriptionsByTopic's request.
type ListSubscriptionsByTopicInput struct {
	TopicArn  string `json:"TopicArn" required:"true"`
	NextToken string `json:"NextToken"`
}

// SubscriptionEntry is SNS's Subscription shape.
type SubscriptionEntry struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	Owner           string `json:"Owner"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	TopicArn        string `json:"TopicArn"`
}

// ListSubscriptionsOutput is the result of ListSubscriptions and
// ListSubscriptionsByTopic.
type ListSubscriptionsOutput struct {
	Subscriptions []SubscriptionEntry `json:"Subscriptions"`
	NextToken     string              `json:"NextToken"`
}

// GetSubscriptionAttributesInput is GetSubscriptionAttributes' request.
type GetSubscriptionAttributesInput struct {
	SubscriptionArn string `json:"SubscriptionArn" required:"true"`
}

// SetSubscriptionAttributesInput is SetSubscriptionAttributes' request.
type SetSubscriptionAttributesInput struct {
	SubscriptionArn string  `json:"SubscriptionArn" required:"true"`
	AttributeName   string  `json:"AttributeName" required:"true"`
	AttributeValue  *string `json:"AttributeValue"`
}

// MessageAttributeValue is SNS's MessageAttributeValue shape.
type MessageAttributeValue struct {
	DataType    string `json:"DataType" required:"true"`
	StringValue string `json:"StringValue"`
	BinaryValue []byte `json:"BinaryValue"`
}

// MessageAttributeMap is SNS's MessageAttributeMap, whose query entries
// are Name and Value rather than key and value.
type MessageAttributeMap map[string]MessageAttributeValue

// QueryMapNames implements awsapi.QueryMapNames.
func (MessageAttributeMap) QueryMapNames() (key, value string) { return "Name", "Value" }

// PublishInput is Publish's request.
type PublishInput struct {
	TopicArn               string              `json:"TopicArn"`
	TargetArn              string              `json:"TargetArn"`
	PhoneNumber            string              `json:"PhoneNumber"`
	Message                string              `json:"Message" required:"true"`
	Subject                *string             `json:"Subject"`
	MessageStructure       string              `json:"MessageStructure"`
	MessageAttributes      MessageAttributeMap `json:"MessageAttributes"`
	MessageDeduplicationId string              `json:"MessageDeduplicationId"`
	MessageGroupId         string              `json:"MessageGroupId"`
}

// PublishOutput is Publish's result.
type PublishOutput struct {
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber"`
}

// PublishBatchRequestEntry is one message of PublishBatch.
type PublishBatchRequestEntry struct {
	Id                     string              `json:"Id" required:"true"`
	Message                string              `json:"Message" required:"true"`
	Subject                *string             `json:"Subject"`
	MessageStructure       string              `json:"MessageStructure"`
	MessageAttributes      MessageAttributeMap `json:"MessageAttributes"`
	MessageDeduplicationId string              `json:"MessageDeduplicationId"`
	MessageGroupId         string              `json:"MessageGroupId"`
}

// PublishBatchInput is PublishBatch's request.
type PublishBatchInput struct {
	TopicArn                   string                     `json:"TopicArn" required:"true"`
	PublishBatchRequestEntries []PublishBatchRequestEntry `json:"PublishBatchRequestEntries" required:"true"`
}

// PublishBatchResultEntry is a message PublishBatch accepted.
type PublishBatchResultEntry struct {
	Id             string `json:"Id"`
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber"`
}

// BatchResultErrorEntry is a message PublishBatch refused.
type BatchResultErrorEntry struct {
	Id          string `json:"Id"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
	SenderFault bool   `json:"SenderFault"`
}

// PublishBatchOutput is PublishBatch's result.
type PublishBatchOutput struct {
	Successful []PublishBatchResultEntry `json:"Successful"`
	Failed     []BatchResultErrorEntry   `json:"Failed"`
}
