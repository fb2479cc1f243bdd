package trailwatch

import (
	"encoding/json"
	"time"
)

// EventVersion is the CloudTrail record format trailwatch writes
// (reference/cloudtrail.md §2.1).
const EventVersion = "1.11"

// Event types and categories (reference/cloudtrail.md §2.3).
const (
	EventTypeAPICall = "AwsApiCall"

	CategoryManagement = "Management"
	CategoryData       = "Data"
	CategoryInsight    = "Insight"

	// CategoryActivityAuditLog and EventTypeActivityLog mark the events
	// applications send through PutAuditEvents (reference/cloudtrail.md
	// §2.3, §8).
	CategoryActivityAuditLog = "ActivityAuditLog"
	EventTypeActivityLog     = "ActivityLog"
)

// Event is one CloudTrail record, with the fields and JSON names of
// reference/cloudtrail.md §2.1 in CloudTrail's order. EventTime has second
// precision, as CloudTrail's does.
type Event struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	EventTime          time.Time       `json:"-"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent,omitempty"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID,omitempty"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	Resources          []Resource      `json:"resources,omitempty"`
	EventType          string          `json:"eventType"`
	APIVersion         string          `json:"apiVersion,omitempty"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	EventCategory      string          `json:"eventCategory"`
	TLSDetails         *TLSDetails     `json:"tlsDetails,omitempty"`

	// Activity audit events (EventCategory CategoryActivityAuditLog) are
	// written in CloudTrail Lake's shape instead (reference/cloudtrail.md
	// §8): the fields CloudTrail adds, and the application's event as it
	// sent it in EventData. For them EventSource, EventName, UserIdentity
	// (type and principalId), UserAgent, SourceIPAddress, ErrorCode and
	// ErrorMessage are read from EventData and are not written again.
	Addendum  *Addendum       `json:"addendum,omitempty"`
	Metadata  *EventMetadata  `json:"metadata,omitempty"`
	EventData json.RawMessage `json:"eventData,omitempty"`
}

// Addendum marks an activity audit event that is late or corrects an
// earlier one.
type Addendum struct {
	Reason          string `json:"reason"`
	UpdatedFields   string `json:"updatedFields,omitempty"`
	OriginalUID     string `json:"originalUID,omitempty"`
	OriginalEventID string `json:"originalEventID,omitempty"`
}

// EventMetadata says when and through which channel an activity audit
// event arrived.
type EventMetadata struct {
	IngestionTime string `json:"ingestionTime"`
	ChannelARN    string `json:"channelARN"`
}

// UserIdentity says who made a request (reference/cloudtrail.md §2.2).
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// Resource is a resource an event touched. Name is what LookupEvents'
// ResourceName shows and matches (a user name, a trail name); it is not part
// of the record.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
	Name      string `json:"-"`
}

// TLSDetails describes the TLS connection a call arrived on.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
	KeyExchange              string `json:"keyExchange,omitempty"`
}

// eventTimeLayout is CloudTrail's eventTime format.
const eventTimeLayout = "2006-01-02T15:04:05Z"

type eventJSON Event

// activityRecord is an activity audit event as written, in CloudTrail
// Lake's order (reference/cloudtrail.md §8).
type activityRecord struct {
	EventVersion       string          `json:"eventVersion"`
	EventCategory      string          `json:"eventCategory"`
	EventType          string          `json:"eventType"`
	EventID            string          `json:"eventID"`
	EventTime          string          `json:"eventTime"`
	AWSRegion          string          `json:"awsRegion"`
	RecipientAccountID string          `json:"recipientAccountId"`
	Addendum           *Addendum       `json:"addendum,omitempty"`
	Metadata           *EventMetadata  `json:"metadata,omitempty"`
	EventData          json.RawMessage `json:"eventData"`
}

// MarshalJSON writes the record with eventTime in CloudTrail's format, in
// CloudTrail's field order.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.EventCategory == CategoryActivityAuditLog {
		return json.Marshal(activityRecord{
			EventVersion: e.EventVersion, EventCategory: e.EventCategory, EventType: e.EventType,
			EventID: e.EventID, EventTime: e.EventTime.UTC().Format(eventTimeLayout), AWSRegion: e.AWSRegion,
			RecipientAccountID: e.RecipientAccountID, Addendum: e.Addendum, Metadata: e.Metadata, EventData: e.EventData,
		})
	}
	return e.appendRecord(make([]byte, 0, 1024))
}

