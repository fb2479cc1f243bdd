package policy

import (
	"strconv"
	"strings"
)

// Policy is a parsed identity policy, ready to evaluate. It is immutable
// and safe for concurrent use.
type Policy struct {
	statements []statement
}

type statement struct {
	deny bool
	// actions are lower-cased: IAM matches actions case-insensitively.
	actions   []pattern
	notAction bool
	// resources match case-sensitively.
	resources   []pattern
	notResource bool
	// conditions must all hold.
	conditions []condition
}

// Request is one authorisation question.
type Request struct {
	// Action is service:Operation, as "logs:PutLogEvents".
	Action string
	// Resource is the ARN acted on, or "*" for actions that take no
	// resource; only Resource "*" (or a pattern matching "*") covers those.
	Resource string
	// Context holds the condition keys, such as aws:SourceIp, aws:username
	// and aws:CurrentTime. Keys are case-insensitive; a key with no values
	// counts as absent. A map holding two spellings of one key is
	// ambiguous. Evaluate does not modify the map.
	Context map[string][]string
}

// Decision is the outcome of evaluating a request.
type Decision int

// Decisions, in the words of IAM's policy simulator.
const (
	// ImplicitDeny: no statement allowed the request (nor denied it).
	ImplicitDeny Decision = iota
	// Allow: some statement allowed the request and none denied it.
	Allow
	// ExplicitDeny: a Deny statement matched; nothing can override it.
	ExplicitDeny
)

// String returns the decision's name as IAM's policy simulator spells it.
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Parse validates doc as IAM validates an inline user policy and compiles
// it. A document IAM would refuse yields a *ParseError whose Msg is AWS's
// MalformedPolicyDocument message. Parse does not apply IAM's size limits;
// see NonWhitespaceLen.
func Parse(doc string) (*Policy, error) {
	d, perr := check(doc)
	if perr != nil {
		return nil, perr
	}
	vars := d.version == version2012
	p := &Policy{statements: make([]statement, len(d.statements))}
	for i := range d.statements {
		raw := &d.statements[i]
		st := &p.statements[i]
		st.deny = raw.effect == "Deny"

		actions := raw.action
		if raw.notAction.present {
			actions, st.notAction = raw.notAction, true
		}
		for _, a := range actions.values {
			st.actions = append(st.actions, compile(strings.ToLower(a), compileOpts{wildcards: true}))
		}

		resources := raw.resource
		if raw.notResource.present {
			resources, st.notResource = raw.notResource, true
		}
		for _, r := range resources.values {
			st.resources = append(st.resources, compile(r, compileOpts{wildcards: true, vars: vars, arn: true}))
		}

		for _, b := range raw.conditions {
			base, set, ifExists := splitOperator(b.op)
			op, known := operators[base]
			if !known {
				// Only an empty block can get here; it constrains nothing.
				continue
			}
			for _, k := range b.keys {
				st.conditions = append(st.conditions, newCondition(op, set, ifExists, k.key, k.values, vars))
			}
		}
	}
	return p, nil
}

// Evaluate decides req against every statement of every policy: a matching
// Deny statement gives ExplicitDeny, else a matching Allow statement gives
// Allow, else the answer is ImplicitDeny. Nil policies are skipped. A
// statement matches when the action is covered by its Action (or not by
// its NotAction), the resource likewise, and all its conditions hold.
func Evaluate(policies []*Policy, req Request) Decision {
	action := strings.ToLower(req.Action)
	d := ImplicitDeny
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.statements {
			st := &p.statements[i]
			if d == Allow && !st.deny {
				continue // only a Deny can change the answer now
			}
			if !st.applies(action, &req) {
				continue
			}
			if st.deny {
				return ExplicitDeny
			}
			d = Allow
		}
	}
	return d
}

// applies reports whether the statement covers the request; action is
// already lower-cased.
func (s *statement) applies(action string, req *Request) bool {
	if anyMatch(s.actions, action, nil) == s.notAction {
		return false
	}
	if anyMatch(s.resources, req.Resource, req.Context) == s.notResource {
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(req.Context) {
			return false
		}
	}
	return true
}

func anyMatch(ps []pattern, s string, ctx map[string][]string) bool {
	for i := range ps {
		if ps[i].match(s, ctx) {
			return true
		}
	}
	return false
}
