// Package trailwatch holds the vocabulary every other package shares:
// accounts, callers, IAM users and keys, CloudTrail event records and ARNs.
// It imports nothing of ours and does no I/O.
package trailwatch
