package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// FilterPolicy is a parsed subscription filter policy: every key must
// match (AND); within a key's list any condition may match (OR).
type FilterPolicy struct {
	root *policyNode
}

// policyNode is one object level of a policy: leaf conditions by key,
// and nested objects (MessageBody scope only).
type policyNode struct {
	leaves map[string][]condition
	nested map[string]*policyNode
}

// condition is one element of a key's list.
type condition struct {
	kind   string // exact, prefix, suffix, ignorecase, anythingbut, anythingbutprefix, numeric, exists, cidr
	str    string
	num    float64
	isNum  bool
	isNull bool
	isBool bool
	b      bool
	strs   []string
	nums   []float64
	lo, hi float64 // numeric bounds
	loInc  bool
	hiInc  bool
	prefix netip.Prefix
}

// Limits SNS puts on a policy.
const (
	maxPolicyKeys         = 5
	maxPolicyCombinations = 150
	maxPolicyBytes        = 256 * 1024
)

// ParseFilterPolicy parses a filter policy for the MessageAttributes
// scope (flat) or, with body set, the MessageBody scope (nested). The
// error text is the reason SNS gives after "FilterPolicy: ".
func ParseFilterPolicy(policy string, body bool) (*FilterPolicy, error) {
	if len(policy) > maxPolicyBytes {
		return nil, errors.New("Filter policy is too big")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(policy)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, errors.New("failed to parse JSON.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("Filter policy must be a JSON object")
	}
	var keys, combos int
	combos = 1
	root, err := parseNode(obj, body, 1, &keys, &combos)
	if err != nil {
		return nil, err
	}
	if keys > maxPolicyKeys {
		return nil, errors.New("Filter policy can not have more than 5 keys")
	}
	if combos > maxPolicyCombinations {
		return nil, errors.New("Filter policy is too complex")
	}
	return &FilterPolicy{root: root}, nil
}

func parseNode(obj map[string]any, body bool, depth int, keys, combos *int) (*policyNode, error) {
	n := &policyNode{leaves: map[string][]condition{}, nested: map[string]*policyNode{}}
	if len(obj) == 0 {
		return nil, errors.New("Filter policy can not be empty")
	}
	for k, v := range obj {
		switch v := v.(type) {
		case []any:
			if len(v) == 0 {
				return nil, errors.New("Empty arrays are not allowed")
			}
			*keys++
			*combos *= len(v) * depth
			for _, e := range v {
				c, err := parseCondition(e)
				if err != nil {
					return nil, err
				}
				n.leaves[k] = append(n.leaves[k], c)
			}
		case map[string]any:
			if !body {
				return nil, errors.New(`"` + k + `" must be an object or an array`)
			}
			child, err := parseNode(v, body, depth+1, keys, combos)
			if err != nil {
				return nil, err
			}
			n.nested[k] = child
		default:
			return nil, errors.New(`"` + k + `" must be an object or an array`)
		}
	}
	return n, nil
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.Abs(f) > 1e9 {
		return 0, false
	}
	return f, true
}

func parseCondition(e any) (condition, error) {
	switch e := e.(type) {
	case string:
		return condition{kind: "exact", str: e}, nil
	case json.Number:
		f, ok := number(e)
		if !ok {
			return condition{}, errors.New("Numeric values must be within -1.0E9 and 1.0E9")
		}
		return condition{kind: "exact", num: f, isNum: true}, nil
	case bool:
		return condition{kind: "exact", isBool: true, b: e}, nil
	case nil:
		return condition{kind: "exact", isNull: true}, nil
	case map[string]any:
		if len(e) != 1 {
			return condition{}, errors.New("Only one key allowed in match expression")
		}
		for op, arg := range e {
			return parseOperator(op, arg)
		}
	}
	return condition{}, errors.New("Match value must be String, number, true, false, or null")
}

func parseOperator(op string, arg any) (condition, error) {
	str := func() (string, error) {
		s, ok := arg.(string)
		if !ok {
			return "", fmt.Errorf("%s match pattern must be a string", op)
		}
		return s, nil
	}
	switch op {
	case "prefix", "suffix", "equals-ignore-case":
		s, err := str()
		if err != nil {
			return condition{}, err
		}
		kind := map[string]string{"prefix": "prefix", "suffix": "suffix", "equals-ignore-case": "ignorecase"}[op]
		return condition{kind: kind, str: s}, nil
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return condition{}, errors.New("exists match pattern must be either true or false.")
		}
		return condition{kind: "exists", b: b}, nil
	case "cidr":
		s, err := str()
		if err != nil {
			return condition{}, err
		}
		p, perr := netip.ParsePrefix(s)
		if perr != nil {
			return condition{}, errors.New("Malformed CIDR, one '/' required")
		}
		return condition{kind: "cidr", prefix: p.Masked()}, nil
	case "anything-but":
		c := condition{kind: "anythingbut"}
		switch a := arg.(type) {
		case string:
			c.strs = []string{a}
		case json.Number:
			f, ok := number(a)
			if !ok {
				return c, errors.New("Numeric values must be within -1.0E9 and 1.0E9")
			}
			c.nums = []float64{f}
		case []any:
			if len(a) == 0 {
				return c, errors.New("Empty arrays are not allowed")
			}
			for _, x := range a {
				switch x := x.(type) {
				case string:
					c.strs = append(c.strs, x)
				case json.Number:
					f, ok := number(x)
					if !ok {
						return c, errors.New("Numeric values must be within -1.0E9 and 1.0E9")
					}
					c.nums = append(c.nums, f)
				default:
					return c, errors.New("Value of anything-but must be an array or single string/number value.")
				}
			}
			if len(c.strs) > 0 && len(c.nums) > 0 {
				return c, errors.New("Inside anything but list, start|null|boolean is not supported.")
			}
		case map[string]any:
			p, ok := a["prefix"].(string)
			if len(a) != 1 || !ok {
				return c, errors.New("Unsupported anything-but pattern")
			}
			return condition{kind: "anythingbutprefix", str: p}, nil
		default:
			return c, errors.New("Value of anything-but must be an array or single string/number value.")
		}
		return c, nil
	case "numeric":
		a, ok := arg.([]any)
		if !ok || len(a) == 0 || len(a)%2 != 0 || len(a) > 4 {
			return condition{}, errors.New("Value of numeric must be an array.")
		}
		c := condition{kind: "numeric", lo: math.Inf(-1), hi: math.Inf(1)}
		var haveLo, haveHi bool
		for i := 0; i < len(a); i += 2 {
			o, ok := a[i].(string)
			if !ok {
				return c, errors.New("Value of numeric must be an array.")
			}
			f, ok := number(a[i+1])
			if !ok {
				return c, fmt.Errorf("Value of %s must be numeric", o)
			}
			switch o {
			case "=":
				if len(a) != 2 {
					return c, errors.New("Bad numeric range operator: =")
				}
				c.lo, c.hi, c.loInc, c.hiInc = f, f, true, true
				haveLo, haveHi = true, true
			case ">", ">=":
				if haveLo {
					return c, errors.New("Bad numeric range operator: " + o)
				}
				c.lo, c.loInc, haveLo = f, o == ">=", true
			case "<", "<=":
				if haveHi {
					return c, errors.New("Bad numeric range operator: " + o)
				}
				c.hi, c.hiInc, haveHi = f, o == "<=", true
			default:
				return c, errors.New("Unrecognized numeric range operator: " + o)
			}
		}
		if c.lo > c.hi || (c.lo == c.hi && !(c.loInc && c.hiInc)) {
			return c, errors.New("Bottom must be less than top")
		}
		return c, nil
	}
	return condition{}, errors.New("Unrecognized match type " + op)
}

