// Package alarm is the CloudWatch alarm evaluation engine: the definitions
// PutMetricAlarm and PutCompositeAlarm take, the state an alarm carries, and
// the pure functions that move that state the way CloudWatch does
// (reference/cloudwatch-metrics.md §9–§14).
//
// A metric alarm is evaluated in two steps the caller drives:
//
//  1. EvaluationRange says which window to fetch for an evaluation at a given
//     time: the alarm's period and the start and end of the evaluation range,
//     which holds more periods than EvaluationPeriods so that missing data
//     can be skipped over (§10.2).
//  2. Evaluate takes the datapoints found in that window (one per period at
//     most, absent periods simply left out) and returns the new state with
//     StateReason and StateReasonData as CloudWatch writes them, whether the
//     state changed, the actions that fire and the StateUpdate history item.
//
// The M-out-of-N decision follows the procedure of the CloudWatch User
// Guide, with its table of TreatMissingData outcomes as the oracle (see
// decide in evaluate.go). Numbers are written the way CloudWatch's Java
// service writes them (21.0, 0.2872183414376726, 1.0E7) and dates in its two
// formats (dd/MM/yy HH:mm:ss in reasons, yyyy-MM-dd'T'HH:mm:ss.SSS+0000 in
// JSON).
//
// Composite alarms: ParseRule reads the AlarmRule language (ALARM, OK,
// INSUFFICIENT_DATA, AT_LEAST, AND, OR, NOT, TRUE, FALSE, parentheses,
// quoted or bare alarm names and ARNs) with its limits and CloudWatch's
// "Error in AlarmRule [...]" refusals, and EvaluateComposite turns the
// children's states into the composite's state and reason.
//
// Where AWS's documentation and recorded responses are silent the behaviour
// chosen is marked "unverified" in a comment beside the code.
//
// The package does no I/O and imports only the standard library: the alarm
// API and the evaluation worker call it with what they fetched.
package alarm
