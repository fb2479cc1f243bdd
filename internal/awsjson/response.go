package awsjson

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/trailwatch/trailwatch"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// WriteResponse writes out as a 200 response with the request's content
// type (application/x-amz-json-1.0 or -1.1). The caller sets
// x-amzn-RequestId and Date first. If out cannot be encoded nothing is
// written and the error is returned, so the caller can still answer with an
// error.
func WriteResponse(w http.ResponseWriter, contentType string, out any) error {
	body, err := Marshal(out)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// ErrorOptions says how a service spells its JSON errors.
type ErrorOptions struct {
	// MessageKey is the body member holding the message: "message" when
	// empty; CloudTrail answers with "Message".
	MessageKey string
	// MessageKeyOf, when set, names the message member for an error code;
	// "" means MessageKey.
	MessageKeyOf func(code string) string
	// ShapeNamespace prefixes __type, e.g. "com.amazonaws.cloudwatch#"
	// (awsJson1_0 servers should send the full shape id; clients keep the
	// part after '#').
	ShapeNamespace string
	// QueryCompatible adds x-amzn-query-error: Code;Sender|Receiver, from
	// which clients of awsQueryCompatible services (CloudWatch) take the
	// error code (reference/protocols.md §0.4).
	QueryCompatible bool
	// TypeOf, when set, maps the error code to __type instead of
	// ShapeNamespace (query-compatible services name Smithy shapes there
	// and keep the query code for x-amzn-query-error).
	TypeOf func(code string) string
}

// WriteError writes e as an AWS JSON error: status e.HTTPStatus(), body
// {"__type":"<ns><Code>","message":"…"}. The message member is left out when
// e.Message is empty. The caller sets x-amzn-RequestId and Date first.
func WriteError(w http.ResponseWriter, contentType string, e *awserr.Error, opt ErrorOptions) {
	key := opt.MessageKey
	if opt.MessageKeyOf != nil {
		if k := opt.MessageKeyOf(e.Code); k != "" {
			key = k
		}
	}
	if key == "" {
		key = "message"
	}
	body := make([]byte, 0, 64+len(e.Message))
	body = append(body, `{"__type":`...)
	typ := opt.ShapeNamespace + e.Code
	if opt.TypeOf != nil {
		typ = opt.TypeOf(e.Code)
	}
	body = trailwatch.AppendJSONString(body, typ)
	if e.Message != "" {
		body = append(body, ',')
		body = trailwatch.AppendJSONString(body, key)
		body = append(body, ':')
		body = trailwatch.AppendJSONString(body, e.Message)
	}
	body = append(body, '}')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if opt.QueryCompatible {
		h.Set("x-amzn-query-error", e.Code+";"+e.FaultType())
	}
	w.WriteHeader(e.HTTPStatus())
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(body)
}
