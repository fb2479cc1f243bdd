package trailwatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// appendRecord appends e as CloudTrail writes a record: its fields in
// CloudTrail's order, eventTime in CloudTrail's format, optional fields
// left out when empty. Written by hand rather than through encoding/json
// because every request the front door serves records one event, and
// reflection, a second pass compacting the raw parameters and HTML
// escaping (which CloudTrail does not do) cost more than the rest of
// recording.
func (e Event) appendRecord(b []byte) ([]byte, error) {
	b = append(b, `{"eventVersion":`...)
	b = AppendJSONString(b, e.EventVersion)
	b = append(b, `,"userIdentity":{"type":`...)
	u := e.UserIdentity
	b = AppendJSONString(b, u.Type)
	b = appendOptional(b, `,"principalId":`, u.PrincipalID)
	b = appendOptional(b, `,"arn":`, u.ARN)
	b = appendOptional(b, `,"accountId":`, u.AccountID)
	b = appendOptional(b, `,"accessKeyId":`, u.AccessKeyID)
	b = appendOptional(b, `,"userName":`, u.UserName)
	b = append(b, `},"eventTime":"`...)
	b = e.EventTime.UTC().AppendFormat(b, eventTimeLayout)
	b = append(b, `","eventSource":`...)
	b = AppendJSONString(b, e.EventSource)
	b = append(b, `,"eventName":`...)
	b = AppendJSONString(b, e.EventName)
	b = append(b, `,"awsRegion":`...)
	b = AppendJSONString(b, e.AWSRegion)
	b = append(b, `,"sourceIPAddress":`...)
	b = AppendJSONString(b, e.SourceIPAddress)
	b = appendOptional(b, `,"userAgent":`, e.UserAgent)
	b = appendOptional(b, `,"errorCode":`, e.ErrorCode)
	b = appendOptional(b, `,"errorMessage":`, e.ErrorMessage)
	var err error
	b = append(b, `,"requestParameters":`...)
	if b, err = appendRaw(b, e.RequestParameters); err != nil {
		return nil, fmt.Errorf("requestParameters: %w", err)
	}
	b = append(b, `,"responseElements":`...)
	if b, err = appendRaw(b, e.ResponseElements); err != nil {
		return nil, fmt.Errorf("responseElements: %w", err)
	}
	b = appendOptional(b, `,"requestID":`, e.RequestID)
	b = append(b, `,"eventID":`...)
	b = AppendJSONString(b, e.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, e.ReadOnly)
	if len(e.Resources) > 0 {
		b = append(b, `,"resources":[`...)
		for i, r := range e.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ARN":`...)
			b = AppendJSONString(b, r.ARN)
			b = append(b, `,"accountId":`...)
			b = AppendJSONString(b, r.AccountID)
			b = append(b, `,"type":`...)
			b = AppendJSONString(b, r.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"eventType":`...)
	b = AppendJSONString(b, e.EventType)
	b = appendOptional(b, `,"apiVersion":`, e.APIVersion)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, e.ManagementEvent)
	b = append(b, `,"recipientAccountId":`...)
	b = AppendJSONString(b, e.RecipientAccountID)
	b = append(b, `,"eventCategory":`...)
	b = AppendJSONString(b, e.EventCategory)
	if t := e.TLSDetails; t != nil {
		b = append(b, `,"tlsDetails":{"tlsVersion":`...)
		b = AppendJSONString(b, t.TLSVersion)
		b = append(b, `,"cipherSuite":`...)
		b = AppendJSONString(b, t.CipherSuite)
		b = append(b, `,"clientProvidedHostHeader":`...)
		b = AppendJSONString(b, t.ClientProvidedHostHeader)
		b = appendOptional(b, `,"keyExchange":`, t.KeyExchange)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendOptional appends the member key and s, unless s is empty
// (encoding/json's omitempty).
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return AppendJSONString(append(b, key...), s)
}

// appendRaw appends a raw JSON value: null when there is none, compacted
// when it holds whitespace, and refused when it is not valid JSON, so a
// stored record always parses.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(b, "null"...), nil
	}
	if bytes.ContainsAny(raw, " \t\r\n") {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		return append(b, buf.Bytes()...), nil
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("invalid JSON %q", raw)
	}
	return append(b, raw...), nil
}
