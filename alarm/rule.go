package alarm

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AlarmRule limits (PutCompositeAlarm, reference §14).
const (
	MaxRuleLength   = 10240
	MaxRuleChildren = 100
	MaxRuleElements = 500
)

// RuleError is an AlarmRule that PutCompositeAlarm refuses. Code is the
// Query error code the API answers with.
type RuleError struct {
	Code    string
	Message string
}

func (e *RuleError) Error() string { return "alarm: " + e.Code + ": " + e.Message }

// ruleErr builds the refusal of a malformed rule: ValidationError with
// the detail in CloudWatch's envelope, "Error in AlarmRule [<detail>]".
// Two details are published (aws-cdk issues 13953 and 34662):
// "Unsupported token ')' at char 1" and "Unsupported token 'Oldest' at
// char 67, must be: ')'"; unsupported() builds that form. Every other
// detail's wording is unverified.
func ruleErr(format string, args ...any) *RuleError {
	return &RuleError{Code: "ValidationError", Message: "Error in AlarmRule [" + fmt.Sprintf(format, args...) + "]"}
}

// Rule is a parsed AlarmRule.
type Rule struct {
	root     ruleNode
	children []string
}

// ruleNode kinds.
type ruleOp int

const (
	opConst ruleOp = iota
	opState
	opNot
	opAnd
	opOr
	opAtLeast
)

type ruleNode struct {
	op    ruleOp
	value bool       // opConst
	state StateValue // opState, opAtLeast
	ref   string     // opState: the alarm name or ARN, unquoted
	args  []ruleNode // opNot: one; opAnd, opOr: two or more
	paren bool       // written inside parentheses

	// opAtLeast: true when at least min of refs are in state (not in it
	// when negate), min being a count, or a percentage of len(refs) when
	// percent is set.
	min     int
	percent bool
	negate  bool
	refs    []string
}

// ParseRule reads an AlarmRule (the User Guide's "Composite alarms"):
//
//	rule     := or
//	or       := and ( "OR" and )*
//	and      := unary ( "AND" unary )*
//	unary    := "NOT" unary | "(" rule ")" | "TRUE" | "FALSE" | func | atleast
//	func     := state "(" ref ")"
//	atleast  := "AT_LEAST" "(" M "," [ "NOT" ] state "," "(" ref ( "," ref )* ")" ")"
//	state    := "ALARM" | "OK" | "INSUFFICIENT_DATA"
//	M        := a count (1 to the number of refs) or a percentage (1% to 100%)
//	ref      := an alarm name or ARN, bare or in double quotes
//
// Keywords are upper case. A bare reference cannot hold spaces,
// parentheses, commas or double quotes; a quoted one writes a double
// quote as \". The rule may hold at most 100 distinct children and 500
// elements (references, TRUE/FALSE, parenthesised groups) and 1–10,240
// characters. Errors are *RuleError.
func ParseRule(s string) (*Rule, error) {
	if n := javaLength(s); n < 1 || n > MaxRuleLength {
		constraint := "Member must have length greater than or equal to 1"
		if n > MaxRuleLength {
			constraint = "Member must have length less than or equal to 10240"
		}
		return nil, &RuleError{Code: "ValidationError", Message: "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: " + constraint}
	}
	p := &ruleParser{lex: lexer{src: s}, seen: map[string]bool{}}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	t, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tokEOF {
		return nil, p.unsupported(t, "")
	}
	// Wordings of the two limits unverified.
	if p.elements > MaxRuleElements {
		return nil, ruleErr("The alarm rule has %d elements; the maximum is %d", p.elements, MaxRuleElements)
	}
	if len(p.children) > MaxRuleChildren {
		return nil, ruleErr("The alarm rule references %d alarms; the maximum is %d", len(p.children), MaxRuleChildren)
	}
	return &Rule{root: root, children: p.children}, nil
}

// Children are the alarms the rule references, each once, in order of
// first appearance, as written (name or ARN, without quotes).
func (r *Rule) Children() []string { return append([]string(nil), r.children...) }

