// Package awserr is the error value every service returns to a client: an
// AWS error code, AWS's message, and the HTTP status. Protocol codecs write it
// in their wire shape; anything else a handler returns becomes InternalFailure.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error.
type Error struct {
	// Code is the AWS error code: the error shape's name for JSON protocols
	// (ResourceNotFoundException), the query code for query protocols
	// (NoSuchEntity).
	Code string
	// Message is AWS's exact sentence.
	Message string
	// Status is the HTTP status; 0 means 400 for a sender fault and 500 for
	// a receiver fault.
	Status int
	// Receiver marks a server-side fault (Type Receiver in query errors).
	Receiver bool
}

// New returns a sender (client) fault with a formatted message.
func New(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status to answer with.
func (e *Error) HTTPStatus() int {
	switch {
	case e.Status != 0:
		return e.Status
	case e.Receiver:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// FaultType is "Sender" or "Receiver", as query errors and the
// x-amzn-query-error header spell it.
func (e *Error) FaultType() string {
	if e.Receiver || e.HTTPStatus() >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Internal is what a client sees for any error that is not an *Error; the
// cause is logged under the request id, never sent.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
}
