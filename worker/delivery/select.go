package delivery

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/trailwatch/trailwatch"
)

// record is what selection reads of a stored CloudTrail record.
type record struct {
	EventVersion       string `json:"eventVersion"`
	EventTime          string `json:"eventTime"`
	EventSource        string `json:"eventSource"`
	EventName          string `json:"eventName"`
	AWSRegion          string `json:"awsRegion"`
	EventType          string `json:"eventType"`
	EventCategory      string `json:"eventCategory"`
	ErrorCode          string `json:"errorCode"`
	ReadOnly           *bool  `json:"readOnly"`
	RecipientAccountID string `json:"recipientAccountId"`
	UserIdentity       struct {
		ARN         string `json:"arn"`
		PrincipalID string `json:"principalId"`
	} `json:"userIdentity"`
	// EventData holds an activity audit event's own fields
	// (reference/cloudtrail.md §8).
	EventData *struct {
		EventSource  string `json:"eventSource"`
		EventName    string `json:"eventName"`
		ErrorCode    string `json:"errorCode"`
		UserIdentity struct {
			PrincipalID string `json:"principalId"`
		} `json:"userIdentity"`
	} `json:"eventData"`
	Resources []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	} `json:"resources"`
}

func parseRecord(b []byte) (record, error) {
	var r record
	err := json.Unmarshal(b, &r)
	if r.EventCategory == "" {
		r.EventCategory = trailwatch.CategoryManagement
	}
	if d := r.EventData; d != nil && r.EventCategory == trailwatch.CategoryActivityAuditLog {
		// Selectors test an activity audit event's own source, name and
		// principal, which sit in eventData.
		r.EventSource, r.EventName, r.ErrorCode = d.EventSource, d.EventName, d.ErrorCode
		r.UserIdentity.PrincipalID = d.UserIdentity.PrincipalID
	}
	return r, err
}

// globalSources are the services whose events are global service events:
// a trail delivers them only with IncludeGlobalServiceEvents
// (reference/cloudtrail.md §5).
var globalSources = map[string]bool{"iam.amazonaws.com": true}

// covers reports whether t collects r at all: its account, a region it
// covers, and global service events only when it includes them.
func covers(t *trailwatch.Trail, r *record) bool {
	if r.RecipientAccountID != t.AccountID {
		return false
	}
	if !t.IsMultiRegionTrail && r.AWSRegion != t.HomeRegion {
		return false
	}
	if globalSources[r.EventSource] && !t.IncludeGlobalServiceEvents {
		return false
	}
	return true
}

// selects reports whether t's event selectors choose r
// (reference/cloudtrail.md §5.3). Without custom selectors a trail logs
// every management event. Activity audit events (PutAuditEvents) are
// chosen only by an advanced selector with eventCategory ActivityAuditLog:
// like data events they are opt-in, since AWS delivers them to Lake event
// data stores rather than trails.
func selects(t *trailwatch.Trail, r *record) bool {
	if r.EventCategory == trailwatch.CategoryInsight {
		return false // Insights events have their own delivery
	}
	if len(t.AdvancedEventSelectors) > 0 {
		for i := range t.AdvancedEventSelectors {
			if advancedMatch(&t.AdvancedEventSelectors[i], r) {
				return true
			}
		}
		return false
	}
	if !t.HasCustomEventSelectors || len(t.EventSelectors) == 0 {
		return r.EventCategory == trailwatch.CategoryManagement
	}
	for i := range t.EventSelectors {
		if basicMatch(&t.EventSelectors[i], r) {
			return true
		}
	}
	return false
}

func readWriteMatch(rw string, r *record) bool {
	ro := r.ReadOnly != nil && *r.ReadOnly
	switch rw {
	case "ReadOnly":
		return ro
	case "WriteOnly":
		return !ro
	}
	return true
}

