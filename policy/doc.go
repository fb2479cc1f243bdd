// Package policy parses IAM identity policy documents and decides requests
// against them, as AWS IAM does for inline user policies.
//
// Parse validates a document the way PutUserPolicy does and returns a
// *ParseError carrying AWS's MalformedPolicyDocument message when IAM would
// refuse it. Evaluate applies IAM's decision logic to a set of parsed
// policies: an explicit Deny wins, otherwise any matching Allow allows, and
// everything else is implicitly denied.
//
// The package is a pure engine: no I/O, no clock, standard library only.
// Everything the decision depends on (the current time, the source address,
// the caller's name) arrives in Request.Context.
package policy
