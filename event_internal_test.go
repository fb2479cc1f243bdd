package trailwatch

import (
	"reflect"
	"testing"
)

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
