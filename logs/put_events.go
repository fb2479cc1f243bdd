package logs

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// PutLogEvents (reference/cloudwatch-logs.md §3.3).

// PutLogEvents limits, from the operation's documentation.
const (
	// maxBatchBytes bounds a batch: the UTF-8 bytes of every message plus
	// eventOverhead per event. It also bounds a single event.
	maxBatchBytes = 1_048_576
	eventOverhead = 26
	// maxEventAge and maxEventLead bound how far an event may lie behind or
	// ahead of the server's clock before it is rejected.
	maxEventAge  = 14 * dayMillis
	maxEventLead = 2 * hourMillis
	// maxBatchSpan bounds the time between the oldest and the newest
	// accepted event of a batch.
	maxBatchSpan = 24 * hourMillis

	hourMillis = 60 * 60 * 1000
	dayMillis  = 24 * hourMillis
)

// PutLogEventsInput is PutLogEventsRequest. SequenceToken is accepted and
// ignored, as AWS now ignores it; so is Entity, which only associates the
// events with an entity for AWS's own telemetry views.
type PutLogEventsInput struct {
	LogGroupName  string          `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogStreamName string          `json:"logStreamName" required:"true" min:"1" pattern:"[^:*]*"`
	LogEvents     []InputLogEvent `json:"logEvents" required:"true" min:"1" max:"10000"`
	SequenceToken string          `json:"sequenceToken" min:"1"`
	Entity        *Entity         `json:"entity"`
}

// InputLogEvent is one event to store. Both members are pointers so that
// a timestamp of 0 and an empty message are told apart from absent ones,
// as the model's required and min constraints need.
type InputLogEvent struct {
	Timestamp *int64  `json:"timestamp" required:"true" min:"0"`
	Message   *string `json:"message" required:"true" min:"1"`
}

// Entity is the Entity shape.
type Entity struct {
	KeyAttributes map[string]string `json:"keyAttributes" min:"2" max:"4"`
	Attributes    map[string]string `json:"attributes" max:"10"`
}

// PutLogEventsOutput is PutLogEventsResponse.
type PutLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken"`
	RejectedLogEventsInfo *RejectedLogEventsInfo `json:"rejectedLogEventsInfo"`
}

// RejectedLogEventsInfo says which events of the batch were not stored,
// as indexes into logEvents. Each member is present only when events were
// rejected for that reason (§3.3).
type RejectedLogEventsInfo struct {
	// TooNewLogEventStartIndex is the first event more than 2 hours ahead:
	// it and every later one were rejected.
	TooNewLogEventStartIndex *int32 `json:"tooNewLogEventStartIndex"`
	// TooOldLogEventEndIndex ends, exclusively, the events older than 14
	// days.
	TooOldLogEventEndIndex *int32 `json:"tooOldLogEventEndIndex"`
	// ExpiredLogEventEndIndex ends, exclusively, the events older than the
	// group's retention period (reported only beyond the too-old ones; the
	// model does not say how the two overlap, so this is unverified).
	ExpiredLogEventEndIndex *int32 `json:"expiredLogEventEndIndex"`
}

// PutLogEvents stores a batch of events in a stream. Events too old, too
// new or past the group's retention are reported in RejectedLogEventsInfo
// while the rest are stored; a batch over the size limits, out of
// chronological order or spanning more than 24 hours fails whole. The
// stored events are durable when the call returns. Errors: errGroupNotFound,
// errStreamNotFound, errEventTooLarge, errBatchTooLarge,
// errNotChronological, errBatchSpan.
func (s *Service) PutLogEvents(ctx context.Context, in *PutLogEventsInput) (*PutLogEventsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName, in.LogStreamName); err != nil {
		return nil, err
	}
	events := in.LogEvents
	total := 0
	for i, e := range events {
		size := len(*e.Message) + eventOverhead
		if size > maxBatchBytes {
			return nil, errEventTooLarge(size)
		}
		total += size
		if i > 0 && *e.Timestamp < *events[i-1].Timestamp {
			return nil, errNotChronological()
		}
	}
	if total > maxBatchBytes {
		return nil, errBatchTooLarge(total)
	}
	g, err := s.group(ctx, c, in.LogGroupName)
	if err != nil {
		return nil, err
	}

	// The batch is sorted, so each kind of rejection is a prefix or a
	// suffix of it; binary searches find the boundaries.
	now := s.nowMillis()
	before := func(bound int64) int {
		return sort.Search(len(events), func(i int) bool { return *events[i].Timestamp >= bound })
	}
	tooOldEnd := before(now - maxEventAge)
	start := tooOldEnd
	expiredEnd := 0
	if g.RetentionDays > 0 {
		expiredEnd = before(now - int64(g.RetentionDays)*dayMillis)
		start = max(start, expiredEnd)
	}
	tooNewStart := sort.Search(len(events), func(i int) bool { return *events[i].Timestamp > now+maxEventLead })
	end := max(tooNewStart, start)

	out := &PutLogEventsOutput{NextSequenceToken: sequenceToken(now)}
	var rejected RejectedLogEventsInfo
	if tooOldEnd > 0 {
		rejected.TooOldLogEventEndIndex = index(tooOldEnd)
	}
	if expiredEnd > tooOldEnd {
		rejected.ExpiredLogEventEndIndex = index(expiredEnd)
	}
	if tooNewStart < len(events) {
		rejected.TooNewLogEventStartIndex = index(tooNewStart)
	}
	if rejected != (RejectedLogEventsInfo{}) {
		out.RejectedLogEventsInfo = &rejected
	}

	accepted := events[start:end]
	if len(accepted) == 0 {
		// Nothing to store, but the stream must still exist.
		if _, err := s.logs.GetLogStream(ctx, c.AccountID, c.Region, in.LogGroupName, in.LogStreamName); err != nil {
			return nil, streamError(err)
		}
		return out, nil
	}
	if *accepted[len(accepted)-1].Timestamp-*accepted[0].Timestamp > maxBatchSpan {
		return nil, errBatchSpan()
	}
	batch := make([]trailwatch.LogEvent, len(accepted))
	for i, e := range accepted {
		batch[i] = trailwatch.LogEvent{Timestamp: *e.Timestamp, Message: *e.Message}
	}
	if _, err := s.logs.PutLogEvents(ctx, c.AccountID, c.Region, in.LogGroupName, in.LogStreamName, now, batch); err != nil {
		return nil, streamError(err)
	}
	return out, nil
}

// streamError maps a storage error of a stream operation whose group was
// just found: ErrNotFound means the stream is missing.
func streamError(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return errStreamNotFound()
	}
	return fmt.Errorf("log stream: %w", err)
}

func index(i int) *int32 {
	n := int32(i)
	return &n
}