// Eval applies the rule to the children's states; state reports the
// state of a referenced alarm and false when it does not exist, which
// makes every function of it false (and NOT of it true).
func (r *Rule) Eval(state func(ref string) (StateValue, bool)) bool {
	return evalNode(&r.root, state)
}

func evalNode(n *ruleNode, state func(string) (StateValue, bool)) bool {
	switch n.op {
	case opConst:
		return n.value
	case opState:
		v, ok := state(n.ref)
		return ok && v == n.state
	case opNot:
		return !evalNode(&n.args[0], state)
	case opAnd:
		for i := range n.args {
			if !evalNode(&n.args[i], state) {
				return false
			}
		}
		return true
	case opOr:
		for i := range n.args {
			if evalNode(&n.args[i], state) {
				return true
			}
		}
		return false
	case opAtLeast:
		in := 0
		for _, ref := range n.refs {
			if n.counts(ref, state) {
				in++
			}
		}
		if n.percent {
			// "At least 50% of 3" needs 2: in/len ≥ min/100, in integers.
			return in*100 >= n.min*len(n.refs)
		}
		return in >= n.min
	}
	panic("BUG: unknown rule node")
}

// counts reports whether an AT_LEAST node counts ref: the alarm is in the
// node's state, or with NOT is not in it. A missing alarm is in no state,
// so NOT counts it, as NOT ALARM(missing) is true.
func (n *ruleNode) counts(ref string, state func(string) (StateValue, bool)) bool {
	v, ok := state(ref)
	return (ok && v == n.state) != n.negate
}

// Witnesses lists the referenced children whose states decide the rule's
// current value, each once, in order of first appearance: for a true OR
// the true branches, for a false OR every branch, and the reverse for
// AND; NOT swaps what is looked for; a true AT_LEAST is decided by the
// children it counts, a false one by those it does not. CloudWatch lists
// these as a composite's triggering alarms: one child in ALARM when it
// raises an OR-rule, every child when the OR-rule recovers (the shapes AWS
// sends; the choice inside larger rules and for AT_LEAST is unverified).
func (r *Rule) Witnesses(state func(ref string) (StateValue, bool)) []string {
	seen := map[string]bool{}
	var out []string
	witness(&r.root, evalNode(&r.root, state), state, func(ref string) {
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	})
	return out
}

// witness walks the parts of n that make it evaluate to want.
func witness(n *ruleNode, want bool, state func(string) (StateValue, bool), add func(string)) {
	switch n.op {
	case opState:
		if _, ok := state(n.ref); ok && evalNode(n, state) == want {
			add(n.ref)
		}
	case opNot:
		witness(&n.args[0], !want, state, add)
	case opAnd, opOr:
		// An AND is true through all its parts and false through its
		// false ones; an OR the other way round.
		all := (n.op == opAnd) == want
		for i := range n.args {
			if all || evalNode(&n.args[i], state) == want {
				witness(&n.args[i], want, state, add)
			}
		}
	case opAtLeast:
		for _, ref := range n.refs {
			if _, ok := state(ref); ok && n.counts(ref, state) == want {
				add(ref)
			}
		}
	}
}

// String writes the rule in a canonical form: keywords upper case, every
// reference quoted, single spaces. Parsing it gives the same rule.
func (r *Rule) String() string {
	var b strings.Builder
	writeNode(&b, &r.root)
	return b.String()
}

func writeNode(b *strings.Builder, n *ruleNode) {
	if n.paren {
		b.WriteString("(")
	}
	switch n.op {
	case opConst:
		if n.value {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case opState:
		b.WriteString(string(n.state) + "(" + quoteRef(n.ref) + ")")
	case opNot:
		b.WriteString("NOT ")
		writeNode(b, &n.args[0])
	case opAnd, opOr:
		sep := " AND "
		if n.op == opOr {
			sep = " OR "
		}
		for i := range n.args {
			if i > 0 {
				b.WriteString(sep)
			}
			writeNode(b, &n.args[i])
		}
	case opAtLeast:
		b.WriteString("AT_LEAST(" + strconv.Itoa(n.min))
		if n.percent {
			b.WriteString("%")
		}
		b.WriteString(", ")
		if n.negate {
			b.WriteString("NOT ")
		}
		b.WriteString(string(n.state) + ", (")
		for i, ref := range n.refs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteRef(ref))
		}
		b.WriteString("))")
	}
	if n.paren {
		b.WriteString(")")
	}
}

