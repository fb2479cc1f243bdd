package policy

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// family groups the condition operators that read values the same way.
type family uint8

const (
	famString family = iota
	famStringIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

// comparison is the ordering a Numeric or Date operator asks for.
type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

func (c comparison) holds(order int) bool {
	switch c {
	case cmpLt:
		return order < 0
	case cmpLe:
		return order <= 0
	case cmpGt:
		return order > 0
	case cmpGe:
		return order >= 0
	}
	return order == 0
}

// operator describes one base condition operator.
type operator struct {
	fam family
	cmp comparison
	// negated operators (StringNotEquals, NotIpAddress…) hold when the
	// request value matches none of the policy values (IAM's logical NOR),
	// and when the key is absent.
	negated bool
}

// operators are the condition operators IAM accepts, before the IfExists
// suffix and the ForAllValues:/ForAnyValue: prefixes (IAM User Guide,
// "IAM JSON policy elements: Condition operators").
var operators = map[string]operator{
	"StringEquals":              {fam: famString},
	"StringNotEquals":           {fam: famString, negated: true},
	"StringEqualsIgnoreCase":    {fam: famStringIgnoreCase},
	"StringNotEqualsIgnoreCase": {fam: famStringIgnoreCase, negated: true},
	"StringLike":                {fam: famStringLike},
	"StringNotLike":             {fam: famStringLike, negated: true},
	"NumericEquals":             {fam: famNumeric, cmp: cmpEq},
	"NumericNotEquals":          {fam: famNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {fam: famNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {fam: famNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {fam: famNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {fam: famNumeric, cmp: cmpGe},
	"DateEquals":                {fam: famDate, cmp: cmpEq},
	"DateNotEquals":             {fam: famDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {fam: famDate, cmp: cmpLt},
	"DateLessThanEquals":        {fam: famDate, cmp: cmpLe},
	"DateGreaterThan":           {fam: famDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {fam: famDate, cmp: cmpGe},
	"Bool":                      {fam: famBool},
	"BinaryEquals":              {fam: famBinary},
	"IpAddress":                 {fam: famIP},
	"NotIpAddress":              {fam: famIP, negated: true},
	"ArnEquals":                 {fam: famARN},
	"ArnLike":                   {fam: famARN},
	"ArnNotEquals":              {fam: famARN, negated: true},
	"ArnNotLike":                {fam: famARN, negated: true},
	"Null":                      {fam: famNull},
}

// setMode is the set operator prefixed to a condition operator.
type setMode uint8

const (
	setNone setMode = iota
	setForAll
	setForAny
)

// splitOperator strips one set prefix and one IfExists suffix from a
// condition operator as written, the way IAM reads it: the prefix is
// matched first, then the suffix, each at most once.
func splitOperator(name string) (base string, set setMode, ifExists bool) {
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		name, set = name[len("ForAnyValue:"):], setForAny
	case strings.HasPrefix(name, "ForAllValues:"):
		name, set = name[len("ForAllValues:"):], setForAll
	}
	if b, ok := strings.CutSuffix(name, "IfExists"); ok {
		name, ifExists = b, true
	}
	return name, set, ifExists
}

// condition is one context key tested by one operator.
type condition struct {
	op       operator
	set      setMode
	ifExists bool
	key      string
	values   []condValue
}

// condValue is one policy value, read once at parse time as the operator's
// type. ok is false for a value that cannot be read that way; such a value
// matches nothing.
type condValue struct {
	pat    pattern // string and ARN families
	num    float64
	at     instant
	prefix netip.Prefix
	bin    []byte
	b      bool // Bool, and Null's true/false
	ok     bool
}

// newCondition compiles one key's values for op. vars says whether the
// document's version expands policy variables.
func newCondition(op operator, set setMode, ifExists bool, key string, raw []string, vars bool) condition {
	c := condition{op: op, set: set, ifExists: ifExists, key: key, values: make([]condValue, len(raw))}
	for i, s := range raw {
		v := &c.values[i]
		v.ok = true
		switch op.fam {
		case famString, famStringIgnoreCase:
			v.pat = compile(s, compileOpts{vars: vars})
		case famStringLike:
			v.pat = compile(s, compileOpts{wildcards: true, vars: vars})
		case famARN:
			v.pat = compile(s, compileOpts{wildcards: true, vars: vars, arn: true})
		case famNumeric:
			v.num, v.ok = parseNumber(s)
		case famDate:
			v.at, v.ok = parseDate(s)
		case famBool:
			v.b, v.ok = parseBool(s)
		case famNull:
			v.b, v.ok = parseBool(s)
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(s)
			v.bin, v.ok = b, err == nil
		case famIP:
			v.prefix, v.ok = parseCIDR(s)
		}
	}
	return c
}

// eval decides the condition against the request context, following the
// IAM User Guide ("Condition operators", "Conditions with multiple context
// keys or values", "Set operators for multivalued context keys"):
//   - Null tests only whether the key is present;
//   - an absent key satisfies …IfExists and ForAllValues:, fails
//     ForAnyValue:, and otherwise satisfies only negated operators;
//   - a key's policy values are ORed, or NORed for negated operators;
//   - ForAllValues: needs every request value to satisfy that, ForAnyValue:
//     at least one; without a set operator a positive operator needs one
//     request value to match and a negated one needs none to.
func (c *condition) eval(ctx map[string][]string) bool {
	vals := lookup(ctx, c.key)
	present := len(vals) > 0
	if c.op.fam == famNull {
		if !present && c.ifExists {
			return true
		}
		for i := range c.values {
			if v := &c.values[i]; v.ok && v.b != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAll:
			return true
		case c.set == setForAny:
			return false
		}
		return c.op.negated
	}
	switch c.set {
	case setForAll:
		for _, v := range vals {
			if !c.satisfied(v, ctx) {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range vals {
			if c.satisfied(v, ctx) {
				return true
			}
		}
		return false
	}
	if c.op.negated {
		for _, v := range vals {
			if !c.satisfied(v, ctx) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.satisfied(v, ctx) {
			return true
		}
	}
	return false
}

// satisfied reports whether one request value satisfies the operator: for a
// positive operator it matches some policy value, for a negated one it is
// comparable with and differs from every policy value.
func (c *condition) satisfied(v string, ctx map[string][]string) bool {
	req, ok := c.readRequestValue(v)
	if c.op.negated {
		if !ok {
			return false
		}
		for i := range c.values {
			if match, comparable := c.test(req, &c.values[i], ctx); match || !comparable {
				return false
			}
		}
		return true
	}
	if !ok {
		return false
	}
	for i := range c.values {
		if match, _ := c.test(req, &c.values[i], ctx); match {
			return true
		}
	}
	return false
}

// requestValue is a request's context value read as the operator's type.
type requestValue struct {
	s    string
	num  float64
	at   instant
	addr netip.Addr
	b    bool
	bin  []byte
}

func (c *condition) readRequestValue(s string) (requestValue, bool) {
	r := requestValue{s: s}
	ok := true
	switch c.op.fam {
	case famNumeric:
		r.num, ok = parseNumber(s)
	case famDate:
		r.at, ok = parseDate(s)
	case famBool:
		r.b, ok = parseBool(s)
	case famBinary:
		b, err := base64.StdEncoding.DecodeString(s)
		r.bin, ok = b, err == nil
	case famIP:
		a, err := netip.ParseAddr(s)
		r.addr, ok = a.Unmap().WithZone(""), err == nil
	}
	return r, ok
}

// test compares one request value with one policy value. comparable is
// false when the policy value could not be read as the operator's type.
func (c *condition) test(r requestValue, v *condValue, ctx map[string][]string) (match, comparable bool) {
	if !v.ok {
		return false, false
	}
	switch c.op.fam {
	case famString:
		lit, ok := v.pat.literal(ctx)
		return ok && lit == r.s, true
	case famStringIgnoreCase:
		lit, ok := v.pat.literal(ctx)
		return ok && strings.EqualFold(lit, r.s), true
	case famStringLike, famARN:
		return v.pat.match(r.s, ctx), true
	case famNumeric:
		order := 0
		if r.num < v.num {
			order = -1
		} else if r.num > v.num {
			order = 1
		}
		return c.op.cmp.holds(order), true
	case famDate:
		return c.op.cmp.holds(r.at.compare(v.at)), true
	case famBool:
		return r.b == v.b, true
	case famBinary:
		return string(r.bin) == string(v.bin), true
	case famIP:
		return v.prefix.Contains(r.addr), true
	}
	return false, false
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseCIDR reads an IpAddress value: a CIDR block, or a single address
// standing for itself. Host bits in a block are ignored, as AWS does.
func parseCIDR(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		p = p.Masked()
		if p.Addr().Is4In6() {
			return netip.Prefix{}, false
		}
		return p, true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// lookup returns a context key's values. Context keys are case-insensitive
// in IAM; the exact spelling is tried first because callers normally use
// AWS's.
func lookup(ctx map[string][]string, key string) []string {
	if v, ok := ctx[key]; ok {
		return v
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}
