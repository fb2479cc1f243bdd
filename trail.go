package trailwatch

import "time"

// Trail is a CloudTrail trail: where an account's events of one region (or
// of every region, for a multi-region trail) are delivered, and which of
// them (reference/cloudtrail.md §5).
//
// A trail lives in its home region. A multi-region trail is also visible,
// as a shadow, in every other region of its account; it is still one trail,
// stored once.
type Trail struct {
	AccountID  string
	HomeRegion string
	Name       string

	// Delivery settings, stored as given (after CloudTrail's validation).
	S3BucketName string
	S3KeyPrefix  string // "" for none
	// SnsTopicARN is the topic's ARN ("" for none); a topic given by name
	// is stored as an ARN in the home region.
	SnsTopicARN                string
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	LogFileValidationEnabled   bool
	CloudWatchLogsLogGroupARN  string
	CloudWatchLogsRoleARN      string
	KMSKeyID                   string // a key or alias ARN, "" for none
	IsOrganizationTrail        bool

	// HasCustomEventSelectors is true once PutEventSelectors has been
	// called. At most one of EventSelectors and AdvancedEventSelectors is
	// non-empty; with neither the trail logs every management event.
	HasCustomEventSelectors bool
	EventSelectors          []EventSelector
	AdvancedEventSelectors  []AdvancedEventSelector

	// Tags in the order their keys were first added.
	Tags []Tag

	CreatedAt time.Time

	// IsLogging is true between StartLogging and StopLogging. The times
	// are zero until the first call of each.
	IsLogging        bool
	StartLoggingTime time.Time
	StopLoggingTime  time.Time

	// Delivery is what the delivery worker reports; GetTrailStatus shows it.
	Delivery TrailDelivery
}

// ARN is the trail's ARN, which names its home region.
func (t *Trail) ARN() string { return TrailARN(t.HomeRegion, t.AccountID, t.Name) }

// VisibleIn reports whether the trail exists in region: its home region,
// or any region for a multi-region trail.
func (t *Trail) VisibleIn(region string) bool {
	return t.HomeRegion == region || t.IsMultiRegionTrail
}

// TrailARN is arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME.
func TrailARN(region, account, name string) string {
	return "arn:" + Partition + ":cloudtrail:" + region + ":" + account + ":trail/" + name
}

// TrailDelivery is a trail's delivery state as GetTrailStatus reports it.
// Zero times and empty errors mean "never". The delivery worker writes it
// through storage.Trails.UpdateTrailDelivery.
type TrailDelivery struct {
	// LatestDeliveryTime is the last successful delivery of a log file to
	// the bucket; LatestDeliveryAttemptTime the last attempt, successful or
	// not; LatestDeliveryError the error of the last failed attempt, cleared
	// by a later success.
	LatestDeliveryTime        time.Time
	LatestDeliveryAttemptTime time.Time
	LatestDeliveryError       string

	LatestNotificationTime        time.Time
	LatestNotificationAttemptTime time.Time
	LatestNotificationError       string

	LatestCloudWatchLogsDeliveryTime  time.Time
	LatestCloudWatchLogsDeliveryError string

	LatestDigestDeliveryTime  time.Time
	LatestDigestDeliveryError string
}

// EventSelector is a basic event selector (reference/cloudtrail.md §5.3).
// Stored with CloudTrail's defaults filled in.
type EventSelector struct {
	ReadWriteType                 string // ReadOnly, WriteOnly or All
	IncludeManagementEvents       bool
	DataResources                 []DataResource
	ExcludeManagementEventSources []string
}

// DataResource selects data events of one resource type by ARN prefix.
type DataResource struct {
	Type   string
	Values []string
}

// AdvancedEventSelector selects events whose fields satisfy every one of its
// field selectors.
type AdvancedEventSelector struct {
	Name           string
	FieldSelectors []AdvancedFieldSelector
}

// AdvancedFieldSelector is one condition on one record field; each non-empty
// operator lists alternatives.
type AdvancedFieldSelector struct {
	Field         string
	Equals        []string
	StartsWith    []string
	EndsWith      []string
	NotEquals     []string
	NotStartsWith []string
	NotEndsWith   []string
}

// Tag is a CloudTrail resource tag. Value is nil for a key given without
// one, which CloudTrail keeps apart from an empty value.
type Tag struct {
	Key   string
	Value *string
}
