// Package frontdoor is the single HTTP entry point for every service: it
// assigns request ids, limits bodies, recovers panics, routes a request to
// its service and operation by SigV4 scope, X-Amz-Target or Action, verifies
// the signature, decodes the input in the request's protocol, authorises the
// caller with IAM-style policies, calls the operation, records the call as a
// CloudTrail event, and writes the one response. Services never see HTTP.
package frontdoor
