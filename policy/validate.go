package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ParseError is a policy document IAM would refuse. Msg is the message of
// AWS's MalformedPolicyDocument error, word for word.
type ParseError struct {
	Msg string
}

// Error returns Msg behind the package prefix; services answer with Msg.
func (e *ParseError) Error() string { return "policy: malformed policy document: " + e.Msg }

// AWS's MalformedPolicyDocument messages. The wording, and the order in
// which the checks run, follow what IAM answers to PutUserPolicy; the
// punctuation differs between messages because AWS's does.
const (
	msgSyntax      = "Syntax errors in policy."
	msgPrincipal   = "Policy document should not specify a principal."
	msgLegacy      = "The policy failed legacy parsing"
	msgSidUnique   = "Statement IDs (SID) in a single policy must be unique."
	msgNoActions   = "Policy statement must contain actions."
	msgNoResources = "Policy statement must contain resources."
	msgNoVendor    = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon    = "Actions/Condition can contain only one colon."
	msgVendorRegex = "Resource vendor must be fully qualified and cannot contain regexes."
)

// The policy language versions IAM knows. Documents without a Version are
// read as 2008-10-17, which has no policy variables.
const (
	version2008 = "2008-10-17"
	version2012 = "2012-10-17"
)

// iamResourcePrefixes are the resource types an IAM ARN in a policy may
// name, in the order IAM's message lists them.
var iamResourcePrefixes = []string{
	"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
	"report/", "access-report/",
}

// rawDoc is a document that passed the syntax check, still as text.
type rawDoc struct {
	version    string
	statements []rawStatement
}

type rawStatement struct {
	sid                   string
	effect                string
	action, notAction     rawList
	resource, notResource rawList
	conditions            []rawBlock
	principal             bool
}

// rawList is an element written as a string or as an array of strings.
type rawList struct {
	present bool
	array   bool
	values  []string
}

// has reports whether the element is present and, if an array, non-empty.
func (l rawList) has() bool { return l.present && (!l.array || len(l.values) > 0) }

// rawBlock is one condition operator with its keys, sorted by key so that
// parsing is deterministic.
type rawBlock struct {
	op   string
	keys []rawKey
}

type rawKey struct {
	key    string
	values []string
}

func malformed(msg string) *ParseError { return &ParseError{Msg: msg} }

// check runs IAM's checks in IAM's order and returns the first failure.
func check(doc string) (*rawDoc, *ParseError) {
	v, ok := decodeJSON(doc)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	d, ok := readDoc(v)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	for i := range d.statements {
		if d.statements[i].principal {
			return nil, malformed(msgPrincipal)
		}
	}
	if !legacyStatements(d) {
		return nil, malformed(msgLegacy)
	}
	// IAM checks resource formats here but reports a bad format only after
	// the SID, action and resource presence checks; only the legacy part of
	// the resource check fails straight away.
	resourceErr, ok := checkResources(d)
	if !ok {
		return nil, malformed(msgLegacy)
	}
	seen := map[string]bool{}
	for _, st := range d.statements {
		if st.sid == "" {
			continue
		}
		if seen[st.sid] {
			return nil, malformed(msgSidUnique)
		}
		seen[st.sid] = true
	}
	for _, st := range d.statements {
		if !st.action.has() && !st.notAction.has() {
			return nil, malformed(msgNoActions)
		}
	}
	for _, st := range d.statements {
		if !st.resource.has() && !st.notResource.has() {
			return nil, malformed(msgNoResources)
		}
	}
	if resourceErr != "" {
		return nil, malformed(resourceErr)
	}
	for _, pick := range []func(*rawStatement) rawList{
		func(s *rawStatement) rawList { return s.action },
		func(s *rawStatement) rawList { return s.notAction },
	} {
		for i := range d.statements {
			for _, a := range pick(&d.statements[i]).values {
				if msg := actionError(a); msg != "" {
					return nil, malformed(msg)
				}
			}
		}
	}
	return d, nil
}

