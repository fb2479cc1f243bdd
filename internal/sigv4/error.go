package sigv4

import (
	"errors"
	"strconv"
)

// ErrUnknownKey is what a KeyLookup returns (possibly wrapped) for an access
// key that does not exist or is inactive. Verify turns it into an *Error of
// Kind UnknownKey; any other lookup error is returned wrapped, as a server
// fault.
var ErrUnknownKey = errors.New("sigv4: unknown access key")

// Kind classifies why a request was refused. The front door maps each kind
// to the AWS error code of the request's protocol (reference/protocols.md §8.6).
type Kind int

// The kinds of refusal. The zero Kind is not used.
const (
	// MissingAuth: neither an Authorization header nor presign parameters.
	MissingAuth Kind = iota + 1
	// Incomplete: malformed authentication: missing or malformed parameters,
	// a bad credential scope or date, an unsupported algorithm, host or the
	// date header not signed, a bad X-Amz-Expires or X-Amz-Content-Sha256,
	// both an Authorization header and presign parameters.
	Incomplete
	// UnknownKey: the access key does not exist or is inactive.
	UnknownKey
	// SignatureMismatch: the signature does not match the request.
	SignatureMismatch
	// TimeSkew: the request's date is outside the allowed window around now.
	TimeSkew
	// PresignExpired: a presigned request is past its X-Amz-Expires.
	PresignExpired
	// PayloadHashMismatch: the signature is good but the body does not hash
	// to the X-Amz-Content-Sha256 the client sent and signed over (S3's
	// XAmzContentSHA256Mismatch).
	PayloadHashMismatch
)

var kindNames = [...]string{
	MissingAuth:         "MissingAuth",
	Incomplete:          "Incomplete",
	UnknownKey:          "UnknownKey",
	SignatureMismatch:   "SignatureMismatch",
	TimeSkew:            "TimeSkew",
	PresignExpired:      "PresignExpired",
	PayloadHashMismatch: "PayloadHashMismatch",
}

// String returns the kind's name, as in the constant's identifier.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a refused request. Msg is the sentence to send to the client.
type Error struct {
	Kind Kind
	Msg  string
}

// Error returns "sigv4: <kind>: <message>", for logs; clients get Msg.
func (e *Error) Error() string { return "sigv4: " + e.Kind.String() + ": " + e.Msg }

// AWS's messages. Sources: captured AWS answers quoted in public issues and
// in AWS-compatible servers' tests (dynalite, scratchstack, swift s3api);
// see reference/protocols.md §8.6.
const (
	msgMissingAuth       = "Request is missing Authentication Token"
	msgUnknownKey        = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBothForms         = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostNotSigned     = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgPresignExpired    = "Request has expired"
	msgPayloadHash       = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgBadPayloadHash    = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value."
	msgExpiresNumber     = "X-Amz-Expires should be a number"
	msgExpiresNegative   = "X-Amz-Expires must be non-negative"
	msgExpiresTooLarge   = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
	msgS3PresignParams   = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)

func errorf(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }
