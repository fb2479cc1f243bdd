package cloudtraildata

import (
	"net/http"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Request errors: the model's exception shapes, none with an HTTP status
// of its own, so each is a 400 (reference/cloudtrail.md §8). AWS's exact
// sentences are not in the reference; these say what each shape's
// documentation says. Clients key on the code.

func errInvalidChannelARN(ref string) *awserr.Error {
	return awserr.New("InvalidChannelARN", http.StatusBadRequest, "The specified channel ARN is not a valid channel ARN: %s", ref)
}

func errChannelNotFound(ref string) *awserr.Error {
	return awserr.New("ChannelNotFound", http.StatusBadRequest, "The channel could not be found: %s", ref)
}

func errInsufficientPermission(ref string) *awserr.Error {
	return awserr.New("ChannelInsufficientPermission", http.StatusBadRequest, "The caller's account ID must be the same as the channel owner's account ID: %s", ref)
}

func errDuplicatedID(id string) *awserr.Error {
	return awserr.New("DuplicatedAuditEventId", http.StatusBadRequest, "Two or more entries in the request have the same event ID: %s", id)
}

func errPayloadTooLarge(n int) *awserr.Error {
	return awserr.New("ValidationException", http.StatusBadRequest, "The total size of the audit events in the request (%d bytes) exceeds the limit of %d bytes.", n, maxRequestBytes)
}

// Per-event error codes (the ResultErrorEntry documentation).
const (
	codeFieldTooLong       = "FieldTooLong"
	codeFieldNotFound      = "FieldNotFound"
	codeInvalidChecksum    = "InvalidChecksum"
	codeInvalidData        = "InvalidData"
	codeInvalidRecipient   = "InvalidRecipient"
	codeInvalidEventSource = "InvalidEventSource"
)