// UnmarshalJSON reads a record written by MarshalJSON (or by CloudTrail).
func (e *Event) UnmarshalJSON(b []byte) error {
	var aux struct {
		eventJSON
		EventTime string `json:"eventTime"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*e = Event(aux.eventJSON)
	// A JSON null reads back as no value, so records compare equal after a round trip.
	if string(e.RequestParameters) == "null" {
		e.RequestParameters = nil
	}
	if string(e.ResponseElements) == "null" {
		e.ResponseElements = nil
	}
	if aux.EventTime != "" {
		t, err := time.Parse(time.RFC3339, aux.EventTime)
		if err != nil {
			return err
		}
		e.EventTime = t
	}
	if e.EventCategory == CategoryActivityAuditLog && len(e.EventData) > 0 {
		var d ActivityEventData
		if err := json.Unmarshal(e.EventData, &d); err != nil {
			return err
		}
		d.apply(e)
	}
	return nil
}

// ActivityEventData is what trailwatch reads of an activity audit event's
// eventData: the members that take the place of a record's own
// (reference/cloudtrail.md §8).
type ActivityEventData struct {
	UserIdentity struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
	} `json:"userIdentity"`
	EventSource     string `json:"eventSource"`
	EventName       string `json:"eventName"`
	UserAgent       string `json:"userAgent"`
	SourceIPAddress string `json:"sourceIPAddress"`
	ErrorCode       string `json:"errorCode"`
	ErrorMessage    string `json:"errorMessage"`
}

// apply copies d into e's own fields, so that lookups, selectors and
// LookupEvents see an activity audit event like any other.
func (d *ActivityEventData) apply(e *Event) {
	e.UserIdentity = UserIdentity{Type: d.UserIdentity.Type, PrincipalID: d.UserIdentity.PrincipalID}
	e.EventSource, e.EventName = d.EventSource, d.EventName
	e.UserAgent, e.SourceIPAddress = d.UserAgent, d.SourceIPAddress
	e.ErrorCode, e.ErrorMessage = d.ErrorCode, d.ErrorMessage
}

// SetEventData sets e's EventData to data (an eventData JSON object) and
// fills e's own fields from it, as reading the record back would.
func (e *Event) SetEventData(data json.RawMessage) error {
	var d ActivityEventData
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	e.EventData = data
	d.apply(e)
	return nil
}

// Lookup attribute keys, exactly as LookupEvents spells them
// (reference/cloudtrail.md §4).
const (
	AttrEventID      = "EventId"
	AttrEventName    = "EventName"
	AttrReadOnly     = "ReadOnly"
	AttrUsername     = "Username"
	AttrResourceType = "ResourceType"
	AttrResourceName = "ResourceName"
	AttrEventSource  = "EventSource"
	AttrAccessKeyID  = "AccessKeyId"
)

// Attribute is one LookupEvents attribute of an event.
type Attribute struct {
	Key, Value string
}

// Username is the name LookupEvents shows for the event's caller.
func (e *Event) Username() string {
	if e.EventCategory == CategoryActivityAuditLog {
		// An application's users have no IAM name; its principalId is
		// the one name the event carries.
		return e.UserIdentity.PrincipalID
	}
	if e.UserIdentity.Type == PrincipalRoot {
		return "root"
	}
	return e.UserIdentity.UserName
}

// LookupAttributes lists every (key, value) pair by which LookupEvents can
// find this event. Storage indexes exactly these.
func (e *Event) LookupAttributes() []Attribute {
	ro := "false"
	if e.ReadOnly {
		ro = "true"
	}
	attrs := []Attribute{
		{AttrEventID, e.EventID},
		{AttrEventName, e.EventName},
		{AttrReadOnly, ro},
		{AttrEventSource, e.EventSource},
	}
	if e.EventCategory == CategoryActivityAuditLog {
		// Activity audit records have no readOnly, access key or
		// resources of their own.
		attrs = append(attrs[:2], Attribute{AttrEventSource, e.EventSource})
		if u := e.Username(); u != "" {
			attrs = append(attrs, Attribute{AttrUsername, u})
		}
		return attrs
	}
	if u := e.Username(); u != "" {
		attrs = append(attrs, Attribute{AttrUsername, u})
	}
	if e.UserIdentity.AccessKeyID != "" {
		attrs = append(attrs, Attribute{AttrAccessKeyID, e.UserIdentity.AccessKeyID})
	}
	seen := map[Attribute]bool{}
	add := func(a Attribute) {
		if a.Value != "" && !seen[a] {
			seen[a] = true
			attrs = append(attrs, a)
		}
	}
	for _, r := range e.Resources {
		add(Attribute{AttrResourceType, r.Type})
		add(Attribute{AttrResourceName, r.Name})
		add(Attribute{AttrResourceName, r.ARN})
	}
	return attrs
}
