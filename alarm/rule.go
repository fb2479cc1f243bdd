package alarm

import (
	"fmt"
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

// ruleErr builds the refusal of a malformed rule. AWS answers
// ValidationError; the message wording is not published (unverified).
func ruleErr(format string, args ...any) *RuleError {
	return &RuleError{Code: "ValidationError", Message: fmt.Sprintf(format, args...)}
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
)

type ruleNode struct {
	op    ruleOp
	value bool       // opConst
	state StateValue // opState
	ref   string     // opState: the alarm name or ARN, unquoted
	args  []ruleNode // opNot: one; opAnd, opOr: two or more
	paren bool       // written inside parentheses
}

// ParseRule reads an AlarmRule:
//
//	rule  := or
//	or    := and ( "OR" and )*
//	and   := unary ( "AND" unary )*
//	unary := "NOT" unary | "(" rule ")" | "TRUE" | "FALSE" | func
//	func  := ("ALARM" | "OK" | "INSUFFICIENT_DATA") "(" ref ")"
//	ref   := an alarm name or ARN, bare or in double quotes
//
// Keywords are upper case. A bare reference runs to the closing
// parenthesis and is trimmed; a name holding parentheses or double quotes
// must be quoted (and a quoted one cannot hold a double quote). The rule
// may hold at most 100 distinct children and 500 elements (children,
// TRUE/FALSE, parenthesised groups) and 1–10,240 characters.
func ParseRule(s string) (*Rule, error) {
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxRuleLength {
		constraint := "Member must have length greater than or equal to 1"
		if n > MaxRuleLength {
			constraint = "Member must have length less than or equal to 10240"
		}
		return nil, &RuleError{Code: "ValidationError", Message: "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: " + constraint}
	}
	p := &ruleParser{src: s, seen: map[string]bool{}}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, ruleErr("Error in alarm rule: unexpected %q at position %d.", p.rest(), p.pos+1)
	}
	if p.elements > MaxRuleElements {
		return nil, ruleErr("Alarm rule has %d elements; the maximum is %d.", p.elements, MaxRuleElements)
	}
	if len(p.children) > MaxRuleChildren {
		return nil, ruleErr("Alarm rule references %d alarms; the maximum is %d.", len(p.children), MaxRuleChildren)
	}
	return &Rule{root: root, children: p.children}, nil
}

// Children are the alarms the rule references, each once, in order of
// first appearance, as written (name or ARN, without quotes).
func (r *Rule) Children() []string { return append([]string(nil), r.children...) }

// Eval applies the rule to the children's states; state reports the
// state of a referenced alarm and false when it does not exist, which
// makes every function of it false.
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
	}
	panic("BUG: unknown rule node")
}

// Witnesses lists the referenced children whose states decide the rule's
// current value, each once, in order of first appearance: for a true OR
// the true branches, for a false OR every branch, and the reverse for
// AND; NOT swaps what is looked for. CloudWatch lists these as a
// composite's triggering alarms: one child in ALARM when it raises an
// OR-rule, every child when the OR-rule recovers (the shapes AWS sends;
// the choice inside larger rules is unverified).
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
		b.WriteString(string(n.state) + `("` + n.ref + `")`)
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
	}
	if n.paren {
		b.WriteString(")")
	}
}

type ruleParser struct {
	src      string
	pos      int
	depth    int
	elements int
	children []string
	seen     map[string]bool
}

// maxRuleDepth bounds recursion; 500 elements cannot nest deeper.
const maxRuleDepth = MaxRuleElements + 1

func (p *ruleParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *ruleParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 20 {
		r = r[:20]
	}
	return r
}