type ruleParser struct {
	lex      lexer
	depth    int
	elements int
	children []string
	seen     map[string]bool
}

// maxRuleDepth bounds recursion; 500 elements cannot nest deeper.
const maxRuleDepth = MaxRuleElements + 1

// unsupported is CloudWatch's refusal of token t where the grammar does
// not allow it, naming what must come instead when only one thing may.
// The end of the rule has no published wording (unverified).
func (p *ruleParser) unsupported(t token, mustBe string) *RuleError {
	at := charIndex(p.lex.src, t.pos)
	suffix := ""
	if mustBe != "" {
		suffix = ", must be: " + mustBe
	}
	if t.kind == tokEOF {
		return ruleErr("Unexpected end of AlarmRule at char %d%s", at, suffix)
	}
	return ruleErr("Unsupported token '%s' at char %d%s", t.text, at, suffix)
}

// expect consumes a token of kind k, or fails naming it.
func (p *ruleParser) expect(k tokenKind, name string) error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	if t.kind != k {
		return p.unsupported(t, name)
	}
	return nil
}

// keyword reports whether the next token is the word kw, consuming it if
// so.
func (p *ruleParser) keyword(kw string) (bool, error) {
	t, err := p.lex.peek()
	if err != nil || t.kind != tokWord || t.value != kw {
		return false, err
	}
	p.lex.next()
	return true, nil
}

func (p *ruleParser) or() (ruleNode, error) {
	return p.binary(opOr, "OR", p.and)
}

func (p *ruleParser) and() (ruleNode, error) {
	return p.binary(opAnd, "AND", p.unary)
}

