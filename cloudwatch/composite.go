package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// maxParents is how many composite alarms may reference one alarm (§14).
const maxParents = 150

// compositeRecord is the part of an alarmRecord only composite alarms
// have; their name, ARN, description and actions sit in Def like a
// metric alarm's, so the shared operations treat both alike.
type compositeRecord struct {
	// Rule is the AlarmRule as given: AWS stores and returns it verbatim.
	Rule string
	// Suppressor is ActionsSuppressor as given ("" when none), with its
	// periods in seconds.
	Suppressor      string
	WaitPeriod      int32
	ExtensionPeriod int32
	Suppression     alarm.Suppression
	// PreviousValue is the state before the last transition, for the
	// OldStateValue of actions released after suppression.
	PreviousValue alarm.StateValue
}

// alarmType is the AlarmType of the record's alarm.
func (r *alarmRecord) alarmType() string {
	if r.Composite != nil {
		return "CompositeAlarm"
	}
	return "MetricAlarm"
}

// compositeDef is the engine's view of a composite record; the rule was
// checked when it was stored.
func (r *alarmRecord) compositeDef() (*alarm.CompositeDefinition, error) {
	rule, err := alarm.ParseRule(r.Composite.Rule)
	if err != nil {
		return nil, err
	}
	d := &r.Def
	return &alarm.CompositeDefinition{Name: d.Name, ARN: d.ARN, Rule: rule, ActionsEnabled: d.ActionsEnabled,
		OKActions: d.OKActions, AlarmActions: d.AlarmActions, InsufficientDataActions: d.InsufficientDataActions}, nil
}

func (c *compositeRecord) suppressor() alarm.Suppressor {
	return alarm.Suppressor{WaitPeriod: time.Duration(c.WaitPeriod) * time.Second,
		ExtensionPeriod: time.Duration(c.ExtensionPeriod) * time.Second}
}

// PutCompositeAlarmInput is PutCompositeAlarm's request.
type PutCompositeAlarmInput struct {
	AlarmName                        string   `json:"AlarmName" required:"true" min:"1" max:"255"`
	AlarmRule                        string   `json:"AlarmRule" required:"true" min:"1" max:"10240"`
	AlarmDescription                 string   `json:"AlarmDescription" max:"1024"`
	ActionsEnabled                   *bool    `json:"ActionsEnabled"`
	OKActions                        []string `json:"OKActions" max:"5"`
	AlarmActions                     []string `json:"AlarmActions" max:"5"`
	InsufficientDataActions          []string `json:"InsufficientDataActions" max:"5"`
	Tags                             []Tag    `json:"Tags"`
	ActionsSuppressor                string   `json:"ActionsSuppressor" min:"1" max:"1600"`
	ActionsSuppressorWaitPeriod      *int32   `json:"ActionsSuppressorWaitPeriod"`
	ActionsSuppressorExtensionPeriod *int32   `json:"ActionsSuppressorExtensionPeriod"`
}

// PutCompositeAlarmOutput is PutCompositeAlarm's (empty) result.
type PutCompositeAlarmOutput struct{}