// word reads the keyword at the cursor without consuming it: a run of
// letters and underscores.
func (p *ruleParser) word() string {
	i := p.pos
	for i < len(p.src) && (p.src[i] >= 'A' && p.src[i] <= 'Z' || p.src[i] >= 'a' && p.src[i] <= 'z' || p.src[i] == '_') {
		i++
	}
	return p.src[p.pos:i]
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
		p.skipSpace()
		if p.word() != kw {
			break
		}
		p.pos += len(kw)
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
		return ruleNode{}, ruleErr("Alarm rule is nested too deeply.")
	}
	p.skipSpace()
	if p.pos >= len(p.src) {
		return ruleNode{}, ruleErr("Error in alarm rule: unexpected end of rule.")
	}
	if p.src[p.pos] == '(' {
		p.pos++
		p.elements++
		n, err := p.or()
		if err != nil {
			return n, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return ruleNode{}, ruleErr("Error in alarm rule: missing closing parenthesis.")
		}
		p.pos++
		if n.paren {
			// Redundant parentheses: keep one level in the tree so the
			// canonical form stays parseable and equal.
			return n, nil
		}
		n.paren = true
		return n, nil
	}
	w := p.word()
	switch w {
	case "NOT":
		p.pos += len(w)
		n, err := p.unary()
		if err != nil {
			return n, err
		}
		return ruleNode{op: opNot, args: []ruleNode{n}}, nil
	case "TRUE", "FALSE":
		p.pos += len(w)
		p.elements++
		return ruleNode{op: opConst, value: w == "TRUE"}, nil
	case "ALARM", "OK", "INSUFFICIENT_DATA":
		p.pos += len(w)
		return p.function(StateValue(w))
	}
	if w == "" {
		return ruleNode{}, ruleErr("Error in alarm rule: unexpected %q at position %d.", p.rest(), p.pos+1)
	}
	return ruleNode{}, ruleErr("Error in alarm rule: unknown keyword %q at position %d.", w, p.pos+1)
}

func (p *ruleParser) function(state StateValue) (ruleNode, error) {
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return ruleNode{}, ruleErr("Error in alarm rule: %s must be followed by an alarm name in parentheses.", state)
	}
	p.pos++
	p.skipSpace()
	var ref string
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			return ruleNode{}, ruleErr("Error in alarm rule: unterminated quoted alarm name.")
		}
		ref = p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return ruleNode{}, ruleErr("Error in alarm rule: missing closing parenthesis.")
		}
	} else {
		end := strings.IndexAny(p.src[p.pos:], "()\"")
		if end < 0 || p.src[p.pos+end] != ')' {
			return ruleNode{}, ruleErr("Error in alarm rule: alarm names containing parentheses or quotes must be enclosed in double quotes.")
		}
		ref = strings.TrimRight(p.src[p.pos:p.pos+end], " \t\r\n")
		p.pos += end
	}
	p.pos++ // ')'
	if err := checkRef(ref); err != nil {
		return ruleNode{}, err
	}
	p.elements++
	if !p.seen[ref] {
		p.seen[ref] = true
		p.children = append(p.children, ref)
	}
	return ruleNode{op: opState, state: state, ref: ref}, nil
}

// checkRef applies the AlarmName rules (1–255 characters, no control
// characters) to names, and to ARNs the shape of an alarm ARN.
func checkRef(ref string) error {
	if ref == "" {
		return ruleErr("Error in alarm rule: empty alarm name.")
	}
	for _, r := range ref {
		if r < 0x20 || r == 0x7f {
			return ruleErr("Error in alarm rule: alarm name %q contains a control character.", ref)
		}
	}
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 7)
		if len(parts) != 7 || parts[1] == "" || parts[2] != "cloudwatch" || parts[3] == "" || parts[4] == "" || parts[5] != "alarm" || parts[6] == "" {
			return ruleErr("Error in alarm rule: %q is not an alarm ARN.", ref)
		}
		ref = parts[6]
	}
	if !utf8.ValidString(ref) || utf8.RuneCountInString(ref) > 255 {
		return ruleErr("Error in alarm rule: alarm name %q is longer than 255 characters or not UTF-8.", ref)
	}
	return nil
}
