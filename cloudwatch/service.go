// Package cloudwatch is the CloudWatch metrics service: PutMetricData,
// GetMetricStatistics, GetMetricData and ListMetrics
// (reference/cloudwatch-metrics.md §1–§8), metric alarms (§9–§13,
// alarms.go and its neighbours; evaluation in package alarm), composite
// alarms (§14, composite.go, compositeeval.go) and alarm tags (tags.go),
// served on the query, AWS JSON 1.0 and Smithy RPC v2 CBOR protocols at
// once. Data points are kept as per-bucket aggregates with sketches
// (storage.Metrics, storage/metric_sketch.go).
// No HTTP, no SQL.
package cloudwatch

import (
	"context"
	"net/http"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configure a Service.
type Options struct {
	// Metrics holds metric data. Required.
	Metrics storage.Metrics
	// Alarms holds metric alarms and their history; nil leaves the alarm
	// operations failing with an internal error.
	Alarms storage.Alarms
	// Publish sends an alarm notification to an SNS topic on behalf of
	// the alarm's account; nil means SNS actions are not run.
	Publish func(ctx context.Context, account, topicARN, subject, message string) error
	// Now is the clock that judges timestamps; nil means time.Now.
	Now func() time.Time
}

// Service implements the CloudWatch metric operations; safe for
// concurrent use.
type Service struct {
	metrics storage.Metrics
	alarms  storage.Alarms
	publish func(ctx context.Context, account, topicARN, subject, message string) error
	now     func() time.Time
}

// New returns a Service; it panics without Options.Metrics (a wiring bug).
func New(opts Options) *Service {
	if opts.Metrics == nil {
		panic("BUG: cloudwatch: Options.Metrics is nil")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{metrics: opts.Metrics, alarms: opts.Alarms, publish: opts.Publish, now: opts.Now}
}

// Query error codes and the Smithy shapes JSON and CBOR clients get them
// as (reference/cloudwatch-metrics.md §1).
const (
	codeInvalidParameterValue       = "InvalidParameterValue"
	codeInvalidParameterCombination = "InvalidParameterCombination"
	codeMissingParameter            = "MissingParameter"
	codeInvalidNextToken            = "InvalidNextToken"
)

var errorShapes = map[string]string{
	codeInvalidParameterValue:         "InvalidParameterValueException",
	codeInvalidParameterCombination:   "InvalidParameterCombinationException",
	codeMissingParameter:              "MissingRequiredParameterException",
	codeInvalidNextToken:              "InvalidNextToken",
	"InvalidFormat":                   "InvalidFormatFault",
	"LimitExceeded":                   "LimitExceededFault",
	"ResourceNotFound":                "ResourceNotFound",
	"ResourceNotFoundException":       "ResourceNotFoundException",
	"ConcurrentModificationException": "ConcurrentModificationException",
	"InternalServiceError":            "InternalServiceFault",
}

// ErrorType is the __type a JSON or CBOR error body carries for a query
// error code: the Smithy shape id; Coral's for validation failures.
func ErrorType(code string) string {
	if code == "ValidationError" {
		return "com.amazon.coral.validate#ValidationException"
	}
	if shape, ok := errorShapes[code]; ok {
		return "com.amazonaws.cloudwatch#" + shape
	}
	return code
}

// ErrorMessageKey is the member a JSON or CBOR error body carries its
// message in: the error shape's own, "Message" for the faults and
// exceptions the model spells so (BC shapes; aws-sdk-go-v2 reads only
// that member), "message" for the rest.
func ErrorMessageKey(code string) string {
	switch code {
	case "ResourceNotFoundException", "ConcurrentModificationException", "InternalServiceError", "LimitExceededException":
		return "Message"
	}
	return "message"
}

func invalidValue(format string, args ...any) *awserr.Error {
	return awserr.New(codeInvalidParameterValue, http.StatusBadRequest, format, args...)
}

func invalidCombination(format string, args ...any) *awserr.Error {
	return awserr.New(codeInvalidParameterCombination, http.StatusBadRequest, format, args...)
}

func missing(format string, args ...any) *awserr.Error {
	return awserr.New(codeMissingParameter, http.StatusBadRequest, format, args...)
}

// API returns CloudWatch's operation table for the front door.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:  "monitoring",
		ActionPrefix: "cloudwatch",
		EventSource:  "monitoring.amazonaws.com",
		APIVersion:   "2010-08-01",
		Protocols:    []awsapi.Protocol{awsapi.Query, awsapi.JSON10, awsapi.RPCv2CBOR},
		// JSON's X-Amz-Target prefix and CBOR's service path segment
		// (reference/protocols.md §1).
		TargetPrefixes:    []string{"GraniteServiceVersion20100801"},
		XMLNamespace:      "http://monitoring.amazonaws.com/doc/2010-08-01/",
		ValidationCode:    "ValidationError",
		QueryCompatible:   true,
		ErrorType:         ErrorType,
		ErrorMessageKeyOf: ErrorMessageKey,
	},
		awsapi.Op(awsapi.Def[PutMetricDataInput, PutMetricDataOutput]{Name: "PutMetricData", Data: true, Handle: s.PutMetricData}),
		awsapi.Op(awsapi.Def[GetMetricStatisticsInput, GetMetricStatisticsOutput]{Name: "GetMetricStatistics", ReadOnly: true, Handle: s.GetMetricStatistics}),
		awsapi.Op(awsapi.Def[GetMetricDataInput, GetMetricDataOutput]{Name: "GetMetricData", ReadOnly: true, Handle: s.GetMetricData}),
		awsapi.Op(awsapi.Def[ListMetricsInput, ListMetricsOutput]{Name: "ListMetrics", ReadOnly: true, Handle: s.ListMetrics}),
		awsapi.Op(awsapi.Def[PutMetricAlarmInput, PutMetricAlarmOutput]{Name: "PutMetricAlarm", Handle: s.PutMetricAlarm,
			Resources: func(ctx context.Context, in *PutMetricAlarmInput) ([]trailwatch.Resource, error) {
				return alarmResource(ctx, in.AlarmName), nil
			},
			Also: func(in *PutMetricAlarmInput) [][]string { return tagging(len(in.Tags)) }}),
		awsapi.Op(awsapi.Def[PutCompositeAlarmInput, PutCompositeAlarmOutput]{Name: "PutCompositeAlarm", Handle: s.PutCompositeAlarm,
			Resources: func(ctx context.Context, in *PutCompositeAlarmInput) ([]trailwatch.Resource, error) {
				return alarmResource(ctx, in.AlarmName), nil
			},
			Also: func(in *PutCompositeAlarmInput) [][]string { return tagging(len(in.Tags)) }}),
		awsapi.Op(awsapi.Def[DescribeAlarmsInput, DescribeAlarmsOutput]{Name: "DescribeAlarms", ReadOnly: true, Handle: s.DescribeAlarms}),
		awsapi.Op(awsapi.Def[DescribeAlarmsForMetricInput, DescribeAlarmsForMetricOutput]{Name: "DescribeAlarmsForMetric", ReadOnly: true, Handle: s.DescribeAlarmsForMetric}),
		awsapi.Op(awsapi.Def[DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput]{Name: "DescribeAlarmHistory", ReadOnly: true, Handle: s.DescribeAlarmHistory}),
		awsapi.Op(awsapi.Def[SetAlarmStateInput, SetAlarmStateOutput]{Name: "SetAlarmState", Handle: s.SetAlarmState}),
		awsapi.Op(awsapi.Def[DeleteAlarmsInput, DeleteAlarmsOutput]{Name: "DeleteAlarms", Handle: s.DeleteAlarms}),
		awsapi.Op(awsapi.Def[AlarmNamesInput, AlarmActionsOutput]{Name: "EnableAlarmActions", Handle: s.EnableAlarmActions}),
		awsapi.Op(awsapi.Def[AlarmNamesInput, AlarmActionsOutput]{Name: "DisableAlarmActions", Handle: s.DisableAlarmActions}),
		awsapi.Op(awsapi.Def[TagResourceInput, TagResourceOutput]{Name: "TagResource", Handle: s.TagResource,
			Resources: func(ctx context.Context, in *TagResourceInput) ([]trailwatch.Resource, error) {
				return tagResource(ctx, in.ResourceARN)
			}}),
		awsapi.Op(awsapi.Def[UntagResourceInput, UntagResourceOutput]{Name: "UntagResource", Handle: s.UntagResource,
			Resources: func(ctx context.Context, in *UntagResourceInput) ([]trailwatch.Resource, error) {
				return tagResource(ctx, in.ResourceARN)
			}}),
		awsapi.Op(awsapi.Def[ListTagsForResourceInput, ListTagsForResourceOutput]{Name: "ListTagsForResource", ReadOnly: true, Handle: s.ListTagsForResource,
			Resources: func(ctx context.Context, in *ListTagsForResourceInput) ([]trailwatch.Resource, error) {
				return tagResource(ctx, in.ResourceARN)
			}}),
	)
}

// Dimension is a metric dimension.
type Dimension struct {
	Name  string `json:"Name" required:"true" min:"1" max:"255"`
	Value string `json:"Value" required:"true" min:"1" max:"1024"`
}

func toStorage(ds []Dimension) []storage.Dimension {
	out := make([]storage.Dimension, len(ds))
	for i, d := range ds {
		out[i] = storage.Dimension{Name: d.Name, Value: d.Value}
	}
	storage.SortDimensions(out)
	return out
}

func fromStorage(ds []storage.Dimension) []Dimension {
	out := make([]Dimension, len(ds))
	for i, d := range ds {
		out[i] = Dimension{Name: d.Name, Value: d.Value}
	}
	return out
}

const unitEnum = "Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"
