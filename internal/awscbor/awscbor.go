// Package awscbor is the Smithy RPC v2 CBOR wire codec
// (reference/protocols.md §5): it decodes request bodies into shape structs,
// encodes output shapes, and writes responses and errors the way rpcv2Cbor
// services do, so that aws-sdk-go-v2 (and any other Smithy client) parses
// them. The CBOR itself is read and written by github.com/fxamacker/cbor/v2;
// this package maps it onto the shapes of package awsapi.
package awscbor

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// SerializationCode is the error code a body that cannot be read into the
// operation's input is answered with (the JSON protocols' code; Smithy
// servers share it).
const SerializationCode = "SerializationException"

// maxDepth bounds nesting so hostile bodies cannot exhaust the stack; no
// AWS input shape comes near it.
const maxDepth = 64

var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		// Keys of every AWS map and structure are text strings.
		DefaultMapType:        reflect.TypeFor[map[string]any](),
		MaxNestedLevels:       maxDepth,
		IndefLength:           cbor.IndefLengthAllowed,
		DupMapKey:             cbor.DupMapKeyEnforcedAPF,
		TimeTag:               cbor.DecTagOptional,
		IntDec:                cbor.IntDecConvertNone,
		UTF8:                  cbor.UTF8RejectInvalid,
		DefaultByteStringType: reflect.TypeFor[[]byte](),
	}.DecMode()
	if err != nil {
		panic("BUG: awscbor: " + err.Error())
	}
	return m
}()

var encMode = func() cbor.EncMode {
	m, err := cbor.EncOptions{
		// Timestamps are tag 1 + float64 epoch seconds, as Go's client
		// writes them (reference/protocols.md §5).
		Time:    cbor.TimeUnixMicro,
		TimeTag: cbor.EncTagRequired,
		// Doubles stay float64 on the wire: smaller widths would be valid
		// CBOR, but keeping one width keeps values bit-exact.
		ShortestFloat: cbor.ShortestFloatNone,
		NaNConvert:    cbor.NaNConvertNone,
		InfConvert:    cbor.InfConvertNone,
		Sort:          cbor.SortBytewiseLexical,
	}.EncMode()
	if err != nil {
		panic("BUG: awscbor: " + err.Error())
	}
	return m
}()

func serializationError(format string, args ...any) *awserr.Error {
	return awserr.New(SerializationCode, http.StatusBadRequest, format, args...)
}

// Decode reads an RPC v2 CBOR request body into dst, a non-nil pointer to a
// shape struct. An empty body is an empty input. Both definite and
// indefinite lengths are accepted; unknown members, null and undefined are
// ignored. Timestamps are tag 1 with integer or float epoch seconds (an
// untagged number is accepted too).
//
// A body that is not CBOR, or a member of the wrong type, returns an
// *awserr.Error with code SerializationException and status 400. A dst that
// is not a shape returns a plain error (a bug in the caller). Decode never
// panics, whatever the body.
func Decode(body []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awscbor: decode into %T: want a non-nil pointer to a struct", dst)
	}
	s, err := awsapi.ShapeOf(rv.Type())
	if err != nil {
		return fmt.Errorf("awscbor: decode: %w", err)
	}
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := decMode.Unmarshal(body, &v); err != nil {
		return serializationError("Unable to parse the CBOR request body: %s", err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return serializationError("The request body must be a CBOR map")
	}
	return structure(s, rv.Elem(), m, "")
}

func structure(s *awsapi.Shape, v reflect.Value, m map[string]any, path string) error {
	for k, x := range m {
		mem := s.Member(k)
		if mem == nil || isNull(x) {
			continue
		}
		if err := set(mem.Type, mem.Field(v), x, path+k); err != nil {
			return err
		}
	}
	return nil
}

func isNull(x any) bool {
	if x == nil {
		return true
	}
	_, undef := x.(cbor.SimpleValue)
	return undef && x.(cbor.SimpleValue) == 23
}