// decodeJSON reads exactly one JSON value, keeping numbers as written.
func decodeJSON(doc string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// readDoc applies the policy grammar; anything outside it is a syntax
// error to IAM.
func readDoc(v any) (*rawDoc, bool) {
	top, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	d := &rawDoc{version: version2008}
	for k, val := range top {
		switch k {
		case "Version":
			s, ok := val.(string)
			if !ok || (s != version2008 && s != version2012) {
				return nil, false
			}
			d.version = s
		case "Id":
			if _, ok := val.(string); !ok {
				return nil, false
			}
		case "Statement":
		default:
			return nil, false
		}
	}
	var list []any
	switch st := top["Statement"].(type) {
	case map[string]any:
		list = []any{st}
	case []any:
		list = st
	default:
		return nil, false
	}
	if len(list) == 0 {
		return nil, false
	}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		st, ok := readStatement(m)
		if !ok {
			return nil, false
		}
		d.statements = append(d.statements, st)
	}
	return d, true
}

func readStatement(m map[string]any) (rawStatement, bool) {
	var st rawStatement
	_, hasAction := m["Action"]
	_, hasNotAction := m["NotAction"]
	_, hasResource := m["Resource"]
	_, hasNotResource := m["NotResource"]
	if (hasAction && hasNotAction) || (hasResource && hasNotResource) {
		return st, false
	}
	effect, ok := m["Effect"].(string)
	if !ok || (!strings.EqualFold(effect, "Allow") && !strings.EqualFold(effect, "Deny")) {
		return st, false
	}
	st.effect = effect
	for k, val := range m {
		switch k {
		case "Effect":
		case "Sid":
			if st.sid, ok = val.(string); !ok {
				return st, false
			}
		case "Action":
			st.action, ok = readList(val)
		case "NotAction":
			st.notAction, ok = readList(val)
		case "Resource":
			st.resource, ok = readList(val)
		case "NotResource":
			st.notResource, ok = readList(val)
		case "Condition":
			st.conditions, ok = readConditions(val)
		case "Principal", "NotPrincipal":
			st.principal = true
		default:
			return st, false
		}
		if !ok {
			return st, false
		}
	}
	return st, true
}

func readList(v any) (rawList, bool) {
	switch v := v.(type) {
	case string:
		return rawList{present: true, values: []string{v}}, true
	case []any:
		l := rawList{present: true, array: true, values: make([]string, 0, len(v))}
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return rawList{}, false
			}
			l.values = append(l.values, s)
		}
		return l, true
	}
	return rawList{}, false
}

// readConditions reads a Condition element. An operator IAM does not know
// is a syntax error unless its block is empty, which IAM lets pass.
func readConditions(v any) ([]rawBlock, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	blocks := make([]rawBlock, 0, len(m))
	for op, bv := range m {
		bm, ok := bv.(map[string]any)
		if !ok {
			return nil, false
		}
		b := rawBlock{op: op}
		for key, kv := range bm {
			values, ok := readConditionValues(kv)
			if !ok {
				return nil, false
			}
			b.keys = append(b.keys, rawKey{key: key, values: values})
		}
		if base, _, _ := splitOperator(op); len(bm) > 0 {
			if _, known := operators[base]; !known {
				return nil, false
			}
		}
		slices.SortFunc(b.keys, func(x, y rawKey) int { return strings.Compare(x.key, y.key) })
		blocks = append(blocks, b)
	}
	slices.SortFunc(blocks, func(x, y rawBlock) int { return strings.Compare(x.op, y.op) })
	return blocks, true
}

