package alarm

import (
	"strings"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	ok := []struct {
		rule      string
		canonical string
		children  []string
	}{
		{"ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
			`ALARM("CPUUtilizationTooHigh") AND ALARM("DiskReadOpsTooHigh")`, []string{"CPUUtilizationTooHigh", "DiskReadOpsTooHigh"}},
		{"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
			`ALARM("CPUUtilizationTooHigh") AND NOT ALARM("DeploymentInProgress")`, []string{"CPUUtilizationTooHigh", "DeploymentInProgress"}},
		{"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
			`(ALARM("CPUUtilizationTooHigh") OR ALARM("DiskReadOpsTooHigh")) AND OK("NetworkOutTooHigh")`, []string{"CPUUtilizationTooHigh", "DiskReadOpsTooHigh", "NetworkOutTooHigh"}},
		{`ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a") OR ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:b")`,
			`ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a") OR ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:b")`,
			[]string{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:b"}},
		{"TRUE", "TRUE", nil},
		{"FALSE", "FALSE", nil},
		{`INSUFFICIENT_DATA( "my alarm (prod)" )`, `INSUFFICIENT_DATA("my alarm (prod)")`, []string{"my alarm (prod)"}},
		{"ALARM(a b)  OR\tOK(a b)", `ALARM("a b") OR OK("a b")`, []string{"a b"}},
		{"NOT NOT TRUE", "NOT NOT TRUE", nil},
		{"((ALARM(x)))", `(ALARM("x"))`, []string{"x"}},
		{"ALARM(x) OR ALARM(y) AND ALARM(z)", `ALARM("x") OR ALARM("y") AND ALARM("z")`, []string{"x", "y", "z"}},
		{"ALARM (x)", `ALARM("x")`, []string{"x"}},
	}
	for _, c := range ok {
		r, err := ParseRule(c.rule)
		if err != nil {
			t.Errorf("%q: %v", c.rule, err)
			continue
		}
		if got := r.String(); got != c.canonical {
			t.Errorf("%q: canonical %q, want %q", c.rule, got, c.canonical)
		}
		if got := strings.Join(r.Children(), "|"); got != strings.Join(c.children, "|") {
			t.Errorf("%q: children %q, want %q", c.rule, got, c.children)
		}
	}

	bad := []struct{ rule, msg string }{
		{"", "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{strings.Repeat("T", 10241), "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length less than or equal to 10240"},
		{"ALARM(x) AND", "Error in alarm rule: unexpected end of rule."},
		{"ALARM(x", "Error in alarm rule: alarm names containing parentheses or quotes must be enclosed in double quotes."},
		{"(ALARM(x)", "Error in alarm rule: missing closing parenthesis."},
		{"ALARM(x))", `Error in alarm rule: unexpected ")" at position 9.`},
		{"alarm(x)", `Error in alarm rule: unknown keyword "alarm" at position 1.`},
		{"ALARM()", "Error in alarm rule: empty alarm name."},
		{`ALARM("x)`, "Error in alarm rule: unterminated quoted alarm name."},
		{"ALARM x", "Error in alarm rule: ALARM must be followed by an alarm name in parentheses."},
		{"ALARM(a(b))", "Error in alarm rule: alarm names containing parentheses or quotes must be enclosed in double quotes."},
		{"ALARM(arn:aws:sns:us-east-1:123456789012:topic)", `Error in alarm rule: "arn:aws:sns:us-east-1:123456789012:topic" is not an alarm ARN.`},
		{"ALARM(" + strings.Repeat("n", 256) + ")", `Error in alarm rule: alarm name "` + strings.Repeat("n", 256) + `" is longer than 255 characters or not UTF-8.`},
		{"TRUE FALSE", `Error in alarm rule: unexpected "FALSE" at position 6.`},
		{"ALARM(x) ANDOK(y)", `Error in alarm rule: unexpected "ANDOK(y)" at position 10.`},
		{manyChildren(101), "Alarm rule references 101 alarms; the maximum is 100."},
		{strings.TrimSuffix(strings.Repeat("TRUE OR ", 501), " OR "), "Alarm rule has 501 elements; the maximum is 500."},
		{strings.Repeat("NOT ", 600) + "TRUE", "Alarm rule is nested too deeply."},
	}
	for _, c := range bad {
		_, err := ParseRule(c.rule)
		re, ok := err.(*RuleError)
		if !ok {
			t.Errorf("%.40q: error %v, want a *RuleError", c.rule, err)
			continue
		}
		if re.Code != "ValidationError" || re.Message != c.msg {
			t.Errorf("%.40q: got %s %q, want ValidationError %q", c.rule, re.Code, re.Message, c.msg)
		}
	}
	// The limits themselves are allowed.
	for _, rule := range []string{manyChildren(100), strings.TrimSuffix(strings.Repeat("TRUE OR ", 500), " OR ")} {
		if _, err := ParseRule(rule); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	}
}

func manyChildren(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "ALARM(child-" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ")"
	}
	return strings.Join(parts, " OR ")
}

func TestRuleEval(t *testing.T) {
	states := map[string]StateValue{"a": StateAlarm, "b": StateOK, "c": StateInsufficientData}
	look := func(ref string) (StateValue, bool) { v, ok := states[ref]; return v, ok }
	cases := []struct {
		rule string
		want bool
	}{
		{"ALARM(a)", true},
		{"ALARM(b)", false},
		{"OK(b)", true},
		{"INSUFFICIENT_DATA(c)", true},
		{"ALARM(a) AND ALARM(b)", false},
		{"ALARM(a) AND NOT ALARM(b)", true},
		{"ALARM(b) OR ALARM(a)", true},
		{"ALARM(b) OR ALARM(c) AND TRUE", false},
		{"TRUE OR ALARM(b) AND FALSE", true},    // AND binds tighter
		{"(TRUE OR ALARM(b)) AND FALSE", false}, // parentheses group
		{"NOT ALARM(b) AND OK(b)", true},        // NOT binds tightest
		{"ALARM(missing)", false},
		{"NOT OK(missing)", true},
		{"FALSE", false},
	}
	for _, c := range cases {
		r, err := ParseRule(c.rule)
		if err != nil {
			t.Fatalf("%q: %v", c.rule, err)
		}
		if got := r.Eval(look); got != c.want {
			t.Errorf("%q = %v, want %v", c.rule, got, c.want)
		}
	}
}

func TestEvaluateComposite(t *testing.T) {
	arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:111122223333:alarm:" + n }
	rule, err := ParseRule("ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)")
	if err != nil {
		t.Fatal(err)
	}
	def := &CompositeDefinition{Name: "CompositeDemo.Main", ARN: arn("CompositeDemo.Main"), Rule: rule,
		ActionsEnabled: true, AlarmActions: []string{"arn:aws:sns:us-east-1:111122223333:page"}}
	changed := time.Date(2023, 8, 4, 12, 54, 46, 138e6, time.UTC)
	now := changed.Add(2 * time.Second)
	children := map[string]ChildState{
		"CompositeDemo.FirstChild":  {ARN: arn("CompositeDemo.FirstChild"), Value: StateAlarm, TransitionedTimestamp: changed},
		"CompositeDemo.SecondChild": {ARN: arn("CompositeDemo.SecondChild"), Value: StateOK, TransitionedTimestamp: changed.Add(-time.Hour)},
	}
	st := State{Value: StateInsufficientData, Reason: "Unchecked: Initial alarm creation"}
	res := EvaluateComposite(def, st, now, children)
	if !res.Changed || res.State.Value != StateAlarm {
		t.Fatalf("got %+v", res)
	}
	wantReason := "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC"
	if res.State.Reason != wantReason {
		t.Errorf("reason %q\nwant %q", res.State.Reason, wantReason)
	}
	wantData := `{"triggeringAlarms":[{"arn":"arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild","state":{"value":"ALARM","timestamp":"2023-08-04T12:54:46.138+0000"}}]}`
	if res.State.ReasonData != wantData {
		t.Errorf("reason data %s\nwant %s", res.State.ReasonData, wantData)
	}
	if len(res.Actions) != 1 || res.Actions[0] != "arn:aws:sns:us-east-1:111122223333:page" {
		t.Errorf("actions %v", res.Actions)
	}
	if res.History.AlarmType != "CompositeAlarm" || res.History.HistorySummary != "Alarm updated from INSUFFICIENT_DATA to ALARM" {
		t.Errorf("history %+v", res.History)
	}
	// Nothing changes while the rule stays true.
	again := EvaluateComposite(def, res.State, now.Add(time.Minute), children)
	if again.Changed || again.Actions != nil || again.History != nil {
		t.Errorf("re-evaluation changed: %+v", again)
	}
	// The first child recovers: OK, named after it.
	recovered := changed.Add(10 * time.Minute)
	children["CompositeDemo.FirstChild"] = ChildState{ARN: arn("CompositeDemo.FirstChild"), Value: StateOK, TransitionedTimestamp: recovered}
	ok := EvaluateComposite(def, res.State, recovered.Add(time.Second), children)
	if ok.State.Value != StateOK || ok.Actions != nil {
		t.Errorf("recovery: %+v", ok)
	}
	if want := arn("CompositeDemo.FirstChild") + " transitioned to OK at Friday 04 August, 2023 13:04:46 UTC"; ok.State.Reason != want {
		t.Errorf("recovery reason %q", ok.State.Reason)
	}
}

// FuzzParseRule: the parser never panics, accepted rules respect the
// limits, and their canonical form parses back to the same rule.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"ALARM(a) AND NOT OK(b)", `(ALARM("x y") OR TRUE) AND FALSE`, "NOT NOT INSUFFICIENT_DATA(c)",
		`ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a")`, "((TRUE))", "ALARM(", `OK("`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if _, ok := err.(*RuleError); !ok {
				t.Fatalf("%q: error of type %T", s, err)
			}
			return
		}
		if len(r.Children()) > MaxRuleChildren {
			t.Fatalf("%q: %d children accepted", s, len(r.Children()))
		}
		canon := r.String()
		r2, err := ParseRule(canon)
		if err != nil {
			t.Fatalf("%q: canonical %q does not parse: %v", s, canon, err)
		}
		if r2.String() != canon {
			t.Fatalf("%q: canonical %q reparses as %q", s, canon, r2.String())
		}
	})
}

