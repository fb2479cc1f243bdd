// Package metricmath is CloudWatch's metric math: the expression language
// of GetMetricData's and PutMetricAlarm's Expression queries, parsed,
// type-checked and evaluated over time series
// (reference/cloudwatch-metrics.md §7 "Metric math basics" and the User
// Guide's "Metric math syntax and functions").
//
// A request's queries are compiled together (Compile): every expression
// is parsed, its references to other queries' Ids are resolved, cycles are
// refused and the kind of every expression — scalar, time series or array
// of time series — is worked out before any data is read, so a bad request
// fails with AWS's ValidationError before storage is touched. Run then
// evaluates the expressions in dependency order over the series the caller
// read for the MetricStat queries.
//
// Series are sparse: a period without data has no point. The arithmetic
// rules are AWS's: between two series a value missing on one side is 0,
// a result that is not a finite number (division by zero, LOG of 0) is
// dropped and reported (Result.Dropped), and the functions that produce
// dense series (FILL, TIME_SERIES, MINUTE…) fill the grid of periods of
// the requested range.
//
// The package is pure: no I/O, no clock.
package metricmath
