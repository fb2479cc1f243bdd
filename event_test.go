package trailwatch_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
)

func TestEventJSONRoundTrip(t *testing.T) {
	e := trailwatch.Event{
		EventVersion: trailwatch.EventVersion,
		UserIdentity: trailwatch.UserIdentity{Type: "Root", PrincipalID: "111122223333", ARN: "arn:aws:iam::111122223333:root", AccountID: "111122223333", AccessKeyID: "AKIAEXAMPLE"},
		EventTime:    time.Date(2024, 1, 15, 9, 41, 7, 0, time.UTC),
		EventSource:  "cloudtrail.amazonaws.com", EventName: "StopLogging", AWSRegion: "us-east-1",
		SourceIPAddress: "203.0.113.7", UserAgent: "aws-cli/2.9.19",
		RequestParameters: json.RawMessage(`{"name":"audit"}`),
		EventID:           "1d7f6a44-0000-4000-8000-000000000002", EventType: trailwatch.EventTypeAPICall,
		ManagementEvent: true, RecipientAccountID: "111122223333", EventCategory: trailwatch.CategoryManagement,
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, `{"eventVersion":"1.11","userIdentity":{`) || !strings.Contains(s, `"eventTime":"2024-01-15T09:41:07Z","eventSource"`) {
		t.Errorf("field order or time format wrong: %s", s)
	}
	if !strings.Contains(s, `"responseElements":null`) {
		t.Errorf("responseElements must be null when absent: %s", s)
	}
	var got trailwatch.Event
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
