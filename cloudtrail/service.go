package cloudtrail

import (
	"time"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configure a Service.
type Options struct {
	// Events holds the event history LookupEvents reads. Required.
	Events storage.Events
	// Now is the clock the history window is measured against; nil means
	// time.Now.
	Now func() time.Time
	// Retention is how far back LookupEvents may reach (AWS: 90 days,
	// reference/cloudtrail.md §4). Older events are invisible even while
	// they are still stored. Zero means no limit. The caller picks the
	// value; the service has no default of its own.
	Retention time.Duration
}

// Service is the CloudTrail service. It holds no mutable state; one value
// serves concurrent requests.
type Service struct {
	events    storage.Events
	now       func() time.Time
	retention time.Duration
}

// New returns a Service. It panics if opts.Events is nil, which is a wiring
// bug rather than a condition to handle.
func New(opts Options) *Service {
	if opts.Events == nil {
		panic("BUG: cloudtrail: Options.Events is nil")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Retention < 0 {
		panic("BUG: cloudtrail: negative Options.Retention")
	}
	return &Service{events: opts.Events, now: opts.Now, retention: opts.Retention}
}

// API returns the service's operation table for the front door. Operations
// not listed here are answered by the front door with AWS's unknown-operation
// error.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:  "cloudtrail",
		ActionPrefix: "cloudtrail",
		EventSource:  "cloudtrail.amazonaws.com",
		APIVersion:   "2013-11-01",
		Protocols:    []awsapi.Protocol{awsapi.JSON11},
		// botocore and the AWS CLI send the long prefix, aws-sdk-go-v2 and
		// JS v3 the short one (reference/cloudtrail.md §0.5).
		TargetPrefixes: []string{"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "CloudTrail_20131101"},
		ValidationCode: "ValidationException",
		// CloudTrail's error bodies carry "Message" with a capital M
		// (reference/cloudtrail.md §1).
		ErrorMessageKey: "Message",
	},
		awsapi.Op(awsapi.Def[LookupEventsInput, LookupEventsOutput]{
			Name:     "LookupEvents",
			ReadOnly: true,
			Handle:   s.LookupEvents,
		}),
	)
}
