// Package awsquery is the AWS query wire codec (reference/protocols.md §3),
// spoken by IAM, STS, SNS and older CloudWatch clients: form-encoded
// requests decoded into shape structs, XML responses and errors.
//
// Shapes are the plain structs described in package awsapi; the member
// name is the json tag. Lists use the default "member" element and maps the
// default "entry"/"key"/"value" names; flattened lists and custom element
// names are not supported.
package awsquery

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// MalformedCode is the error code query services answer with when a
// parameter cannot be read as its model type (SES and EMR answer a bad
// boolean with it; IAM and STS share the same front end).
const MalformedCode = "MalformedInput"

// Decode reads form parameters into dst, a non-nil pointer to a shape
// struct, guided by the shape: Name for scalars, Parent.Child for nested
// structures, Name.member.N for lists (1-based, any order, no gaps; a bare
// "Name=" is an empty list), Name.entry.N.key/.value for maps. Booleans are
// true/false (or 1/0, as xsd allows), timestamps ISO 8601 with any fraction,
// blobs base64. Parameters the shape does not name, Action and Version
// among them, are ignored.
//
// A value that cannot be read returns an *awserr.Error with code
// MalformedInput and status 400. A dst that is not a shape returns a plain
// error (a bug in the caller). On error dst may be partly filled.
func Decode(form url.Values, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awsquery: decode into %T: want a non-nil pointer to a struct", dst)
	}
	s, err := awsapi.ShapeOf(rv.Type())
	if err != nil {
		return fmt.Errorf("awsquery: decode: %w", err)
	}
	d := decoder{form: form, keys: make([]string, 0, len(form))}
	for k := range form {
		d.keys = append(d.keys, k)
	}
	slices.Sort(d.keys)
	return d.structure(s, rv.Elem(), "")
}

