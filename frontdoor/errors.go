package frontdoor

import (
	"fmt"
	"net/http"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/sigv4"
)

// Errors the front door itself answers with, per protocol family. Query
// services use the short codes, JSON services the ...Exception shapes
// (reference/protocols.md §7, §8.6).

func isQuery(p awsapi.Protocol) bool { return p == awsapi.Query }

func pick(p awsapi.Protocol, query, json string) string {
	if isQuery(p) || p == awsapi.RESTXML {
		return query
	}
	return json
}

// authError maps a SigV4 failure to AWS's error for the protocol.
func authError(p awsapi.Protocol, err error) *awserr.Error {
	se, ok := err.(*sigv4.Error)
	if !ok {
		return awserr.Internal()
	}
	if p == awsapi.RESTXML {
		return s3AuthError(se)
	}
	status := http.StatusForbidden
	if !isQuery(p) {
		// JSON services answer signature problems with 400 (DynamoDB,
		// Kinesis, Logs all do), a missing token with 403.
		status = http.StatusBadRequest
	}
	switch se.Kind {
	case sigv4.MissingAuth:
		return awserr.New(pick(p, "MissingAuthenticationToken", "MissingAuthenticationTokenException"), http.StatusForbidden, "%s", se.Msg)
	case sigv4.Incomplete:
		return awserr.New(pick(p, "IncompleteSignature", "IncompleteSignatureException"), status, "%s", se.Msg)
	case sigv4.UnknownKey:
		return awserr.New(pick(p, "InvalidClientTokenId", "UnrecognizedClientException"), status, "The security token included in the request is invalid.")
	case sigv4.SignatureMismatch, sigv4.TimeSkew:
		return awserr.New(pick(p, "SignatureDoesNotMatch", "InvalidSignatureException"), status, "%s", se.Msg)
	case sigv4.PresignExpired:
		return awserr.New("RequestExpired", http.StatusBadRequest, "%s", se.Msg)
	}
	return awserr.Internal()
}

func unknownOperation(p awsapi.Protocol, svc *awsapi.Service, op, method string) *awserr.Error {
	if p == awsapi.RESTXML {
		// The S3 API over the local archive is read-only.
		if method != http.MethodGet && method != http.MethodHead {
			return awserr.New("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
		}
		return awserr.New("NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented")
	}
	if isQuery(p) {
		if op == "" {
			return awserr.New("MissingAction", http.StatusBadRequest, "Missing Action")
		}
		version := ""
		if svc != nil {
			version = svc.APIVersion
		}
		return awserr.New("InvalidAction", http.StatusBadRequest, "Could not find operation %s for version %s", op, version)
	}
	return awserr.New("UnknownOperationException", http.StatusBadRequest, "Unknown operation %s", op)
}

func wrongService(p awsapi.Protocol, want string) *awserr.Error {
	return awserr.New(pick(p, "IncompleteSignature", "IncompleteSignatureException"), http.StatusForbidden,
		"Credential should be scoped to correct service: '%s'. ", want)
}

func tooLarge(p awsapi.Protocol, limit int64) *awserr.Error {
	return awserr.New(pick(p, "RequestEntityTooLarge", "RequestEntityTooLargeException"), http.StatusRequestEntityTooLarge,
		"Request body exceeds the maximum allowed size of %d bytes.", limit)
}

func accessDenied(p awsapi.Protocol, principalARN, action, resource string, explicit bool) *awserr.Error {
	why := "because no identity-based policy allows the " + action + " action"
	if explicit {
		why = "with an explicit deny in an identity-based policy"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", principalARN, action, resource, why)
	if isQuery(p) || p == awsapi.RESTXML {
		return &awserr.Error{Code: "AccessDenied", Message: msg, Status: http.StatusForbidden}
	}
	return &awserr.Error{Code: "AccessDeniedException", Message: msg, Status: http.StatusBadRequest}
}

func validationError(svc *awsapi.Service, p awsapi.Protocol, err error) *awserr.Error {
	code := svc.ValidationCode
	if code == "" {
		code = pick(p, "ValidationError", "ValidationException")
	}
	return &awserr.Error{Code: code, Message: err.Error(), Status: http.StatusBadRequest}
}

// s3AuthError maps a SigV4 failure to S3's codes, all 403 except malformed
// requests (reference/protocols.md §8.5, §8.6; S3's error-code table).
func s3AuthError(se *sigv4.Error) *awserr.Error {
	switch se.Kind {
	case sigv4.MissingAuth:
		return awserr.New("AccessDenied", http.StatusForbidden, "Access Denied")
	case sigv4.Incomplete:
		return awserr.New("AuthorizationHeaderMalformed", http.StatusBadRequest, "%s", se.Msg)
	case sigv4.UnknownKey:
		return awserr.New("InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.")
	case sigv4.SignatureMismatch:
		return awserr.New("SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	case sigv4.TimeSkew:
		return awserr.New("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the current time is too large.")
	case sigv4.PresignExpired:
		return awserr.New("AccessDenied", http.StatusForbidden, "Request has expired")
	case sigv4.PayloadHashMismatch:
		return awserr.New("XAmzContentSHA256Mismatch", http.StatusBadRequest, "%s", se.Msg)
	}
	return awserr.Internal()
}