func basicMatch(s *trailwatch.EventSelector, r *record) bool {
	if !readWriteMatch(s.ReadWriteType, r) {
		return false
	}
	switch r.EventCategory {
	case trailwatch.CategoryManagement:
		if !s.IncludeManagementEvents {
			return false
		}
		for _, src := range s.ExcludeManagementEventSources {
			if src == r.EventSource {
				return false
			}
		}
		return true
	case trailwatch.CategoryData:
		for _, dr := range s.DataResources {
			for _, res := range r.Resources {
				if res.Type != dr.Type {
					continue
				}
				for _, v := range dr.Values {
					// A value is an ARN prefix; a bare "arn:aws:s3" (or the
					// type's service prefix) selects every resource of the
					// type.
					if strings.HasPrefix(res.ARN, v) {
						return true
					}
				}
			}
		}
	}
	return false
}

// fieldValues returns r's values for an advanced selector field: one for
// scalar fields, one per resource for resources.*.
func fieldValues(field string, r *record) ([]string, bool) {
	switch field {
	case "eventCategory":
		return []string{r.EventCategory}, true
	case "eventSource":
		return []string{r.EventSource}, true
	case "eventName":
		return []string{r.EventName}, true
	case "eventType":
		return []string{r.EventType}, true
	case "errorCode":
		return []string{r.ErrorCode}, true
	case "readOnly":
		ro := r.ReadOnly != nil && *r.ReadOnly
		return []string{strconv.FormatBool(ro)}, true
	case "userIdentity.arn":
		return []string{r.UserIdentity.ARN}, true
	case "userIdentity.principalId":
		return []string{r.UserIdentity.PrincipalID}, true
	case "resources.type", "resources.ARN":
		var vs []string
		for _, res := range r.Resources {
			if field == "resources.type" {
				vs = append(vs, res.Type)
			} else {
				vs = append(vs, res.ARN)
			}
		}
		return vs, true
	}
	return nil, false
}

// advancedMatch: every field selector holds; within one, any Equals,
// StartsWith or EndsWith value may match and no Not* value may.
func advancedMatch(s *trailwatch.AdvancedEventSelector, r *record) bool {
	for _, f := range s.FieldSelectors {
		vals, ok := fieldValues(f.Field, r)
		if !ok {
			return false
		}
		if !fieldMatch(&f, vals) {
			return false
		}
	}
	return true
}

func fieldMatch(f *trailwatch.AdvancedFieldSelector, vals []string) bool {
	if len(vals) == 0 {
		vals = []string{""}
	}
	for _, v := range vals {
		if len(f.Equals) > 0 && !anyOf(f.Equals, func(x string) bool { return v == x }) {
			continue
		}
		if len(f.StartsWith) > 0 && !anyOf(f.StartsWith, func(x string) bool { return strings.HasPrefix(v, x) }) {
			continue
		}
		if len(f.EndsWith) > 0 && !anyOf(f.EndsWith, func(x string) bool { return strings.HasSuffix(v, x) }) {
			continue
		}
		if anyOf(f.NotEquals, func(x string) bool { return v == x }) ||
			anyOf(f.NotStartsWith, func(x string) bool { return strings.HasPrefix(v, x) }) ||
			anyOf(f.NotEndsWith, func(x string) bool { return strings.HasSuffix(v, x) }) {
			continue
		}
		return true
	}
	return false
}

func anyOf(xs []string, f func(string) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

// SelectsDataEvents reports whether t's selectors can choose data events
// at all: a basic selector with data resources, or an advanced one whose
// eventCategory is Data. The front door records data events only for
// accounts with such a logging trail, as CloudTrail does.
func SelectsDataEvents(t *trailwatch.Trail) bool {
	for _, s := range t.EventSelectors {
		if len(s.DataResources) > 0 {
			return true
		}
	}
	for _, s := range t.AdvancedEventSelectors {
		for _, f := range s.FieldSelectors {
			if f.Field == "eventCategory" && anyOf(f.Equals, func(v string) bool { return v == trailwatch.CategoryData }) {
				return true
			}
		}
	}
	return false
}

// WantsEvent reports whether any of trails, while logging, would deliver
// ev: the front door asks before recording a data event.
func WantsEvent(trails []trailwatch.Trail, ev *trailwatch.Event) bool {
	b, err := ev.MarshalJSON()
	if err != nil {
		return false
	}
	r, err := parseRecord(b)
	if err != nil {
		return false
	}
	for i := range trails {
		t := &trails[i]
		if t.IsLogging && covers(t, &r) && selects(t, &r) {
			return true
		}
	}
	return false
}
