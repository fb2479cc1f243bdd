package filterpattern

import (
	"strconv"
	"strings"
)

// cmpOp is a comparison operator of a JSON or space-delimited condition.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func (o cmpOp) String() string {
	return [...]string{"=", "!=", "<", "<=", ">", ">="}[o]
}

// valueKind says how a valueTest reads its operand.
type valueKind uint8

const (
	vAny    valueKind = iota // '*': any value at all
	vString                  // text, with '*' wildcards at either end
	vNumber                  // a number; text holds it as written
	vRegex                   // %regex%
)

// valueTest is one condition on one value: a JSON scalar or a field of a
// space-delimited event.
type valueTest struct {
	op   cmpOp
	kind valueKind
	// text is the literal for vString, without the wildcard stars, and
	// the number as written for vNumber.
	text string
	// prefix and suffix mark a vString that began or ended with '*'.
	prefix, suffix bool
	num            float64
	re             *regexTerm
}

// stringTest builds the test for a string operand. Only a leading and a
// trailing '*' are wildcards: "*Event will match PutEvent and GetEvent.
// Event* will match EventId and EventName. Ev*ent will only match the
// actual string Ev*ent" (UG23). A lone '*' matches any value.
func stringTest(op cmpOp, s string) valueTest {
	if strings.Trim(s, "*") == "" && s != "" {
		return valueTest{op: op, kind: vAny}
	}
	v := valueTest{op: op, kind: vString, text: s}
	if strings.HasPrefix(v.text, "*") {
		v.prefix = true
		v.text = v.text[1:]
	}
	if strings.HasSuffix(v.text, "*") {
		v.suffix = true
		v.text = v.text[:len(v.text)-1]
	}
	return v
}

// match applies the test to the text of a present value. A value compared
// to a number is read as a number when it is one, whether the event wrote
// it as a JSON number or a string: { $.status = 401 } matches
// "status":"401" (unverified; the documentation only shows JSON numbers).
// != is the negation of = on a present value.
func (v *valueTest) match(text string) bool {
	switch v.kind {
	case vAny:
		return v.op == opEq
	case vString:
		return v.wild(text) == (v.op == opEq)
	case vRegex:
		return v.re.match(text) == (v.op == opEq)
	}
	switch v.op {
	case opEq:
		return v.numEqual(text)
	case opNe:
		return !v.numEqual(text)
	}
	f, ok := parseFloat(text)
	if !ok {
		return false
	}
	switch v.op {
	case opLt:
		return f < v.num
	case opLe:
		return f <= v.num
	case opGt:
		return f > v.num
	default:
		return f >= v.num
	}
}

func (v *valueTest) wild(text string) bool {
	switch {
	case v.prefix && v.suffix:
		return strings.Contains(text, v.text)
	case v.prefix:
		return strings.HasSuffix(text, v.text)
	case v.suffix:
		return strings.HasPrefix(text, v.text)
	}
	return text == v.text
}

func (v *valueTest) numEqual(text string) bool {
	if text == v.text {
		return true
	}
	f, ok := parseFloat(text)
	return ok && f == v.num
}

// isNumber reports whether s is a number as filter patterns write them:
// "an integer with an optional + or - sign, a decimal with an optional +
// or - sign, or a number in scientific notation" (UG23).
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseFloat reads s as a number if isNumber accepts it. Checking first
// keeps the hot path free of the error strconv allocates for non-numbers.
func parseFloat(s string) (float64, bool) {
	if !isNumber(s) {
		return 0, false
	}
	// Only out-of-range exponents fail here, and ParseFloat then returns
	// the infinity or zero that compares as such a number would.
	f, _ := strconv.ParseFloat(s, 64)
	return f, true
}
