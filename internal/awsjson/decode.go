// Package awsjson is the AWS JSON 1.0 / 1.1 wire codec
// (reference/protocols.md §2): it decodes request bodies into shape structs,
// encodes output shapes, and writes responses and errors the way AWS JSON
// services do, so that botocore and aws-sdk-go-v2 clients parse them.
//
// Shapes are the plain structs described in package awsapi; the member
// name is the json tag. Members that are absent (awsapi.IsSet) are not
// written.
package awsjson

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// SerializationCode is the error code AWS JSON services answer with when a
// body cannot be read into the operation's input.
const SerializationCode = "SerializationException"

// maxDepth bounds nesting so hostile bodies cannot exhaust the stack; no
// AWS input shape comes near it.
const maxDepth = 256

// Messages AWS (Coral) sends for a JSON value of the wrong type, as measured
// against a live awsJson1_1 service in 2026 and seen in DynamoDB replies.
const (
	msgStartOfList   = "Start of list found where not expected"
	msgStartOfObject = "Start of structure or map found where not expected."
	msgExpectedList  = "Expected list or null"
	msgExpectedNull  = "Expected null"
	msgBlobNotString = "only base-64-encoded strings are convertible to bytes"
	// msgExpectedMap follows msgExpectedList; AWS's map text is unverified.
	msgExpectedMap = "Expected map or null"
)

// Decode reads an AWS JSON request body into dst, a non-nil pointer to a
// shape struct. An empty or all-whitespace body is {}. Unknown members and
// null values are ignored, as AWS ignores them. Timestamps are epoch
// seconds (integer or fractional JSON numbers) or ISO 8601 strings; blobs
// are base64 strings; doubles also accept "NaN", "Infinity", "-Infinity".
//
// A body that is not JSON, or a member of the wrong JSON type, returns an
// *awserr.Error with code SerializationException and status 400; its
// message is AWS's where AWS's is known. A dst that is not a shape returns a
// plain error (a bug in the caller). Decode never panics, whatever the body.
// On error dst may be partly filled.
func Decode(body []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awsjson: decode into %T: want a non-nil pointer to a struct", dst)
	}
	s, err := awsapi.ShapeOf(rv.Type())
	if err != nil {
		return fmt.Errorf("awsjson: decode: %w", err)
	}
	d := decoder{data: body}
	d.skipSpace()
	if d.pos == len(d.data) {
		return nil
	}
	switch d.data[d.pos] {
	case '{':
		if err := d.object(s, rv.Elem()); err != nil {
			return err
		}
	case '[':
		return serializationError(msgStartOfList)
	default:
		return serializationError("The request body must be a JSON object")
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return d.syntaxError("unexpected data after the JSON object")
	}
	return nil
}

func serializationError(msg string) *awserr.Error {
	return &awserr.Error{Code: SerializationCode, Message: msg, Status: http.StatusBadRequest}
}

type decoder struct {
	data  []byte
	pos   int
	depth int
	// scratch holds unescaped string bytes between calls.
	scratch []byte
}

// syntaxError reports malformed JSON. AWS answers such bodies with a bare
// SerializationException and no message at all; a message that says where
// the body broke serves callers better and no client parses it.
func (d *decoder) syntaxError(what string) *awserr.Error {
	if d.pos >= len(d.data) {
		return serializationError("Malformed JSON request body: unexpected end of input")
	}
	return serializationError(fmt.Sprintf("Malformed JSON request body: %s at offset %d", what, d.pos))
}

func (d *decoder) unexpected() *awserr.Error {
	if d.pos >= len(d.data) {
		return d.syntaxError("")
	}
	return d.syntaxError(fmt.Sprintf("unexpected character %q", d.data[d.pos]))
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		return d.unexpected()
	}
	d.pos++
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntaxError("nesting too deep")
	}
	return nil
}

// object reads a JSON object into struct v of shape s.
func (d *decoder) object(s *awsapi.Shape, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // '{'
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.unexpected()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		m := s.Member(string(key))
		if err := d.expect(':'); err != nil {
			return err
		}
		if m == nil {
			err = d.skip()
		} else {
			err = d.value(m.Type, m.Field(v))
		}
		if err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.unexpected()
		}
	}
}

