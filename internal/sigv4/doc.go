// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// both the Authorization-header form and the presigned (query) form
// (reference/protocols.md §8).
//
// ParseScope reads the credential scope without any key lookup, so the front
// door can route on the scope's service before verifying. Verifier.Verify
// checks a request completely: the shape of the authentication parameters,
// the time window, the access key and the signature. Every refusal is an
// *Error whose Kind the front door maps to the protocol's AWS error code; the
// messages are AWS's own sentences where they are known.
//
// Signatures are recomputed with aws-sdk-go-v2's v4.Signer following the
// recipe of §8.7, which was checked against captured AWS CLI, boto3 and Go
// requests. The SDK signer always signs X-Amz-Date and never signs a handful
// of headers (User-Agent, Expect …), so the few requests it cannot reproduce
// (Date-header requests, a signed user-agent, a signed zero content-length)
// go through this package's own canonical request, which computes the same
// string the SDK would and is tested against it and against AWS's published
// test-suite vectors.
package sigv4
