package logs

import (
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// DefaultMaxScannedBytes is how many message bytes one FilterLogEvents call
// examines at most when Options.MaxScannedBytes is 0. It bounds the work
// and memory of a call over a large group; the client pages on with
// nextToken, as it must anyway (§3.5: a page may be short or empty).
const DefaultMaxScannedBytes = 64 << 20

// Options configure a Service.
type Options struct {
	// Logs holds groups, streams, events and metric filters. Required.
	Logs storage.Logs
	// Now is the clock that stamps creation and ingestion times and judges
	// event ages; nil means time.Now.
	Now func() time.Time
	// MaxScannedBytes bounds the raw message bytes one FilterLogEvents call
	// examines; 0 means DefaultMaxScannedBytes.
	MaxScannedBytes int64
}

// Service implements the CloudWatch Logs operations. It holds no mutable
// state, so one Service serves any number of goroutines.
type Service struct {
	logs       storage.Logs
	now        func() time.Time
	maxScanned int64
}

// New returns a Service. It panics if Options.Logs is nil or
// MaxScannedBytes is negative: those are wiring bugs.
func New(opts Options) *Service {
	if opts.Logs == nil {
		panic("BUG: logs: Options.Logs is nil")
	}
	if opts.MaxScannedBytes < 0 {
		panic("BUG: logs: negative Options.MaxScannedBytes")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxScannedBytes == 0 {
		opts.MaxScannedBytes = DefaultMaxScannedBytes
	}
	return &Service{logs: opts.Logs, now: opts.Now, maxScanned: opts.MaxScannedBytes}
}

// nowMillis is the clock in epoch milliseconds, CloudWatch Logs' time unit.
func (s *Service) nowMillis() int64 { return s.now().UnixMilli() }

// API returns the service's operation table for the front door.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:  "logs",
		ActionPrefix: "logs",
		EventSource:  "logs.amazonaws.com",
		APIVersion:   "2014-03-28",
		Protocols:    []awsapi.Protocol{awsapi.JSON11},
		// Every SDK and the CLI send Logs_20140328 (§1).
		TargetPrefixes: []string{"Logs_20140328"},
		// Model-constraint violations come back as InvalidParameterException
		// with Coral's text (§1).
		ValidationCode: codeInvalidParameter,
	},
		// Log groups.
		awsapi.Op(awsapi.Def[CreateLogGroupInput, CreateLogGroupOutput]{
			Name: "CreateLogGroup", Handle: s.CreateLogGroup,
			// "To assign tags when you create a log group, you must have
			// either the logs:TagResource or logs:TagLogGroup permission."
			Also: func(in *CreateLogGroupInput) [][]string {
				if len(in.Tags) == 0 {
					return nil
				}
				return [][]string{{"logs:TagResource", "logs:TagLogGroup"}}
			},
			Resources: resources(func(c *trailwatch.Caller, in *CreateLogGroupInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[DeleteLogGroupInput, DeleteLogGroupOutput]{
			Name: "DeleteLogGroup", Handle: s.DeleteLogGroup,
			Resources: resources(func(c *trailwatch.Caller, in *DeleteLogGroupInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[DescribeLogGroupsInput, DescribeLogGroupsOutput]{
			Name: "DescribeLogGroups", ReadOnly: true, Handle: s.DescribeLogGroups,
			Resources: resources(func(c *trailwatch.Caller, in *DescribeLogGroupsInput) []trailwatch.Resource {
				return groupResource(c, "")
			}),
		}),
		awsapi.Op(awsapi.Def[PutRetentionPolicyInput, PutRetentionPolicyOutput]{
			Name: "PutRetentionPolicy", Handle: s.PutRetentionPolicy,
			Resources: resources(func(c *trailwatch.Caller, in *PutRetentionPolicyInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[PutLogGroupDeletionProtectionInput, PutLogGroupDeletionProtectionOutput]{
			Name: "PutLogGroupDeletionProtection", Handle: s.PutLogGroupDeletionProtection,
			Resources: resources(func(c *trailwatch.Caller, in *PutLogGroupDeletionProtectionInput) []trailwatch.Resource {
				return groupResource(c, identifierName(c, "", in.LogGroupIdentifier))
			}),
		}),
		awsapi.Op(awsapi.Def[DeleteRetentionPolicyInput, DeleteRetentionPolicyOutput]{
			Name: "DeleteRetentionPolicy", Handle: s.DeleteRetentionPolicy,
			Resources: resources(func(c *trailwatch.Caller, in *DeleteRetentionPolicyInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),

		// Tags.
		awsapi.Op(awsapi.Def[TagResourceInput, TagResourceOutput]{
			Name: "TagResource", Handle: s.TagResource,
			Resources: resources(func(c *trailwatch.Caller, in *TagResourceInput) []trailwatch.Resource {
				return arnResource(c, in.ResourceARN)
			}),
		}),
		awsapi.Op(awsapi.Def[UntagResourceInput, UntagResourceOutput]{
			Name: "UntagResource", Handle: s.UntagResource,
			Resources: resources(func(c *trailwatch.Caller, in *UntagResourceInput) []trailwatch.Resource {
				return arnResource(c, in.ResourceARN)
			}),
		}),
		awsapi.Op(awsapi.Def[ListTagsForResourceInput, ListTagsForResourceOutput]{
			Name: "ListTagsForResource", ReadOnly: true, Handle: s.ListTagsForResource,
			Resources: resources(func(c *trailwatch.Caller, in *ListTagsForResourceInput) []trailwatch.Resource {
				return arnResource(c, in.ResourceARN)
			}),
		}),
		awsapi.Op(awsapi.Def[TagLogGroupInput, TagLogGroupOutput]{
			Name: "TagLogGroup", Handle: s.TagLogGroup,
			Resources: resources(func(c *trailwatch.Caller, in *TagLogGroupInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[UntagLogGroupInput, UntagLogGroupOutput]{
			Name: "UntagLogGroup", Handle: s.UntagLogGroup,
			Resources: resources(func(c *trailwatch.Caller, in *UntagLogGroupInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[ListTagsLogGroupInput, ListTagsLogGroupOutput]{
			Name: "ListTagsLogGroup", ReadOnly: true, Handle: s.ListTagsLogGroup,
			Resources: resources(func(c *trailwatch.Caller, in *ListTagsLogGroupInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),

		// Log streams.
		awsapi.Op(awsapi.Def[CreateLogStreamInput, CreateLogStreamOutput]{
			Name: "CreateLogStream", Handle: s.CreateLogStream,
			Resources: resources(func(c *trailwatch.Caller, in *CreateLogStreamInput) []trailwatch.Resource {
				return streamResource(c, in.LogGroupName, in.LogStreamName)
			}),
		}),
		awsapi.Op(awsapi.Def[DeleteLogStreamInput, DeleteLogStreamOutput]{
			Name: "DeleteLogStream", Handle: s.DeleteLogStream,
			Resources: resources(func(c *trailwatch.Caller, in *DeleteLogStreamInput) []trailwatch.Resource {
				return streamResource(c, in.LogGroupName, in.LogStreamName)
			}),
		}),
		awsapi.Op(awsapi.Def[DescribeLogStreamsInput, DescribeLogStreamsOutput]{
			Name: "DescribeLogStreams", ReadOnly: true, Handle: s.DescribeLogStreams,
			Resources: resources(func(c *trailwatch.Caller, in *DescribeLogStreamsInput) []trailwatch.Resource {
				return groupResource(c, identifierName(c, in.LogGroupName, in.LogGroupIdentifier))
			}),
		}),

		// Events: the data plane, recorded as data events.
		awsapi.Op(awsapi.Def[PutLogEventsInput, PutLogEventsOutput]{
			Name: "PutLogEvents", Data: true, Handle: s.PutLogEvents,
			Resources: resources(func(c *trailwatch.Caller, in *PutLogEventsInput) []trailwatch.Resource {
				return streamResource(c, in.LogGroupName, in.LogStreamName)
			}),
		}),
		awsapi.Op(awsapi.Def[GetLogEventsInput, GetLogEventsOutput]{
			Name: "GetLogEvents", ReadOnly: true, Data: true, Handle: s.GetLogEvents,
			Resources: resources(func(c *trailwatch.Caller, in *GetLogEventsInput) []trailwatch.Resource {
				return streamResource(c, identifierName(c, in.LogGroupName, in.LogGroupIdentifier), in.LogStreamName)
			}),
		}),
		awsapi.Op(awsapi.Def[FilterLogEventsInput, FilterLogEventsOutput]{
			Name: "FilterLogEvents", ReadOnly: true, Data: true, Handle: s.FilterLogEvents,
			Resources: resources(func(c *trailwatch.Caller, in *FilterLogEventsInput) []trailwatch.Resource {
				return groupResource(c, identifierName(c, in.LogGroupName, in.LogGroupIdentifier))
			}),
		}),

		// Metric filters.
		awsapi.Op(awsapi.Def[PutMetricFilterInput, PutMetricFilterOutput]{
			Name: "PutMetricFilter", Handle: s.PutMetricFilter,
			Resources: resources(func(c *trailwatch.Caller, in *PutMetricFilterInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[DescribeMetricFiltersInput, DescribeMetricFiltersOutput]{
			Name: "DescribeMetricFilters", ReadOnly: true, Handle: s.DescribeMetricFilters,
			Resources: resources(func(c *trailwatch.Caller, in *DescribeMetricFiltersInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		awsapi.Op(awsapi.Def[DeleteMetricFilterInput, DeleteMetricFilterOutput]{
			Name: "DeleteMetricFilter", Handle: s.DeleteMetricFilter,
			Resources: resources(func(c *trailwatch.Caller, in *DeleteMetricFilterInput) []trailwatch.Resource {
				return groupResource(c, in.LogGroupName)
			}),
		}),
		// TestMetricFilter touches no resource; it is authorised against "*".
		awsapi.Op(awsapi.Def[TestMetricFilterInput, TestMetricFilterOutput]{
			Name: "TestMetricFilter", ReadOnly: true, Handle: s.TestMetricFilter,
		}),
	)
}
