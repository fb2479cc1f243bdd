package logs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/storage"
)

// Metric filter definitions (reference/cloudwatch-logs.md §3.6, §6). They
// are stored and validated here; turning matches into metric data is the
// metrics work's.

const (
	// maxMetricFilters is how many metric filters a log group may have.
	maxMetricFilters = 100
	// maxDimensions bounds a transformation's dimensions, system field
	// dimensions included.
	maxDimensions = 3
	// maxDimensionText bounds dimension names and values (the
	// DimensionsKey and DimensionsValue shapes).
	maxDimensionText = 255
)

// systemFields are the values emitSystemFieldDimensions accepts.
var systemFields = []string{"@aws.account", "@aws.region"}

// PutMetricFilterInput is PutMetricFilterRequest. FilterPattern is a
// pointer because it is required and may be empty. The model's limit of
// one transformation is checked by PutMetricFilter, which words it as AWS
// does.
type PutMetricFilterInput struct {
	LogGroupName              string                 `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	FilterName                string                 `json:"filterName" required:"true" min:"1" max:"512" pattern:"[^:*]*"`
	FilterPattern             *string                `json:"filterPattern" required:"true" max:"1024"`
	MetricTransformations     []MetricTransformation `json:"metricTransformations" required:"true" min:"1"`
	ApplyOnTransformedLogs    *bool                  `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria    string                 `json:"fieldSelectionCriteria" max:"2000"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions"`
}

// PutMetricFilterOutput is PutMetricFilter's (empty) result.
type PutMetricFilterOutput struct{}

// MetricTransformation is the MetricTransformation shape. MetricNamespace
// has no pattern tag although the model gives one ([^:*$]*): AWS accepts
// namespaces with ':' (a recording against AWS creates
// "A.B-c_d/1#2:metricNamespace").
type MetricTransformation struct {
	MetricName      string            `json:"metricName" required:"true" max:"255" pattern:"[^:*$]*"`
	MetricNamespace string            `json:"metricNamespace" required:"true" max:"255"`
	MetricValue     string            `json:"metricValue" required:"true" max:"100"`
	DefaultValue    *float64          `json:"defaultValue"`
	Dimensions      map[string]string `json:"dimensions"`
	Unit            string            `json:"unit" enum:"Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None"`
}

// DescribeMetricFiltersInput is DescribeMetricFiltersRequest.
type DescribeMetricFiltersInput struct {
	LogGroupName     string `json:"logGroupName" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	FilterNamePrefix string `json:"filterNamePrefix" min:"1" max:"512" pattern:"[^:*]*"`
	NextToken        string `json:"nextToken" min:"1"`
	Limit            *int32 `json:"limit" min:"1" max:"50"`
	MetricName       string `json:"metricName" max:"255" pattern:"[^:*$]*"`
	MetricNamespace  string `json:"metricNamespace" max:"255"`
}

// DescribeMetricFiltersOutput is DescribeMetricFiltersResponse.
type DescribeMetricFiltersOutput struct {
	MetricFilters []MetricFilter `json:"metricFilters"`
	NextToken     string         `json:"nextToken"`
}

// MetricFilter is the MetricFilter shape. ApplyOnTransformedLogs is always
// present, false unless set, as AWS returns it.
type MetricFilter struct {
	FilterName                string                 `json:"filterName"`
	FilterPattern             *string                `json:"filterPattern"`
	MetricTransformations     []MetricTransformation `json:"metricTransformations"`
	CreationTime              int64                  `json:"creationTime"`
	LogGroupName              string                 `json:"logGroupName"`
	ApplyOnTransformedLogs    *bool                  `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria    string                 `json:"fieldSelectionCriteria"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions"`
}

// DeleteMetricFilterInput is DeleteMetricFilterRequest.
type DeleteMetricFilterInput struct {
	LogGroupName string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	FilterName   string `json:"filterName" required:"true" min:"1" max:"512" pattern:"[^:*]*"`
}

// DeleteMetricFilterOutput is DeleteMetricFilter's (empty) result.
type DeleteMetricFilterOutput struct{}

// TestMetricFilterInput is TestMetricFilterRequest.
type TestMetricFilterInput struct {
	FilterPattern    *string  `json:"filterPattern" required:"true" max:"1024"`
	LogEventMessages []string `json:"logEventMessages" required:"true" min:"1" max:"50"`
}

// TestMetricFilterOutput is TestMetricFilterResponse; Matches is [] when
// nothing matches.
type TestMetricFilterOutput struct {
	Matches []MetricFilterMatchRecord `json:"matches"`
}

// MetricFilterMatchRecord is one matching message.
type MetricFilterMatchRecord struct {
	// EventNumber counts the messages from 1 (unverified: the model does
	// not say where it starts).
	EventNumber     *int64            `json:"eventNumber"`
	EventMessage    string            `json:"eventMessage"`
	ExtractedValues map[string]string `json:"extractedValues"`
}

