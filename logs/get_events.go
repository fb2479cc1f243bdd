package logs

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// GetLogEvents (reference/cloudwatch-logs.md §3.4).

const (
	// maxEventsLimit is the default and the largest limit of GetLogEvents
	// and FilterLogEvents.
	maxEventsLimit = 10_000
	// maxPageBytes bounds a page of events as PutLogEvents bounds a batch:
	// message bytes plus eventOverhead each ("Each page returned can
	// contain up to 1 MB of log events").
	maxPageBytes = 1 << 20
)

// GetLogEventsInput is GetLogEventsRequest. Exactly one of LogGroupName
// and LogGroupIdentifier names the group. Unmask needs a data protection
// policy to mean anything; trailwatch masks nothing, so it is ignored.
type GetLogEventsInput struct {
	LogGroupName       string `json:"logGroupName" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogGroupIdentifier string `json:"logGroupIdentifier" min:"1" max:"2048" pattern:"[\\w#+=/:,.@-]*"`
	LogStreamName      string `json:"logStreamName" required:"true" min:"1" pattern:"[^:*]*"`
	// StartTime is inclusive, EndTime exclusive (ms).
	StartTime     *int64 `json:"startTime" min:"0"`
	EndTime       *int64 `json:"endTime" min:"0"`
	NextToken     string `json:"nextToken" min:"1"`
	Limit         *int32 `json:"limit" min:"1" max:"10000"`
	StartFromHead *bool  `json:"startFromHead"`
	Unmask        *bool  `json:"unmask"`
}

// GetLogEventsOutput is GetLogEventsResponse. Both tokens are always
// present.
type GetLogEventsOutput struct {
	Events            []OutputLogEvent `json:"events"`
	NextForwardToken  string           `json:"nextForwardToken"`
	NextBackwardToken string           `json:"nextBackwardToken"`
}

// OutputLogEvent is one event of a stream. The times are pointers so that
// a timestamp of 0 is still written.
type OutputLogEvent struct {
	Timestamp     *int64 `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime *int64 `json:"ingestionTime"`
}

// GetLogEvents reads one stream in time order: without a token the newest
// page of the window (or the oldest, with startFromHead), with a token
// the page after ("f/…") or before ("b/…") the position it holds. When
// nothing lies further in a direction, the token for that direction is the
// one the caller sent, which is how clients know to stop. Errors:
// errGroupNotFound, errStreamNotFound, errNextToken.
func (s *Service) GetLogEvents(ctx context.Context, in *GetLogEventsInput) (*GetLogEventsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	group, aerr := groupName(c, in.LogGroupName, in.LogGroupIdentifier)
	if aerr != nil {
		return nil, aerr
	}
	if err := checkNames(group, in.LogStreamName); err != nil {
		return nil, err
	}
	ref := streamRef{account: c.AccountID, region: c.Region, group: group, stream: in.LogStreamName}
	q := storage.StreamRead{
		AccountID: c.AccountID, Region: c.Region, Group: group, Stream: in.LogStreamName,
		From: math.MinInt64, To: math.MaxInt64, Limit: maxEventsLimit,
		Backward: in.StartFromHead == nil || !*in.StartFromHead,
	}
	if in.StartTime != nil {
		q.From = *in.StartTime
	}
	if in.EndTime != nil {
		q.To = *in.EndTime
	}
	if in.Limit != nil {
		q.Limit = int(*in.Limit)
	}
	if in.NextToken != "" {
		dir, p, ok := parseStreamToken(ref, in.NextToken)
		if !ok {
			return nil, errNextToken()
		}
		q.Backward, q.Pos = dir == 'b', &p
	}
	events, err := s.logs.ReadLogStream(ctx, q)
	if err != nil {
		return nil, s.readError(ctx, c, group, err)
	}
	events = trimPage(events, q.Backward)

	out := &GetLogEventsOutput{Events: make([]OutputLogEvent, len(events))}
	times := make([]int64, 2*len(events))
	for i, e := range events {
		times[2*i], times[2*i+1] = e.Timestamp, e.IngestionTime
		out.Events[i] = OutputLogEvent{Timestamp: &times[2*i], Message: e.Message, IngestionTime: &times[2*i+1]}
	}
	switch {
	case len(events) > 0:
		out.NextForwardToken = streamToken(ref, 'f', pos(events[len(events)-1]))
		out.NextBackwardToken = streamToken(ref, 'b', pos(events[0]))
	case q.Pos == nil:
		// An empty window: reading forward from its start or backward from
		// its end finds whatever arrives later.
		out.NextForwardToken = streamToken(ref, 'f', posStart)
		out.NextBackwardToken = streamToken(ref, 'b', posEnd)
	case q.Backward:
		out.NextBackwardToken = in.NextToken
		out.NextForwardToken = streamToken(ref, 'f', prev(*q.Pos))
	default:
		out.NextForwardToken = in.NextToken
		out.NextBackwardToken = streamToken(ref, 'b', next(*q.Pos))
	}
	return out, nil
}

// readError maps a storage error of a read naming a group and a stream:
// ErrNotFound is reported for the group when the group is missing, for the
// stream otherwise.
func (s *Service) readError(ctx context.Context, c *trailwatch.Caller, group string, err error) error {
	if !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("read log stream: %w", err)
	}
	if _, err := s.group(ctx, c, group); err != nil {
		return err
	}
	return errStreamNotFound()
}

// trimPage drops events beyond maxPageBytes from the far end of a page:
// the newest of a forward page, the oldest of a backward one, so the
// tokens built from what remains continue where the page stopped.
func trimPage(events []trailwatch.LogEvent, backward bool) []trailwatch.LogEvent {
	size := 0
	if backward {
		for i := len(events) - 1; i >= 0; i-- {
			if size += len(events[i].Message) + eventOverhead; size > maxPageBytes {
				return events[i+1:]
			}
		}
		return events
	}
	for i, e := range events {
		if size += len(e.Message) + eventOverhead; size > maxPageBytes {
			return events[:i]
		}
	}
	return events
}

// pos is an event's position in (Timestamp, Seq) order.
func pos(e trailwatch.LogEvent) storage.EventPos {
	return storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}
}
