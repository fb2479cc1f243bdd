package awsjson

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"

	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// Marshal encodes v, a shape struct or a pointer to one, as an AWS JSON
// body: members in field order under their model names, absent members left
// out (nil pointers, slices and maps, zero non-pointer values), empty
// non-nil lists as [], timestamps as epoch seconds with a millisecond
// fraction (1705309267.5), blobs as base64, non-finite doubles as the
// strings "NaN", "Infinity", "-Infinity". A nil v encodes as {}. The error
// is for a v that is not a shape.
func Marshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return []byte("{}"), nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return []byte("{}"), nil
	}
	s, err := awsapi.ShapeOf(rv.Type())
	if err != nil {
		return nil, fmt.Errorf("awsjson: marshal: %w", err)
	}
	return appendStruct(make([]byte, 0, 256), s, rv), nil
}

func appendStruct(buf []byte, s *awsapi.Shape, v reflect.Value) []byte {
	buf = append(buf, '{')
	first := true
	for _, m := range s.Members {
		f := m.Field(v)
		if !awsapi.IsSet(m.Type, f) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = trailwatch.AppendJSONString(buf, m.Name)
		buf = append(buf, ':')
		buf = appendValue(buf, m.Type, awsapi.Deref(m.Type, f))
	}
	return append(buf, '}')
}

// appendElem writes a list element or map value, which is null when nil.
func appendElem(buf []byte, t *awsapi.Type, v reflect.Value) []byte {
	if t.Pointer {
		if v.IsNil() {
			return append(buf, "null"...)
		}
		v = v.Elem()
	} else if (t.Kind == awsapi.KindList || t.Kind == awsapi.KindMap || t.Kind == awsapi.KindBlob) && v.IsNil() {
		return append(buf, "null"...)
	}
	return appendValue(buf, t, v)
}

func appendValue(buf []byte, t *awsapi.Type, v reflect.Value) []byte {
	switch t.Kind {
	case awsapi.KindString:
		return trailwatch.AppendJSONString(buf, v.String())
	case awsapi.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case awsapi.KindInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case awsapi.KindFloat:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return append(buf, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(buf, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(buf, `"-Infinity"`...)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case awsapi.KindTimestamp:
		return appendEpochSeconds(buf, v.Interface().(time.Time))
	case awsapi.KindBlob:
		b := v.Bytes()
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, b)
		return append(buf, '"')
	case awsapi.KindList:
		buf = append(buf, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendElem(buf, t.Elem, v.Index(i))
		}
		return append(buf, ']')
	case awsapi.KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = trailwatch.AppendJSONString(buf, k.String())
			buf = append(buf, ':')
			buf = appendElem(buf, t.Elem, v.MapIndex(k))
		}
		return append(buf, '}')
	case awsapi.KindStruct:
		return appendStruct(buf, t.Shape, v)
	}
	panic("BUG: awsjson: marshal kind " + t.Kind.String())
}

// appendEpochSeconds appends t as AWS JSON timestamps travel: epoch seconds,
// with a millisecond fraction only when there is one (1705309267,
// 1705309267.5, 1705309267.125). Sub-millisecond precision is dropped.
func appendEpochSeconds(buf []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 { // before 1970: floor the seconds, keep the fraction positive
		sec--
		frac += 1000
	}
	if sec < 0 && frac != 0 {
		// -1.5 s is sec -2, frac 500; print it as -1.5.
		buf = append(buf, '-')
		sec, frac = -(sec + 1), 1000-frac
	}
	buf = strconv.AppendInt(buf, sec, 10)
	if frac == 0 {
		return buf
	}
	buf = append(buf, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for buf[len(buf)-1] == '0' {
		buf = buf[:len(buf)-1]
	}
	return buf
}
