package cloudtrail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// LookupEvents limits (reference/cloudtrail.md §4).
const (
	// MaxLookupResults is the largest and the default page size.
	MaxLookupResults = 50
	// maxAttributeValue is AttributeValue's limit in counted characters.
	maxAttributeValue = 2000
	// insightCategory is EventCategory's only value, in lower case.
	insightCategory = "insight"
)

// LookupEventsInput is LookupEventsRequest.
//
// The members carry no constraint tags: CloudTrail checks them itself and
// answers with its own exceptions (InvalidMaxResultsException and the like)
// rather than a generic ValidationException, so LookupEvents does too.
type LookupEventsInput struct {
	// LookupAttributes holds at most one attribute.
	LookupAttributes []LookupAttribute `json:"LookupAttributes,omitempty"`
	// StartTime and EndTime bound EventTime inclusively.
	StartTime *time.Time `json:"StartTime,omitempty"`
	EndTime   *time.Time `json:"EndTime,omitempty"`
	// EventCategory "insight" selects Insights events instead of
	// management events.
	EventCategory *string `json:"EventCategory,omitempty"`
	// MaxResults is 1–50, default 50.
	MaxResults *int32 `json:"MaxResults,omitempty"`
	// NextToken continues a previous call with the same parameters.
	NextToken string `json:"NextToken,omitempty"`
}

// LookupAttribute is one filter: events having the attribute with exactly
// this value (case-sensitive).
type LookupAttribute struct {
	// AttributeKey is one of EventId, EventName, ReadOnly, Username,
	// ResourceType, ResourceName, EventSource, AccessKeyId.
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

// LookupEventsOutput is LookupEventsResponse.
type LookupEventsOutput struct {
	// Events are newest first.
	Events []Event `json:"Events"`
	// NextToken is absent on the last page.
	NextToken string `json:"NextToken,omitempty"`
}

// Event is one event in a LookupEvents page.
type Event struct {
	EventID   string `json:"EventId,omitempty"`
	EventName string `json:"EventName,omitempty"`
	// ReadOnly is "true" or "false", a string as the model has it.
	ReadOnly    string     `json:"ReadOnly,omitempty"`
	AccessKeyID string     `json:"AccessKeyId,omitempty"`
	EventTime   *time.Time `json:"EventTime,omitempty"`
	EventSource string     `json:"EventSource,omitempty"`
	Username    string     `json:"Username,omitempty"`
	// Resources is [] rather than absent when the event names none.
	Resources []Resource `json:"Resources"`
	// CloudTrailEvent is the record exactly as stored.
	CloudTrailEvent string `json:"CloudTrailEvent,omitempty"`
}

// Resource is a resource an event referenced.
type Resource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

// lookupKeys are the attribute keys LookupEvents accepts; the value says
// whether the key also applies to Insights events (reference/cloudtrail.md §4).
var lookupKeys = map[string]bool{
	trailwatch.AttrEventID:      true,
	trailwatch.AttrEventName:    true,
	trailwatch.AttrEventSource:  true,
	trailwatch.AttrReadOnly:     false,
	trailwatch.AttrUsername:     false,
	trailwatch.AttrResourceType: false,
	trailwatch.AttrResourceName: false,
	trailwatch.AttrAccessKeyID:  false,
}

// LookupEvents returns the caller's events in the caller's region, newest
// first, within the retention window. Errors are *awserr.Error values with
// CloudTrail's codes, except storage failures and a context without a
// caller, which the front door turns into InternalFailure.
func (s *Service) LookupEvents(ctx context.Context, in *LookupEventsInput) (*LookupEventsOutput, error) {
	caller := trailwatch.CallerFromContext(ctx)
	if caller == nil {
		return nil, errors.New("cloudtrail: LookupEvents called without a caller")
	}
	q, key, err := s.lookupQuery(caller, in)
	if err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		after, ok := decodeToken(key, in.NextToken)
		if !ok {
			return nil, errNextToken()
		}
		q.After = &after
	}
	out := &LookupEventsOutput{Events: []Event{}}
	if !q.End.IsZero() && q.Start.After(q.End) {
		// The window lies wholly before the retention horizon.
		return out, nil
	}
	pageSize := q.Limit
	// One row more than the page tells whether anything follows, so a page
	// that happens to end exactly at the last event carries no token.
	q.Limit++
	rows, err := s.lookupRows(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		out.NextToken = encodeToken(key, rows[len(rows)-1])
	}
	out.Events = make([]Event, 0, len(rows))
	for _, r := range rows {
		e, err := lookupEvent(r)
		if err != nil {
			return nil, err
		}
		out.Events = append(out.Events, e)
	}
	return out, nil
}

