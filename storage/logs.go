package storage

import (
	"context"

	"github.com/trailwatch/trailwatch"
)

// LogGroupQuery selects log groups for DescribeLogGroups, in ASCII name
// order.
type LogGroupQuery struct {
	AccountID, Region string
	// Prefix and Contains (a case-sensitive substring) narrow by name; at
	// most one is set.
	Prefix, Contains string
	// Names, when non-empty, selects exactly these groups.
	Names []string
	// After resumes strictly after this name.
	After string
	Limit int
}

// LogStreamQuery selects a group's streams for DescribeLogStreams.
type LogStreamQuery struct {
	AccountID, Region, Group string
	Prefix                   string
	// ByLastEventTime orders by LastEventTime (then name) instead of name.
	ByLastEventTime bool
	Descending      bool
	// After resumes strictly after this stream in the chosen order: its
	// name, and for ByLastEventTime also its LastEventTime.
	After          string
	AfterEventTime int64
	Limit          int
}

// EventPos is a position in the (Timestamp, Seq) order of a group's or a
// stream's events.
type EventPos struct {
	Timestamp int64
	Seq       int64
}

// StreamRead reads one stream for GetLogEvents: events with
// From <= Timestamp < To, in (Timestamp, Seq) order.
type StreamRead struct {
	AccountID, Region, Group, Stream string
	// From and To bound Timestamp (ms); To is exclusive. Use
	// math.MinInt64 / math.MaxInt64 for no bound.
	From, To int64
	// Backward reads the newest events first, before Pos (exclusive);
	// forward reads the oldest first, after Pos (exclusive). A nil Pos
	// starts at the window's end (backward) or start (forward).
	Backward bool
	Pos      *EventPos
	Limit    int
}

// LogScan scans a group's events for FilterLogEvents.
type LogScan struct {
	AccountID, Region, Group string
	// Streams, when non-empty, limits the scan to these streams;
	// StreamPrefix to streams whose name starts with it. At most one is set.
	Streams      []string
	StreamPrefix string
	// From and To bound Timestamp inclusively (ms).
	From, To int64
	// After resumes strictly after this position.
	After *EventPos
	// Terms are substrings every matching message contains (case-
	// sensitive); chunks whose filter rules one out are skipped unread.
	Terms []string
	// Match decides each candidate; nil matches everything. It must be safe
	// for concurrent use: backends may scan chunks in parallel.
	Match func(message []byte) bool
	Limit int
	// MaxScannedBytes bounds the raw message bytes examined by one call
	// (0 = no bound). When it is reached the scan stops early and reports
	// where to resume, as FilterLogEvents may return a short page.
	MaxScannedBytes int64
}

// Logs holds CloudWatch Logs state: groups, streams, events and metric
// filters. Everything is scoped by account and region.
type Logs interface {
	// CreateLogGroup returns ErrExists when the name is taken.
	CreateLogGroup(ctx context.Context, g trailwatch.LogGroup) error
	// GetLogGroup returns ErrNotFound.
	GetLogGroup(ctx context.Context, account, region, name string) (trailwatch.LogGroup, error)
	ListLogGroups(ctx context.Context, q LogGroupQuery) ([]trailwatch.LogGroup, error)
	// UpdateLogGroup reads the group, lets fn change it (retention, tags,
	// class, protection; the stored statistics and name are not written
	// back) and stores the result, atomically. ErrNotFound; fn's error is
	// returned as is and nothing is written.
	UpdateLogGroup(ctx context.Context, account, region, name string, fn func(*trailwatch.LogGroup) error) error
	// DeleteLogGroup removes the group with its streams, events and metric
	// filters. ErrNotFound.
	DeleteLogGroup(ctx context.Context, account, region, name string) error

	// CreateLogStream returns ErrNotFound for a missing group, ErrExists
	// for a taken name.
	CreateLogStream(ctx context.Context, account, region, group string, s trailwatch.LogStream) error
	// GetLogStream returns ErrNotFound when the group or stream is missing.
	GetLogStream(ctx context.Context, account, region, group, stream string) (trailwatch.LogStream, error)
	// ListLogStreams returns ErrNotFound for a missing group.
	ListLogStreams(ctx context.Context, q LogStreamQuery) ([]trailwatch.LogStream, error)
	// DeleteLogStream removes the stream and its events. ErrNotFound.
	DeleteLogStream(ctx context.Context, account, region, group, stream string) error

	// PutLogEvents stores one accepted batch atomically and durably: the
	// events (any order; Stream, Seq and IngestionTime are ignored and
	// assigned here), the stream's first/last event and ingestion times,
	// and the group's byte counts. It returns the events as stored, with
	// Seq and IngestionTime set, in the order given. ErrNotFound when the
	// group or stream is missing.
	PutLogEvents(ctx context.Context, account, region, group, stream string, ingestionTime int64, events []trailwatch.LogEvent) ([]trailwatch.LogEvent, error)
	// ReadLogStream returns up to q.Limit events of one stream, always in
	// ascending (Timestamp, Seq) order (a backward read returns the newest
	// Limit events before Pos, oldest first). ErrNotFound.
	ReadLogStream(ctx context.Context, q StreamRead) ([]trailwatch.LogEvent, error)
	// ScanLogEvents returns up to q.Limit matching events in (Timestamp,
	// Seq) order across the selected streams, and the position to resume
	// from, or nil when the scan reached the end of the window. A page may
	// be short (MaxScannedBytes) while more remains. ErrNotFound for a
	// missing group.
	ScanLogEvents(ctx context.Context, q LogScan) ([]trailwatch.LogEvent, *EventPos, error)
	// DeleteExpiredLogEvents removes, for every group with a retention
	// period, the stored chunks whose newest event is older than now minus
	// the retention, and updates the byte counts. Whole chunks only: an
	// event may outlive its retention until its chunk expires. It returns
	// how many events it removed.
	DeleteExpiredLogEvents(ctx context.Context, nowMillis int64) (int64, error)
	// CompactLogEvents merges each stream's small adjacent chunks into
	// bigger ones, at most maxStreams streams per call, and reports how
	// many chunks it removed. Events, their order and their Seq are
	// unchanged.
	CompactLogEvents(ctx context.Context, maxStreams int) (int, error)
	// LogCompactionBacklog reports how many streams have neighbouring
	// chunks that CompactLogEvents would merge: 0 once compaction has
	// caught up with ingestion. It only reads.
	LogCompactionBacklog(ctx context.Context) (int, error)

	// PutMetricFilter creates or replaces a filter. ErrNotFound for a
	// missing group; ErrLimitExceeded when the group already has
	// maxPerGroup other filters.
	PutMetricFilter(ctx context.Context, account, region string, f trailwatch.MetricFilter, maxPerGroup int) error
	// ListMetricFilters returns filters in (group, name) order.
	ListMetricFilters(ctx context.Context, q MetricFilterQuery) ([]trailwatch.MetricFilter, error)
	// DeleteMetricFilter returns ErrNotFound.
	DeleteMetricFilter(ctx context.Context, account, region, group, name string) error
}

// MetricFilterQuery selects metric filters for DescribeMetricFilters.
type MetricFilterQuery struct {
	AccountID, Region string
	Group             string // "" = every group
	NamePrefix        string
	// MetricName and MetricNamespace, when set, select filters with a
	// transformation emitting that metric.
	MetricName, MetricNamespace string
	// AfterGroup and After resume strictly after that (group, name).
	AfterGroup, After string
	Limit             int
}
