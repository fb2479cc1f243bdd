package awsapi

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
)

// RecordTimeLayout is how CloudTrail prints timestamps inside
// requestParameters and responseElements (IAM's user.createDate reads
// "Oct 22, 2024 3:21:35 PM" in real records), always in UTC.
const RecordTimeLayout = "Jan 2, 2006 3:04:05 PM"

// RecordJSON renders a shape as CloudTrail writes it in a record's
// requestParameters or responseElements: member names lower-first
// (UserName → userName), absent members (see IsSet) and sensitive members
// left out, timestamps in RecordTimeLayout, blobs base64, members in field
// order. It returns nil, which an Event writes as null, for a nil shape or
// one with no member to show. v must be a shape or a pointer to one; any
// other type is a bug and panics.
func RecordJSON(v any) json.RawMessage {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	s := MustShapeOf(rv.Type())
	buf := appendRecordStruct(make([]byte, 0, 128), s, rv)
	if len(buf) == 2 { // "{}"
		return nil
	}
	return json.RawMessage(buf)
}

func appendRecordStruct(buf []byte, s *Shape, v reflect.Value) []byte {
	buf = append(buf, '{')
	first := true
	for _, m := range s.Members {
		if m.Sensitive {
			continue
		}
		f := m.Field(v)
		if !IsSet(m.Type, f) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = trailwatch.AppendJSONString(buf, m.LowerName)
		buf = append(buf, ':')
		buf = appendRecordValue(buf, m.Type, Deref(m.Type, f))
	}
	return append(buf, '}')
}

func appendRecordValue(buf []byte, t *Type, v reflect.Value) []byte {
	switch t.Kind {
	case KindString:
		return trailwatch.AppendJSONString(buf, v.String())
	case KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case KindInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case KindFloat:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return trailwatch.AppendJSONString(buf, javaDouble(f))
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case KindTimestamp:
		return trailwatch.AppendJSONString(buf, v.Interface().(time.Time).UTC().Format(RecordTimeLayout))
	case KindBlob:
		return trailwatch.AppendJSONString(buf, base64.StdEncoding.EncodeToString(v.Bytes()))
	case KindList:
		buf = append(buf, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendRecordElem(buf, t.Elem, v.Index(i))
		}
		return append(buf, ']')
	case KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = trailwatch.AppendJSONString(buf, k.String())
			buf = append(buf, ':')
			buf = appendRecordElem(buf, t.Elem, v.MapIndex(k))
		}
		return append(buf, '}')
	case KindStruct:
		return appendRecordStruct(buf, t.Shape, v)
	}
	panic("BUG: record of kind " + t.Kind.String())
}

func appendRecordElem(buf []byte, t *Type, v reflect.Value) []byte {
	if t.Pointer {
		if v.IsNil() {
			return append(buf, "null"...)
		}
		v = v.Elem()
	} else if (t.Kind == KindList || t.Kind == KindMap || t.Kind == KindBlob) && v.IsNil() {
		return append(buf, "null"...)
	}
	return appendRecordValue(buf, t, v)
}
