// Package trailfile is CloudTrail's archive format: the keys, bodies and
// signatures of the log files and digest files a trail delivers, and the
// verification of a whole archive the way `aws cloudtrail validate-logs`
// does it (reference/cloudtrail.md §6.1, §7), plus the chain checks the CLI
// leaves out.
//
// Encoders return bytes, and verification reads objects through the small
// Reader interface that the archive stores (local directory, external S3)
// satisfy; DirReader reads a local archive directory for tools that run
// without a server.
package trailfile