// value reads one JSON value into v, a settable value of type t. A JSON
// null leaves v as it was: null means absent.
func (d *decoder) value(t *awsapi.Type, v reflect.Value) error {
	c := d.peek()
	if c == 'n' {
		return d.literal("null")
	}
	if t.Pointer {
		p := reflect.New(t.Go)
		if err := d.present(t, p.Elem(), c); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return d.present(t, v, c)
}

// present reads a non-null value starting with c into v (not a pointer).
func (d *decoder) present(t *awsapi.Type, v reflect.Value, c byte) error {
	switch t.Kind {
	case awsapi.KindStruct:
		switch c {
		case '{':
			return d.object(t.Shape, v)
		case '[':
			return d.startOf(c)
		default:
			return d.scalarMismatch(c, msgExpectedNull)
		}
	case awsapi.KindList:
		switch c {
		case '[':
			return d.list(t, v)
		case '{':
			return d.startOf(c)
		default:
			return d.scalarMismatch(c, msgExpectedList)
		}
	case awsapi.KindMap:
		switch c {
		case '{':
			return d.mapValue(t, v)
		case '[':
			return d.startOf(c)
		default:
			return d.scalarMismatch(c, msgExpectedMap)
		}
	}
	if c == '[' || c == '{' {
		return d.startOf(c)
	}
	switch t.Kind {
	case awsapi.KindString:
		if c != '"' {
			return d.convert(c, "a String")
		}
		b, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(string(b))
	case awsapi.KindBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
		default:
			return d.convert(c, "a Boolean")
		}
	case awsapi.KindInt:
		return d.integer(t, v, c)
	case awsapi.KindFloat:
		return d.double(v, c)
	case awsapi.KindTimestamp:
		return d.timestamp(v, c)
	case awsapi.KindBlob:
		if c != '"' {
			if err := d.scalar(c); err != nil {
				return err
			}
			return serializationError(msgBlobNotString)
		}
		b, err := d.str()
		if err != nil {
			return err
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
		n, err := base64.StdEncoding.Decode(out, b)
		if err != nil {
			return serializationError("Blob value is not valid base64: " + err.Error())
		}
		v.SetBytes(out[:n])
	default:
		return fmt.Errorf("BUG: awsjson: kind %s", t.Kind)
	}
	return nil
}

// startOf reports an array or object where a scalar or the other container
// belongs. The value is not read: the error ends decoding.
func (d *decoder) startOf(c byte) error {
	if c == '[' {
		return serializationError(msgStartOfList)
	}
	return serializationError(msgStartOfObject)
}

// scalar checks the scalar starting with c is well-formed JSON, consuming
// it, so that a syntax error wins over a type error as it would when AWS
// parses the whole body first.
func (d *decoder) scalar(c byte) error {
	switch {
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == '-' || '0' <= c && c <= '9':
		_, err := d.number()
		return err
	default:
		return d.unexpected()
	}
}

func (d *decoder) scalarMismatch(c byte, msg string) error {
	if err := d.scalar(c); err != nil {
		return err
	}
	return serializationError(msg)
}

// convert reports a scalar of the wrong type with Coral's sentence, e.g.
// "STRING_VALUE can not be converted to an Integer".
func (d *decoder) convert(c byte, target string) error {
	if err := d.scalar(c); err != nil {
		return err
	}
	var found string
	switch c {
	case '"':
		found = "STRING_VALUE"
	case 't':
		found = "TRUE_VALUE"
	case 'f':
		found = "FALSE_VALUE"
	default:
		found = "NUMBER_VALUE"
	}
	return serializationError(found + " can not be converted to " + target)
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.unexpected()
	}
	d.pos += len(word)
	return nil
}