// PutMetricFilter creates or replaces a metric filter of a group. The
// pattern must compile, and the transformation's value and dimensions must
// be numbers or fields the pattern extracts (§6). Errors: errGroupNotFound,
// errMetricFilterPattern, errMetricValue, errDimensionValue,
// errTooManyDimensions, errDimensionsWithDefault, errMetricFilterLimit.
func (s *Service) PutMetricFilter(ctx context.Context, in *PutMetricFilterInput) (*PutMetricFilterOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	if len(in.MetricTransformations) > 1 {
		return nil, validationError(awsapi.Violation{
			Path: "metricTransformations", Value: formatTransformations(in.MetricTransformations),
			Constraint: "Member must have length less than or equal to 1",
		})
	}
	pattern, err := filterpattern.Compile(*in.FilterPattern)
	if err != nil {
		return nil, errMetricFilterPattern()
	}
	t := in.MetricTransformations[0]
	if err := checkTransformation(pattern, t, in.EmitSystemFieldDimensions); err != nil {
		return nil, err
	}
	f := trailwatch.MetricFilter{
		Group:   in.LogGroupName,
		Name:    in.FilterName,
		Pattern: *in.FilterPattern,
		Transformations: []trailwatch.MetricTransformation{{
			MetricName: t.MetricName, MetricNamespace: t.MetricNamespace, MetricValue: t.MetricValue,
			DefaultValue: t.DefaultValue, Dimensions: t.Dimensions, Unit: t.Unit,
		}},
		CreatedAt:                 time.UnixMilli(s.nowMillis()).UTC(),
		ApplyOnTransformedLogs:    in.ApplyOnTransformedLogs != nil && *in.ApplyOnTransformedLogs,
		FieldSelectionCriteria:    in.FieldSelectionCriteria,
		EmitSystemFieldDimensions: in.EmitSystemFieldDimensions,
	}
	err = s.logs.PutMetricFilter(ctx, c.AccountID, c.Region, f, maxMetricFilters)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errGroupNotFound()
	case errors.Is(err, storage.ErrLimitExceeded):
		return nil, errMetricFilterLimit()
	case err != nil:
		return nil, fmt.Errorf("put metric filter: %w", err)
	}
	return &PutMetricFilterOutput{}, nil
}

// checkTransformation checks what the shape tags cannot: the metric value,
// the dimensions and the system field dimensions.
func checkTransformation(p *filterpattern.Pattern, t MetricTransformation, system []string) error {
	if !bindsOrNumber(p, t.MetricValue) {
		return errMetricValue(t.MetricValue)
	}
	for _, f := range system {
		if !slices.Contains(systemFields, f) {
			return validationError(awsapi.Violation{
				Path: "emitSystemFieldDimensions", Value: "[" + strings.Join(system, ", ") + "]",
				Constraint: "Member must satisfy enum value set: [" + strings.Join(systemFields, ", ") + "]",
			})
		}
	}
	if len(t.Dimensions)+len(system) > maxDimensions {
		return errTooManyDimensions()
	}
	if len(t.Dimensions) > 0 && t.DefaultValue != nil {
		return errDimensionsWithDefault()
	}
	badKey, badValue := false, false
	for name, v := range t.Dimensions {
		badKey = badKey || javaLength(name) > maxDimensionText
		badValue = badValue || javaLength(v) > maxDimensionText
	}
	if badKey || badValue {
		var vs []awsapi.Violation
		value := formatMap(t.Dimensions)
		if badKey {
			vs = append(vs, awsapi.Violation{Path: "metricTransformations.1.member.dimensions", Value: value,
				Constraint: "Map keys must satisfy constraint: [Member must have length less than or equal to 255]"})
		}
		if badValue {
			vs = append(vs, awsapi.Violation{Path: "metricTransformations.1.member.dimensions", Value: value,
				Constraint: "Map value must satisfy constraint: [Member must have length less than or equal to 255]"})
		}
		return validationError(vs...)
	}
	for _, name := range slices.Sorted(maps.Keys(t.Dimensions)) {
		// Only JSON and space-delimited patterns bind fields, so only they
		// can have dimensions (§6).
		ref, err := filterpattern.ParseRef(t.Dimensions[name])
		if err != nil || !p.Binds(ref) {
			return errDimensionValue(name, t.Dimensions[name])
		}
	}
	return nil
}

// bindsOrNumber reports whether a metric value is a number literal or a
// reference to a field p extracts.
func bindsOrNumber(p *filterpattern.Pattern, v string) bool {
	if strings.HasPrefix(v, "$") {
		ref, err := filterpattern.ParseRef(v)
		return err == nil && p.Binds(ref)
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && strings.TrimSpace(v) == v
}

// formatTransformations prints transformations as AWS's validation message
// does: the Java objects' generated toString (observed).
func formatTransformations(ts []MetricTransformation) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		def, unit, dims := "null", "null", "null"
		if t.DefaultValue != nil {
			def = javaDouble(*t.DefaultValue)
		}
		if t.Unit != "" {
			unit = t.Unit
		}
		if t.Dimensions != nil {
			dims = formatMap(t.Dimensions)
		}
		fmt.Fprintf(&b, "MetricTransformation(metricName=%s, metricNamespace=%s, metricValue=%s, defaultValue=%s, unit=%s, dimensions=%s)",
			t.MetricName, t.MetricNamespace, t.MetricValue, def, unit, dims)
	}
	b.WriteByte(']')
	return b.String()
}

