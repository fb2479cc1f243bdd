package logs

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/storage"
)

// FilterLogEvents (reference/cloudwatch-logs.md §3.5).

// FilterLogEventsInput is FilterLogEventsRequest. Exactly one of
// LogGroupName and LogGroupIdentifier names the group; at most one of
// LogStreamNames and LogStreamNamePrefix narrows it. Interleaved is
// deprecated and ignored (results are always interleaved), as is Unmask.
type FilterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier" min:"1" max:"2048" pattern:"[\\w#+=/:,.@-]*"`
	LogStreamNames      []string `json:"logStreamNames" min:"1" max:"100" pattern:"[^:*]*"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix" min:"1" max:"512" pattern:"[^:*]*"`
	// StartTime and EndTime are both inclusive (ms), unlike GetLogEvents'.
	StartTime     *int64 `json:"startTime" min:"0"`
	EndTime       *int64 `json:"endTime" min:"0"`
	FilterPattern string `json:"filterPattern" max:"1024"`
	NextToken     string `json:"nextToken" min:"1"`
	Limit         *int32 `json:"limit" min:"1" max:"10000"`
	Interleaved   *bool  `json:"interleaved"`
	Unmask        *bool  `json:"unmask"`
}

// FilterLogEventsOutput is FilterLogEventsResponse. SearchedLogStreams is
// deprecated and always an empty list, as AWS sends it.
type FilterLogEventsOutput struct {
	Events             []FilteredLogEvent  `json:"events"`
	SearchedLogStreams []SearchedLogStream `json:"searchedLogStreams"`
	NextToken          string              `json:"nextToken"`
}

// FilteredLogEvent is one matching event.
type FilteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     *int64 `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime *int64 `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// SearchedLogStream is the deprecated SearchedLogStream shape, kept so the
// output has the model's members.
type SearchedLogStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely *bool  `json:"searchedCompletely"`
}

// FilterLogEvents returns a group's events that match a filter pattern,
// in (timestamp, ingestion order) order across its streams. A page may be
// short, even empty, while nextToken says more remains: one call examines
// at most Options.MaxScannedBytes of messages. Errors: errGroupNotFound,
// errFilterPattern, errStreamNamesAndPrefix, errNextToken.
func (s *Service) FilterLogEvents(ctx context.Context, in *FilterLogEventsInput) (*FilterLogEventsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	group, aerr := groupName(c, in.LogGroupName, in.LogGroupIdentifier)
	if aerr != nil {
		return nil, aerr
	}
	if err := checkNames(group); err != nil {
		return nil, err
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != "" {
		return nil, errStreamNamesAndPrefix()
	}
	pattern, err := filterpattern.Compile(in.FilterPattern)
	if err != nil {
		return nil, errFilterPattern()
	}
	q := storage.LogScan{
		AccountID: c.AccountID, Region: c.Region, Group: group,
		Streams: in.LogStreamNames, StreamPrefix: in.LogStreamNamePrefix,
		From: math.MinInt64, To: math.MaxInt64,
		Terms: pattern.RequiredTerms(), Limit: maxEventsLimit,
		MaxScannedBytes: s.maxScanned,
	}
	if pattern.Kind() != filterpattern.KindAll {
		q.Match = pattern.MatchBytes
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
	// The token binds everything that selects events; limit may change
	// from page to page.
	key := newPageKey("FilterLogEvents", c.AccountID, c.Region).str(group).
		strs(in.LogStreamNames).str(in.LogStreamNamePrefix).
		opt(in.StartTime).opt(in.EndTime).str(in.FilterPattern)
	err = resume(key, in.NextToken, func(cur *cursor) {
		q.After = &storage.EventPos{Timestamp: cur.int(), Seq: cur.int()}
	})
	if err != nil {
		return nil, err
	}
	events, after, err := s.logs.ScanLogEvents(ctx, q)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errGroupNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("scan log events: %w", err)
	}
	if kept := trimPage(events, false); len(kept) < len(events) {
		events = kept
		last := pos(kept[len(kept)-1])
		after = &last
	}

	out := &FilterLogEventsOutput{Events: make([]FilteredLogEvent, len(events)), SearchedLogStreams: []SearchedLogStream{}}
	times := make([]int64, 2*len(events))
	for i, e := range events {
		times[2*i], times[2*i+1] = e.Timestamp, e.IngestionTime
		out.Events[i] = FilteredLogEvent{
			LogStreamName: e.Stream, Timestamp: &times[2*i], Message: e.Message,
			IngestionTime: &times[2*i+1], EventID: eventID(e),
		}
	}
	if after != nil {
		out.NextToken = encodeToken(key, new(cursor).putInt(after.Timestamp).putInt(after.Seq))
	}
	return out, nil
}

// eventID is the eventId FilterLogEvents reports for an event: 56 decimal
// digits, as AWS's are (§3.5), the event's Timestamp and then its Seq in
// 28 digits each. It is stable, because both are fixed when the event is
// stored, and unique in the log group, because Seq is; `aws logs tail
// --follow` relies on both to drop events it has already printed.
func eventID(e trailwatch.LogEvent) string {
	var b [56]byte
	putDigits(b[:28], uint64(e.Timestamp))
	putDigits(b[28:], uint64(e.Seq))
	return string(b[:])
}

// putDigits writes v in decimal, zero-padded to fill dst. A page has up to
// 10,000 events, so this avoids fmt on the hot path.
func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}