func mismatch(path string, t *awsapi.Type, x any) *awserr.Error {
	return serializationError("Expected a %s at %s, found %s", t.Kind, path, describe(x))
}

func describe(x any) string {
	switch x.(type) {
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case uint64, int64:
		return "an integer"
	case float64, float32:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a map"
	case time.Time, cbor.Tag, cbor.RawTag:
		return "a tagged value"
	}
	return fmt.Sprintf("%T", x)
}

// set stores x, a decoded CBOR value, into v, a field of type t.
func set(t *awsapi.Type, v reflect.Value, x any, path string) error {
	if t.Pointer {
		p := reflect.New(t.Go)
		if err := setValue(t, p.Elem(), x, path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return setValue(t, v, x, path)
}

func setValue(t *awsapi.Type, v reflect.Value, x any, path string) error {
	switch t.Kind {
	case awsapi.KindString:
		s, ok := x.(string)
		if !ok {
			return mismatch(path, t, x)
		}
		v.SetString(s)
	case awsapi.KindBool:
		b, ok := x.(bool)
		if !ok {
			return mismatch(path, t, x)
		}
		v.SetBool(b)
	case awsapi.KindInt:
		var n int64
		switch x := x.(type) {
		case uint64:
			if x > math.MaxInt64 {
				return serializationError("Integer at %s is out of range", path)
			}
			n = int64(x)
		case int64:
			n = x
		default:
			return mismatch(path, t, x)
		}
		if t.Bits == 32 && (n > math.MaxInt32 || n < math.MinInt32) {
			return serializationError("Integer at %s is out of range", path)
		}
		v.SetInt(n)
	case awsapi.KindFloat:
		f, ok := number(x)
		if !ok {
			return mismatch(path, t, x)
		}
		v.SetFloat(f)
	case awsapi.KindTimestamp:
		tm, ok := timestamp(x)
		if !ok {
			return mismatch(path, t, x)
		}
		v.Set(reflect.ValueOf(tm))
	case awsapi.KindBlob:
		b, ok := x.([]byte)
		if !ok {
			return mismatch(path, t, x)
		}
		v.SetBytes(b)
	case awsapi.KindList:
		list, ok := x.([]any)
		if !ok {
			return mismatch(path, t, x)
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, e := range list {
			if isNull(e) {
				// Smithy clients propagate nulls in lists; the shape's
				// element stays zero and validation judges it.
				continue
			}
			if err := set(t.Elem, out.Index(i), e, path+"."+strconv.Itoa(i+1)); err != nil {
				return err
			}
		}
		v.Set(out)
	case awsapi.KindMap:
		m, ok := x.(map[string]any)
		if !ok {
			return mismatch(path, t, x)
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, e := range m {
			if isNull(e) {
				continue
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := set(t.Elem, ev, e, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	case awsapi.KindStruct:
		m, ok := x.(map[string]any)
		if !ok {
			return mismatch(path, t, x)
		}
		return structure(t.Shape, v, m, path+".")
	default:
		return fmt.Errorf("awscbor: decode kind %s", t.Kind)
	}
	return nil
}

func number(x any) (float64, bool) {
	switch x := x.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// maxEpochSeconds keeps decoded times inside what time.Time and every
// storage column represent (year 9999).
const maxEpochSeconds = 253402300799

func timestamp(x any) (time.Time, bool) {
	switch x := x.(type) {
	case time.Time:
		return x.UTC(), true
	case cbor.Tag:
		if x.Number != 1 {
			return time.Time{}, false
		}
		return epoch(x.Content)
	}
	return epoch(x)
}

func epoch(x any) (time.Time, bool) {
	f, ok := number(x)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxEpochSeconds {
		return time.Time{}, false
	}
	// Millisecond resolution is what the protocol carries.
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}

// Marshal encodes out, a pointer to a shape struct (or a shape struct), as
// a CBOR map of its present members.
func Marshal(out any) ([]byte, error) {
	rv := reflect.ValueOf(out)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return encMode.Marshal(map[string]any{})
		}
		rv = rv.Elem()
	}
	s, err := awsapi.ShapeOf(rv.Type())
	if err != nil {
		return nil, fmt.Errorf("awscbor: marshal: %w", err)
	}
	return encMode.Marshal(toCBOR(s, rv))
}

func toCBOR(s *awsapi.Shape, v reflect.Value) map[string]any {
	m := make(map[string]any, len(s.Members))
	for _, mem := range s.Members {
		f := mem.Field(v)
		if !awsapi.IsSet(mem.Type, f) {
			continue
		}
		m[mem.Name] = value(mem.Type, awsapi.Deref(mem.Type, f))
	}
	return m
}

func elem(t *awsapi.Type, v reflect.Value) any {
	if t.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	} else if (t.Kind == awsapi.KindList || t.Kind == awsapi.KindMap || t.Kind == awsapi.KindBlob) && v.IsNil() {
		return nil
	}
	return value(t, v)
}

func value(t *awsapi.Type, v reflect.Value) any {
	switch t.Kind {
	case awsapi.KindString:
		return v.String()
	case awsapi.KindBool:
		return v.Bool()
	case awsapi.KindInt:
		return v.Int()
	case awsapi.KindFloat:
		return v.Float()
	case awsapi.KindTimestamp:
		// Millisecond precision, as the protocol carries.
		return v.Interface().(time.Time).Truncate(time.Millisecond)
	case awsapi.KindBlob:
		return v.Bytes()
	case awsapi.KindList:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = elem(t.Elem, v.Index(i))
		}
		return out
	case awsapi.KindMap:
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out[iter.Key().String()] = elem(t.Elem, iter.Value())
		}
		return out
	case awsapi.KindStruct:
		return toCBOR(t.Shape, v)
	}
	panic("BUG: awscbor: marshal kind " + t.Kind.String())
}

// WriteResponse writes out as a 200 rpcv2Cbor response. The caller sets
// x-amzn-RequestId and Date first. If out cannot be encoded nothing is
// written and the error is returned.
func WriteResponse(w http.ResponseWriter, out any) error {
	body, err := Marshal(out)
	if err != nil {
		return err
	}
	h := w.Header()
	// Clients must treat a response without it as malformed (§0.6).
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// ErrorOptions says how a service spells its errors.
type ErrorOptions struct {
	// TypeOf maps an error code to the __type shape id the body carries
	// (com.amazonaws.cloudwatch#ResourceNotFound); nil means the code itself.
	TypeOf func(code string) string
	// QueryCompatible adds x-amzn-query-error: Code;Sender|Receiver, from
	// which clients of awsQueryCompatible services take the error code.
	QueryCompatible bool
	// MessageKeyOf, when set, names the message member for an error code
	// (the error shape's own member); "" or nil means "message".
	MessageKeyOf func(code string) string
}

// WriteError writes e as an rpcv2Cbor error: status e.HTTPStatus(), body a
// CBOR map of __type and message.
func WriteError(w http.ResponseWriter, e *awserr.Error, opt ErrorOptions) {
	typ := e.Code
	if opt.TypeOf != nil {
		typ = opt.TypeOf(e.Code)
	}
	m := map[string]any{"__type": typ}
	if e.Message != "" {
		key := "message"
		if opt.MessageKeyOf != nil {
			if k := opt.MessageKeyOf(e.Code); k != "" {
				key = k
			}
		}
		m[key] = e.Message
	}
	body, err := encMode.Marshal(m)
	if err != nil {
		panic("BUG: awscbor: encode error: " + err.Error())
	}
	h := w.Header()
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if opt.QueryCompatible {
		h.Set("x-amzn-query-error", e.Code+";"+e.FaultType())
	}
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}
