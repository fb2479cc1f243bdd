// Package e2e tests the trailwatch binary as users run it: spawned as a
// process, driven by the AWS CLI and the SDKs, killed and restarted.
package e2e
