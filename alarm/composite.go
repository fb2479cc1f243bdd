package alarm

import (
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
// reason names the triggering child, the referenced child that
// transitioned last (the change that caused this evaluation):
// "<child ARN> transitioned to ALARM at Friday 04 August, 2023 12:54:46
// UTC", with StateReasonData {"triggeringAlarms":[{"arn":…,"state":
// {"value":…,"timestamp":…}}]}, both in the form AWS sends. Which child
// AWS names when several changed, and the reason when no child exists, are
// unverified.
func EvaluateComposite(def *CompositeDefinition, st State, now time.Time, children map[string]ChildState) Result {
	value := StateOK
	if def.Rule.Eval(func(ref string) (StateValue, bool) {
		c, ok := children[ref]
		return c.Value, ok
	}) {
		value = StateAlarm
	}
	if value == st.Value {
		return Result{State: st}
	}
	var trigger *ChildState
	for _, ref := range def.Rule.Children() {
		c, ok := children[ref]
		if !ok {
			continue
		}
		if trigger == nil || c.TransitionedTimestamp.After(trigger.TransitionedTimestamp) {
			c := c
			trigger = &c
		}
	}
	reason, data := "", ""
	if trigger != nil {
		reason = trigger.ARN + " transitioned to " + string(trigger.Value) + " at " + longDate(trigger.TransitionedTimestamp)
		var b strings.Builder
		b.WriteString(`{"triggeringAlarms":[{"arn":`)
		writeJSONString(&b, trigger.ARN)
		b.WriteString(`,"state":{"value":`)
		writeJSONString(&b, string(trigger.Value))
		b.WriteString(`,"timestamp":"` + jsonDate(trigger.TransitionedTimestamp) + `"}}]}`)
		data = b.String()
	}
	return transition(def.Name, "CompositeAlarm", def.ActionsEnabled,
		actionsFor(def.OKActions, def.AlarmActions, def.InsufficientDataActions, value), st, value, reason, data, now)
}
