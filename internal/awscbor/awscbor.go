// Package awscbor is the Smithy RPC v2 CBOR wire codec
// (reference/protocols.md §5): it decodes request bodies into shape structs,
// encodes output shapes, and writes responses and errors the way rpcv2Cbor
// services do, so that aws-sdk-go-v2 (and any other Smithy client) parses
// them. The CBOR itself is read and written by github.com/fxamacker/cbor/v2;
// this package maps it onto the shapes of package awsapi.
package awscbor

import (
	"fmt"
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
