package trailwatch

import (
	"reflect"
	"testing"
)

// TestEventRecordMirrorsEvent keeps the written form in step with Event:
// every field of Event except EventTime appears in eventRecord with the same
// JSON tag, and nothing else does.
func TestEventRecordMirrorsEvent(t *testing.T) {
	ev, rec := reflect.TypeOf(Event{}), reflect.TypeOf(eventRecord{})
	want := map[string]string{"EventTime": `json:"eventTime"`}
	for i := 0; i < ev.NumField(); i++ {
		f := ev.Field(i)
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
