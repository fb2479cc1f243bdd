// Package cloudtrail is trailwatch's AWS CloudTrail service: the shapes,
// validation, semantics and error table of its operations, with no HTTP and
// no SQL. It serves the event history, LookupEvents
// (reference/cloudtrail.md §4), and the trail control plane (§5): trails,
// their logging state and delivery status, event selectors and tags.
// Delivering what trails select is the delivery worker's.
//
// The front door decodes requests into the input structs here, authorises
// them and calls the handlers through the table API returns; the handlers
// read the caller's account and region from the context.
package cloudtrail
