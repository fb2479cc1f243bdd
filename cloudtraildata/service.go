// Package cloudtraildata is the CloudTrail Data API (SigV4 service
// cloudtrail-data, REST-JSON): PutAuditEvents, through which applications
// send their own audit events into a channel (reference/cloudtrail.md §8).
//
// Accepted events become CloudTrail records of category ActivityAuditLog
// in event history, stored in one batch per request before the response,
// where LookupEvents finds them and trails' selectors choose them.
package cloudtraildata

import (
	"context"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configure a Service. Channels and Events are required.
type Options struct {
	// Channels holds the channels events arrive through.
	Channels storage.Channels
	// Events is event history, where accepted events are stored.
	Events storage.Events
	// Now is the ingestion clock; nil means time.Now.
	Now func() time.Time
}

// Service is the CloudTrail Data service. It holds no mutable state; one
// value serves concurrent requests.
type Service struct {
	channels storage.Channels
	events   storage.Events
	now      func() time.Time
}

// New returns a Service; it panics without its stores, a wiring bug.
func New(opt Options) *Service {
	if opt.Channels == nil || opt.Events == nil {
		panic("BUG: cloudtraildata: Options.Channels and Options.Events are required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{channels: opt.Channels, events: opt.Events, now: opt.Now}
}

// API returns the operation table. PutAuditEvents is a data event on the
// channel (resource type AWS::CloudTrail::Channel), authorised as
// cloudtrail-data:PutAuditEvents on the channel's ARN.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:    "cloudtrail-data",
		ActionPrefix:   "cloudtrail-data",
		EventSource:    "cloudtrail-data.amazonaws.com",
		APIVersion:     "2021-08-11",
		Protocols:      []awsapi.Protocol{awsapi.RESTJSON},
		ValidationCode: "ValidationException",
		Routes: []awsapi.Route{
			{Method: "POST", Path: "/PutAuditEvents", Op: "PutAuditEvents"},
		},
	}, awsapi.Op(awsapi.Def[PutAuditEventsInput, PutAuditEventsOutput]{
		Name: "PutAuditEvents", Data: true, Handle: s.PutAuditEvents,
		Resources: func(ctx context.Context, in *PutAuditEventsInput) ([]trailwatch.Resource, error) {
			c := trailwatch.CallerFromContext(ctx)
			if c == nil {
				return nil, nil
			}
			arn := in.ChannelArn
			if account, region, id, ok := parseChannelRef(c, in.ChannelArn); ok {
				arn = trailwatch.ChannelARN(account, region, id)
			}
			return []trailwatch.Resource{{ARN: arn, AccountID: c.AccountID, Type: typeChannel}}, nil
		},
	}))
}

const typeChannel = "AWS::CloudTrail::Channel"