// value is one value a condition is tested against: a string, a number,
// a boolean or null, as JSON types them.
type value struct {
	str    string
	num    float64
	isStr  bool
	isNum  bool
	isBool bool
	b      bool
	isNull bool
}

func (c *condition) matches(v value) bool {
	switch c.kind {
	case "exact":
		switch {
		case c.isNum:
			return v.isNum && v.num == c.num
		case c.isBool:
			return v.isBool && v.b == c.b
		case c.isNull:
			return v.isNull
		}
		return v.isStr && v.str == c.str
	case "prefix":
		return v.isStr && strings.HasPrefix(v.str, c.str)
	case "suffix":
		return v.isStr && strings.HasSuffix(v.str, c.str)
	case "ignorecase":
		return v.isStr && strings.EqualFold(v.str, c.str)
	case "anythingbut":
		if v.isStr {
			for _, s := range c.strs {
				if s == v.str {
					return false
				}
			}
			return true
		}
		if v.isNum {
			for _, n := range c.nums {
				if n == v.num {
					return false
				}
			}
			return true
		}
		return true
	case "anythingbutprefix":
		return !v.isStr || !strings.HasPrefix(v.str, c.str)
	case "numeric":
		if !v.isNum {
			return false
		}
		if v.num < c.lo || (v.num == c.lo && !c.loInc) {
			return false
		}
		return v.num < c.hi || (v.num == c.hi && c.hiInc)
	case "cidr":
		if !v.isStr {
			return false
		}
		a, err := netip.ParseAddr(v.str)
		return err == nil && c.prefix.Contains(a)
	}
	return false
}

