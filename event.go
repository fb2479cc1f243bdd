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

// eventRecord is Event as written: the same fields in CloudTrail's order,
// with eventTime formatted after userIdentity. One marshal, no splicing:
// recording a record is on every request's path.
type eventRecord struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
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
}

// MarshalJSON writes the record with eventTime in CloudTrail's format, in
// CloudTrail's field order.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(eventRecord{
		EventVersion: e.EventVersion, UserIdentity: e.UserIdentity,
		EventTime:   e.EventTime.UTC().Format(eventTimeLayout),
		EventSource: e.EventSource, EventName: e.EventName, AWSRegion: e.AWSRegion,
		SourceIPAddress: e.SourceIPAddress, UserAgent: e.UserAgent,
		ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage,
		RequestParameters: e.RequestParameters, ResponseElements: e.ResponseElements,
		RequestID: e.RequestID, EventID: e.EventID, ReadOnly: e.ReadOnly, Resources: e.Resources,
		EventType: e.EventType, APIVersion: e.APIVersion, ManagementEvent: e.ManagementEvent,
		RecipientAccountID: e.RecipientAccountID, EventCategory: e.EventCategory, TLSDetails: e.TLSDetails,
	})
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
