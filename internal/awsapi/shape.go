package awsapi

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is the AWS model type a Go field stands for.
type Kind uint8

// The kinds a shape member may have.
const (
	KindString    Kind = iota + 1 // string
	KindBool                      // bool
	KindInt                       // int32, int64 or int
	KindFloat                     // float64
	KindTimestamp                 // time.Time
	KindBlob                      // []byte
	KindList                      // any other slice
	KindMap                       // map[string]T
	KindStruct                    // a nested structure
)

var kindNames = [...]string{
	KindString: "string", KindBool: "boolean", KindInt: "integer", KindFloat: "double",
	KindTimestamp: "timestamp", KindBlob: "blob", KindList: "list", KindMap: "map", KindStruct: "structure",
}

// String names the kind as the AWS model does.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Type describes one Go type as the codecs read and write it.
type Type struct {
	Kind Kind
	// Pointer is true for *T members: nil means absent. Slices and maps are
	// absent when nil; other non-pointer values are absent when zero.
	Pointer bool
	// Go is the Go type without the pointer.
	Go reflect.Type
	// Bits is the integer width (32 or 64) for KindInt; int counts as 64.
	Bits int
	// Elem is the element type of a list or the value type of a map.
	Elem *Type
	// Shape is the structure of a KindStruct.
	Shape *Shape
	// MapKeyName and MapValueName name a KindMap's entry members in the
	// query protocol: "key" and "value" unless the map type says
	// otherwise (QueryMapNames).
	MapKeyName, MapValueName string
}

// QueryMapNames is implemented by map types whose query-protocol entries
// are not key/value: SNS's MessageAttributeMap is sent as
// Name.entry.N.Name and Name.entry.N.Value.
type QueryMapNames interface {
	QueryMapNames() (key, value string)
}

var queryMapNamesType = reflect.TypeOf((*QueryMapNames)(nil)).Elem()

// Shape is a Go struct read as an AWS structure: its members in field order.
// Shapes are built once per Go type and shared; they must not be modified.
type Shape struct {
	// Name is the Go type name, used where AWS prints a structure's class.
	Name    string
	Go      reflect.Type
	Members []*Member
	byName  map[string]*Member
}

// Member is one member of a shape.
type Member struct {
	// Name is the AWS member name: the field's json tag name, or the field
	// name when there is no tag.
	Name string
	// LowerName is Name with its first letter lower-cased, as validation
	// messages and CloudTrail records spell members.
	LowerName string
	// Index is the struct field index.
	Index int
	Type  *Type

	Required  bool
	Sensitive bool
	// Min and Max bound string length (UTF-16 code units, as Java counts
	// them), blob length (bytes), element count (lists, maps) or value
	// (numbers). HasMin/HasMax say whether the bound was given.
	Min, Max       float64
	HasMin, HasMax bool
	// Pattern is the model's regular expression as written in the tag; it
	// must match the whole value. On a list of strings it applies to each
	// element, as does Enum.
	Pattern string
	Enum    []string

	re *regexp.Regexp
}

// Member returns the member with the exact AWS name, or nil.
func (s *Shape) Member(name string) *Member { return s.byName[name] }

// MemberBytes is Member for a name still in the request's bytes, which a
// decoder can look up without copying it.
func (s *Shape) MemberBytes(name []byte) *Member { return s.byName[string(name)] }

// Field returns the member's field of v, a struct value of the shape's type.
func (m *Member) Field(v reflect.Value) reflect.Value { return v.Field(m.Index) }

// MatchPattern reports whether s matches the member's whole pattern; true
// when the member has none.
func (m *Member) MatchPattern(s string) bool { return m.re == nil || m.re.MatchString(s) }

// IsSet reports whether v, a value of type t, counts as present: a non-nil
// pointer, slice or map, or any other value that is not its zero value.
// Codecs omit absent members and Validate reports required ones as null.
func IsSet(t *Type, v reflect.Value) bool {
	switch {
	case t.Pointer:
		return !v.IsNil()
	case t.Kind == KindList || t.Kind == KindBlob || t.Kind == KindMap:
		return !v.IsNil()
	default:
		return !v.IsZero()
	}
}

