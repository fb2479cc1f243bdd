package awscbor

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// A PutMetricData body carries a thousand datums; decoding it through
// map[string]any allocated every key, value and container twice over. So
// the body is checked once by fxamacker/cbor (well-formed, nesting,
// no trailing bytes) and then read straight into the shape, one item at
// a time: keys are looked up in place, repeated strings (metric and
// dimension names, units) are made once per body.

// maxEpochSeconds keeps decoded times inside what time.Time and every
// storage column represent (year 9999).
const maxEpochSeconds = 253402300799

// maxInterned bounds the strings a body shares between its members.
const (
	maxInterned    = 4096
	maxInternedLen = 128
)

// Decode reads an RPC v2 CBOR request body into dst, a non-nil pointer to a
// shape struct. An empty body is an empty input. Both definite and
// indefinite lengths are accepted; unknown members, null and undefined are
// ignored. Timestamps are tag 1 with integer or float epoch seconds, to the
// millisecond (an untagged number is accepted too, as is tag 0 with an
// RFC 3339 string).
//
// A body that is not CBOR (malformed, invalid UTF-8, duplicate map keys,
// keys that are not text), or a member of the wrong type, returns an
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
	if err := decMode.Wellformed(body); err != nil {
		return serializationError("Unable to parse the CBOR request body: %s", err.Error())
	}
	d := &decoder{b: body}
	h := d.head()
	switch {
	case h.major == majorMap:
		return d.structure(s, rv.Elem(), h)
	case h.isNull():
		return nil
	}
	if err := d.skip(h); err != nil {
		return err
	}
	return serializationError("The request body must be a CBOR map")
}

