package trailwatch

import "time"

// ChannelSourceCustom is the Source of a channel that takes events from the
// customer's own applications through PutAuditEvents (reference/cloudtrail.md §8).
const ChannelSourceCustom = "Custom"

// Channel is a CloudTrail Lake channel: the named door through which
// PutAuditEvents brings events from outside AWS. It is keyed by account,
// region and ID (a UUID, the last part of its ARN).
type Channel struct {
	AccountID string
	Region    string
	ID        string
	Name      string
	// Source is ChannelSourceCustom or a partner's source name; it never
	// changes after creation.
	Source string
	// Destinations are the event data stores the channel names, kept as
	// given. trailwatch stores ingested events in event history (where
	// trails pick them up) whatever the destinations say.
	Destinations []ChannelDestination
	Tags         []Tag
	CreatedAt    time.Time
	// Ingestion is what GetChannel reports as IngestionStatus.
	Ingestion ChannelIngestion
}

// ChannelDestination is one place a channel's events go.
type ChannelDestination struct {
	Type     string // EVENT_DATA_STORE or AWS_SERVICE
	Location string // the event data store's ARN, or the service's name
}

// ChannelIngestion records the latest PutAuditEvents calls on a channel.
// Times are zero until the first attempt.
type ChannelIngestion struct {
	LatestSuccessTime    time.Time
	LatestSuccessEventID string
	LatestErrorCode      string
	LatestAttemptTime    time.Time
	LatestAttemptEventID string
}

// ChannelARN is the ARN of a channel:
// arn:aws:cloudtrail:REGION:ACCOUNT:channel/ID.
func ChannelARN(account, region, id string) string {
	return "arn:" + Partition + ":cloudtrail:" + region + ":" + account + ":channel/" + id
}

// ARN is the channel's ARN.
func (c *Channel) ARN() string { return ChannelARN(c.AccountID, c.Region, c.ID) }
