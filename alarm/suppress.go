package alarm

import "time"

// Suppressor is a composite alarm's actions suppressor (§14): while the
// suppressor alarm is in ALARM the composite's actions do not run; after
// the composite goes into ALARM it waits up to WaitPeriod for the
// suppressor to follow; after the suppressor leaves ALARM its suppression
// lasts ExtensionPeriod more.
type Suppressor struct {
	WaitPeriod      time.Duration
	ExtensionPeriod time.Duration
}

// Values of CompositeAlarm.ActionsSuppressedBy.
const (
	SuppressedByAlarm           = "Alarm"
	SuppressedByWaitPeriod      = "WaitPeriod"
	SuppressedByExtensionPeriod = "ExtensionPeriod"
)

// Suppression is what a composite alarm with a suppressor carries between
// evaluations.
type Suppression struct {
	// SuppressorInAlarm is the suppressor's state as last seen.
	SuppressorInAlarm bool
	// WaitUntil ends the WaitPeriod the composite's last move into ALARM
	// started; ExtensionUntil ends the ExtensionPeriod the suppressor's
	// last move out of ALARM started.
	WaitUntil      time.Time
	ExtensionUntil time.Time
	// Held says actions were held back; the actions of the state the
	// composite is in run when suppression ends. AWS documents that "the
	// composite alarm takes actions that are based on its current state"
	// when the periods end; doing the same after the suppressor itself
	// leaves ALARM is unverified.
	Held bool
}

// By names what suppresses the composite's actions at now
// (ActionsSuppressedBy), "" when nothing does.
func (s Suppression) By(now time.Time) string {
	switch {
	case s.SuppressorInAlarm:
		return SuppressedByAlarm
	case now.Before(s.ExtensionUntil):
		return SuppressedByExtensionPeriod
	case now.Before(s.WaitUntil):
		return SuppressedByWaitPeriod
	}
	return ""
}

// SuppressedReason is ActionsSuppressedReason for By's value: "Actions
// suppressed by WaitPeriod", as AWS writes it in alarm events (the other
// two by analogy, unverified).
func SuppressedReason(by string) string {
	if by == "" {
		return ""
	}
	return "Actions suppressed by " + by
}

// Transitioned applies suppression to a composite's evaluation result at
// now: a move into ALARM while the suppressor is not in ALARM starts the
// WaitPeriod, and actions that are suppressed are taken out of res and
// held.
func (s *Suppression) Transitioned(cfg Suppressor, res *Result, now time.Time) {
	if !res.Changed {
		return
	}
	if res.State.Value == StateAlarm && !s.SuppressorInAlarm && cfg.WaitPeriod > 0 {
		s.WaitUntil = now.Add(cfg.WaitPeriod)
	}
	if s.By(now) == "" {
		return
	}
	if len(res.Actions) > 0 {
		s.Held = true
	}
	res.Actions = nil
}

// SuppressorChanged records a change of the suppressor's state at now.
// Going into ALARM ends any wait (the suppressor arrived); leaving it
// starts the ExtensionPeriod.
func (s *Suppression) SuppressorChanged(cfg Suppressor, value StateValue, now time.Time) {
	in := value == StateAlarm
	switch {
	case in:
		s.WaitUntil, s.ExtensionUntil = time.Time{}, time.Time{}
	case s.SuppressorInAlarm:
		s.ExtensionUntil = now.Add(cfg.ExtensionPeriod)
	}
	s.SuppressorInAlarm = in
}

// Release reports whether held actions are due at now, and if so clears
// Held: the caller then runs the actions of the composite's current state.
func (s *Suppression) Release(now time.Time) bool {
	if !s.Held || s.By(now) != "" {
		return false
	}
	s.Held = false
	return true
}

// ActionsFor returns the actions a composite in state v runs, nil when
// its actions are disabled.
func (d *CompositeDefinition) ActionsFor(v StateValue) []string {
	if !d.ActionsEnabled {
		return nil
	}
	return append([]string(nil), actionsFor(d.OKActions, d.AlarmActions, d.InsufficientDataActions, v)...)
}