// javaDouble prints a double as Java's Double.toString does for ordinary
// values: always with a fraction, scientific outside [1e-3, 1e7).
func javaDouble(f float64) string {
	abs := max(f, -f)
	if abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		e, _ := strconv.Atoi(exp)
		return mant + "E" + strconv.Itoa(e)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// DescribeMetricFilters lists metric filters, of one group or of every
// group, by filter name prefix and by the metric they emit, in (group,
// name) order. Errors: errGroupNotFound (for a named group),
// errMetricNameWithoutNamespace, errNextToken.
func (s *Service) DescribeMetricFilters(ctx context.Context, in *DescribeMetricFiltersInput) (*DescribeMetricFiltersOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	if (in.MetricName == "") != (in.MetricNamespace == "") {
		return nil, errMetricNameWithoutNamespace()
	}
	limit := describeLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	q := storage.MetricFilterQuery{
		AccountID: c.AccountID, Region: c.Region, Group: in.LogGroupName, NamePrefix: in.FilterNamePrefix,
		MetricName: in.MetricName, MetricNamespace: in.MetricNamespace, Limit: limit + 1,
	}
	key := newPageKey("DescribeMetricFilters", c.AccountID, c.Region).
		str(in.LogGroupName).str(in.FilterNamePrefix).str(in.MetricName).str(in.MetricNamespace)
	err = resume(key, in.NextToken, func(cur *cursor) {
		q.AfterGroup = cur.string()
		q.After = cur.string()
	})
	if err != nil {
		return nil, err
	}
	if in.LogGroupName != "" {
		if _, err := s.group(ctx, c, in.LogGroupName); err != nil {
			return nil, err
		}
	}
	filters, err := s.logs.ListMetricFilters(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list metric filters: %w", err)
	}
	out := &DescribeMetricFiltersOutput{MetricFilters: make([]MetricFilter, 0, min(len(filters), limit))}
	if len(filters) > limit {
		filters = filters[:limit]
		last := filters[limit-1]
		out.NextToken = encodeToken(key, new(cursor).putString(last.Group).putString(last.Name))
	}
	for _, f := range filters {
		out.MetricFilters = append(out.MetricFilters, describeMetricFilter(f))
	}
	return out, nil
}

// describeMetricFilter is the MetricFilter shape of f.
func describeMetricFilter(f trailwatch.MetricFilter) MetricFilter {
	pattern, apply := f.Pattern, f.ApplyOnTransformedLogs
	out := MetricFilter{
		FilterName:                f.Name,
		FilterPattern:             &pattern,
		MetricTransformations:     make([]MetricTransformation, 0, len(f.Transformations)),
		CreationTime:              f.CreatedAt.UnixMilli(),
		LogGroupName:              f.Group,
		ApplyOnTransformedLogs:    &apply,
		FieldSelectionCriteria:    f.FieldSelectionCriteria,
		EmitSystemFieldDimensions: f.EmitSystemFieldDimensions,
	}
	for _, t := range f.Transformations {
		out.MetricTransformations = append(out.MetricTransformations, MetricTransformation{
			MetricName: t.MetricName, MetricNamespace: t.MetricNamespace, MetricValue: t.MetricValue,
			DefaultValue: t.DefaultValue, Dimensions: t.Dimensions, Unit: t.Unit,
		})
	}
	return out
}

// DeleteMetricFilter deletes a metric filter. Errors: errGroupNotFound,
// errMetricFilterNotFound.
func (s *Service) DeleteMetricFilter(ctx context.Context, in *DeleteMetricFilterInput) (*DeleteMetricFilterOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	err = s.logs.DeleteMetricFilter(ctx, c.AccountID, c.Region, in.LogGroupName, in.FilterName)
	if errors.Is(err, storage.ErrNotFound) {
		if _, err := s.group(ctx, c, in.LogGroupName); err != nil {
			return nil, err
		}
		return nil, errMetricFilterNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("delete metric filter: %w", err)
	}
	return &DeleteMetricFilterOutput{}, nil
}

// TestMetricFilter applies a pattern to sample messages and returns the
// matching ones with the values the match extracts: every field of a
// space-delimited pattern, keyed "$name" or "$N", and nothing for other
// patterns (filterpattern.Pattern.Extract). Errors: errMetricFilterPattern.
func (s *Service) TestMetricFilter(ctx context.Context, in *TestMetricFilterInput) (*TestMetricFilterOutput, error) {
	pattern, err := filterpattern.Compile(*in.FilterPattern)
	if err != nil {
		return nil, errMetricFilterPattern()
	}
	out := &TestMetricFilterOutput{Matches: []MetricFilterMatchRecord{}}
	for i, msg := range in.LogEventMessages {
		values, ok := pattern.Extract(msg)
		if !ok {
			continue
		}
		n := int64(i + 1)
		out.Matches = append(out.Matches, MetricFilterMatchRecord{EventNumber: &n, EventMessage: msg, ExtractedValues: values})
	}
	return out, nil
}