const (
	majorUint   = 0
	majorNint   = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// item is the head of one data item.
type item struct {
	major byte
	info  byte   // the additional information: 20 false … 27 double for major 7
	arg   uint64 // the argument: value, length, count or tag number
	indef bool   // indefinite length (or a break, major 7)
}

func (h item) isNull() bool { return h.major == majorSimple && (h.info == 22 || h.info == 23) }

// decoder reads a well-formed body. It still checks every bound, so that a
// mistake in the well-formedness check cannot become a panic.
type decoder struct {
	b      []byte
	off    int
	strs   map[string]string
	broken bool
	// path is where the decoder is, for error messages: it is spelled
	// out only when one is written.
	path []pathElem
}

// pathElem is a member or map key, or a list position (from 1).
type pathElem struct {
	key   []byte
	index int
}

// pathString spells the path the way the messages always have:
// MetricData.1.Dimensions.1.Name.
func (d *decoder) pathString() string {
	var b []byte
	for i, e := range d.path {
		if i > 0 {
			b = append(b, '.')
		}
		if e.index > 0 {
			b = strconv.AppendInt(b, int64(e.index), 10)
		} else {
			b = append(b, e.key...)
		}
	}
	return string(b)
}

func (d *decoder) head() item {
	if d.off >= len(d.b) {
		d.broken = true
		return item{major: majorSimple, info: 31, indef: true}
	}
	ib := d.b[d.off]
	d.off++
	h := item{major: ib >> 5, info: ib & 0x1f}
	switch n := h.info; {
	case n < 24:
		h.arg = uint64(n)
	case n <= 27:
		size := 1 << (n - 24)
		if d.off+size > len(d.b) {
			d.broken = true
			return item{major: majorSimple, info: 31, indef: true}
		}
		p := d.b[d.off : d.off+size]
		d.off += size
		switch size {
		case 1:
			h.arg = uint64(p[0])
		case 2:
			h.arg = uint64(binary.BigEndian.Uint16(p))
		case 4:
			h.arg = uint64(binary.BigEndian.Uint32(p))
		default:
			h.arg = binary.BigEndian.Uint64(p)
		}
	case n == 31:
		h.indef = true
	default:
		d.broken = true
	}
	return h
}

func (d *decoder) isBreak() bool { return d.off < len(d.b) && d.b[d.off] == 0xff }

// malformed is what a decoder that lost its place reports.
func malformed() error {
	return serializationError("Unable to parse the CBOR request body: malformed item")
}

// bytes returns the content of a byte or text string (h its head): a
// slice of the body when definite, the chunks joined when not.
func (d *decoder) bytes(h item) ([]byte, error) {
	if !h.indef {
		if h.arg > uint64(len(d.b)-d.off) {
			return nil, malformed()
		}
		p := d.b[d.off : d.off+int(h.arg)]
		d.off += int(h.arg)
		return p, nil
	}
	var out []byte
	for !d.isBreak() {
		c := d.head()
		if d.broken || c.major != h.major || c.indef {
			return nil, malformed()
		}
		p, err := d.bytes(c)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	d.off++
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// text returns a text string's content, checked to be UTF-8.
func (d *decoder) text(h item) ([]byte, error) {
	p, err := d.bytes(h)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(p) {
		return nil, serializationError("Unable to parse the CBOR request body: cbor: invalid UTF-8 string")
	}
	return p, nil
}

// str makes a string of p, once per distinct short value in a body.
func (d *decoder) str(p []byte) string {
	if len(p) > maxInternedLen {
		return string(p)
	}
	if s, ok := d.strs[string(p)]; ok {
		return s
	}
	s := string(p)
	if d.strs == nil {
		d.strs = map[string]string{}
	}
	if len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	return s
}

// keys tracks a map's keys to refuse duplicates, as the old decoder did.
// Shapes have few members, so a short list does.
type keys struct {
	seen [16][]byte
	n    int
	set  map[string]struct{}
}

func (k *keys) add(key []byte) bool {
	if k.set != nil {
		if _, dup := k.set[string(key)]; dup {
			return false
		}
		k.set[string(key)] = struct{}{}
		return true
	}
	for _, s := range k.seen[:k.n] {
		if string(s) == string(key) {
			return false
		}
	}
	if k.n < len(k.seen) {
		k.seen[k.n] = key
		k.n++
		return true
	}
	k.set = make(map[string]struct{}, 2*len(k.seen))
	for _, s := range k.seen {
		k.set[string(s)] = struct{}{}
	}
	k.set[string(key)] = struct{}{}
	return true
}

func duplicateKey(key []byte) error {
	return serializationError("Unable to parse the CBOR request body: cbor: found duplicate map key %q", key)
}

// mapKey reads the next key of a map whose head is h (n keys read so
// far); ok is false at its end.
func (d *decoder) mapKey(h item, n uint64) (key []byte, ok bool, err error) {
	if h.indef {
		if d.isBreak() {
			d.off++
			return nil, false, nil
		}
	} else if n >= h.arg {
		return nil, false, nil
	}
	kh := d.head()
	for kh.major == majorTag && !d.broken {
		// fxamacker/cbor read a tagged key as its content.
		c := d.head()
		if err := builtinTag(kh.arg, c); err != nil {
			return nil, false, err
		}
		kh = c
	}
	if d.broken {
		return nil, false, malformed()
	}
	if kh.isNull() {
		// fxamacker/cbor read a null or undefined key as "".
		return []byte{}, true, nil
	}
	if kh.major != majorText {
		return nil, false, serializationError("Unable to parse the CBOR request body: map keys must be text strings")
	}
	key, err = d.text(kh)
	return key, err == nil, err
}

func (d *decoder) structure(s *awsapi.Shape, v reflect.Value, h item) error {
	var seen keys
	for n := uint64(0); ; n++ {
		key, ok, err := d.mapKey(h, n)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if !seen.add(key) {
			return duplicateKey(key)
		}
		vh := d.head()
		if d.broken {
			return malformed()
		}
		mem := s.MemberBytes(key)
		if mem == nil || vh.isNull() {
			if err := d.skip(vh); err != nil {
				return err
			}
			continue
		}
		d.path = append(d.path, pathElem{key: key})
		if err := d.set(mem.Type, mem.Field(v), vh); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
	}
}

// skip passes over an item whose head is h, checking what the old decoder
// checked: text is UTF-8, map keys are distinct text strings.
func (d *decoder) skip(h item) error {
	if d.broken {
		return malformed()
	}
	switch h.major {
	case majorUint, majorNint, majorSimple:
		return nil
	case majorBytes:
		_, err := d.bytes(h)
		return err
	case majorText:
		_, err := d.text(h)
		return err
	case majorTag:
		if h.arg == 0 || h.arg == 1 {
			// fxamacker/cbor made times of these wherever they were.
			_, _, err := d.timeTag(h.arg, false)
			return err
		}
		c := d.head()
		if err := builtinTag(h.arg, c); err != nil {
			return err
		}
		return d.skip(c)
	case majorArray:
		for n := uint64(0); ; n++ {
			if h.indef {
				if d.isBreak() {
					d.off++
					return nil
				}
			} else if n >= h.arg {
				return nil
			}
			if err := d.skip(d.head()); err != nil {
				return err
			}
		}
	case majorMap:
		var seen keys
		for n := uint64(0); ; n++ {
			key, ok, err := d.mapKey(h, n)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if !seen.add(key) {
				return duplicateKey(key)
			}
			if err := d.skip(d.head()); err != nil {
				return err
			}
		}
	}
	return malformed()
}

func (d *decoder) mismatch(t *awsapi.Type, h item) error {
	found := "a tagged value"
	switch h.major {
	case majorUint, majorNint:
		found = "an integer"
	case majorBytes:
		found = "a byte string"
	case majorText:
		found = "a text string"
	case majorArray:
		found = "an array"
	case majorMap:
		found = "a map"
	case majorSimple:
		switch {
		case h.info == 20 || h.info == 21:
			found = "a boolean"
		case h.info >= 25 && h.info <= 27:
			found = "a float"
		default:
			found = "a simple value"
		}
	}
	// The item is read to its end, so that a malformed one is reported
	// as such rather than as the wrong type.
	if err := d.skip(h); err != nil {
		return err
	}
	return serializationError("Expected a %s at %s, found %s", t.Kind, d.pathString(), found)
}

// set stores the item whose head is h into v, a field of type t.
func (d *decoder) set(t *awsapi.Type, v reflect.Value, h item) error {
	if t.Pointer {
		p := reflect.New(t.Go)
		if err := d.setValue(t, p.Elem(), h); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return d.setValue(t, v, h)
}

func (d *decoder) setValue(t *awsapi.Type, v reflect.Value, h item) error {
	switch t.Kind {
	case awsapi.KindString:
		if h.major != majorText {
			return d.mismatch(t, h)
		}
		p, err := d.text(h)
		if err != nil {
			return err
		}
		v.SetString(d.str(p))
	case awsapi.KindBool:
		if h.major != majorSimple || (h.info != 20 && h.info != 21) {
			return d.mismatch(t, h)
		}
		v.SetBool(h.info == 21)
	case awsapi.KindInt:
		var n int64
		switch {
		case h.major == majorUint && h.arg <= math.MaxInt64:
			n = int64(h.arg)
		case h.major == majorNint && h.arg <= math.MaxInt64:
			n = -1 - int64(h.arg)
		case h.major == majorUint:
			return serializationError("Integer at %s is out of range", d.pathString())
		default:
			return d.mismatch(t, h)
		}
		if t.Bits == 32 && (n > math.MaxInt32 || n < math.MinInt32) {
			return serializationError("Integer at %s is out of range", d.pathString())
		}
		v.SetInt(n)
	case awsapi.KindFloat:
		f, ok := number(h)
		if !ok {
			return d.mismatch(t, h)
		}
		v.SetFloat(f)
	case awsapi.KindTimestamp:
		tm, ok, err := d.timestamp(h)
		switch {
		case err != nil:
			return err
		case !ok && h.major != majorTag:
			return d.mismatch(t, h)
		case !ok:
			return serializationError("Expected a %s at %s, found %s", t.Kind, d.pathString(), "a tagged value")
		}
		v.Set(reflect.ValueOf(tm))
	case awsapi.KindBlob:
		if h.major != majorBytes {
			return d.mismatch(t, h)
		}
		p, err := d.bytes(h)
		if err != nil {
			return err
		}
		v.SetBytes(append([]byte{}, p...))
	case awsapi.KindList:
		if h.major != majorArray {
			return d.mismatch(t, h)
		}
		return d.list(t, v, h)
	case awsapi.KindMap:
		if h.major != majorMap {
			return d.mismatch(t, h)
		}
		return d.mapValue(t, v, h)
	case awsapi.KindStruct:
		if h.major != majorMap {
			return d.mismatch(t, h)
		}
		return d.structure(t.Shape, v, h)
	default:
		return fmt.Errorf("awscbor: decode kind %s", t.Kind)
	}
	return nil
}

func (d *decoder) list(t *awsapi.Type, v reflect.Value, h item) error {
	// out is addressable, so an indefinite list grows it with SetLen
	// within capacity rather than a reflect.Append per element.
	out := reflect.New(v.Type()).Elem()
	if h.indef {
		out.Set(reflect.MakeSlice(v.Type(), 0, 8))
	} else {
		// Every element takes at least a byte, which bounds what a
		// hostile count can make us allocate.
		if h.arg > uint64(len(d.b)-d.off) {
			return malformed()
		}
		out.Set(reflect.MakeSlice(v.Type(), int(h.arg), int(h.arg)))
	}
	for i := 0; ; i++ {
		if h.indef {
			if d.isBreak() {
				d.off++
				break
			}
			if i == out.Cap() {
				grown := reflect.MakeSlice(v.Type(), i, 2*i)
				reflect.Copy(grown, out)
				out.Set(grown)
			}
			out.SetLen(i + 1)
		} else if uint64(i) >= h.arg {
			break
		}
		eh := d.head()
		if d.broken {
			return malformed()
		}
		if eh.isNull() {
			// Smithy clients propagate nulls in lists; the shape's
			// element stays zero and validation judges it.
			continue
		}
		d.path = append(d.path, pathElem{index: i + 1})
		if err := d.set(t.Elem, out.Index(i), eh); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
	}
	v.Set(out)
	return nil
}

func (d *decoder) mapValue(t *awsapi.Type, v reflect.Value, h item) error {
	out := reflect.MakeMap(v.Type())
	var seen keys
	for n := uint64(0); ; n++ {
		key, ok, err := d.mapKey(h, n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if !seen.add(key) {
			return duplicateKey(key)
		}
		eh := d.head()
		if d.broken {
			return malformed()
		}
		if eh.isNull() {
			if err := d.skip(eh); err != nil {
				return err
			}
			continue
		}
		k := string(key)
		ev := reflect.New(v.Type().Elem()).Elem()
		d.path = append(d.path, pathElem{key: key})
		if err := d.set(t.Elem, ev, eh); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
		out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
	}
	v.Set(out)
	return nil
}

// builtinTag refuses what the old decoder refused: content of the wrong
// type for a tag RFC 8949 defines (date/time, epoch time, bignums).
func builtinTag(tag uint64, c item) error {
	ok := true
	switch tag {
	case 0:
		ok = c.major == majorText
	case 1:
		ok = c.major == majorUint || c.major == majorNint || (c.major == majorSimple && c.info >= 25 && c.info <= 27)
	case 2, 3:
		ok = c.major == majorBytes
	}
	if !ok {
		return serializationError("Unable to parse the CBOR request body: cbor: tag %d has content of the wrong type", tag)
	}
	return nil
}

// number reads an integer or float item as a float64.
func number(h item) (float64, bool) {
	switch h.major {
	case majorUint:
		return float64(h.arg), true
	case majorNint:
		if h.arg > math.MaxInt64 {
			// The old decoder saw a big.Int here.
			return 0, false
		}
		return float64(-1 - int64(h.arg)), true
	case majorSimple:
		switch h.info {
		case 25:
			return halfFloat(uint16(h.arg)), true
		case 26:
			return float64(math.Float32frombits(uint32(h.arg))), true
		case 27:
			return math.Float64frombits(h.arg), true
		}
	}
	return 0, false
}

// halfFloat widens an IEEE 754 binary16 value.
func halfFloat(u uint16) float64 {
	sign := 1.0
	if u&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(u>>10)&0x1f, float64(u&0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}

// timestamp reads a timestamp item: ok is false when it is not one, in
// which case a tagged item has been read and an untagged one has not.
func (d *decoder) timestamp(h item) (time.Time, bool, error) {
	if h.major != majorTag {
		// Not consumed when it is not a number: the caller reports it.
		tm, ok := epoch(h)
		return tm, ok, nil
	}
	if h.arg != 0 && h.arg != 1 {
		c := d.head()
		if err := builtinTag(h.arg, c); err != nil {
			return time.Time{}, false, err
		}
		return time.Time{}, false, d.skip(c)
	}
	return d.timeTag(h.arg, true)
}

// timeTag reads the content of tag 0 (RFC 3339 text) or 1 (epoch
// seconds). Content fxamacker/cbor could not make a time of is an error;
// so, when strict (a timestamp member), is an epoch beyond year 9999 or
// not a number, which ok false reports.
func (d *decoder) timeTag(tag uint64, strict bool) (tm time.Time, ok bool, err error) {
	c := d.head()
	if d.broken {
		return time.Time{}, false, malformed()
	}
	if err := builtinTag(tag, c); err != nil {
		return time.Time{}, false, err
	}
	if tag == 0 {
		p, err := d.text(c)
		if err != nil {
			return time.Time{}, false, err
		}
		tm, err := time.Parse(time.RFC3339, string(p))
		if err != nil {
			return time.Time{}, false, serializationError("Unable to parse the CBOR request body: cbor: cannot set %s for time.Time: %s", p, err)
		}
		return tm.UTC(), true, nil
	}
	f, _ := number(c)
	if sec := math.Trunc(f); (c.major != majorSimple && c.arg > math.MaxInt64) || sec > math.MaxInt64 || sec < math.MinInt64 {
		return time.Time{}, false, serializationError("Unable to parse the CBOR request body: cbor: epoch time overflows Go's int64")
	}
	if !strict {
		return time.Time{}, true, nil
	}
	tm, ok = epoch(c)
	return tm, ok, nil
}

func epoch(h item) (time.Time, bool) {
	f, ok := number(h)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxEpochSeconds {
		return time.Time{}, false
	}
	// Millisecond resolution is what the protocol carries.
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}
