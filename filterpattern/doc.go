// Package filterpattern compiles and applies CloudWatch Logs filter patterns,
// the language FilterLogEvents, metric filters, subscription filters and Live
// Tail share (reference/cloudwatch-logs.md §5).
//
// Compile reads a pattern once and refuses, with a *SyntaxError, the patterns
// CloudWatch Logs refuses. The compiled *Pattern is immutable and safe for
// concurrent use; Match and MatchBytes apply it to one log event without
// allocating in the common case, so a scan can run them over millions of
// events. A pattern is one of four kinds, decided by its first non-blank
// character:
//
//   - terms: words and "quoted phrases" the message must contain, ?alternatives
//     and -exclusions, matched case-sensitively as substrings;
//   - a regex %...% in the subset AWS accepts;
//   - JSON, { $.selector op value && ... }, evaluated on the event parsed as a
//     JSON object; any other message never matches;
//   - space-delimited, [name, name = value, ..., name > 100], evaluated on the
//     event's fields.
//
// Extract and Lookup give metric filters and TestMetricFilter the values a
// match binds (§6); RequiredTerms gives storage the substrings every match
// contains, so whole chunks can be skipped.
//
// Where AWS's documentation is silent the behaviour chosen is marked
// "unverified" in a comment beside the code that implements it.
//
// The package is a pure engine: no I/O, standard library only.
package filterpattern
