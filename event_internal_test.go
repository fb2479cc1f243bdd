package trailwatch

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// eventRecord is Event as encoding/json would write the record, the
// reference the hand-written encoder (appendRecord) is checked against.
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

// reflectRecord encodes e through eventRecord with encoding/json, without
// HTML escaping (CloudTrail does none).
func reflectRecord(t testing.TB, e Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(eventRecord{
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
	if err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func sampleEvent(s string) Event {
	return Event{
		EventVersion: EventVersion,
		UserIdentity: UserIdentity{Type: "IAMUser", PrincipalID: s, ARN: "arn:aws:iam::123456789012:user/" + s,
			AccountID: "123456789012", AccessKeyID: "AKIA" + s, UserName: s},
		EventTime:   time.Date(2026, 11, 22, 3, 4, 5, 999, time.FixedZone("x", 3600)),
		EventSource: "iam.amazonaws.com", EventName: "CreateUser", AWSRegion: "us-east-1",
		SourceIPAddress: "127.0.0.1", UserAgent: s, ErrorCode: s, ErrorMessage: s,
		RequestParameters: json.RawMessage(`{"userName":"a b <c>","n":[1, 2]}`),
		RequestID:         s, EventID: "e-" + s, ReadOnly: true,
		Resources: []Resource{{ARN: "arn:" + s, AccountID: "123456789012", Type: "AWS::IAM::User", Name: s}, {ARN: "x", Type: s}},
		EventType: EventTypeAPICall, APIVersion: s, ManagementEvent: true,
		RecipientAccountID: "123456789012", EventCategory: CategoryManagement,
		TLSDetails: &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: s, ClientProvidedHostHeader: s, KeyExchange: s},
	}
}

// TestAppendRecordMatchesEncodingJSON: the hand-written encoder writes
// byte for byte what encoding/json writes of the mirror struct.
func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "alice", "quote\" \\ back", "ctl \b\f\n\r\t\x00\x1f\x7f", "html <>&", "ü € 𝄞 \u2028\u2029", "bad \xff\xc3"} {
		for _, e := range []Event{sampleEvent(s), {EventTime: time.Unix(0, 0)}, {EventVersion: s, EventTime: time.Unix(1e9, 0), UserIdentity: UserIdentity{Type: s}}} {
			got, err := e.MarshalJSON()
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if want := reflectRecord(t, e); !bytes.Equal(got, want) {
				t.Errorf("%q:\n got %s\nwant %s", s, got, want)
			}
		}
	}
}

func TestAppendRecordRefusesInvalidRaw(t *testing.T) {
	for _, raw := range []string{`{`, `{"a":}`, `{"a": 1`, `nul`} {
		e := sampleEvent("x")
		e.ResponseElements = json.RawMessage(raw)
		if b, err := e.MarshalJSON(); err == nil {
			t.Errorf("%q: wrote %s, want an error", raw, b)
		}
	}
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("alice", `{"a":1}`)
	f.Add("<\u2028\xff>", `[1, "x y"]`)
	f.Fuzz(func(t *testing.T, s, raw string) {
		e := sampleEvent(s)
		e.ResponseElements = json.RawMessage(raw)
		got, err := e.MarshalJSON()
		if !json.Valid([]byte(raw)) || raw == "" {
			if raw != "" && err == nil {
				t.Fatalf("invalid raw %q accepted", raw)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectRecord(t, e); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// TestEventRecordMirrorsEvent keeps the written form in step with Event:
// every field of Event except EventTime and the activity audit fields
// (which activityRecord writes) appears in eventRecord with the same JSON
// tag, and nothing else does.
func TestEventRecordMirrorsEvent(t *testing.T) {
	ev, rec := reflect.TypeOf(Event{}), reflect.TypeOf(eventRecord{})
	want := map[string]string{"EventTime": `json:"eventTime"`}
	for i := 0; i < ev.NumField(); i++ {
		f := ev.Field(i)
		if activityOnly[f.Name] {
			continue
		}
		if f.Name != "EventTime" {
			want[f.Name] = string(f.Tag)
		}
	}
	if rec.NumField() != len(want) {
		t.Errorf("eventRecord has %d fields, Event has %d", rec.NumField(), len(want))
	}
	for i := 0; i < rec.NumField(); i++ {
		f := rec.Field(i)
		if tag, ok := want[f.Name]; !ok || tag != string(f.Tag) {
			t.Errorf("eventRecord.%s has tag %q, Event's is %q", f.Name, f.Tag, tag)
		}
	}
}

// activityOnly are the Event fields only activity audit records carry.
var activityOnly = map[string]bool{"Addendum": true, "Metadata": true, "EventData": true}

// TestActivityRecordCarriesActivityFields: activityRecord writes each
// activity-only field with Event's tag, apart from eventData, which it
// always writes.
func TestActivityRecordCarriesActivityFields(t *testing.T) {
	ev, rec := reflect.TypeOf(Event{}), reflect.TypeOf(activityRecord{})
	for name := range activityOnly {
		ef, _ := ev.FieldByName(name)
		rf, ok := rec.FieldByName(name)
		if !ok {
			t.Errorf("activityRecord has no %s", name)
			continue
		}
		want := string(ef.Tag)
		if name == "EventData" {
			want = `json:"eventData"`
		}
		if string(rf.Tag) != want {
			t.Errorf("activityRecord.%s has tag %q, want %q", name, rf.Tag, want)
		}
	}
}
