package alarm

import (
	"sort"
	"strings"
	"time"
)

// CompositeDefinition is a composite alarm as PutCompositeAlarm takes it.
type CompositeDefinition struct {
	Name                    string
	ARN                     string
	Rule                    *Rule
	ActionsEnabled          bool
	OKActions               []string
	AlarmActions            []string
	InsufficientDataActions []string
}

// ChildState is what a composite needs of a child alarm.
type ChildState struct {
	ARN                   string
	Value                 StateValue
	TransitionedTimestamp time.Time
}

// EvaluateComposite re-evaluates a composite alarm, as CloudWatch does
// when a child changes state or the composite's configuration changes
// (§14). children maps each reference of the rule, as written, to the
// child's state; a reference missing from it makes its functions false.
//
// The composite is in ALARM when the rule is true and OK otherwise. The
// triggering alarms are the children whose states decide the rule
// (Rule.Witnesses), newest transition first, and the reason names the
// first of them, the change that caused this evaluation: "<child ARN>
// transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC", with
// StateReasonData {"triggeringAlarms":[{"arn":…,"state":{"value":…,
// "timestamp":…}},…]}, both in the form AWS sends. The reason of a rule
// without children (TRUE, FALSE) is unverified and left empty.
func EvaluateComposite(def *CompositeDefinition, st State, now time.Time, children map[string]ChildState) Result {
	state := func(ref string) (StateValue, bool) {
		c, ok := children[ref]
		return c.Value, ok
	}
	value := StateOK
	if def.Rule.Eval(state) {
		value = StateAlarm
	}
	if value == st.Value {
		return Result{State: st}
	}
	var triggers []ChildState
	for _, ref := range def.Rule.Witnesses(state) {
		triggers = append(triggers, children[ref])
	}
	sort.SliceStable(triggers, func(i, j int) bool {
		return triggers[i].TransitionedTimestamp.After(triggers[j].TransitionedTimestamp)
	})
	reason, data := "", ""
	if len(triggers) > 0 {
		first := triggers[0]
		reason = first.ARN + " transitioned to " + string(first.Value) + " at " + longDate(first.TransitionedTimestamp)
		var b strings.Builder
		b.WriteString(`{"triggeringAlarms":[`)
		for i, c := range triggers {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"arn":`)
			writeJSONString(&b, c.ARN)
			b.WriteString(`,"state":{"value":`)
			writeJSONString(&b, string(c.Value))
			b.WriteString(`,"timestamp":"` + jsonDate(c.TransitionedTimestamp) + `"}}`)
		}
		b.WriteString("]}")
		data = b.String()
	}
	return transition(def.Name, "CompositeAlarm", def.ActionsEnabled,
		actionsFor(def.OKActions, def.AlarmActions, def.InsufficientDataActions, value), st, value, reason, data, now)
}
