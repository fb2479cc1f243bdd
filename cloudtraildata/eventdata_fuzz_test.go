package cloudtraildata

import (
	"encoding/json"
	"testing"

	"github.com/trailwatch/trailwatch"
)

// FuzzParseEventData: whatever an application sends, the parser answers
// with an accepted event or a per-event error code, never a panic; an
// accepted event is a JSON object that reads back into a record naming
// the channel owner, as PutAuditEvents relies on.
func FuzzParseEventData(f *testing.F) {
	f.Add(`{"version":"1.0","userIdentity":{"type":"u","principalId":"p"},"eventSource":"app","eventName":"n","eventTime":"2025-01-01T00:00:00Z","UID":"1","recipientAccountId":"123456789012"}`, "")
	f.Add(`{"version":"1.0","userIdentity":{"type":"u","principalId":"p","details":{}},"eventSource":"app","eventName":"n","eventTime":"2025-01-01T00:00:00.5Z","UID":"1","recipientAccountId":"123456789012","sourceIPAddress":"::1","addendum":{"reason":"UPDATED_DATA","originalUID":"0"}}`, "")
	f.Add(`{"userIdentity":[]}`, "")
	f.Add(`null`, "x")
	f.Add(`{"version":1}`, "")
	f.Fuzz(func(t *testing.T, data, checksum string) {
		p, e := parseEventData(data, checksum, "123456789012")
		if e != nil {
			if e.code == "" || e.msg == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		if !json.Valid(p.data) {
			t.Fatalf("accepted eventData is not JSON: %q", p.data)
		}
		ev := trailwatch.Event{EventCategory: trailwatch.CategoryActivityAuditLog, RecipientAccountID: "123456789012", Addendum: p.addendum}
		if err := ev.SetEventData(p.data); err != nil {
			t.Fatalf("accepted eventData does not read back: %v", err)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back trailwatch.Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back.EventName != ev.EventName || back.EventSource != ev.EventSource || back.Username() != ev.Username() || back.Username() == "" {
			t.Fatalf("round trip changed the event: %+v vs %+v", back, ev)
		}
	})
}
