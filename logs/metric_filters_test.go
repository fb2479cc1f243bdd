package logs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

func transformation(name, value string) logs.MetricTransformation {
	return logs.MetricTransformation{MetricName: name, MetricNamespace: "ns", MetricValue: value}
}

func putFilter(f *fixture, group, name, pattern string, t logs.MetricTransformation) error {
	_, err := do[logs.PutMetricFilterOutput](f, rootA, "PutMetricFilter", &logs.PutMetricFilterInput{
		LogGroupName: group, FilterName: name, FilterPattern: &pattern, MetricTransformations: []logs.MetricTransformation{t},
	})
	return err
}

func TestMetricFilters(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g1")
	MustGroup(t, f, rootA, "g2")
	must[logs.PutMetricFilterOutput](t, f, rootA, "PutMetricFilter", &logs.PutMetricFilterInput{
		LogGroupName: "g1", FilterName: "errors", FilterPattern: ptr(" "),
		MetricTransformations: []logs.MetricTransformation{{MetricName: "Errors", MetricNamespace: "A.B-c_d/1#2:app", MetricValue: "1", DefaultValue: ptr(0.0)}},
	})
	must[logs.PutMetricFilterOutput](t, f, rootA, "PutMetricFilter", &logs.PutMetricFilterInput{
		LogGroupName: "g1", FilterName: "latency", FilterPattern: ptr(`{ $.latency = * }`),
		MetricTransformations: []logs.MetricTransformation{{MetricName: "Latency", MetricNamespace: "app", MetricValue: "$.latency",
			Dimensions: map[string]string{"User": "$.user"}, Unit: "Milliseconds"}},
		ApplyOnTransformedLogs: ptr(true), EmitSystemFieldDimensions: []string{"@aws.region"},
	})
	if err := putFilter(f, "g2", "errors-too", "ERROR", transformation("Errors", "1")); err != nil {
		t.Fatal(err)
	}
	if err := putFilter(f, "g2", "status", "[ip, method, status, size]", transformation("Size", "$size")); err != nil {
		t.Fatal(err)
	}

	out := must[logs.DescribeMetricFiltersOutput](t, f, rootA, "DescribeMetricFilters", &logs.DescribeMetricFiltersInput{LogGroupName: "g1"})
	want := []logs.MetricFilter{
		{FilterName: "errors", FilterPattern: ptr(" "), CreationTime: baseMillis, LogGroupName: "g1", ApplyOnTransformedLogs: ptr(false),
			MetricTransformations: []logs.MetricTransformation{{MetricName: "Errors", MetricNamespace: "A.B-c_d/1#2:app", MetricValue: "1", DefaultValue: ptr(0.0)}}},
		{FilterName: "latency", FilterPattern: ptr(`{ $.latency = * }`), CreationTime: baseMillis, LogGroupName: "g1", ApplyOnTransformedLogs: ptr(true),
			EmitSystemFieldDimensions: []string{"@aws.region"},
			MetricTransformations: []logs.MetricTransformation{{MetricName: "Latency", MetricNamespace: "app", MetricValue: "$.latency",
				Dimensions: map[string]string{"User": "$.user"}, Unit: "Milliseconds"}}},
	}
	if diff := cmp.Diff(want, out.MetricFilters); diff != "" {
		t.Errorf("DescribeMetricFilters (-want +got):\n%s", diff)
	}
	groups := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{})
	if n := *groups.LogGroups[0].MetricFilterCount; n != 2 {
		t.Errorf("metricFilterCount %d, want 2", n)
	}

	filterNames := func(in logs.DescribeMetricFiltersInput) []string {
		var got []string
		for {
			out := must[logs.DescribeMetricFiltersOutput](t, f, rootA, "DescribeMetricFilters", &in)
			for _, mf := range out.MetricFilters {
				got = append(got, mf.LogGroupName+"/"+mf.FilterName)
			}
			if out.NextToken == "" {
				return got
			}
			in.NextToken = out.NextToken
		}
	}
	for name, tt := range map[string]struct {
		in   logs.DescribeMetricFiltersInput
		want []string
	}{
		"every group, by page":      {logs.DescribeMetricFiltersInput{Limit: ptr[int32](1)}, []string{"g1/errors", "g1/latency", "g2/errors-too", "g2/status"}},
		"prefix across groups":      {logs.DescribeMetricFiltersInput{FilterNamePrefix: "errors"}, []string{"g1/errors", "g2/errors-too"}},
		"prefix in a group":         {logs.DescribeMetricFiltersInput{LogGroupName: "g2", FilterNamePrefix: "s"}, []string{"g2/status"}},
		"metric name and namespace": {logs.DescribeMetricFiltersInput{MetricName: "Errors", MetricNamespace: "ns"}, []string{"g2/errors-too"}},
	} {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, filterNames(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// Put replaces a filter of the same name.
	if err := putFilter(f, "g2", "status", "[ip, method, status, size]", transformation("Size2", "$status")); err != nil {
		t.Fatal(err)
	}
	if got := filterNames(logs.DescribeMetricFiltersInput{MetricName: "Size2", MetricNamespace: "ns"}); len(got) != 1 {
		t.Errorf("replaced filter: %v", got)
	}
	must[logs.DeleteMetricFilterOutput](t, f, rootA, "DeleteMetricFilter", &logs.DeleteMetricFilterInput{LogGroupName: "g2", FilterName: "status"})
	_, err := do[logs.DeleteMetricFilterOutput](f, rootA, "DeleteMetricFilter", &logs.DeleteMetricFilterInput{LogGroupName: "g2", FilterName: "status"})
	wantError(t, err, "ResourceNotFoundException", "The specified metric filter does not exist.")
	_, err = do[logs.DeleteMetricFilterOutput](f, rootA, "DeleteMetricFilter", &logs.DeleteMetricFilterInput{LogGroupName: "nope", FilterName: "status"})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = do[logs.DeleteMetricFilterOutput](f, rootA, "DeleteMetricFilter", &logs.DeleteMetricFilterInput{LogGroupName: strings.Repeat("X", 513), FilterName: "f"})
	wantError(t, err, "InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
	_, err = do[logs.DescribeMetricFiltersOutput](f, rootA, "DescribeMetricFilters", &logs.DescribeMetricFiltersInput{LogGroupName: "nope"})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = do[logs.DescribeMetricFiltersOutput](f, rootA, "DescribeMetricFilters", &logs.DescribeMetricFiltersInput{MetricName: "Errors"})
	wantError(t, err, "InvalidParameterException", "")
	_, err = do[logs.DescribeMetricFiltersOutput](f, rootA, "DescribeMetricFilters", &logs.DescribeMetricFiltersInput{MetricName: strings.Repeat("X", 256), MetricNamespace: "valid"})
	wantError(t, err, "InvalidParameterException", "1 validation error detected: Value '"+strings.Repeat("X", 256)+"' at 'metricName' failed to satisfy constraint: Member must have length less than or equal to 255")
}

func TestPutMetricFilterErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	json, delimited := `{ $.latency > 0 }`, `[ip, user, status, size]`
	dims := func(m map[string]string) logs.MetricTransformation {
		t := transformation("m", "1")
		t.Dimensions = m
		return t
	}
	withDefault := dims(map[string]string{"U": "$user"})
	withDefault.DefaultValue = ptr(0.0)
	tests := []struct {
		name, pattern string
		t             logs.MetricTransformation
		code, msg     string
	}{
		{"bad pattern", `{ $.x = `, transformation("m", "1"), "InvalidParameterException", "Invalid metric filter pattern"},
		{"value not a number", "ERROR", transformation("m", "one"), "InvalidParameterException", ""},
		{"field value with a term pattern", "ERROR", transformation("m", "$.latency"), "InvalidParameterException", ""},
		{"JSON reference with a delimited pattern", delimited, transformation("m", "$.size"), "InvalidParameterException", ""},
		{"unknown field", delimited, transformation("m", "$bytes"), "InvalidParameterException", ""},
		{"dimension not a field", json, dims(map[string]string{"U": "alice"}), "InvalidParameterException", ""},
		{"four dimensions", delimited, dims(map[string]string{"a": "$ip", "b": "$user", "c": "$status", "d": "$size"}), "InvalidParameterException", ""},
		{"dimensions and default", delimited, withDefault, "InvalidParameterException", ""},
		{"bad unit", "ERROR", logs.MetricTransformation{MetricName: "m", MetricNamespace: "ns", MetricValue: "1", Unit: "Furlongs"}, "InvalidParameterException", ""},
		{"metric name with $", "ERROR", transformation("m$", "1"), "InvalidParameterException",
			"1 validation error detected: Value 'm$' at 'metricTransformations.1.member.metricName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*$]*"},
		{"missing group", "ERROR", transformation("m", "1"), "ResourceNotFoundException", "The specified log group does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group := "g"
			if tt.name == "missing group" {
				group = "nope"
			}
			wantError(t, putFilter(f, group, "f", tt.pattern, tt.t), tt.code, tt.msg)
		})
	}
	// The error of a recording against AWS, word for word.
	_, err := do[logs.PutMetricFilterOutput](f, rootA, "PutMetricFilter", &logs.PutMetricFilterInput{
		LogGroupName: "g", FilterName: "valid-filter", FilterPattern: ptr("pattern"),
		MetricTransformations: []logs.MetricTransformation{
			{MetricNamespace: "namespace1", MetricName: "metric1", MetricValue: "1"},
			{MetricNamespace: "namespace2", MetricName: "metric2", MetricValue: "1"},
		},
	})
	wantError(t, err, "InvalidParameterException", "1 validation error detected: Value '[MetricTransformation(metricName=metric1, metricNamespace=namespace1, metricValue=1, defaultValue=null, unit=null, dimensions=null), MetricTransformation(metricName=metric2, metricNamespace=namespace2, metricValue=1, defaultValue=null, unit=null, dimensions=null)]' at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1")
	_, err = do[logs.PutMetricFilterOutput](f, rootA, "PutMetricFilter", &logs.PutMetricFilterInput{
		LogGroupName: "g", FilterName: strings.Repeat("X", 513), FilterPattern: ptr("pattern"), MetricTransformations: []logs.MetricTransformation{transformation("m", "1")},
	})
	wantError(t, err, "InvalidParameterException", "1 validation error detected: Value '"+strings.Repeat("X", 513)+"' at 'filterName' failed to satisfy constraint: Member must have length less than or equal to 512")

	// Valid forms of value and dimensions.
	for i, tt := range []struct {
		pattern string
		t       logs.MetricTransformation
	}{
		{json, transformation("m", "$.latency")},
		{json, transformation("m", "-2.5e3")},
		{delimited, transformation("m", "$size")},
		{delimited, transformation("m", "$4")},
		{delimited, dims(map[string]string{"a": "$ip", "b": "$user", "c": "$status"})},
	} {
		if err := putFilter(f, "g", fmt.Sprintf("ok%d", i), tt.pattern, tt.t); err != nil {
			t.Errorf("%s with %+v: %v", tt.pattern, tt.t, err)
		}
	}

	// 100 filters per group; replacing one of them is still allowed.
	for i := 5; i < 100; i++ {
		if err := putFilter(f, "g", fmt.Sprintf("ok%d", i), "ERROR", transformation("m", "1")); err != nil {
			t.Fatal(err)
		}
	}
	wantError(t, putFilter(f, "g", "one-too-many", "ERROR", transformation("m", "1")), "LimitExceededException", "")
	if err := putFilter(f, "g", "ok7", "WARN", transformation("m", "1")); err != nil {
		t.Errorf("replacing the 100th filter: %v", err)
	}
}