// matchValues applies a key's conditions to the values found for it (nil
// when the key is absent).
func matchValues(conds []condition, vals []value, present bool) bool {
	for i := range conds {
		c := &conds[i]
		if c.kind == "exists" {
			if c.b == present {
				return true
			}
			continue
		}
		for _, v := range vals {
			if c.matches(v) {
				return true
			}
		}
	}
	return false
}

// Attribute is a message attribute as filter policies see it.
type Attribute struct {
	DataType string
	Value    string
}

// MatchAttributes applies a MessageAttributes-scope policy. Binary
// attributes are not compared; a String.Array matches when any element
// does.
func (p *FilterPolicy) MatchAttributes(attrs map[string]Attribute) bool {
	for k, conds := range p.root.leaves {
		a, ok := attrs[k]
		var vals []value
		if ok {
			switch {
			case a.DataType == "String" || strings.HasPrefix(a.DataType, "String."):
				if a.DataType == "String.Array" {
					var arr []any
					dec := json.NewDecoder(strings.NewReader(a.Value))
					dec.UseNumber()
					if dec.Decode(&arr) == nil {
						for _, e := range arr {
							vals = append(vals, jsonValue(e)...)
						}
						break
					}
				}
				vals = []value{{str: a.Value, isStr: true}}
			case a.DataType == "Number" || strings.HasPrefix(a.DataType, "Number."):
				f, err := strconv.ParseFloat(a.Value, 64)
				if err == nil {
					vals = []value{{num: f, isNum: true}}
				}
			default:
				ok = false // Binary
			}
		}
		if !matchValues(conds, vals, ok) {
			return false
		}
	}
	return true
}

func jsonValue(e any) []value {
	switch e := e.(type) {
	case string:
		return []value{{str: e, isStr: true}}
	case json.Number:
		f, err := e.Float64()
		if err != nil {
			return nil
		}
		return []value{{num: f, isNum: true}}
	case bool:
		return []value{{isBool: true, b: e}}
	case nil:
		return []value{{isNull: true}}
	case []any:
		var out []value
		for _, x := range e {
			out = append(out, jsonValue(x)...)
		}
		return out
	}
	return nil // objects are not leaf values
}

// MatchBody applies a MessageBody-scope policy to a message; a message
// that is not a JSON object matches no policy.
func (p *FilterPolicy) MatchBody(message string) bool {
	dec := json.NewDecoder(strings.NewReader(message))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return false
	}
	return matchNode(p.root, doc)
}

func matchNode(n *policyNode, doc map[string]any) bool {
	for k, conds := range n.leaves {
		v, present := doc[k]
		if _, isObj := v.(map[string]any); isObj {
			// An object is not a leaf: only exists:false can match it.
			present = false
		}
		if !matchValues(conds, jsonValue(v), present) {
			return false
		}
	}
	for k, child := range n.nested {
		switch v := doc[k].(type) {
		case map[string]any:
			if !matchNode(child, v) {
				return false
			}
		case []any:
			ok := false
			for _, e := range v {
				if m, isObj := e.(map[string]any); isObj && matchNode(child, m) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		default:
			if !matchNode(child, map[string]any{}) {
				return false
			}
		}
	}
	return true
}