// Deref returns the value a present member holds, looking through the
// pointer of a *T member. Call it only when IsSet is true.
func Deref(t *Type, v reflect.Value) reflect.Value {
	if t.Pointer {
		return v.Elem()
	}
	return v
}

type shapeEntry struct {
	shape *Shape
	err   error
}

var (
	// shapes caches *shapeEntry by reflect.Type; reads take no lock.
	shapes sync.Map
	// buildMu serialises building so a recursive shape is built once and
	// refers to itself.
	buildMu sync.Mutex
)

var timeType = reflect.TypeFor[time.Time]()

// ShapeOf returns the shape of a struct type or a pointer to one. The error
// names the field whose type or tags cannot be a shape member; it is the same
// on every call for the same type.
func ShapeOf(t reflect.Type) (*Shape, error) {
	if t == nil {
		return nil, fmt.Errorf("awsapi: shape of nil type")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if e, ok := shapes.Load(t); ok {
		e := e.(*shapeEntry)
		return e.shape, e.err
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if e, ok := shapes.Load(t); ok {
		e := e.(*shapeEntry)
		return e.shape, e.err
	}
	b := builder{building: map[reflect.Type]*Shape{}}
	s, err := b.shape(t)
	if err != nil {
		// Cache the failure for the root only: nested shapes that were
		// fine on their own may still be published below.
		shapes.Store(t, &shapeEntry{err: err})
		return nil, err
	}
	for bt, bs := range b.building {
		shapes.Store(bt, &shapeEntry{shape: bs})
	}
	return s, nil
}

// MustShapeOf is ShapeOf for shapes known to be valid; it panics otherwise.
func MustShapeOf(t reflect.Type) *Shape {
	s, err := ShapeOf(t)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return s
}

type builder struct {
	// building holds the shapes of this build, so recursive types close on
	// themselves; they are published only when the whole build succeeds.
	building map[reflect.Type]*Shape
}

func (b *builder) shape(t reflect.Type) (*Shape, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("awsapi: %s is not a struct", t)
	}
	if e, ok := shapes.Load(t); ok {
		e := e.(*shapeEntry)
		return e.shape, e.err
	}
	if s, ok := b.building[t]; ok {
		return s, nil
	}
	s := &Shape{Name: t.Name(), Go: t, byName: map[string]*Member{}}
	b.building[t] = s
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			tagName, _, _ := strings.Cut(tag, ",")
			if tagName == "-" {
				continue
			}
			if tagName != "" {
				name = tagName
			}
		}
		if f.Anonymous {
			return nil, fmt.Errorf("awsapi: %s.%s: embedded fields are not shape members", t, f.Name)
		}
		m, err := b.member(f, name, i)
		if err != nil {
			return nil, fmt.Errorf("awsapi: %s.%s: %w", t, f.Name, err)
		}
		if _, dup := s.byName[name]; dup {
			return nil, fmt.Errorf("awsapi: %s: member %s appears twice", t, name)
		}
		s.Members = append(s.Members, m)
		s.byName[name] = m
	}
	return s, nil
}

func (b *builder) member(f reflect.StructField, name string, index int) (*Member, error) {
	typ, err := b.typeOf(f.Type, true)
	if err != nil {
		return nil, err
	}
	m := &Member{Name: name, LowerName: LowerFirst(name), Index: index, Type: typ}
	tag := f.Tag
	m.Required = tag.Get("required") == "true"
	m.Sensitive = tag.Get("sensitive") == "true"
	if v, ok := tag.Lookup("min"); ok {
		if m.Min, err = parseBound(v); err != nil {
			return nil, fmt.Errorf("min tag: %w", err)
		}
		m.HasMin = true
	}
	if v, ok := tag.Lookup("max"); ok {
		if m.Max, err = parseBound(v); err != nil {
			return nil, fmt.Errorf("max tag: %w", err)
		}
		m.HasMax = true
	}
	if m.HasMin || m.HasMax {
		switch typ.Kind {
		case KindString, KindInt, KindFloat, KindBlob, KindList, KindMap:
		default:
			return nil, fmt.Errorf("min/max on a %s member", typ.Kind)
		}
	}
	stringish := typ.Kind == KindString || (typ.Kind == KindList && typ.Elem.Kind == KindString)
	if v, ok := tag.Lookup("pattern"); ok {
		if !stringish {
			return nil, fmt.Errorf("pattern on a %s member", typ.Kind)
		}
		m.Pattern = v
		if m.re, err = CompilePattern(v); err != nil {
			return nil, err
		}
	}
	if v, ok := tag.Lookup("enum"); ok {
		if !stringish {
			return nil, fmt.Errorf("enum on a %s member", typ.Kind)
		}
		m.Enum = strings.Split(v, "|")
	}
	return m, nil
}

