package awscbor

// The decoder Decode replaced: fxamacker/cbor reads the whole body into
// map[string]any, then reflection copies it into the shape. It is kept as
// the reference FuzzDecodeReference holds Decode to.

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// decodeReference reads an RPC v2 CBOR request body into dst, a non-nil pointer to a
// shape struct. An empty body is an empty input. Both definite and
// indefinite lengths are accepted; unknown members, null and undefined are
// ignored. Timestamps are tag 1 with integer or float epoch seconds (an
// untagged number is accepted too).
//
// A body that is not CBOR, or a member of the wrong type, returns an
// *awserr.Error with code SerializationException and status 400. A dst that
// is not a shape returns a plain error (a bug in the caller). Decode never
// panics, whatever the body.
func decodeReference(body []byte, dst any) error {
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
	return refStructure(s, rv.Elem(), m, "")
}

func refStructure(s *awsapi.Shape, v reflect.Value, m map[string]any, path string) error {
	for k, x := range m {
		mem := s.Member(k)
		if mem == nil || refIsNull(x) {
			continue
		}
		if err := refSet(mem.Type, mem.Field(v), x, path+k); err != nil {
			return err
		}
	}
	return nil
}

func refIsNull(x any) bool {
	if x == nil {
		return true
	}
	_, undef := x.(cbor.SimpleValue)
	return undef && x.(cbor.SimpleValue) == 23
}

func refMismatch(path string, t *awsapi.Type, x any) *awserr.Error {
	return serializationError("Expected a %s at %s, found %s", t.Kind, path, refDescribe(x))
}

func refDescribe(x any) string {
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
func refSet(t *awsapi.Type, v reflect.Value, x any, path string) error {
	if t.Pointer {
		p := reflect.New(t.Go)
		if err := refSetValue(t, p.Elem(), x, path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return refSetValue(t, v, x, path)
}

func refSetValue(t *awsapi.Type, v reflect.Value, x any, path string) error {
	switch t.Kind {
	case awsapi.KindString:
		s, ok := x.(string)
		if !ok {
			return refMismatch(path, t, x)
		}
		v.SetString(s)
	case awsapi.KindBool:
		b, ok := x.(bool)
		if !ok {
			return refMismatch(path, t, x)
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
			return refMismatch(path, t, x)
		}
		if t.Bits == 32 && (n > math.MaxInt32 || n < math.MinInt32) {
			return serializationError("Integer at %s is out of range", path)
		}
		v.SetInt(n)
	case awsapi.KindFloat:
		f, ok := refNumber(x)
		if !ok {
			return refMismatch(path, t, x)
		}
		v.SetFloat(f)
	case awsapi.KindTimestamp:
		tm, ok := refTimestamp(x)
		if !ok {
			return refMismatch(path, t, x)
		}
		v.Set(reflect.ValueOf(tm))
	case awsapi.KindBlob:
		b, ok := x.([]byte)
		if !ok {
			return refMismatch(path, t, x)
		}
		v.SetBytes(b)
	case awsapi.KindList:
		list, ok := x.([]any)
		if !ok {
			return refMismatch(path, t, x)
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, e := range list {
			if refIsNull(e) {
				// Smithy clients propagate nulls in lists; the shape's
				// element stays zero and validation judges it.
				continue
			}
			if err := refSet(t.Elem, out.Index(i), e, path+"."+strconv.Itoa(i+1)); err != nil {
				return err
			}
		}
		v.Set(out)
	case awsapi.KindMap:
		m, ok := x.(map[string]any)
		if !ok {
			return refMismatch(path, t, x)
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, e := range m {
			if refIsNull(e) {
				continue
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := refSet(t.Elem, ev, e, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	case awsapi.KindStruct:
		m, ok := x.(map[string]any)
		if !ok {
			return refMismatch(path, t, x)
		}
		return refStructure(t.Shape, v, m, path+".")
	default:
		return fmt.Errorf("awscbor: decode kind %s", t.Kind)
	}
	return nil
}

func refNumber(x any) (float64, bool) {
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

func refTimestamp(x any) (time.Time, bool) {
	switch x := x.(type) {
	case time.Time:
		return x.UTC(), true
	case cbor.Tag:
		if x.Number != 1 {
			return time.Time{}, false
		}
		return refEpoch(x.Content)
	}
	return refEpoch(x)
}

func refEpoch(x any) (time.Time, bool) {
	f, ok := refNumber(x)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxEpochSeconds {
		return time.Time{}, false
	}
	// Millisecond resolution is what the protocol carries.
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}
