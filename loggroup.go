package trailwatch

import "time"

// LogGroup is a CloudWatch Logs log group (reference/cloudwatch-logs.md §2,
// §3.1).
type LogGroup struct {
	AccountID string
	Region    string
	Name      string
	CreatedAt time.Time // millisecond precision
	// RetentionDays is 0 when events never expire.
	RetentionDays      int32
	KMSKeyID           string
	Class              string // STANDARD, INFREQUENT_ACCESS or DELIVERY
	DeletionProtection bool
	Tags               map[string]string
	// StoredBytes is what the group's events occupy in storage (compressed
	// chunks and their filters); RawBytes is the sum of their message bytes.
	// Both are maintained by storage.
	StoredBytes       int64
	RawBytes          int64
	MetricFilterCount int
}

// LogStream is a log stream within a group. Event times are milliseconds
// since the epoch; zero means the stream has no events yet.
type LogStream struct {
	Name              string
	CreatedAt         time.Time
	FirstEventTime    int64
	LastEventTime     int64
	LastIngestionTime int64
}

// LogEvent is one log event. Seq is assigned by storage: unique within the
// log group and increasing in ingestion order, so (Timestamp, Seq) is the
// order FilterLogEvents and GetLogEvents return events in.
type LogEvent struct {
	Stream        string
	Timestamp     int64 // ms, as the client sent it
	IngestionTime int64 // ms, when the batch was accepted
	Seq           int64
	Message       string
}

// MetricFilter turns matching log events into metric values
// (reference/cloudwatch-logs.md §3.6, §6).
type MetricFilter struct {
	Group           string
	Name            string
	Pattern         string
	Transformations []MetricTransformation
	CreatedAt       time.Time
	// The newer optional members, stored as given.
	ApplyOnTransformedLogs    bool
	FieldSelectionCriteria    string
	EmitSystemFieldDimensions []string
}

// MetricTransformation says which metric a metric filter emits.
type MetricTransformation struct {
	MetricName      string
	MetricNamespace string
	MetricValue     string // a number, or a $field / $.selector reference
	DefaultValue    *float64
	Dimensions      map[string]string
	Unit            string
}
