package alarm

import (
	"strings"
	"testing"
)

// TestUserGuideTable is the table of the CloudWatch User Guide
// (reference §10.2): N = 3, an evaluation range of five periods, oldest
// left; 0 good, X breaching, - missing. "keep" leaves the state as it was.
func TestUserGuideTable(t *testing.T) {
	rows := []struct {
		rng  string
		m    int32
		want [4]string // missing, ignore, breaching, notBreaching
	}{
		{"0 - X - X", 3, [4]string{"OK", "OK", "OK", "OK"}},
		{"0 - - - -", 3, [4]string{"OK", "OK", "OK", "OK"}},
		{"- - - - -", 3, [4]string{"INSUFFICIENT_DATA", "keep", "ALARM", "OK"}},
		{"0 X X - X", 3, [4]string{"ALARM", "ALARM", "ALARM", "ALARM"}},
		{"- - X - -", 3, [4]string{"ALARM", "keep", "ALARM", "OK"}},
		{"0 - X - X", 2, [4]string{"ALARM", "ALARM", "ALARM", "ALARM"}},
		{"0 0 X 0 X", 2, [4]string{"ALARM", "ALARM", "ALARM", "ALARM"}},
		{"0 - X - -", 2, [4]string{"OK", "OK", "ALARM", "OK"}},
		{"- - - - 0", 2, [4]string{"OK", "OK", "ALARM", "OK"}},
		{"- - - X -", 2, [4]string{"ALARM", "keep", "ALARM", "OK"}},
	}
	modes := []string{MissingDataMissing, MissingDataIgnore, MissingDataBreaching, MissingDataNotBreaching}
	for _, r := range rows {
		values := strings.NewReplacer("0", "1", "X", "9").Replace(r.rng)
		for i, mode := range modes {
			// Start from each state so that "keep" is visible.
			for _, from := range []StateValue{StateOK, StateAlarm, StateInsufficientData} {
				def := metricDef(3, r.m, GreaterThanThreshold, 5, mode)
				st := State{Value: from, Reason: "before"}
				res := Evaluate(def, st, at(4), series(t, values))
				want := r.want[i]
				if want == "keep" {
					want = string(from)
				}
				if string(res.State.Value) != want {
					t.Errorf("%q M=%d %s from %s: got %s, want %s", r.rng, r.m, mode, from, res.State.Value, want)
				}
				if res.Changed != (res.State.Value != from) {
					t.Errorf("%q M=%d %s from %s: Changed = %v", r.rng, r.m, mode, from, res.Changed)
				}
			}
		}
	}
}
