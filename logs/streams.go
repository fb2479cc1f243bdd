package logs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// Log stream shapes and operations (reference/cloudwatch-logs.md §3.2).

// Orders DescribeLogStreams accepts.
const (
	orderByName          = "LogStreamName"
	orderByLastEventTime = "LastEventTime"
)

// CreateLogStreamInput is CreateLogStreamRequest.
type CreateLogStreamInput struct {
	LogGroupName  string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogStreamName string `json:"logStreamName" required:"true" min:"1" pattern:"[^:*]*"`
}

// CreateLogStreamOutput is CreateLogStream's (empty) result.
type CreateLogStreamOutput struct{}

// DeleteLogStreamInput is DeleteLogStreamRequest.
type DeleteLogStreamInput struct {
	LogGroupName  string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogStreamName string `json:"logStreamName" required:"true" min:"1" pattern:"[^:*]*"`
}

// DeleteLogStreamOutput is DeleteLogStream's (empty) result.
type DeleteLogStreamOutput struct{}

// DescribeLogStreamsInput is DescribeLogStreamsRequest. Exactly one of
// LogGroupName and LogGroupIdentifier names the group.
type DescribeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogGroupIdentifier  string `json:"logGroupIdentifier" min:"1" max:"2048" pattern:"[\\w#+=/:,.@-]*"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix" min:"1" max:"512" pattern:"[^:*]*"`
	OrderBy             string `json:"orderBy" enum:"LogStreamName|LastEventTime"`
	Descending          *bool  `json:"descending"`
	NextToken           string `json:"nextToken" min:"1"`
	Limit               *int32 `json:"limit" min:"1" max:"50"`
}

// DescribeLogStreamsOutput is DescribeLogStreamsResponse.
type DescribeLogStreamsOutput struct {
	LogStreams []LogStream `json:"logStreams"`
	NextToken  string      `json:"nextToken"`
}

// LogStream is the LogStream shape. A stream without events has no event
// or ingestion times, and storedBytes is always 0: AWS stopped counting it
// per stream in 2019 (§3.2).
type LogStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp"`
	LastIngestionTime   *int64 `json:"lastIngestionTime"`
	UploadSequenceToken string `json:"uploadSequenceToken"`
	ARN                 string `json:"arn"`
	StoredBytes         *int64 `json:"storedBytes"`
}

// CreateLogStream creates a stream in a group. Errors: errGroupNotFound,
// errStreamExists, errNameTooLong.
func (s *Service) CreateLogStream(ctx context.Context, in *CreateLogStreamInput) (*CreateLogStreamOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName, in.LogStreamName); err != nil {
		return nil, err
	}
	st := trailwatch.LogStream{Name: in.LogStreamName, CreatedAt: time.UnixMilli(s.nowMillis()).UTC()}
	err = s.logs.CreateLogStream(ctx, c.AccountID, c.Region, in.LogGroupName, st)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errGroupNotFound()
	case errors.Is(err, storage.ErrExists):
		return nil, errStreamExists()
	case err != nil:
		return nil, fmt.Errorf("create log stream: %w", err)
	}
	return &CreateLogStreamOutput{}, nil
}

// DeleteLogStream deletes a stream and its events. Errors:
// errGroupNotFound, errStreamNotFound, errDeletionProtected.
func (s *Service) DeleteLogStream(ctx context.Context, in *DeleteLogStreamInput) (*DeleteLogStreamOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName, in.LogStreamName); err != nil {
		return nil, err
	}
	g, err := s.group(ctx, c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if g.DeletionProtection {
		return nil, errDeletionProtected()
	}
	err = s.logs.DeleteLogStream(ctx, c.AccountID, c.Region, in.LogGroupName, in.LogStreamName)
	if errors.Is(err, storage.ErrNotFound) {
		// The group was there a moment ago; it is the stream that is not.
		return nil, errStreamNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("delete log stream: %w", err)
	}
	return &DeleteLogStreamOutput{}, nil
}

// DescribeLogStreams lists a group's streams by name or by last event
// time, ascending or descending. Errors: errGroupNotFound,
// errOrderByWithPrefix, errNameAndIdentifier, errNextToken.
func (s *Service) DescribeLogStreams(ctx context.Context, in *DescribeLogStreamsInput) (*DescribeLogStreamsOutput, error) {
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
	byTime := in.OrderBy == orderByLastEventTime
	if byTime && in.LogStreamNamePrefix != "" {
		return nil, errOrderByWithPrefix()
	}
	descending := in.Descending != nil && *in.Descending
	limit := describeLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	q := storage.LogStreamQuery{
		AccountID: c.AccountID, Region: c.Region, Group: group, Prefix: in.LogStreamNamePrefix,
		ByLastEventTime: byTime, Descending: descending, Limit: limit + 1,
	}
	order := orderByName
	if byTime {
		order = orderByLastEventTime
	}
	key := newPageKey("DescribeLogStreams", c.AccountID, c.Region).str(group).str(in.LogStreamNamePrefix).str(order).str(fmt.Sprint(descending))
	err = resume(key, in.NextToken, func(cur *cursor) {
		q.After = cur.string()
		q.AfterEventTime = cur.int()
	})
	if err != nil {
		return nil, err
	}
	streams, err := s.logs.ListLogStreams(ctx, q)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errGroupNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("list log streams: %w", err)
	}
	out := &DescribeLogStreamsOutput{LogStreams: make([]LogStream, 0, min(len(streams), limit))}
	if len(streams) > limit {
		streams = streams[:limit]
		last := streams[limit-1]
		out.NextToken = encodeToken(key, new(cursor).putString(last.Name).putInt(last.LastEventTime))
	}
	for _, st := range streams {
		out.LogStreams = append(out.LogStreams, describeStream(c, group, st))
	}
	return out, nil
}

// describeStream is the LogStream shape of st.
func describeStream(c *trailwatch.Caller, group string, st trailwatch.LogStream) LogStream {
	var zero int64
	out := LogStream{
		LogStreamName: st.Name,
		CreationTime:  st.CreatedAt.UnixMilli(),
		ARN:           streamARN(c.Region, c.AccountID, group, st.Name),
		StoredBytes:   &zero,
	}
	if st.LastIngestionTime != 0 {
		first, last, ingested := st.FirstEventTime, st.LastEventTime, st.LastIngestionTime
		out.FirstEventTimestamp = &first
		out.LastEventTimestamp = &last
		out.LastIngestionTime = &ingested
		out.UploadSequenceToken = sequenceToken(ingested)
	}
	return out
}

// sequenceToken is the nextSequenceToken PutLogEvents returns and the
// uploadSequenceToken DescribeLogStreams shows: 56 decimal digits, like
// AWS's. AWS ignores the tokens clients send back (§3.3), and so does
// trailwatch; deriving the token from the stream's last ingestion time
// keeps the two operations consistent with each other.
func sequenceToken(ingestionMillis int64) string {
	return fmt.Sprintf("%056d", max(ingestionMillis, 0))
}