// lookupQuery validates in and turns it into a storage query (without the
// resume position) and the key its tokens are bound to.
func (s *Service) lookupQuery(caller *trailwatch.Caller, in *LookupEventsInput) (storage.EventQuery, pageKey, error) {
	q := storage.EventQuery{AccountID: caller.AccountID, Region: caller.Region, Limit: MaxLookupResults}
	key := pageKey{account: caller.AccountID, region: caller.Region, start: in.StartTime, end: in.EndTime}

	insight := false
	if in.EventCategory != nil {
		if *in.EventCategory != insightCategory {
			return q, key, errEventCategory(*in.EventCategory)
		}
		insight = true
		q.Category = trailwatch.CategoryInsight
		key.category = insightCategory
	}

	if len(in.LookupAttributes) > 1 {
		return q, key, errTooManyLookupAttributes()
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		forInsights, known := lookupKeys[a.AttributeKey]
		if !known {
			return q, key, errLookupAttributeKey(a.AttributeKey)
		}
		if insight && !forInsights {
			return q, key, errInsightLookupAttribute(a.AttributeKey)
		}
		if n := attributeValueLen(a.AttributeValue); n < 1 || n > maxAttributeValue {
			return q, key, errLookupAttributeValue()
		}
		q.AttributeKey, q.AttributeValue = a.AttributeKey, a.AttributeValue
		key.attrKey, key.attrValue = a.AttributeKey, a.AttributeValue
	}

	if in.MaxResults != nil {
		if n := *in.MaxResults; n < 1 || n > MaxLookupResults {
			return q, key, errMaxResults(n)
		}
		q.Limit = int(*in.MaxResults)
	}

	if in.StartTime != nil && in.EndTime != nil && in.StartTime.After(*in.EndTime) {
		return q, key, errTimeRange()
	}
	if in.StartTime != nil {
		q.Start = *in.StartTime
	}
	if in.EndTime != nil {
		q.End = *in.EndTime
	}
	if s.retention > 0 {
		// Older events are outside the history whether or not the retention
		// worker has deleted them yet.
		if horizon := s.now().Add(-s.retention); q.Start.Before(horizon) {
			q.Start = horizon
		}
	}
	return q, key, nil
}

// attributeValueLen counts AttributeValue's length as CloudTrail does: in
// characters, with '_', ' ', ',' and newline counting twice (the model's
// LookupAttribute.AttributeValue documentation).
func attributeValueLen(v string) int {
	n := utf8.RuneCountInString(v)
	for _, c := range v {
		switch c {
		case '_', ' ', ',', '\n':
			n++
		}
	}
	return n
}

// lookupEvent builds the LookupEvents view of a stored record.
func lookupEvent(r storage.StoredEvent) (Event, error) {
	var rec trailwatch.Event
	if err := json.Unmarshal(r.JSON, &rec); err != nil {
		// Storage only holds records trailwatch wrote; one that does not
		// parse is corrupt data, reported as an internal failure.
		return Event{}, fmt.Errorf("decode stored event %d: %w", r.Seq, err)
	}
	t := rec.EventTime.UTC()
	if rec.EventTime.IsZero() {
		t = r.Time.UTC()
	}
	e := Event{
		EventID:         rec.EventID,
		EventName:       rec.EventName,
		AccessKeyID:     rec.UserIdentity.AccessKeyID,
		EventTime:       &t,
		EventSource:     rec.EventSource,
		Username:        rec.Username(),
		Resources:       make([]Resource, 0, len(rec.Resources)),
		CloudTrailEvent: string(r.JSON),
	}
	// Insights records have no readOnly of their own (reference/cloudtrail.md
	// §3.1), nor have activity audit records (§8).
	if rec.EventCategory != trailwatch.CategoryInsight && rec.EventCategory != trailwatch.CategoryActivityAuditLog {
		e.ReadOnly = "false"
		if rec.ReadOnly {
			e.ReadOnly = "true"
		}
	}
	for _, res := range rec.Resources {
		e.Resources = append(e.Resources, Resource{ResourceType: res.Type, ResourceName: resourceName(res.ARN)})
	}
	return e, nil
}

// resourceName is the name LookupEvents shows for a resource. The record
// keeps only the ARN (trailwatch.Resource.Name is not part of it), so the
// name is the ARN's resource part without its type: "alice" for
// user/division/alice, "audit" for trail/audit, "/aws/x" for
// log-group:/aws/x, the topic name for an SNS ARN. A value that is not an
// ARN is shown as it is.
func resourceName(arn string) string {
	a, err := trailwatch.ParseARN(arn)
	if err != nil || a.Resource == "" {
		return arn
	}
	res := a.Resource
	if i := strings.IndexByte(res, ':'); i >= 0 {
		// type:name, where the name may itself hold '/' (log groups).
		if name := res[i+1:]; name != "" {
			return name
		}
		return res
	}
	if i := strings.LastIndexByte(res, '/'); i >= 0 && i < len(res)-1 {
		// type/path/name: IAM paths sit between the type and the name.
		return res[i+1:]
	}
	return res
}

// lookupRows reads q's events. Without an EventCategory, LookupEvents
// returns management events and, as trailwatch's extension of AWS's
// behaviour, the activity audit events applications sent through
// PutAuditEvents: storage keeps them in an index of their own, so both
// indexes are read from the same position and merged in the newest-first
// order, which a page token (one position) resumes exactly.
func (s *Service) lookupRows(ctx context.Context, q storage.EventQuery) ([]storage.StoredEvent, error) {
	mgmt, err := s.events.LookupEvents(ctx, q)
	if err != nil || q.Category != "" {
		return mgmt, err
	}
	q.Category = trailwatch.CategoryActivityAuditLog
	act, err := s.events.LookupEvents(ctx, q)
	if err != nil || len(act) == 0 {
		return mgmt, err
	}
	out := make([]storage.StoredEvent, 0, min(q.Limit, len(mgmt)+len(act)))
	for len(out) < q.Limit && (len(mgmt) > 0 || len(act) > 0) {
		if len(act) == 0 || len(mgmt) > 0 && newerFirst(mgmt[0], act[0]) {
			out, mgmt = append(out, mgmt[0]), mgmt[1:]
		} else {
			out, act = append(out, act[0]), act[1:]
		}
	}
	return out, nil
}

// newerFirst reports whether a comes before b in LookupEvents' order:
// time descending, then seq descending.
func newerFirst(a, b storage.StoredEvent) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	return a.Seq > b.Seq
}
