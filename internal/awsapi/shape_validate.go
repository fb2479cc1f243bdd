package awsapi

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Violation is one broken constraint.
type Violation struct {
	// Path is the member path as AWS prints it: lower-first member names
	// joined by '.', list elements as name.N.member (1-based).
	Path string
	// Value is the offending value as AWS prints it; empty when Null or
	// Redacted.
	Value string
	// Null marks a missing required member ("Value null at …").
	Null bool
	// Redacted marks a sensitive member, whose value AWS leaves out of the
	// message ("Value at 'password' …").
	Redacted bool
	// Constraint is the sentence after "failed to satisfy constraint: ".
	Constraint string
}

// String is the violation as it appears in the message:
// Value 'x' at 'path' failed to satisfy constraint: ….
func (v Violation) String() string {
	var b strings.Builder
	b.WriteString("Value ")
	switch {
	case v.Null:
		b.WriteString("null ")
	case v.Redacted:
	default:
		b.WriteString("'" + v.Value + "' ")
	}
	b.WriteString("at '" + v.Path + "' failed to satisfy constraint: " + v.Constraint)
	return b.String()
}

// ValidationError lists every constraint an input breaks. Its Error text is
// AWS's (Coral's) validation message, word for word.
type ValidationError struct {
	Violations []Violation
}

// Error is "N validation error(s) detected: " and the violations joined
// by "; ".
func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Violations)
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// AWSError returns the error a client sees: code is the service's
// validation code (Service.ValidationCode), status 400.
func (e *ValidationError) AWSError(code string) *awserr.Error {
	return &awserr.Error{Code: code, Message: e.Error(), Status: http.StatusBadRequest}
}

// Validate checks in, a pointer to a shape struct, against its constraint
// tags and returns nil or a *ValidationError listing every violation in
// member order. Absent members (see IsSet) are checked only for required;
// present ones for length, value range, pattern and enum, recursing into
// structures, lists and maps. An input that is not a shape is a bug: Validate
// returns a plain error for it.
func Validate(in any) error {
	v := reflect.ValueOf(in)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	s, err := ShapeOf(v.Type())
	if err != nil {
		return err
	}
	x := validator{}
	x.structure(s, v)
	if len(x.vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: x.vs}
}

// validator walks an input. path is where it is, kept as a stack and
// spelled out only when a violation names it: validating PutLogEvents'
// 10,000 events or PutMetricData's 1,000 datums would otherwise build
// thousands of paths ("logEvents.17.member.message") that nobody reads.
type validator struct {
	vs   []Violation
	path []pathSeg
}

// pathSeg is a member name or map key, or (seg "") a 1-based list index.
type pathSeg struct {
	seg   string
	index int
}

// pathString is the path as AWS prints it: segments joined by '.', list
// elements as N.member.
func (x *validator) pathString() string {
	var b strings.Builder
	for i, p := range x.path {
		if i > 0 {
			b.WriteByte('.')
		}
		if p.seg != "" || p.index == 0 {
			b.WriteString(p.seg)
			continue
		}
		b.WriteString(strconv.Itoa(p.index))
		b.WriteString(".member")
	}
	return b.String()
}

func (x *validator) structure(s *Shape, v reflect.Value) {
	for _, m := range s.Members {
		f := m.Field(v)
		x.path = append(x.path, pathSeg{seg: m.LowerName})
		if !IsSet(m.Type, f) {
			if m.Required {
				x.vs = append(x.vs, Violation{Path: x.pathString(), Null: true, Constraint: "Member must not be null"})
			}
		} else {
			x.value(m, m.Type, Deref(m.Type, f))
		}
		x.path = x.path[:len(x.path)-1]
	}
}

// add records a violation of the value v of member m (of type t) at the
// current path.
func (x *validator) add(m *Member, t *Type, v reflect.Value, constraint string) {
	viol := Violation{Path: x.pathString(), Constraint: constraint}
	if m.Sensitive {
		viol.Redacted = true
	} else {
		viol.Value = formatValue(t, v)
	}
	x.vs = append(x.vs, viol)
}