func TestWitnesses(t *testing.T) {
	states := map[string]StateValue{"a": StateAlarm, "b": StateOK, "c": StateAlarm, "d": StateInsufficientData}
	look := func(ref string) (StateValue, bool) { v, ok := states[ref]; return v, ok }
	for _, c := range []struct{ rule, want string }{
		{"ALARM(a) OR ALARM(b)", "a"},              // raised by the one in ALARM
		{"ALARM(b) OR ALARM(d)", "b|d"},            // kept OK by every branch
		{"ALARM(a) AND ALARM(c)", "a|c"},           // raised by all
		{"ALARM(a) AND ALARM(b) AND OK(d)", "b|d"}, // kept OK by the false ones
		{"NOT ALARM(b) AND ALARM(a)", "b|a"},
		{"ALARM(a) OR ALARM(gone)", "a"},
		{"ALARM(gone)", ""},
		{"TRUE", ""},
		{"(ALARM(a) OR ALARM(b)) AND OK(b)", "a|b"},
	} {
		r, err := ParseRule(c.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(r.Witnesses(look), "|"); got != c.want {
			t.Errorf("%s: witnesses %q, want %q", c.rule, got, c.want)
		}
	}
}

func TestSuppression(t *testing.T) {
	cfg := Suppressor{WaitPeriod: time.Minute, ExtensionPeriod: 2 * time.Minute}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var s Suppression
	alarmRes := Result{Changed: true, State: State{Value: StateAlarm}, Actions: []string{"page"}}
	s.Transitioned(cfg, &alarmRes, t0)
	if alarmRes.Actions != nil || !s.Held || s.By(t0) != SuppressedByWaitPeriod || SuppressedReason(s.By(t0)) != "Actions suppressed by WaitPeriod" {
		t.Fatalf("wait: %+v %+v", alarmRes, s)
	}
	if s.Release(t0.Add(30 * time.Second)) {
		t.Error("released inside the wait")
	}
	s.SuppressorChanged(cfg, StateAlarm, t0.Add(30*time.Second))
	if s.By(t0.Add(time.Hour)) != SuppressedByAlarm || s.Release(t0.Add(time.Hour)) {
		t.Errorf("suppressor in ALARM: %+v", s)
	}
	out := t0.Add(time.Hour)
	s.SuppressorChanged(cfg, StateOK, out)
	if s.By(out.Add(time.Minute)) != SuppressedByExtensionPeriod || s.Release(out.Add(time.Minute)) {
		t.Errorf("extension: %+v", s)
	}
	if !s.Release(out.Add(2*time.Minute)) || s.Held || s.By(out.Add(2*time.Minute)) != "" {
		t.Errorf("not released after the extension: %+v", s)
	}
	// The wait runs out without the suppressor: the actions are due.
	var w Suppression
	res := Result{Changed: true, State: State{Value: StateAlarm}, Actions: []string{"page"}}
	w.Transitioned(cfg, &res, t0)
	if w.Release(t0.Add(59*time.Second)) || !w.Release(t0.Add(time.Minute)) {
		t.Errorf("wait release: %+v", w)
	}
	// OK is not waited for.
	okRes := Result{Changed: true, State: State{Value: StateOK}, Actions: []string{"ok"}}
	w.Transitioned(cfg, &okRes, t0.Add(2*time.Minute))
	if len(okRes.Actions) != 1 || w.Held {
		t.Errorf("OK transition held: %+v %+v", okRes, w)
	}
}
