// Package cloudtrail is trailwatch's AWS CloudTrail service: the shapes,
// validation, semantics and error table of its operations, with no HTTP and
// no SQL. Today it serves the event history, LookupEvents
// (reference/cloudtrail.md §4); the trail control plane is separate work.
//
// The front door decodes requests into the input structs here, authorises
// them and calls the handlers through the table API returns; the handlers
// read the caller's account and region from the context.
package cloudtrail