func (d *decoder) list(t *awsapi.Type, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // '['
	// Elements are decoded in place at the end of an addressable slice:
	// decoding into a temporary and reflect.Append-ing it cost a tenth of
	// decoding a PutLogEvents batch.
	out := reflect.New(t.Go).Elem()
	out.Set(reflect.MakeSlice(t.Go, 0, 4))
	if d.peek() == ']' {
		d.pos++
		v.Set(out)
		return nil
	}
	for {
		// AWS drops null elements rather than keeping them.
		if d.peek() == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			n := out.Len()
			if n == out.Cap() {
				out.Grow(1)
			}
			out.SetLen(n + 1)
			if err := d.value(t.Elem, out.Index(n)); err != nil {
				return err
			}
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			v.Set(out)
			return nil
		default:
			return d.unexpected()
		}
	}
}

func (d *decoder) mapValue(t *awsapi.Type, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // '{'
	out := reflect.MakeMap(t.Go)
	elemType := t.Elem.Go
	if t.Elem.Pointer {
		elemType = reflect.PointerTo(elemType)
	}
	if d.peek() == '}' {
		d.pos++
		v.Set(out)
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.unexpected()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		k := reflect.ValueOf(string(key)).Convert(t.Go.Key())
		if err := d.expect(':'); err != nil {
			return err
		}
		if d.peek() == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			elem := reflect.New(elemType).Elem()
			if err := d.value(t.Elem, elem); err != nil {
				return err
			}
			out.SetMapIndex(k, elem)
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			v.Set(out)
			return nil
		default:
			return d.unexpected()
		}
	}
}

// skip consumes any JSON value, checking its syntax.
func (d *decoder) skip() error {
	c := d.peek()
	switch c {
	case '{', '[':
		if err := d.enter(); err != nil {
			return err
		}
		defer func() { d.depth-- }()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		d.pos++
		if d.peek() == end {
			d.pos++
			return nil
		}
		for {
			if c == '{' {
				if d.peek() != '"' {
					return d.unexpected()
				}
				if _, err := d.str(); err != nil {
					return err
				}
				if err := d.expect(':'); err != nil {
					return err
				}
			}
			if err := d.skip(); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.pos++
			case end:
				d.pos++
				return nil
			default:
				return d.unexpected()
			}
		}
	case 'n':
		return d.literal("null")
	default:
		return d.scalar(c)
	}
}

// number consumes a JSON number and returns its text.
func (d *decoder) number() ([]byte, error) {
	start := d.pos
	digits := func() bool {
		n := d.pos
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
		}
		return d.pos > n
	}
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.data) && d.data[d.pos] == '0' {
		d.pos++
	} else if !digits() {
		return nil, d.unexpected()
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if !digits() {
			return nil, d.unexpected()
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if !digits() {
			return nil, d.unexpected()
		}
	}
	return d.data[start:d.pos], nil
}

