package cloudtraildata

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch"
)

// The eventData schema (reference/cloudtrail.md §8, UG23
// query-integration-event-schema): members, JSON kinds and limits.
// String limits count characters; object limits count the bytes of the
// member's JSON.
type fieldRule struct {
	name     string
	object   bool // a JSON object rather than a string
	required bool
	max      int
}

var topFields = []fieldRule{
	{name: "version", required: true, max: 256},
	{name: "userIdentity", object: true, required: true},
	{name: "userAgent", max: 1024},
	{name: "eventSource", required: true, max: 1024},
	{name: "eventName", required: true, max: 1024},
	{name: "eventTime", required: true, max: 256},
	{name: "UID", required: true, max: 1024},
	{name: "requestParameters", object: true, max: 100 << 10},
	{name: "responseElements", object: true, max: 100 << 10},
	{name: "errorCode", max: 256},
	{name: "errorMessage", max: 256},
	{name: "sourceIPAddress", max: 256},
	{name: "recipientAccountId", required: true, max: 12},
	{name: "additionalEventData", object: true, max: 28 << 10},
}

var identityFields = []fieldRule{
	{name: "type", required: true, max: 128},
	{name: "principalId", required: true, max: 1024},
	{name: "details", object: true},
}

// addendumReasons are addendum.reason's values (reference/cloudtrail.md §2.1).
var addendumReasons = map[string]bool{"DELIVERY_DELAY": true, "UPDATED_DATA": true, "SERVICE_OUTAGE": true}

// eventError is why one audit event was refused: a per-event errorCode
// and its message.
type eventError struct{ code, msg string }

func fail(code, format string, args ...any) *eventError {
	return &eventError{code: code, msg: fmt.Sprintf(format, args...)}
}

// parsedEvent is an accepted event's eventData: compacted, and read.
type parsedEvent struct {
	data     json.RawMessage
	addendum *trailwatch.Addendum
}

// parseEventData checks one audit event against the schema for a channel
// owned by owner, and returns its eventData ready to store. checksum, when
// not empty, must be base64(SHA-256(eventData)).
//
// trailwatch refuses an eventSource ending in "amazonaws.com" with
// InvalidEventSource: activity audit events sit in event history beside
// trailwatch's own records, and an application must not pass its events
// off as an AWS service's.
func parseEventData(eventData, checksum, owner string) (parsedEvent, *eventError) {
	if checksum != "" {
		sum := sha256.Sum256([]byte(eventData))
		if base64.StdEncoding.EncodeToString(sum[:]) != checksum {
			return parsedEvent{}, fail(codeInvalidChecksum, "The eventDataChecksum does not match the SHA-256 of eventData.")
		}
	}
	top, e := object([]byte(eventData), "eventData")
	if e != nil {
		return parsedEvent{}, e
	}
	str, e := checkFields(top, topFields, "")
	if e != nil {
		return parsedEvent{}, e
	}
	ident, e := object(top["userIdentity"], "userIdentity")
	if e != nil {
		return parsedEvent{}, e
	}
	if _, e := checkFields(ident, identityFields, "userIdentity."); e != nil {
		return parsedEvent{}, e
	}
	if !validEventTime(str["eventTime"]) {
		return parsedEvent{}, fail(codeInvalidData, "Field eventTime must be a UTC time in the format yyyy-MM-ddTHH:mm:ssZ.")
	}
	if ip, ok := str["sourceIPAddress"]; ok {
		if _, err := netip.ParseAddr(ip); err != nil {
			return parsedEvent{}, fail(codeInvalidData, "Field sourceIPAddress must be an IPv4 or IPv6 address.")
		}
	}
	if str["recipientAccountId"] != owner {
		return parsedEvent{}, fail(codeInvalidRecipient, "Field recipientAccountId must be the channel owner's account ID %s.", owner)
	}
	if src := strings.ToLower(str["eventSource"]); strings.HasSuffix(src, "amazonaws.com") {
		return parsedEvent{}, fail(codeInvalidEventSource, "Field eventSource must not name an AWS service.")
	}
	var p parsedEvent
	if raw, ok := top["addendum"]; ok {
		var a trailwatch.Addendum
		if err := json.Unmarshal(raw, &a); err != nil || !addendumReasons[a.Reason] {
			return parsedEvent{}, fail(codeInvalidData, "Field addendum must be an object whose reason is DELIVERY_DELAY, UPDATED_DATA or SERVICE_OUTAGE.")
		}
		if a.Reason != "UPDATED_DATA" && (a.UpdatedFields != "" || a.OriginalUID != "" || a.OriginalEventID != "") {
			return parsedEvent{}, fail(codeInvalidData, "Fields updatedFields, originalUID and originalEventID of addendum require reason UPDATED_DATA.")
		}
		p.addendum = &a
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(eventData)); err != nil {
		return parsedEvent{}, fail(codeInvalidData, "Field eventData must be a JSON object.")
	}
	p.data = buf.Bytes()
	return p, nil
}

// object reads b as a JSON object, member by member.
func object(b []byte, what string) (map[string]json.RawMessage, *eventError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fail(codeInvalidData, "Field %s must be a JSON object.", what)
	}
	return m, nil
}

// checkFields applies rules to m and returns its string members.
func checkFields(m map[string]json.RawMessage, rules []fieldRule, prefix string) (map[string]string, *eventError) {
	strs := map[string]string{}
	for _, r := range rules {
		raw, ok := m[r.name]
		if !ok || string(raw) == "null" {
			if r.required {
				return nil, fail(codeFieldNotFound, "Field %s%s is required.", prefix, r.name)
			}
			continue
		}
		if r.object {
			if len(raw) == 0 || raw[0] != '{' {
				return nil, fail(codeInvalidData, "Field %s%s must be a JSON object.", prefix, r.name)
			}
			if r.max > 0 && len(raw) > r.max {
				return nil, fail(codeFieldTooLong, "Field %s%s exceeds %d bytes.", prefix, r.name, r.max)
			}
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fail(codeInvalidData, "Field %s%s must be a string.", prefix, r.name)
		}
		if r.required && s == "" {
			return nil, fail(codeFieldNotFound, "Field %s%s is required.", prefix, r.name)
		}
		if utf8.RuneCountInString(s) > r.max {
			return nil, fail(codeFieldTooLong, "Field %s%s exceeds %d characters.", prefix, r.name, r.max)
		}
		strs[r.name] = s
	}
	return strs, nil
}

// validEventTime accepts UTC times in the schema's format, with optional
// fractional seconds.
func validEventTime(s string) bool {
	if !strings.HasSuffix(s, "Z") {
		return false
	}
	for _, layout := range []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05.999999999Z"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
