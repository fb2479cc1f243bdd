package cloudtrail

import (
	"context"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configure a Service.
type Options struct {
	// Events holds the event history LookupEvents reads. Required.
	Events storage.Events
	// Trails holds trails. Nil leaves the trail operations out of the
	// table (a service that only serves event history).
	Trails storage.Trails
	// Channels holds CloudTrail Lake channels. Nil leaves the channel
	// operations out of the table.
	Channels storage.Channels
	// Logs, when set, is where CreateTrail and UpdateTrail check that a
	// CloudWatch Logs log group they are given exists.
	Logs storage.Logs
	// Buckets, when set, is where trails deliver: CreateTrail and
	// UpdateTrail make sure the bucket they name exists there (and, in a
	// store that keeps owners, belongs to the caller's account).
	Buckets Buckets
	// PublicKeys, when set, serves ListPublicKeys from the digest signing
	// keys (package trailkeys); nil leaves the operation out.
	PublicKeys PublicKeysFunc
	// Now is the clock the history window is measured against; nil means
	// time.Now.
	Now func() time.Time
	// Retention is how far back LookupEvents may reach (AWS: 90 days,
	// reference/cloudtrail.md §4). Older events are invisible even while
	// they are still stored. Zero means no limit. The caller picks the
	// value; the service has no default of its own.
	Retention time.Duration
}

// Buckets is the part of the trail archive (archive.Store) the control
// plane needs.
type Buckets interface {
	// EnsureBucket makes the bucket where the store may, or answers
	// archive.ErrNoSuchBucket.
	EnsureBucket(ctx context.Context, name string) error
}

// Service is the CloudTrail service. It holds no mutable state; one value
// serves concurrent requests.
type Service struct {
	events    storage.Events
	trails    storage.Trails
	channels  storage.Channels
	logs      storage.Logs
	buckets   Buckets
	now       func() time.Time
	retention time.Duration
	// publicKeys serves ListPublicKeys; nil when not configured.
	publicKeys PublicKeysFunc
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
	return &Service{events: opts.Events, trails: opts.Trails, channels: opts.Channels, logs: opts.Logs, buckets: opts.Buckets, now: opts.Now, retention: opts.Retention, publicKeys: opts.PublicKeys}
}

// API returns the service's operation table for the front door. Operations
// not listed here are answered by the front door with AWS's unknown-operation
// error.
func (s *Service) API() *awsapi.Service {
	ops := []*awsapi.Operation{
		awsapi.Op(awsapi.Def[LookupEventsInput, LookupEventsOutput]{
			Name:     "LookupEvents",
			ReadOnly: true,
			Handle:   s.LookupEvents,
		}),
	}
	if s.trails != nil {
		ops = append(ops, s.trailOperations()...)
	}
	if s.channels != nil {
		ops = append(ops, s.channelOperations()...)
	}
	if s.publicKeys != nil {
		ops = append(ops, awsapi.Op(awsapi.Def[ListPublicKeysInput, ListPublicKeysOutput]{
			Name: "ListPublicKeys", ReadOnly: true, Handle: s.ListPublicKeys,
		}))
	}
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
	}, ops...)
}

// trailOperations is the trail control plane's part of the table. Every
// operation on one trail is authorised against the trail's ARN (as named,
// or built from the name and the caller's region); DescribeTrails and
// ListTrails against "*".
func (s *Service) trailOperations() []*awsapi.Operation {
	byName := resources(func(c *trailwatch.Caller, in *TrailNameInput) []trailwatch.Resource {
		return trailResource(c, in.Name)
	})
	return []*awsapi.Operation{
		awsapi.Op(awsapi.Def[CreateTrailInput, TrailOutput]{
			Name: "CreateTrail", Handle: s.CreateTrail,
			Resources: resources(func(c *trailwatch.Caller, in *CreateTrailInput) []trailwatch.Resource {
				return trailResource(c, in.Name)
			}),
		}),
		awsapi.Op(awsapi.Def[UpdateTrailInput, TrailOutput]{
			Name: "UpdateTrail", Handle: s.UpdateTrail,
			Resources: resources(func(c *trailwatch.Caller, in *UpdateTrailInput) []trailwatch.Resource {
				return trailResource(c, in.Name)
			}),
		}),
		awsapi.Op(awsapi.Def[TrailNameInput, EmptyOutput]{Name: "DeleteTrail", Handle: s.DeleteTrail, Resources: byName}),
		awsapi.Op(awsapi.Def[TrailNameInput, GetTrailOutput]{Name: "GetTrail", ReadOnly: true, Handle: s.GetTrail, Resources: byName}),
		awsapi.Op(awsapi.Def[DescribeTrailsInput, DescribeTrailsOutput]{Name: "DescribeTrails", ReadOnly: true, Handle: s.DescribeTrails}),
		awsapi.Op(awsapi.Def[ListTrailsInput, ListTrailsOutput]{Name: "ListTrails", ReadOnly: true, Handle: s.ListTrails}),
		awsapi.Op(awsapi.Def[TrailNameInput, GetTrailStatusOutput]{Name: "GetTrailStatus", ReadOnly: true, Handle: s.GetTrailStatus, Resources: byName}),
		awsapi.Op(awsapi.Def[TrailNameInput, EmptyOutput]{Name: "StartLogging", Handle: s.StartLogging, Resources: byName}),
		awsapi.Op(awsapi.Def[TrailNameInput, EmptyOutput]{Name: "StopLogging", Handle: s.StopLogging, Resources: byName}),
		awsapi.Op(awsapi.Def[PutEventSelectorsInput, EventSelectorsOutput]{
			Name: "PutEventSelectors", Handle: s.PutEventSelectors,
			Resources: resources(func(c *trailwatch.Caller, in *PutEventSelectorsInput) []trailwatch.Resource {
				return trailResource(c, in.TrailName)
			}),
		}),
		awsapi.Op(awsapi.Def[GetEventSelectorsInput, EventSelectorsOutput]{
			Name: "GetEventSelectors", ReadOnly: true, Handle: s.GetEventSelectors,
			Resources: resources(func(c *trailwatch.Caller, in *GetEventSelectorsInput) []trailwatch.Resource {
				return trailResource(c, in.TrailName)
			}),
		}),
		awsapi.Op(awsapi.Def[TagsInput, EmptyOutput]{
			Name: "AddTags", Handle: s.AddTags,
			Resources: resources(func(c *trailwatch.Caller, in *TagsInput) []trailwatch.Resource {
				return tagResources(c, in.ResourceID)
			}),
		}),
		awsapi.Op(awsapi.Def[TagsInput, EmptyOutput]{
			Name: "RemoveTags", Handle: s.RemoveTags,
			Resources: resources(func(c *trailwatch.Caller, in *TagsInput) []trailwatch.Resource {
				return tagResources(c, in.ResourceID)
			}),
		}),
		awsapi.Op(awsapi.Def[ListTagsInput, ListTagsOutput]{
			Name: "ListTags", ReadOnly: true, Handle: s.ListTags,
			Resources: resources(func(c *trailwatch.Caller, in *ListTagsInput) []trailwatch.Resource {
				return tagResources(c, in.ResourceIDList...)
			}),
		}),
	}
}