func isIntegral(num []byte) bool {
	for _, c := range num {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

func (d *decoder) integer(t *awsapi.Type, v reflect.Value, c byte) error {
	target := "a Long"
	if t.Bits == 32 {
		target = "an Integer"
	}
	if c != '-' && (c < '0' || c > '9') {
		return d.convert(c, target)
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	var n int64
	if isIntegral(num) {
		n, err = strconv.ParseInt(string(num), 10, t.Bits)
		if err != nil {
			return serializationError("NUMBER_VALUE can not be converted to " + target)
		}
	} else {
		// AWS truncates a fractional number sent for an integer member.
		f, err := strconv.ParseFloat(string(num), 64)
		f = math.Trunc(f)
		limit := math.Ldexp(1, t.Bits-1)
		if err != nil || f < -limit || f >= limit {
			return serializationError("NUMBER_VALUE can not be converted to " + target)
		}
		n = int64(f)
	}
	v.SetInt(n)
	return nil
}

func (d *decoder) double(v reflect.Value, c byte) error {
	if c == '"' {
		b, err := d.str()
		if err != nil {
			return err
		}
		// Non-finite doubles travel as strings (reference/protocols.md §2).
		switch string(b) {
		case "NaN":
			v.SetFloat(math.NaN())
		case "Infinity":
			v.SetFloat(math.Inf(1))
		case "-Infinity":
			v.SetFloat(math.Inf(-1))
		default:
			return serializationError("STRING_VALUE can not be converted to a Double")
		}
		return nil
	}
	if c != '-' && (c < '0' || c > '9') {
		return d.convert(c, "a Double")
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return serializationError("NUMBER_VALUE can not be converted to a Double")
	}
	v.SetFloat(f)
	return nil
}

func (d *decoder) timestamp(v reflect.Value, c byte) error {
	if c == '"' {
		b, err := d.str()
		if err != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return serializationError(fmt.Sprintf("Timestamp %q is neither epoch seconds nor ISO 8601", b))
		}
		v.Set(reflect.ValueOf(t.UTC()))
		return nil
	}
	if c != '-' && (c < '0' || c > '9') {
		return d.convert(c, "a Timestamp")
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	t, ok := epochSeconds(num)
	if !ok {
		return serializationError(fmt.Sprintf("Timestamp %s is out of range", num))
	}
	v.Set(reflect.ValueOf(t))
	return nil
}

// maxEpoch keeps timestamps within years 0001–9999, which every client can
// print back.
const maxEpoch = 253402300799

// epochSeconds converts a JSON number of epoch seconds to a time. Plain
// decimals are split exactly (1705309267.5 must not become …267.499999);
// exponent forms go through float64.
func epochSeconds(num []byte) (time.Time, bool) {
	s := string(num)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var sec, nsec int64
	if !strings.ContainsAny(s, "eE") {
		intPart, frac, _ := strings.Cut(s, ".")
		var err error
		if len(intPart) > 12 {
			return time.Time{}, false
		}
		sec, err = strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		for i := 0; i < 9; i++ {
			nsec *= 10
			if i < len(frac) {
				nsec += int64(frac[i] - '0')
			}
		}
	} else {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > maxEpoch+1 {
			return time.Time{}, false
		}
		sec = int64(f)
		nsec = int64(math.Round((f - float64(sec)) * 1e9))
	}
	if sec > maxEpoch {
		return time.Time{}, false
	}
	if neg {
		sec, nsec = -sec, -nsec
		if sec < -62135596800 {
			return time.Time{}, false
		}
	}
	return time.Unix(sec, nsec).UTC(), true
}

// str consumes a JSON string and returns its unescaped bytes. The result
// aliases the body or d.scratch and is valid until the next call.
func (d *decoder) str() ([]byte, error) {
	d.pos++ // opening quote
	start := d.pos
	// Fast path: no escapes, valid UTF-8, no control characters.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := d.data[start:d.pos]
			d.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		d.pos++
	}
	buf := append(d.scratch[:0], d.data[start:d.pos]...)
	for {
		if d.pos >= len(d.data) {
			return nil, d.syntaxError("")
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.scratch = buf
			return buf, nil
		case c < 0x20:
			return nil, d.syntaxError("control character in string")
		case c == '\\':
			d.pos++
			if d.pos >= len(d.data) {
				return nil, d.syntaxError("")
			}
			e := d.data[d.pos]
			d.pos++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return nil, d.syntaxError("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// A high surrogate must be followed by \uDC00–\uDFFF;
					// a lone surrogate becomes U+FFFD as in encoding/json.
					r2 := utf8.RuneError
					if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						if lo, ok := d.hex4(); ok {
							if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
								r2 = pair
							} else {
								d.pos = save
							}
						} else {
							return nil, d.syntaxError("bad \\u escape")
						}
					}
					r = r2
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos -= 2
				return nil, d.syntaxError("bad escape")
			}
		case c < utf8.RuneSelf:
			// Copy the run of plain ASCII up to the next quote, escape,
			// control or non-ASCII byte at once: a log line that is
			// itself JSON has an escaped quote every few bytes, and
			// byte-at-a-time appends made this loop a quarter of
			// PutLogEvents' decoding.
			end := d.pos + 1
			for end < len(d.data) {
				if c := d.data[end]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
					break
				}
				end++
			}
			buf = append(buf, d.data[d.pos:end]...)
			d.pos = end
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d.data[d.pos:d.pos+size]...)
			}
			d.pos += size
		}
	}
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}