func parseBound(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, fmt.Errorf("bound %q is not a number", s)
	}
	return f, nil
}

// typeOf describes t; pointers are allowed only where top says so (a member
// or element type, never a pointer to a pointer, slice or map).
func (b *builder) typeOf(t reflect.Type, top bool) (*Type, error) {
	typ := &Type{}
	if t.Kind() == reflect.Pointer {
		if !top {
			return nil, fmt.Errorf("type %s: pointer to pointer", t)
		}
		typ.Pointer = true
		t = t.Elem()
		switch t.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer:
			return nil, fmt.Errorf("type *%s: pointers to slices, maps and pointers are not supported", t)
		}
	}
	typ.Go = t
	switch {
	case t == timeType:
		typ.Kind = KindTimestamp
		return typ, nil
	case t.Kind() == reflect.String:
		typ.Kind = KindString
	case t.Kind() == reflect.Bool:
		typ.Kind = KindBool
	case t.Kind() == reflect.Int32:
		typ.Kind, typ.Bits = KindInt, 32
	case t.Kind() == reflect.Int64 || t.Kind() == reflect.Int:
		typ.Kind, typ.Bits = KindInt, 64
	case t.Kind() == reflect.Float64:
		typ.Kind = KindFloat
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		typ.Kind = KindBlob
	case t.Kind() == reflect.Slice:
		elem, err := b.typeOf(t.Elem(), true)
		if err != nil {
			return nil, err
		}
		typ.Kind, typ.Elem = KindList, elem
	case t.Kind() == reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("type %s: map keys must be strings", t)
		}
		elem, err := b.typeOf(t.Elem(), true)
		if err != nil {
			return nil, err
		}
		typ.Kind, typ.Elem = KindMap, elem
		typ.MapKeyName, typ.MapValueName = "key", "value"
		if t.Implements(queryMapNamesType) {
			typ.MapKeyName, typ.MapValueName = reflect.Zero(t).Interface().(QueryMapNames).QueryMapNames()
		}
	case t.Kind() == reflect.Struct:
		s, err := b.shape(t)
		if err != nil {
			return nil, err
		}
		typ.Kind, typ.Shape = KindStruct, s
	default:
		return nil, fmt.Errorf("type %s cannot be a shape member", t)
	}
	return typ, nil
}

// LowerFirst lower-cases the first letter of an AWS member name, as AWS
// spells member paths in validation messages and CloudTrail spells request
// parameters: UserName → userName, AccessKeyId → accessKeyId.
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// CompilePattern compiles a model pattern so that it must match the whole
// value. Model patterns are Java regular expressions; the one construct RE2
// spells differently is \uXXXX (always exactly four hex digits in Java, so
// \u10000 is \u1000 followed by 0), which becomes \x{XXXX}.
func CompilePattern(p string) (*regexp.Regexp, error) {
	var src strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '\\' || i+1 >= len(p) {
			src.WriteByte(c)
			continue
		}
		// Copy escapes pairwise so an escaped backslash followed by a
		// literal u ("\\u0041") is left alone.
		next := p[i+1]
		if next == 'u' && i+6 <= len(p) && isHex4(p[i+2:i+6]) {
			src.WriteString(`\x{` + p[i+2:i+6] + `}`)
			i += 5
			continue
		}
		src.WriteByte(c)
		src.WriteByte(next)
		i++
	}
	re, err := regexp.Compile(`^(?:` + src.String() + `)$`)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", p, err)
	}
	return re, nil
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return len(s) == 4
}
