package alarm

import (
	"strconv"
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
		{"ALARM(\"a b\")  OR\tOK( \"a b\" )", `ALARM("a b") OR OK("a b")`, []string{"a b"}},
		{`OK("say \"hi\"") OR ALARM("back\\slash") OR ALARM("odd\x")`, `OK("say \"hi\"") OR ALARM("back\\slash") OR ALARM("odd\\x")`, []string{`say "hi"`, `back\slash`, `odd\x`}},
		{"ALARM( x )", `ALARM("x")`, []string{"x"}},
		// AT_LEAST, the User Guide's examples and aws-cdk's rendering.
		{"AT_LEAST(2, ALARM, (WebServer1CPU, WebServer2CPU, WebServer3CPU, WebServer4CPU))",
			`AT_LEAST(2, ALARM, ("WebServer1CPU", "WebServer2CPU", "WebServer3CPU", "WebServer4CPU"))`,
			[]string{"WebServer1CPU", "WebServer2CPU", "WebServer3CPU", "WebServer4CPU"}},
		{"AT_LEAST(50%, OK, (DatabaseConnection1, DatabaseConnection2, DatabaseConnection3, DatabaseConnection4))",
			`AT_LEAST(50%, OK, ("DatabaseConnection1", "DatabaseConnection2", "DatabaseConnection3", "DatabaseConnection4"))`,
			[]string{"DatabaseConnection1", "DatabaseConnection2", "DatabaseConnection3", "DatabaseConnection4"}},
		{"AT_LEAST(2, ALARM, (AZ1Health, AZ2Health, AZ3Health)) AND NOT ALARM(MaintenanceWindow)",
			`AT_LEAST(2, ALARM, ("AZ1Health", "AZ2Health", "AZ3Health")) AND NOT ALARM("MaintenanceWindow")`,
			[]string{"AZ1Health", "AZ2Health", "AZ3Health", "MaintenanceWindow"}},
		{`(ALARM("a") OR OK("b")) AND AT_LEAST(60%, NOT OK, ("a", "b", "c"))`,
			`(ALARM("a") OR OK("b")) AND AT_LEAST(60%, NOT OK, ("a", "b", "c"))`, []string{"a", "b", "c"}},
		{"AT_LEAST(1,NOT INSUFFICIENT_DATA,(x))", `AT_LEAST(1, NOT INSUFFICIENT_DATA, ("x"))`, []string{"x"}},
		{"AT_LEAST(100%, ALARM, (x, x))", `AT_LEAST(100%, ALARM, ("x", "x"))`, []string{"x"}},
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

	// The first two messages are CloudWatch's own (aws-cdk issues 34662
	// and 13953, the latter an unquoted ARN with spaces); the rest follow
	// their form.
	bad := []struct{ rule, msg string }{
		{"()", "Error in AlarmRule [Unsupported token ')' at char 1]"},
		{"(ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:SampleQueue Oldest Age Alarm) OR ALARM(b))",
			"Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']"},
		{"", "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{strings.Repeat("T", 10241), "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length less than or equal to 10240"},
		{"ALARM(a b)", "Error in AlarmRule [Unsupported token 'b' at char 8, must be: ')']"},
		{"ALARM(a,b)", "Error in AlarmRule [Unsupported token ',' at char 7, must be: ')']"},
		{"ALARM(x) AND", "Error in AlarmRule [Unexpected end of AlarmRule at char 12]"},
		{"ALARM(x", "Error in AlarmRule [Unexpected end of AlarmRule at char 7, must be: ')']"},
		{"(ALARM(x)", "Error in AlarmRule [Unexpected end of AlarmRule at char 9, must be: ')']"},
		{"(ALARM(x) TRUE)", "Error in AlarmRule [Unsupported token 'TRUE' at char 10, must be: ')']"},
		{"ALARM(x))", "Error in AlarmRule [Unsupported token ')' at char 8]"},
		{"alarm(x)", "Error in AlarmRule [Unsupported token 'alarm' at char 0]"},
		{"ALARM()", "Error in AlarmRule [Unsupported token ')' at char 6]"},
		{`ALARM("")`, "Error in AlarmRule [Empty alarm name at char 6]"},
		{`ALARM("x)`, "Error in AlarmRule [Unterminated quoted alarm name at char 6]"},
		{`ALARM("x\")`, "Error in AlarmRule [Unterminated quoted alarm name at char 6]"},
		{"ALARM x", "Error in AlarmRule [Unsupported token 'x' at char 6, must be: '(']"},
		{"ALARM(a(b))", "Error in AlarmRule [Unsupported token '(' at char 7, must be: ')']"},
		{`ALARM(a"b")`, `Error in AlarmRule [Unsupported token '"b"' at char 7, must be: ')']`},
		{"ALARM(arn:aws:sns:us-east-1:123456789012:topic)", "Error in AlarmRule ['arn:aws:sns:us-east-1:123456789012:topic' at char 6 is not an alarm ARN]"},
		{"ALARM(" + strings.Repeat("n", 256) + ")", "Error in AlarmRule [Alarm name at char 6 is longer than 255 characters or not UTF-8]"},
		{"ALARM(\"a\tb\")", "Error in AlarmRule [Alarm name at char 6 contains a control character]"},
		{"TRUE FALSE", "Error in AlarmRule [Unsupported token 'FALSE' at char 5]"},
		{"ALARM(x) ANDOK(y)", "Error in AlarmRule [Unsupported token 'ANDOK' at char 9]"},
		{"ALARM(é) OR ALARM(𝄞 x)", "Error in AlarmRule [Unsupported token 'x' at char 21, must be: ')']"},
		{manyChildren(101), "Error in AlarmRule [The alarm rule references 101 alarms; the maximum is 100]"},
		{strings.TrimSuffix(strings.Repeat("TRUE OR ", 501), " OR "), "Error in AlarmRule [The alarm rule has 501 elements; the maximum is 500]"},
		{strings.Repeat("NOT ", 600) + "TRUE", "Error in AlarmRule [The alarm rule is nested too deeply]"},
		// AT_LEAST.
		{"AT_LEAST 2", "Error in AlarmRule [Unsupported token '2' at char 9, must be: '(']"},
		{"AT_LEAST(two, ALARM, (a))", "Error in AlarmRule [Unsupported token 'two' at char 9, must be: a count or a percentage]"},
		{"AT_LEAST(-1, ALARM, (a))", "Error in AlarmRule [Unsupported token '-1' at char 9, must be: a count or a percentage]"},
		{"AT_LEAST(1.5, ALARM, (a, b))", "Error in AlarmRule [Unsupported token '1.5' at char 9, must be: a count or a percentage]"},
		{`AT_LEAST("50%", ALARM, (a))`, `Error in AlarmRule [Unsupported token '"50%"' at char 9, must be: a count or a percentage]`},
		{"AT_LEAST(50 %, ALARM, (a))", "Error in AlarmRule [Unsupported token '%' at char 12, must be: ',']"},
		{"AT_LEAST(1 ALARM, (a))", "Error in AlarmRule [Unsupported token 'ALARM' at char 11, must be: ',']"},
		{"AT_LEAST(1, ALARMS, (a))", "Error in AlarmRule [Unsupported token 'ALARMS' at char 12, must be: ALARM, OK or INSUFFICIENT_DATA]"},
		{"AT_LEAST(1, NOT NOT ALARM, (a))", "Error in AlarmRule [Unsupported token 'NOT' at char 16, must be: ALARM, OK or INSUFFICIENT_DATA]"},
		{"AT_LEAST(1, ALARM, a)", "Error in AlarmRule [Unsupported token 'a' at char 19, must be: '(']"},
		{"AT_LEAST(1, ALARM, ())", "Error in AlarmRule [Unsupported token ')' at char 20]"},
		{"AT_LEAST(1, ALARM, (a b))", "Error in AlarmRule [Unsupported token 'b' at char 22, must be: ',' or ')']"},
		{"AT_LEAST(1, ALARM, (a,))", "Error in AlarmRule [Unsupported token ')' at char 22]"},
		{"AT_LEAST(1, ALARM, (a)", "Error in AlarmRule [Unexpected end of AlarmRule at char 22, must be: ')']"},
		{"AT_LEAST(1, ALARM, (a), TRUE)", "Error in AlarmRule [Unsupported token ',' at char 22, must be: ')']"},
		{"AT_LEAST(0, ALARM, (a))", "Error in AlarmRule [AT_LEAST threshold 0 at char 9 must be between 1 and the number of alarms, 1]"},
		{"AT_LEAST(3, ALARM, (a, b))", "Error in AlarmRule [AT_LEAST threshold 3 at char 9 must be between 1 and the number of alarms, 2]"},
		{"AT_LEAST(0%, ALARM, (a))", "Error in AlarmRule [AT_LEAST threshold 0% at char 9 must be between 1% and 100%]"},
		{"AT_LEAST(101%, ALARM, (a))", "Error in AlarmRule [AT_LEAST threshold 101% at char 9 must be between 1% and 100%]"},
		{"AT_LEAST(99999999999999999999, ALARM, (a))", "Error in AlarmRule [Unsupported token '99999999999999999999' at char 9, must be: a count or a percentage]"},
		{"at_least(1, ALARM, (a))", "Error in AlarmRule [Unsupported token 'at_least' at char 0]"},
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
	for _, rule := range []string{manyChildren(100), strings.TrimSuffix(strings.Repeat("TRUE OR ", 500), " OR "), atLeastOf(100), atLeastOf(250) + " OR " + atLeastOf(250)} {
		if _, err := ParseRule(rule); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	}
}

// atLeastOf is an AT_LEAST rule over n distinct children (n elements).
func atLeastOf(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "c" + strconv.Itoa(i%100)
	}
	return "AT_LEAST(1, ALARM, (" + strings.Join(parts, ", ") + "))"
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
		// AT_LEAST over a=ALARM, b=OK, c=INSUFFICIENT_DATA.
		{"AT_LEAST(1, ALARM, (a, b, c))", true},
		{"AT_LEAST(2, ALARM, (a, b, c))", false},
		{"AT_LEAST(2, NOT ALARM, (a, b, c))", true},
		{"AT_LEAST(3, NOT ALARM, (a, b, c))", false},
		{"AT_LEAST(1, INSUFFICIENT_DATA, (a, b, c))", true},
		{"AT_LEAST(2, NOT OK, (a, b, c))", true},
		{"AT_LEAST(33%, ALARM, (a, b, c))", true},  // 1 of 3 is 33.3%
		{"AT_LEAST(34%, ALARM, (a, b, c))", false}, // needs 2
		{"AT_LEAST(50%, ALARM, (a, b))", true},
		{"AT_LEAST(51%, ALARM, (a, b))", false},
		{"AT_LEAST(100%, NOT INSUFFICIENT_DATA, (a, b))", true},
		{"AT_LEAST(100%, NOT INSUFFICIENT_DATA, (a, b, c))", false},
		{"AT_LEAST(2, ALARM, (a, a, b))", true}, // a listed twice counts twice
		{"AT_LEAST(1, ALARM, (missing))", false},
		{"AT_LEAST(1, NOT ALARM, (missing))", true}, // as NOT ALARM(missing)
		{"NOT AT_LEAST(2, ALARM, (a, b)) AND OK(b)", true},
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
		"AT_LEAST(2, ALARM, (a, b, c))", `AT_LEAST(50%, NOT OK, ("x y", "z\\"))`, "AT_LEAST(1,INSUFFICIENT_DATA,(a)) OR NOT AT_LEAST(100%, NOT ALARM, (b))",
		"AT_LEAST(", "AT_LEAST(1, ALARM, (a,", `OK("a \"quoted\" name")`, "ALARM(a b)",
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
		// Evaluation never panics, and witnesses are children.
		look := func(ref string) (StateValue, bool) {
			return []StateValue{StateAlarm, StateOK, StateInsufficientData}[len(ref)%3], len(ref)%4 != 0
		}
		r.Eval(look)
		kids := map[string]bool{}
		for _, c := range r.Children() {
			kids[c] = true
		}
		for _, w := range r.Witnesses(look) {
			if !kids[w] {
				t.Fatalf("%q: witness %q is not a child", s, w)
			}
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

// TestEvaluateCompositeAtLeast moves a composite over three children
// with AT_LEAST(2, ALARM, …) through ALARM and back.
func TestEvaluateCompositeAtLeast(t *testing.T) {
	arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:111122223333:alarm:" + n }
	rule, err := ParseRule("AT_LEAST(2, ALARM, (az1, az2, az3))")
	if err != nil {
		t.Fatal(err)
	}
	def := &CompositeDefinition{Name: "zones", ARN: arn("zones"), Rule: rule, ActionsEnabled: true,
		AlarmActions: []string{"page"}, OKActions: []string{"calm"}}
	t0 := time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC)
	children := map[string]ChildState{}
	set := func(name string, v StateValue, at time.Time) {
		children[name] = ChildState{ARN: arn(name), Value: v, TransitionedTimestamp: at}
	}
	for _, n := range []string{"az1", "az2", "az3"} {
		set(n, StateOK, t0)
	}
	st := InitialState(t0)
	step := func(at time.Time, want StateValue, changed bool, actions, reason string) {
		t.Helper()
		res := EvaluateComposite(def, st, at, children)
		if res.State.Value != want || res.Changed != changed || strings.Join(res.Actions, ",") != actions {
			t.Fatalf("at %s: %s changed=%v actions=%v, want %s %v %q", at.Format(time.TimeOnly), res.State.Value, res.Changed, res.Actions, want, changed, actions)
		}
		if changed && res.State.Reason != reason {
			t.Errorf("at %s: reason %q, want %q", at.Format(time.TimeOnly), res.State.Reason, reason)
		}
		st = res.State
	}
	step(t0, StateOK, true, "calm", arn("az1")+" transitioned to OK at Thursday 20 November, 2025 09:00:00 UTC")
	set("az2", StateAlarm, t0.Add(time.Minute)) // one of three: still OK
	step(t0.Add(time.Minute), StateOK, false, "", "")
	set("az3", StateAlarm, t0.Add(2*time.Minute)) // two of three: ALARM, named after the newest
	step(t0.Add(2*time.Minute), StateAlarm, true, "page", arn("az3")+" transitioned to ALARM at Thursday 20 November, 2025 09:02:00 UTC")
	if want := `{"triggeringAlarms":[{"arn":"` + arn("az3") + `","state":{"value":"ALARM","timestamp":"2025-11-20T09:02:00.000+0000"}},` +
		`{"arn":"` + arn("az2") + `","state":{"value":"ALARM","timestamp":"2025-11-20T09:01:00.000+0000"}}]}`; st.ReasonData != want {
		t.Errorf("reason data %s\nwant %s", st.ReasonData, want)
	}
	set("az1", StateInsufficientData, t0.Add(3*time.Minute)) // still two in ALARM
	step(t0.Add(3*time.Minute), StateAlarm, false, "", "")
	set("az2", StateOK, t0.Add(4*time.Minute)) // one left: OK
	step(t0.Add(4*time.Minute), StateOK, true, "calm", arn("az2")+" transitioned to OK at Thursday 20 November, 2025 09:04:00 UTC")
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
		{"AT_LEAST(2, ALARM, (b, a, c, d))", "a|c"},        // raised by the ones it counts
		{"AT_LEAST(3, ALARM, (b, a, c, d))", "b|d"},        // kept OK by the others
		{"AT_LEAST(1, NOT ALARM, (a, b, d, gone))", "b|d"}, // missing children are never listed
		{"NOT AT_LEAST(3, ALARM, (a, b, c))", "b"},
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
