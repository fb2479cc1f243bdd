package logs_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/logs"
)

// TestIsolation: the same names in another account or region are other
// resources, and nothing of one is visible from another.
func TestIsolation(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPut(t, f, rootA, "g", "s", ev(0, "account A, east"))
	if err := putFilter(f, "g", "f", "ERROR", transformation("m", "1")); err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]*trailwatch.Caller{"another account": caller(accountB, east), "another region": caller(accountA, west)} {
		t.Run(name, func(t *testing.T) {
			groups := must[logs.DescribeLogGroupsOutput](t, f, other, "DescribeLogGroups", &logs.DescribeLogGroupsInput{})
			filters := must[logs.DescribeMetricFiltersOutput](t, f, other, "DescribeMetricFilters", &logs.DescribeMetricFiltersInput{})
			if len(groups.LogGroups) != 0 || len(filters.MetricFilters) != 0 {
				t.Fatalf("sees %d groups and %d metric filters of account A in us-east-1", len(groups.LogGroups), len(filters.MetricFilters))
			}
			_, err := do[logs.GetLogEventsOutput](f, other, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"})
			wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
			_, err = do[logs.FilterLogEventsOutput](f, other, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:111122223333:log-group:g"})
			wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
			_, err = do[logs.PutLogEventsOutput](f, other, "PutLogEvents", &logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{ev(0, "x")}})
			wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
			_, err = do[logs.ListTagsForResourceOutput](f, other, "ListTagsForResource", &logs.ListTagsForResourceInput{ResourceARN: "arn:aws:logs:us-east-1:111122223333:log-group:g"})
			wantError(t, err, "ResourceNotFoundException", "")

			// The same names make separate resources there.
			MustGroup(t, f, other, "g")
			MustStream(t, f, other, "g", "s")
			MustPut(t, f, other, "g", "s", ev(0, name))
			out := must[logs.FilterLogEventsOutput](t, f, other, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g"})
			if diff := cmp.Diff([]string{"s:" + name}, filtered(out.Events)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	out := must[logs.FilterLogEventsOutput](t, f, rootA, "FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "g"})
	if diff := cmp.Diff([]string{"s:account A, east"}, filtered(out.Events)); diff != "" {
		t.Errorf("account A's group (-want +got):\n%s", diff)
	}
}

// TestResources: what each operation is authorised against (§3, AWS's
// denial messages).
func TestResources(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		op   string
		in   any
		want string
	}{
		{"CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: "/app"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:"},
		{"DescribeLogGroups", &logs.DescribeLogGroupsInput{}, "arn:aws:logs:us-east-1:111122223333:log-group::log-stream:"},
		{"DescribeLogStreams", &logs.DescribeLogStreamsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:111122223333:log-group:/app"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:"},
		{"PutLogEvents", &logs.PutLogEventsInput{LogGroupName: "/app", LogStreamName: "s1"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:s1"},
		{"GetLogEvents", &logs.GetLogEventsInput{LogGroupIdentifier: "/app", LogStreamName: "s1"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:s1"},
		{"FilterLogEvents", &logs.FilterLogEventsInput{LogGroupName: "/app"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:"},
		{"TagResource", &logs.TagResourceInput{ResourceARN: "arn:aws:logs:us-east-1:111122223333:log-group:/app"}, "arn:aws:logs:us-east-1:111122223333:log-group:/app"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			ctx := trailwatch.NewContextWithCaller(t.Context(), rootA)
			rs, err := f.api.Operations[tt.op].Resources(ctx, tt.in)
			if err != nil || len(rs) != 1 || rs[0].ARN != tt.want || rs[0].AccountID != accountA {
				t.Errorf("got %+v, %v; want %s", rs, err, tt.want)
			}
		})
	}
	op := f.api.Operations["PutLogEvents"]
	if op.Category != trailwatch.CategoryData || op.ReadOnly {
		t.Errorf("PutLogEvents: category %s, read-only %v; want a write data event", op.Category, op.ReadOnly)
	}
	if op := f.api.Operations["FilterLogEvents"]; op.Category != trailwatch.CategoryData || !op.ReadOnly {
		t.Errorf("FilterLogEvents: category %s, read-only %v; want a read-only data event", op.Category, op.ReadOnly)
	}
	if op := f.api.Operations["DescribeLogGroups"]; op.Category != trailwatch.CategoryManagement || !op.ReadOnly {
		t.Errorf("DescribeLogGroups: category %s, read-only %v", op.Category, op.ReadOnly)
	}
}
