// Package logs is trailwatch's Amazon CloudWatch Logs service: log groups
// and streams, ingestion (PutLogEvents), reading (GetLogEvents), searching
// with filter patterns (FilterLogEvents), retention settings, tags and metric
// filter definitions, with CloudWatch Logs' shapes, validation, semantics
// and error table (reference/cloudwatch-logs.md). It speaks neither HTTP nor
// SQL: the front door decodes requests into the input shapes here, and
// storage.Logs keeps the state.
//
// Every operation acts inside the caller's account and region
// (trailwatch.Caller in the context); no input reaches another account's or
// region's log groups, even through an ARN.
package logs