func TestTestMetricFilter(t *testing.T) {
	f := newFixture(t)
	apache := []string{
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`,
		`127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324`,
		`not an access line`,
	}
	one := int64(1)
	two := int64(2)
	tests := []struct {
		name, pattern string
		msgs          []string
		want          []logs.MetricFilterMatchRecord
	}{
		{"space-delimited extracts every field", `[ip, identity, user_id, timestamp, request, status_code = 5*, size]`, apache, []logs.MetricFilterMatchRecord{{
			EventNumber: &two, EventMessage: apache[1], ExtractedValues: map[string]string{
				"$ip": "127.0.0.1", "$identity": "-", "$user_id": "frank", "$timestamp": "10/Oct/2000:13:35:22 -0700",
				"$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "500", "$size": "5324"}}}},
		{"terms extract nothing", "frank", apache, []logs.MetricFilterMatchRecord{
			{EventNumber: &one, EventMessage: apache[0], ExtractedValues: map[string]string{}},
			{EventNumber: &two, EventMessage: apache[1], ExtractedValues: map[string]string{}}}},
		{"no match", "nobody", apache, []logs.MetricFilterMatchRecord{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := must[logs.TestMetricFilterOutput](t, f, rootA, "TestMetricFilter", &logs.TestMetricFilterInput{FilterPattern: &tt.pattern, LogEventMessages: tt.msgs})
			if diff := cmp.Diff(tt.want, out.Matches); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
		})
	}
	_, err := do[logs.TestMetricFilterOutput](f, rootA, "TestMetricFilter", &logs.TestMetricFilterInput{FilterPattern: ptr("{ $.a = "), LogEventMessages: []string{"x"}})
	wantError(t, err, "InvalidParameterException", "Invalid metric filter pattern")
	_, err = do[logs.TestMetricFilterOutput](f, rootA, "TestMetricFilter", &logs.TestMetricFilterInput{FilterPattern: ptr("x"), LogEventMessages: make([]string, 51)})
	wantError(t, err, "InvalidParameterException", "")
}
