package awsquery

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// WriteResponse writes out as a query response, status 200, Content-Type
// text/xml:
//
//	<OpResponse xmlns="ns"><OpResult>…</OpResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// The Result element is left out when the output type has no members (IAM
// DeleteUser) or out is an untyped nil; it is written, possibly empty,
// whenever the type has members, because SDKs require it. Lists are
// <Name><member>…</member></Name>, maps <Name><entry><key/><value/></entry></Name>,
// timestamps ISO 8601 UTC with a millisecond fraction only when non-zero.
// If out is not a shape nothing is written and the error is returned.
func WriteResponse(w http.ResponseWriter, namespace, operation string, out any, requestID string) error {
	var s *awsapi.Shape
	rv := reflect.ValueOf(out)
	if rv.IsValid() {
		var err error
		if s, err = awsapi.ShapeOf(rv.Type()); err != nil {
			return fmt.Errorf("awsquery: write %s response: %w", operation, err)
		}
		for rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
	}
	buf := make([]byte, 0, 512)
	buf = append(buf, '<')
	buf = append(buf, operation...)
	buf = append(buf, "Response"...)
	buf = appendXMLNS(buf, namespace)
	buf = append(buf, '>')
	if s != nil && len(s.Members) > 0 {
		buf = appendOpen(buf, operation+"Result")
		if rv.Kind() == reflect.Struct {
			buf = appendMembers(buf, s, rv)
		}
		buf = appendClose(buf, operation+"Result")
	}
	buf = append(buf, "<ResponseMetadata><RequestId>"...)
	buf = appendText(buf, requestID)
	buf = append(buf, "</RequestId></ResponseMetadata></"...)
	buf = append(buf, operation...)
	buf = append(buf, "Response>"...)
	write(w, http.StatusOK, buf)
	return nil
}

// WriteError writes e as a query error with status e.HTTPStatus():
//
//	<ErrorResponse xmlns="ns"><Error><Type>Sender|Receiver</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//
// An empty namespace leaves out the xmlns attribute.
func WriteError(w http.ResponseWriter, namespace string, e *awserr.Error, requestID string) {
	buf := make([]byte, 0, 256+len(e.Message))
	buf = append(buf, "<ErrorResponse"...)
	buf = appendXMLNS(buf, namespace)
	buf = append(buf, "><Error><Type>"...)
	buf = append(buf, e.FaultType()...)
	buf = append(buf, "</Type><Code>"...)
	buf = appendText(buf, e.Code)
	buf = append(buf, "</Code><Message>"...)
	buf = appendText(buf, e.Message)
	buf = append(buf, "</Message></Error><RequestId>"...)
	buf = appendText(buf, requestID)
	buf = append(buf, "</RequestId></ErrorResponse>"...)
	write(w, e.HTTPStatus(), buf)
}

func write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(body)
}

func appendXMLNS(buf []byte, namespace string) []byte {
	if namespace == "" {
		return buf
	}
	buf = append(buf, ` xmlns="`...)
	buf = appendText(buf, namespace)
	return append(buf, '"')
}

func appendOpen(buf []byte, name string) []byte {
	buf = append(buf, '<')
	buf = append(buf, name...)
	return append(buf, '>')
}

func appendClose(buf []byte, name string) []byte {
	buf = append(buf, '<', '/')
	buf = append(buf, name...)
	return append(buf, '>')
}

func appendMembers(buf []byte, s *awsapi.Shape, v reflect.Value) []byte {
	for _, m := range s.Members {
		f := m.Field(v)
		if !awsapi.IsSet(m.Type, f) {
			continue
		}
		buf = appendElement(buf, m.Name, m.Type, awsapi.Deref(m.Type, f))
	}
	return buf
}

// appendElement writes <name>value</name> for a present value.
func appendElement(buf []byte, name string, t *awsapi.Type, v reflect.Value) []byte {
	buf = appendOpen(buf, name)
	switch t.Kind {
	case awsapi.KindString:
		buf = appendText(buf, v.String())
	case awsapi.KindBool:
		buf = strconv.AppendBool(buf, v.Bool())
	case awsapi.KindInt:
		buf = strconv.AppendInt(buf, v.Int(), 10)
	case awsapi.KindFloat:
		buf = appendDouble(buf, v.Float())
	case awsapi.KindTimestamp:
		buf = appendTimestamp(buf, v.Interface().(time.Time))
	case awsapi.KindBlob:
		buf = base64.StdEncoding.AppendEncode(buf, v.Bytes())
	case awsapi.KindList:
		for i := 0; i < v.Len(); i++ {
			if e, ok := present(t.Elem, v.Index(i)); ok {
				buf = appendElement(buf, "member", t.Elem, e)
			}
		}
	case awsapi.KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			buf = append(buf, "<entry><key>"...)
			buf = appendText(buf, k.String())
			buf = append(buf, "</key>"...)
			if e, ok := present(t.Elem, v.MapIndex(k)); ok {
				buf = appendElement(buf, "value", t.Elem, e)
			}
			buf = append(buf, "</entry>"...)
		}
	case awsapi.KindStruct:
		buf = appendMembers(buf, t.Shape, v)
	default:
		panic("BUG: awsquery: write kind " + t.Kind.String())
	}
	return appendClose(buf, name)
}

// present looks through an element's pointer; nil elements are left out,
// as XML has no null.
func present(t *awsapi.Type, v reflect.Value) (reflect.Value, bool) {
	if t.Pointer || t.Kind == awsapi.KindList || t.Kind == awsapi.KindMap || t.Kind == awsapi.KindBlob {
		if v.IsNil() {
			return v, false
		}
	}
	return awsapi.Deref(t, v), true
}

func appendDouble(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	return strconv.AppendFloat(buf, f, 'g', -1, 64)
}

// appendTimestamp appends t as query responses carry timestamps: ISO 8601
// in UTC, 2006-01-02T15:04:05Z, with a millisecond fraction
// (2006-01-02T15:04:05.500Z) only when the milliseconds are not zero.
func appendTimestamp(buf []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Nanosecond()/1e6 == 0 {
		return t.AppendFormat(buf, "2006-01-02T15:04:05Z")
	}
	return t.AppendFormat(buf, "2006-01-02T15:04:05.000Z")
}

// appendText appends s escaped for XML character data and attribute
// values. Characters XML 1.0 cannot carry (most control characters, lone
// surrogates, U+FFFE, U+FFFF, invalid UTF-8) become U+FFFD; \r is written as
// a reference so the parser's line-end normalisation keeps it.
func appendText(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		size := 1
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"':
				esc = "&quot;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\n' && c != '\t':
				esc = "\uFFFD"
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			buf = append(buf, s[start:i]...)
			buf = append(buf, esc...)
			start = i + size
		}
		i += size
	}
	return append(buf, s[start:]...)
}