func (p *ruleParser) binary(op ruleOp, kw string, next func() (ruleNode, error)) (ruleNode, error) {
	first, err := next()
	if err != nil {
		return first, err
	}
	args := []ruleNode{first}
	for {
		ok, err := p.keyword(kw)
		if err != nil {
			return ruleNode{}, err
		}
		if !ok {
			break
		}
		n, err := next()
		if err != nil {
			return n, err
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return first, nil
	}
	return ruleNode{op: op, args: args}, nil
}

func (p *ruleParser) unary() (ruleNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxRuleDepth {
		// Wording unverified.
		return ruleNode{}, ruleErr("The alarm rule is nested too deeply")
	}
	t, err := p.lex.next()
	if err != nil {
		return ruleNode{}, err
	}
	if t.kind == tokLParen {
		p.elements++
		n, err := p.or()
		if err != nil {
			return n, err
		}
		if err := p.expect(tokRParen, "')'"); err != nil {
			return ruleNode{}, err
		}
		// Redundant parentheses keep one level in the tree, so the
		// canonical form stays parseable and equal.
		n.paren = true
		return n, nil
	}
	if t.kind != tokWord {
		return ruleNode{}, p.unsupported(t, "")
	}
	switch t.value {
	case "NOT":
		n, err := p.unary()
		if err != nil {
			return n, err
		}
		return ruleNode{op: opNot, args: []ruleNode{n}}, nil
	case "TRUE", "FALSE":
		p.elements++
		return ruleNode{op: opConst, value: t.value == "TRUE"}, nil
	case "ALARM", "OK", "INSUFFICIENT_DATA":
		if err := p.expect(tokLParen, "'('"); err != nil {
			return ruleNode{}, err
		}
		ref, err := p.ref()
		if err != nil {
			return ruleNode{}, err
		}
		if err := p.expect(tokRParen, "')'"); err != nil {
			return ruleNode{}, err
		}
		return ruleNode{op: opState, state: StateValue(t.value), ref: ref}, nil
	case "AT_LEAST":
		return p.atLeast()
	}
	return ruleNode{}, p.unsupported(t, "")
}

// atLeast reads AT_LEAST's arguments, the keyword already consumed. The
// threshold's bounds follow aws-cdk's AtLeastThreshold (a whole count from
// 1 to the number of alarms, or a whole percentage from 1% to 100%); the
// service's own bounds and wording are unverified.
func (p *ruleParser) atLeast() (ruleNode, error) {
	if err := p.expect(tokLParen, "'('"); err != nil {
		return ruleNode{}, err
	}
	mt, err := p.lex.next()
	if err != nil {
		return ruleNode{}, err
	}
	n := ruleNode{op: opAtLeast}
	digits, percent := strings.CutSuffix(mt.value, "%")
	m, convErr := strconv.Atoi(digits)
	if mt.kind != tokWord || digits == "" || strings.TrimLeft(digits, "0123456789") != "" || convErr != nil {
		return ruleNode{}, p.unsupported(mt, "a count or a percentage")
	}
	n.min, n.percent = m, percent
	if err := p.expect(tokComma, "','"); err != nil {
		return ruleNode{}, err
	}
	if n.negate, err = p.keyword("NOT"); err != nil {
		return ruleNode{}, err
	}
	st, err := p.lex.next()
	if err != nil {
		return ruleNode{}, err
	}
	switch {
	case st.kind == tokWord && (st.value == "ALARM" || st.value == "OK" || st.value == "INSUFFICIENT_DATA"):
		n.state = StateValue(st.value)
	default:
		return ruleNode{}, p.unsupported(st, "ALARM, OK or INSUFFICIENT_DATA")
	}
	if err := p.expect(tokComma, "','"); err != nil {
		return ruleNode{}, err
	}
	if err := p.expect(tokLParen, "'('"); err != nil {
		return ruleNode{}, err
	}
	for {
		ref, err := p.ref()
		if err != nil {
			return ruleNode{}, err
		}
		n.refs = append(n.refs, ref)
		t, err := p.lex.next()
		if err != nil {
			return ruleNode{}, err
		}
		if t.kind == tokRParen {
			break
		}
		if t.kind != tokComma {
			return ruleNode{}, p.unsupported(t, "',' or ')'")
		}
	}
	if err := p.expect(tokRParen, "')'"); err != nil {
		return ruleNode{}, err
	}
	switch {
	case n.percent && (n.min < 1 || n.min > 100):
		return ruleNode{}, ruleErr("AT_LEAST threshold %d%% at char %d must be between 1%% and 100%%", n.min, charIndex(p.lex.src, mt.pos))
	case !n.percent && (n.min < 1 || n.min > len(n.refs)):
		return ruleNode{}, ruleErr("AT_LEAST threshold %d at char %d must be between 1 and the number of alarms, %d", n.min, charIndex(p.lex.src, mt.pos), len(n.refs))
	}
	return n, nil
}

// ref reads one alarm reference, bare or quoted, and records it as a
// child and an element.
func (p *ruleParser) ref() (string, error) {
	t, err := p.lex.next()
	if err != nil {
		return "", err
	}
	if t.kind != tokWord && t.kind != tokQuoted {
		return "", p.unsupported(t, "")
	}
	if err := checkRef(t.value, charIndex(p.lex.src, t.pos)); err != nil {
		return "", err
	}
	p.elements++
	if !p.seen[t.value] {
		p.seen[t.value] = true
		p.children = append(p.children, t.value)
	}
	return t.value, nil
}

// checkRef applies the AlarmName rules (1–255 characters, no control
// characters) to names, and to ARNs the shape of an alarm ARN. Wordings
// unverified.
func checkRef(ref string, at int) error {
	if ref == "" {
		return ruleErr("Empty alarm name at char %d", at)
	}
	for _, r := range ref {
		if r < 0x20 || r == 0x7f {
			return ruleErr("Alarm name at char %d contains a control character", at)
		}
	}
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 7)
		if len(parts) != 7 || parts[1] == "" || parts[2] != "cloudwatch" || parts[3] == "" || parts[4] == "" || parts[5] != "alarm" || parts[6] == "" {
			return ruleErr("'%s' at char %d is not an alarm ARN", ref, at)
		}
		ref = parts[6]
	}
	if !utf8.ValidString(ref) || javaLength(ref) > 255 {
		return ruleErr("Alarm name at char %d is longer than 255 characters or not UTF-8", at)
	}
	return nil
}