// readConditionValues reads a condition key's value: a string, number or
// boolean, or an array of them (the policy grammar's condition_value).
func readConditionValues(v any) ([]string, bool) {
	one := func(v any) (string, bool) {
		switch v := v.(type) {
		case string:
			return v, true
		case json.Number:
			return v.String(), true
		case bool:
			if v {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := one(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := one(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

// legacyStatements is the first half of IAM's legacy parse: Effect must be
// spelt exactly Allow or Deny, and Date condition values must be dates.
func legacyStatements(d *rawDoc) bool {
	for _, st := range d.statements {
		if st.effect != "Allow" && st.effect != "Deny" {
			return false
		}
		for _, b := range st.conditions {
			base, _, _ := splitOperator(b.op)
			if op, ok := operators[base]; !ok || op.fam != famDate {
				continue
			}
			for _, k := range b.keys {
				for _, v := range k.values {
					if _, ok := parseDate(v); !ok {
						return false
					}
				}
			}
		}
	}
	return true
}

// checkResources checks every Resource, then every NotResource. It returns
// the format error IAM reports later (the last one found, resources within
// an element taken in descending order, as IAM does) and false when the
// legacy parse of resources fails, which IAM checks only while no format
// error has been found.
func checkResources(d *rawDoc) (string, bool) {
	vars := d.version == version2012
	var formatErr string
	for _, pick := range []func(*rawStatement) rawList{
		func(s *rawStatement) rawList { return s.resource },
		func(s *rawStatement) rawList { return s.notResource },
	} {
		for i := range d.statements {
			l := pick(&d.statements[i])
			if !l.present {
				continue
			}
			ordered := slices.Clone(l.values)
			slices.Sort(ordered)
			slices.Reverse(ordered)
			for _, r := range ordered {
				if msg := resourceError(r, vars); msg != "" {
					formatErr = msg
				}
			}
			if formatErr != "" {
				continue
			}
			for _, r := range l.values {
				if !legacyResource(hideVarColons(r, vars)) {
					return formatErr, false
				}
			}
		}
	}
	return formatErr, true
}

// varColon stands in for a colon inside a policy variable while a resource
// is split into ARN parts: arn:aws:iam::${aws:PrincipalAccount}:user/x has
// six parts, not seven.
const varColon = "\x00"

// hideVarColons replaces the colons inside ${...} with varColon when the
// document's version has policy variables.
func hideVarColons(r string, vars bool) string {
	if !vars || !strings.Contains(r, "${") {
		return r
	}
	var b strings.Builder
	for {
		start := strings.Index(r, "${")
		if start < 0 {
			break
		}
		end := strings.IndexByte(r[start:], '}')
		if end < 0 {
			break
		}
		b.WriteString(r[:start])
		b.WriteString(strings.ReplaceAll(r[start:start+end+1], ":", varColon))
		r = r[start+end+1:]
	}
	b.WriteString(r)
	return b.String()
}

// resourceError returns IAM's message for a Resource that is not "*" or a
// well-formed ARN in the aws partition, or "" when it is acceptable.
func resourceError(r string, vars bool) string {
	if r == "*" {
		return ""
	}
	_, rest, ok := strings.Cut(hideVarColons(r, vars), ":")
	if !ok {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	partition, rest, ok := strings.Cut(rest, ":")
	if partition != "aws" && partition != "*" {
		// IAM shows the ARN it understood, with "*" for each missing part.
		parts := strings.Split(rest, ":")
		at := func(i int) string {
			if i < len(parts) && (i > 0 || parts[0] != "" || len(parts) > 1) {
				return parts[i]
			}
			return "*"
		}
		last := "*"
		if len(parts) > 3 {
			last = strings.Join(parts[3:], ":")
		}
		msg := fmt.Sprintf("Partition \"%s\" is not valid for resource \"arn:%s:%s:%s:%s:%s\".",
			partition, partition, at(0), at(1), at(2), last)
		return strings.ReplaceAll(msg, varColon, ":")
	}
	if !ok {
		return msgVendorRegex
	}
	service, rest, _ := strings.Cut(rest, ":")
	if !strings.HasPrefix(rest, ":") {
		switch service {
		case "iam":
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		case "s3":
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	}
	if service == "iam" {
		_, rest, _ = strings.Cut(rest, ":") // region
		_, rest, _ = strings.Cut(rest, ":") // account
		if rest != "*" && !hasAnyPrefix(rest, iamResourcePrefixes) {
			return "IAM resource path must either be \"*\" or start with " + strings.Join(iamResourcePrefixes, ", ") + "."
		}
	}
	return ""
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// legacyResource is the legacy parse of one resource: an ARN with an empty
// part must still have all six parts, and its service must not be empty.
func legacyResource(r string) bool {
	if r == "*" {
		return true
	}
	if strings.Count(r, ":") < 5 && strings.Contains(r, "::") {
		return false
	}
	parts := strings.SplitN(r, ":", 4)
	return len(parts) >= 3 && parts[2] != ""
}

// actionError returns IAM's message for an Action or NotAction entry that
// is not "*" or vendor:action, or "".
func actionError(a string) string {
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1 && parts[0] != "*":
		return msgNoVendor
	case len(parts) > 2:
		return msgOneColon
	}
	vendor := parts[0]
	if vendor == "*" {
		return ""
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return fmt.Sprintf("Vendor %s is not valid", vendor)
		}
	}
	return ""
}