// value checks a present value of member m. For list elements m is still
// the list's member (its pattern and enum apply to string elements) while
// t is the element type.
func (x *validator) value(m *Member, t *Type, v reflect.Value) {
	isElem := t != m.Type
	switch t.Kind {
	case KindString:
		s := v.String()
		if !isElem {
			x.checkLength(m, t, v, float64(javaLength(s)))
		}
		if m.Pattern != "" && !m.MatchPattern(s) {
			x.add(m, t, v, "Member must satisfy regular expression pattern: "+m.Pattern)
		}
		if m.Enum != nil && !slices.Contains(m.Enum, s) {
			x.add(m, t, v, "Member must satisfy enum value set: ["+strings.Join(m.Enum, ", ")+"]")
		}
	case KindBlob:
		if !isElem {
			x.checkLength(m, t, v, float64(v.Len()))
		}
	case KindInt, KindFloat:
		if isElem || !(m.HasMin || m.HasMax) {
			return
		}
		var f float64
		if t.Kind == KindInt {
			f = float64(v.Int())
		} else {
			f = v.Float()
		}
		if m.HasMin && f < m.Min {
			x.add(m, t, v, "Member must have value greater than or equal to "+formatBound(m.Min))
		}
		if m.HasMax && f > m.Max {
			x.add(m, t, v, "Member must have value less than or equal to "+formatBound(m.Max))
		}
	case KindList:
		if !isElem {
			x.checkLength(m, t, v, float64(v.Len()))
		}
		for i := 0; i < v.Len(); i++ {
			x.path = append(x.path, pathSeg{index: i + 1})
			x.elem(m, t.Elem, v.Index(i))
			x.path = x.path[:len(x.path)-1]
		}
	case KindMap:
		if !isElem {
			x.checkLength(m, t, v, float64(v.Len()))
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			x.path = append(x.path, pathSeg{seg: k.String()})
			x.elem(m, t.Elem, v.MapIndex(k))
			x.path = x.path[:len(x.path)-1]
		}
	case KindStruct:
		x.structure(t.Shape, v)
	}
}

func (x *validator) elem(m *Member, t *Type, v reflect.Value) {
	if t.Pointer {
		if v.IsNil() {
			return // a null element: AWS drops it, there is nothing to check
		}
		v = v.Elem()
	}
	if t.Kind == KindStruct {
		x.structure(t.Shape, v)
		return
	}
	x.value(m, t, v)
}

func (x *validator) checkLength(m *Member, t *Type, v reflect.Value, n float64) {
	if m.HasMin && n < m.Min {
		x.add(m, t, v, "Member must have length greater than or equal to "+formatBound(m.Min))
	}
	if m.HasMax && n > m.Max {
		x.add(m, t, v, "Member must have length less than or equal to "+formatBound(m.Max))
	}
}

// javaLength is the length Java's String.length reports: UTF-16 code units.
// AWS validates with it, so a character outside the BMP counts twice.
func javaLength(s string) int {
	// Most strings are ASCII, where the length is the byte count: find
	// the first other byte a word at a time before decoding runes. (On
	// PutLogEvents' messages the rune loop alone was a tenth of the
	// service's CPU time.)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	// s[i:] starts at a rune boundary (or an invalid byte, which range
	// counts as one rune either way).
	n := i
	for _, r := range s[i:] {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

func formatBound(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formatValue prints a value as Coral does in validation messages: Java's
// toString of the deserialised object (List as [a, b], Map as {k=v},
// Date as "Mon Jan 15 09:00:00 UTC 2024", a structure as Class@hash).
func formatValue(t *Type, v reflect.Value) string {
	var b strings.Builder
	writeValue(&b, t, v)
	return b.String()
}

// writeElem writes a value that may be absent: an element, or a member of
// a structure being printed.
func writeElem(b *strings.Builder, t *Type, v reflect.Value) {
	if t.Pointer || t.Kind == KindList || t.Kind == KindMap || t.Kind == KindBlob {
		if v.IsNil() {
			b.WriteString("null")
			return
		}
	}
	writeValue(b, t, Deref(t, v))
}

// writeValue writes a present value, already looked through its pointer.
func writeValue(b *strings.Builder, t *Type, v reflect.Value) {
	switch t.Kind {
	case KindString:
		b.WriteString(v.String())
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case KindFloat:
		b.WriteString(javaDouble(v.Float()))
	case KindTimestamp:
		b.WriteString(v.Interface().(time.Time).UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
	case KindBlob:
		n := v.Len()
		fmt.Fprintf(b, "java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", n, n)
	case KindList:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeElem(b, t.Elem, v.Index(i))
		}
		b.WriteByte(']')
	case KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k.String() + "=")
			writeElem(b, t.Elem, v.MapIndex(k))
		}
		b.WriteByte('}')
	case KindStruct:
		// Java's Object.toString: class name and identity hash. A hash of
		// the contents keeps the text stable from run to run.
		h := fnv.New32a()
		var inner strings.Builder
		for _, m := range t.Shape.Members {
			f := m.Field(v)
			if IsSet(m.Type, f) && !m.Sensitive {
				inner.WriteString(m.Name + "=")
				writeElem(&inner, m.Type, f)
				inner.WriteByte(',')
			}
		}
		h.Write([]byte(inner.String()))
		fmt.Fprintf(b, "%s@%08x", t.Shape.Name, h.Sum32())
	}
}

// javaDouble formats f as Java's Double.toString does for ordinary values:
// always with a fraction ("100.0"), scientific outside [1e-3, 1e7).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		e, _ := strconv.Atoi(exp)
		return mant + "E" + strconv.Itoa(e)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