func malformed(format string, args ...any) *awserr.Error {
	return &awserr.Error{Code: MalformedCode, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

type decoder struct {
	form url.Values
	// keys are the form's parameter names, sorted, so the parameters under
	// a prefix are one contiguous run.
	keys []string
}

// under returns the parameter names that start with prefix.
func (d *decoder) under(prefix string) []string {
	i, _ := slices.BinarySearch(d.keys, prefix)
	j := i
	for j < len(d.keys) && strings.HasPrefix(d.keys[j], prefix) {
		j++
	}
	return d.keys[i:j]
}

func (d *decoder) structure(s *awsapi.Shape, v reflect.Value, prefix string) error {
	for _, m := range s.Members {
		if err := d.value(m.Type, m.Field(v), prefix+m.Name); err != nil {
			return err
		}
	}
	return nil
}

// value decodes the parameter(s) named key into v, a settable value of type
// t, leaving v alone when none are present.
func (d *decoder) value(t *awsapi.Type, v reflect.Value, key string) error {
	if !d.present(t, key) {
		return nil
	}
	if t.Pointer {
		p := reflect.New(t.Go)
		if err := d.set(t, p.Elem(), key); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return d.set(t, v, key)
}

func (d *decoder) present(t *awsapi.Type, key string) bool {
	switch t.Kind {
	case awsapi.KindStruct:
		return len(d.under(key+".")) > 0
	case awsapi.KindList, awsapi.KindMap:
		_, bare := d.form[key]
		return bare || len(d.under(key+".")) > 0
	default:
		_, ok := d.form[key]
		return ok
	}
}

func (d *decoder) set(t *awsapi.Type, v reflect.Value, key string) error {
	switch t.Kind {
	case awsapi.KindStruct:
		return d.structure(t.Shape, v, key+".")
	case awsapi.KindList:
		return d.list(t, v, key)
	case awsapi.KindMap:
		return d.mapValue(t, v, key)
	}
	raw := d.form.Get(key)
	switch t.Kind {
	case awsapi.KindString:
		v.SetString(raw)
	case awsapi.KindBool:
		// xsd:boolean, case-sensitive; these two texts are AWS's.
		switch raw {
		case "true", "1":
			v.SetBool(true)
		case "false", "0":
			v.SetBool(false)
		case "":
			return malformed("missing value for boolean type")
		default:
			return malformed("boolean must follow xsd1.1 definition")
		}
	case awsapi.KindInt:
		n, err := strconv.ParseInt(raw, 10, t.Bits)
		if err != nil {
			return malformed("Invalid value '%s' for parameter %s: expected an integer", raw, key)
		}
		v.SetInt(n)
	case awsapi.KindFloat:
		f, err := parseDouble(raw)
		if err != nil {
			return malformed("Invalid value '%s' for parameter %s: expected a number", raw, key)
		}
		v.SetFloat(f)
	case awsapi.KindTimestamp:
		ts, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return malformed("Invalid value '%s' for parameter %s: expected an ISO 8601 timestamp", raw, key)
		}
		v.Set(reflect.ValueOf(ts.UTC()))
	case awsapi.KindBlob:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return malformed("Invalid value for parameter %s: expected base64", key)
		}
		v.SetBytes(b)
	default:
		return fmt.Errorf("BUG: awsquery: kind %s", t.Kind)
	}
	return nil
}

func parseDouble(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	// ParseFloat alone would also take "nan", "inf", hex floats and "_".
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789+-.eE", rune(s[i])) {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(s, 64)
}

// indices returns the 1-based indices N of the parameters prefix.N that
// can hold an element, sorted, checking they run 1…n without gaps. A scalar
// element is prefix.N itself; a structure's members are prefix.N.Member; a
// list or map may be either. Other parameters under prefix are ignored, as
// any unknown parameter is.
func (d *decoder) indices(prefix string, elem *awsapi.Type) ([]int, error) {
	var idx []int
	for _, k := range d.under(prefix) {
		seg, _, nested := strings.Cut(k[len(prefix):], ".")
		switch elem.Kind {
		case awsapi.KindStruct:
			if !nested {
				continue
			}
		case awsapi.KindList, awsapi.KindMap:
		default:
			if nested {
				continue
			}
		}
		n, err := strconv.Atoi(seg)
		if err != nil || n < 1 || strconv.Itoa(n) != seg {
			return nil, malformed("Invalid parameter %s: %q is not a list index", k, seg)
		}
		idx = append(idx, n)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for i, n := range idx {
		if n != i+1 {
			return nil, malformed("Invalid list parameter %s%d: element %d is missing", prefix, n, i+1)
		}
	}
	return idx, nil
}

// bare checks a parameter sent with the list or map's own name: "Name="
// is how clients send an empty list; any other value is malformed.
func (d *decoder) bare(key string) error {
	if vals := d.form[key]; len(vals) > 0 && vals[0] != "" {
		return malformed("Invalid value for parameter %s: a list or map is sent as %s.member.N or %s.entry.N", key, key, key)
	}
	return nil
}

func (d *decoder) list(t *awsapi.Type, v reflect.Value, key string) error {
	prefix := key + ".member."
	idx, err := d.indices(prefix, t.Elem)
	if err != nil {
		return err
	}
	if err := d.bare(key); err != nil {
		return err
	}
	if _, bare := d.form[key]; len(idx) == 0 && !bare {
		return nil // only parameters that cannot be elements: absent
	}
	out := reflect.MakeSlice(t.Go, len(idx), len(idx))
	for i := range idx {
		elemKey := prefix + strconv.Itoa(i+1)
		if err := d.value(t.Elem, out.Index(i), elemKey); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

// mapEntry stands for a map entry when counting indices: like a
// structure, an entry's parameters are Name.entry.N.key and .value.
var mapEntry = &awsapi.Type{Kind: awsapi.KindStruct}

func (d *decoder) mapValue(t *awsapi.Type, v reflect.Value, key string) error {
	prefix := key + ".entry."
	idx, err := d.indices(prefix, mapEntry)
	if err != nil {
		return err
	}
	if err := d.bare(key); err != nil {
		return err
	}
	if _, bare := d.form[key]; len(idx) == 0 && !bare {
		return nil // only parameters that cannot be elements: absent
	}
	out := reflect.MakeMapWithSize(t.Go, len(idx))
	elemType := t.Elem.Go
	if t.Elem.Pointer {
		elemType = reflect.PointerTo(elemType)
	}
	for i := range idx {
		entry := prefix + strconv.Itoa(i+1)
		k, ok := d.form[entry+"."+t.MapKeyName]
		if !ok || len(k) == 0 {
			return malformed("Parameter %s.%s is missing", entry, t.MapKeyName)
		}
		elem := reflect.New(elemType).Elem()
		if err := d.value(t.Elem, elem, entry+"."+t.MapValueName); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(k[0]).Convert(t.Go.Key()), elem)
	}
	v.Set(out)
	return nil
}