// PutCompositeAlarm creates or replaces a composite alarm (§14). Every
// alarm the rule names must exist in the account and region ("Could not
// save the composite alarm as alarms [...] in the alarm rule do not
// exist", AWS's words). A rule may close a cycle through other composites,
// as AWS allows; such composites are not evaluated. A new alarm starts in
// INSUFFICIENT_DATA and is evaluated at once; an update keeps the state
// and re-evaluates. Either way a change of state runs actions and moves
// the composites above it.
func (s *Service) PutCompositeAlarm(ctx context.Context, in *PutCompositeAlarmInput) (*PutCompositeAlarmOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	if err := checkAlarmName(in.AlarmName); err != nil {
		return nil, err
	}
	rule, err := alarm.ParseRule(in.AlarmRule)
	var re *alarm.RuleError
	if errors.As(err, &re) {
		return nil, awserr.New(re.Code, http.StatusBadRequest, "%s", re.Message)
	}
	if err != nil {
		return nil, err
	}
	if err := checkActions(in.OKActions, in.AlarmActions, in.InsufficientDataActions); err != nil {
		return nil, err
	}
	for _, l := range [][]string{in.OKActions, in.AlarmActions, in.InsufficientDataActions} {
		for _, a := range l {
			// Composite alarms cannot stop instances or scale (§10.4);
			// the wording is unverified.
			if strings.Contains(a, ":automate:") || strings.Contains(a, ":swf:") || strings.Contains(a, ":autoscaling:") {
				return nil, validationError("Composite alarms do not support the action %s", a)
			}
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	comp := &compositeRecord{Rule: in.AlarmRule, Suppressor: in.ActionsSuppressor}
	if in.ActionsSuppressor != "" {
		// Both periods are required with a suppressor (§14); the
		// wording follows PutMetricAlarm's (unverified).
		switch {
		case in.ActionsSuppressorWaitPeriod == nil:
			return nil, missing("The parameter ActionsSuppressorWaitPeriod is required when ActionsSuppressor is specified.")
		case in.ActionsSuppressorExtensionPeriod == nil:
			return nil, missing("The parameter ActionsSuppressorExtensionPeriod is required when ActionsSuppressor is specified.")
		case *in.ActionsSuppressorWaitPeriod < 0:
			return nil, invalidValue("The value %d for parameter ActionsSuppressorWaitPeriod is invalid.", *in.ActionsSuppressorWaitPeriod)
		case *in.ActionsSuppressorExtensionPeriod < 0:
			return nil, invalidValue("The value %d for parameter ActionsSuppressorExtensionPeriod is invalid.", *in.ActionsSuppressorExtensionPeriod)
		}
		comp.WaitPeriod, comp.ExtensionPeriod = *in.ActionsSuppressorWaitPeriod, *in.ActionsSuppressorExtensionPeriod
	} else if in.ActionsSuppressorWaitPeriod != nil || in.ActionsSuppressorExtensionPeriod != nil {
		return nil, invalidCombination("The parameters ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod can only be used with ActionsSuppressor.")
	}

	g, err := s.loadRegion(ctx, c.AccountID, c.Region)
	if err != nil {
		return nil, err
	}
	if prev, ok := g.recs[in.AlarmName]; ok && prev.Composite == nil {
		// Unverified wording.
		return nil, validationError("The alarm %s is a metric alarm and cannot be updated by PutCompositeAlarm.", in.AlarmName)
	}
	var missingRefs []string
	for _, ref := range rule.Children() {
		name, ok := g.resolve(ref)
		if !ok {
			missingRefs = append(missingRefs, ref)
			continue
		}
		if name == in.AlarmName {
			continue
		}
		if n := len(g.parentsOf(name, in.AlarmName)); n >= maxParents {
			// Unverified wording.
			return nil, awserr.New("LimitExceeded", http.StatusBadRequest,
				"The alarm %s is already referenced by the maximum of %d composite alarms.", name, maxParents)
		}
	}
	if len(missingRefs) > 0 {
		return nil, validationError("Could not save the composite alarm as alarms [%s] in the alarm rule do not exist", strings.Join(missingRefs, ", "))
	}
	if in.ActionsSuppressor != "" {
		name, ok := g.resolve(in.ActionsSuppressor)
		if !ok {
			// Unverified wording.
			return nil, validationError("Could not save the composite alarm as the actions suppressor alarm %s does not exist", in.ActionsSuppressor)
		}
		comp.Suppression.SuppressorInAlarm = g.recs[name].State.Value == alarm.StateAlarm
	}

	now := s.now().UTC()
	rec := &alarmRecord{Def: alarm.Definition{
		Name: in.AlarmName, ARN: alarmARN(c, in.AlarmName), Description: in.AlarmDescription,
		ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions:      nonNil(in.OKActions), AlarmActions: nonNil(in.AlarmActions), InsufficientDataActions: nonNil(in.InsufficientDataActions),
	}, State: alarm.InitialState(now), ConfigUpdated: now, Composite: comp, Tags: createTags(in.Tags)}
	created, err := store.PutAlarm(ctx, storage.StoredAlarm{Account: c.AccountID, Region: c.Region, Name: in.AlarmName, Data: encodeAlarm(rec)},
		MaxAlarmsPerRegion, func(old []byte) ([]byte, error) {
			prev, err := decodeAlarm(old)
			if err != nil {
				return nil, err
			}
			if prev.Composite == nil {
				return nil, errKindChanged
			}
			// An update keeps the state and what the suppression was
			// doing (§9.1, §14).
			rec.State = prev.State
			rec.Tags = prev.Tags // Tags apply only on create.
			rec.Composite.PreviousValue = prev.Composite.PreviousValue
			held := prev.Composite.Suppression
			held.SuppressorInAlarm = comp.Suppression.SuppressorInAlarm
			rec.Composite.Suppression = held
			return encodeAlarm(rec), nil
		})
	switch {
	case errors.Is(err, storage.ErrLimitExceeded):
		return nil, awserr.New("LimitExceeded", http.StatusBadRequest, "The maximum number of alarms for this account has been reached.")
	case errors.Is(err, errKindChanged):
		return nil, validationError("The alarm %s is a metric alarm and cannot be updated by PutCompositeAlarm.", in.AlarmName)
	case err != nil:
		return nil, err
	}
	kind, verb := "Create", "created"
	if !created {
		kind, verb = "Update", "updated"
	}
	if err := store.AddAlarmHistory(ctx, []storage.AlarmHistoryRecord{configHistory(c, rec, kind, verb, now)}); err != nil {
		return nil, err
	}
	g.recs[in.AlarmName] = rec
	g.index()
	moved, err := s.evaluateComposite(ctx, g, in.AlarmName, now)
	if err == nil && moved {
		_, err = s.settle(ctx, g, []string{in.AlarmName}, now)
	}
	if err != nil {
		return nil, err
	}
	return &PutCompositeAlarmOutput{}, nil
}

// errKindChanged refuses to turn a metric alarm into a composite or back.
var errKindChanged = errors.New("cloudwatch: alarm is of the other kind")

// CompositeAlarm is a composite alarm as DescribeAlarms returns it.
// ChildrenOfAlarmName and ParentsOfAlarmName return only some fields,
// so every member is optional.
type CompositeAlarm struct {
	ActionsEnabled                     *bool      `json:"ActionsEnabled"`
	AlarmActions                       []string   `json:"AlarmActions"`
	AlarmArn                           string     `json:"AlarmArn"`
	AlarmConfigurationUpdatedTimestamp *time.Time `json:"AlarmConfigurationUpdatedTimestamp"`
	AlarmDescription                   string     `json:"AlarmDescription"`
	AlarmName                          string     `json:"AlarmName"`
	AlarmRule                          string     `json:"AlarmRule"`
	InsufficientDataActions            []string   `json:"InsufficientDataActions"`
	OKActions                          []string   `json:"OKActions"`
	StateReason                        string     `json:"StateReason"`
	StateReasonData                    string     `json:"StateReasonData"`
	StateUpdatedTimestamp              *time.Time `json:"StateUpdatedTimestamp"`
	StateValue                         string     `json:"StateValue"`
	StateTransitionedTimestamp         *time.Time `json:"StateTransitionedTimestamp"`
	ActionsSuppressedBy                string     `json:"ActionsSuppressedBy"`
	ActionsSuppressedReason            string     `json:"ActionsSuppressedReason"`
	ActionsSuppressor                  string     `json:"ActionsSuppressor"`
	ActionsSuppressorWaitPeriod        *int32     `json:"ActionsSuppressorWaitPeriod"`
	ActionsSuppressorExtensionPeriod   *int32     `json:"ActionsSuppressorExtensionPeriod"`
}

func toCompositeAlarm(r *alarmRecord, now time.Time) CompositeAlarm {
	d, comp := &r.Def, r.Composite
	enabled := d.ActionsEnabled
	cfg, upd, tr := r.ConfigUpdated, r.State.UpdatedTimestamp, r.State.TransitionedTimestamp
	a := CompositeAlarm{
		ActionsEnabled: &enabled, AlarmActions: nonNil(d.AlarmActions), AlarmArn: d.ARN,
		AlarmConfigurationUpdatedTimestamp: &cfg, AlarmDescription: d.Description, AlarmName: d.Name,
		AlarmRule: comp.Rule, InsufficientDataActions: nonNil(d.InsufficientDataActions), OKActions: nonNil(d.OKActions),
		StateReason: r.State.Reason, StateReasonData: r.State.ReasonData, StateUpdatedTimestamp: &upd,
		StateValue: string(r.State.Value), StateTransitionedTimestamp: &tr,
	}
	if comp.Suppressor != "" {
		wait, ext := comp.WaitPeriod, comp.ExtensionPeriod
		a.ActionsSuppressor, a.ActionsSuppressorWaitPeriod, a.ActionsSuppressorExtensionPeriod = comp.Suppressor, &wait, &ext
		by := comp.Suppression.By(now)
		a.ActionsSuppressedBy, a.ActionsSuppressedReason = by, alarm.SuppressedReason(by)
	}
	return a
}

// summaryAlarm is what ChildrenOfAlarmName (name, ARN, state and its
// time) and ParentsOfAlarmName (name and ARN) return of an alarm.
func summaryAlarm(r *alarmRecord, withState bool) (MetricAlarm, CompositeAlarm) {
	m := MetricAlarm{AlarmName: r.Def.Name, AlarmArn: r.Def.ARN}
	c := CompositeAlarm{AlarmName: r.Def.Name, AlarmArn: r.Def.ARN}
	if withState {
		upd := r.State.UpdatedTimestamp
		m.StateValue, m.StateUpdatedTimestamp = string(r.State.Value), upd
		c.StateValue, c.StateUpdatedTimestamp = string(r.State.Value), &upd
	}
	return m, c
}

// configHistoryData is the alarm as a ConfigurationUpdate item shows it.
func configHistoryData(r *alarmRecord, now time.Time) any {
	if r.Composite != nil {
		return toCompositeAlarm(r, now)
	}
	return toMetricAlarm(r)
}

// compositeNotification is the SNS message and subject of a composite
// alarm's state change: the envelope of a metric alarm's with AlarmRule
// and TriggeringChildren (the children of StateReasonData) in place of
// Trigger, fields in the order of AWS's documented schema and recorded
// messages.
func compositeNotification(account, region string, rec *alarmRecord, st alarm.State, old string) (msg, subject string) {
	d := &rec.Def
	type childState struct {
		Value     string `json:"Value"`
		Timestamp string `json:"Timestamp"`
	}
	type child struct {
		Arn   string     `json:"Arn"`
		State childState `json:"State"`
	}
	var reason struct {
		TriggeringAlarms []struct {
			ARN   string `json:"arn"`
			State struct {
				Value     string `json:"value"`
				Timestamp string `json:"timestamp"`
			} `json:"state"`
		} `json:"triggeringAlarms"`
	}
	children := []child{}
	if json.Unmarshal([]byte(st.ReasonData), &reason) == nil {
		for _, t := range reason.TriggeringAlarms {
			children = append(children, child{Arn: t.ARN, State: childState{Value: t.State.Value, Timestamp: t.State.Timestamp}})
		}
	}
	body := struct {
		AlarmName               string   `json:"AlarmName"`
		AlarmDescription        string   `json:"AlarmDescription"`
		AWSAccountID            string   `json:"AWSAccountId"`
		NewStateValue           string   `json:"NewStateValue"`
		NewStateReason          string   `json:"NewStateReason"`
		StateChangeTime         string   `json:"StateChangeTime"`
		Region                  string   `json:"Region"`
		AlarmArn                string   `json:"AlarmArn"`
		OKActions               []string `json:"OKActions"`
		AlarmActions            []string `json:"AlarmActions"`
		InsufficientDataActions []string `json:"InsufficientDataActions"`
		OldStateValue           string   `json:"OldStateValue"`
		AlarmRule               string   `json:"AlarmRule"`
		TriggeringChildren      []child  `json:"TriggeringChildren"`
	}{
		AlarmName: d.Name, AlarmDescription: d.Description, AWSAccountID: account,
		NewStateValue: string(st.Value), NewStateReason: st.Reason, StateChangeTime: notifyDate(st.UpdatedTimestamp),
		Region: regionName(region), AlarmArn: d.ARN,
		OKActions: nonNil(d.OKActions), AlarmActions: nonNil(d.AlarmActions), InsufficientDataActions: nonNil(d.InsufficientDataActions),
		OldStateValue: old, AlarmRule: rec.Composite.Rule, TriggeringChildren: children,
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		panic("BUG: cloudwatch: encode notification: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n"), notificationSubject(string(st.Value), d.Name, region)
}
