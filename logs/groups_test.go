package logs_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/logs"
)

func TestShapes(t *testing.T) {
	f := newFixture(t)
	for name, op := range f.api.Operations {
		if _, err := awsapi.ShapeOf(reflect.TypeOf(op.NewInput())); err != nil {
			t.Errorf("%s input: %v", name, err)
		}
	}
	for _, out := range []any{
		logs.DescribeLogGroupsOutput{}, logs.DescribeLogStreamsOutput{}, logs.PutLogEventsOutput{},
		logs.GetLogEventsOutput{}, logs.FilterLogEventsOutput{}, logs.ListTagsForResourceOutput{},
		logs.ListTagsLogGroupOutput{}, logs.DescribeMetricFiltersOutput{}, logs.TestMetricFilterOutput{},
	} {
		if _, err := awsapi.ShapeOf(reflect.TypeOf(out)); err != nil {
			t.Errorf("%T: %v", out, err)
		}
	}
	if len(f.api.Operations) != 22 {
		t.Errorf("%d operations, want 22", len(f.api.Operations))
	}
}

func TestCreateDescribeLogGroup(t *testing.T) {
	f := newFixture(t)
	must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{
		LogGroupName: "/app/web", KMSKeyID: "arn:aws:kms:us-east-1:111122223333:key/k1", Tags: map[string]string{"env": "prod"},
	})
	must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{
		LogGroupName: "/app/db", LogGroupClass: "INFREQUENT_ACCESS", DeletionProtectionEnabled: ptr(true),
	})
	out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{})
	arn := "arn:aws:logs:us-east-1:111122223333:log-group:"
	want := &logs.DescribeLogGroupsOutput{LogGroups: []logs.LogGroup{
		{LogGroupName: "/app/db", CreationTime: baseMillis, MetricFilterCount: ptr[int32](0), ARN: arn + "/app/db:*",
			StoredBytes: ptr[int64](0), LogGroupClass: "INFREQUENT_ACCESS", LogGroupARN: arn + "/app/db", DeletionProtectionEnabled: ptr(true)},
		{LogGroupName: "/app/web", CreationTime: baseMillis, MetricFilterCount: ptr[int32](0), ARN: arn + "/app/web:*",
			StoredBytes: ptr[int64](0), KMSKeyID: "arn:aws:kms:us-east-1:111122223333:key/k1", LogGroupClass: "STANDARD",
			LogGroupARN: arn + "/app/web", DeletionProtectionEnabled: ptr(false)},
	}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("DescribeLogGroups (-want +got):\n%s", diff)
	}
	tags := must[logs.ListTagsLogGroupOutput](t, f, rootA, "ListTagsLogGroup", &logs.ListTagsLogGroupInput{LogGroupName: "/app/web"})
	if diff := cmp.Diff(map[string]string{"env": "prod"}, tags.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func TestCreateLogGroupErrors(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "taken")
	long := strings.Repeat("g", 513)
	tests := []struct {
		name      string
		in        logs.CreateLogGroupInput
		code, msg string
	}{
		{"exists", logs.CreateLogGroupInput{LogGroupName: "taken"}, "ResourceAlreadyExistsException", "The specified log group already exists"},
		{"too long", logs.CreateLogGroupInput{LogGroupName: long}, "InvalidParameterException",
			"Invalid LogGroup or LogStream, both must have length less than or equal to 512."},
		{"bad character", logs.CreateLogGroupInput{LogGroupName: "a b"}, "InvalidParameterException",
			`1 validation error detected: Value 'a b' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`},
		{"missing name", logs.CreateLogGroupInput{}, "InvalidParameterException",
			"1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"},
		{"reserved prefix", logs.CreateLogGroupInput{LogGroupName: "aws/x"}, "InvalidParameterException", ""},
		{"bad class", logs.CreateLogGroupInput{LogGroupName: "c", LogGroupClass: "COLD"}, "InvalidParameterException",
			"1 validation error detected: Value 'COLD' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]"},
		{"bad tag key", logs.CreateLogGroupInput{LogGroupName: "t", Tags: map[string]string{"a!": "v"}}, "InvalidParameterException",
			`1 validation error detected: Value '{a!=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$]`},
		{"long tag value", logs.CreateLogGroupInput{LogGroupName: "t", Tags: map[string]string{"k": strings.Repeat("v", 257)}}, "InvalidParameterException", ""},
		{"51 tags", logs.CreateLogGroupInput{LogGroupName: "t", Tags: manyTags(51)}, "InvalidParameterException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := do[logs.CreateLogGroupOutput](f, rootA, "CreateLogGroup", &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	// Nothing was created by the failed calls.
	out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{})
	if len(out.LogGroups) != 1 {
		t.Errorf("%d groups, want only \"taken\"", len(out.LogGroups))
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func names(out *logs.DescribeLogGroupsOutput) []string {
	s := []string{}
	for _, g := range out.LogGroups {
		s = append(s, g.LogGroupName)
	}
	return s
}

func TestDescribeLogGroupsSelection(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"/app/b", "/app/a", "/db/main", "App", "x/app/y"} {
		MustGroup(t, f, rootA, n)
	}
	must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: "/app/ia", LogGroupClass: "INFREQUENT_ACCESS"})
	tests := []struct {
		name string
		in   logs.DescribeLogGroupsInput
		want []string
	}{
		{"all, ASCII order", logs.DescribeLogGroupsInput{}, []string{"/app/a", "/app/b", "/app/ia", "/db/main", "App", "x/app/y"}},
		{"prefix", logs.DescribeLogGroupsInput{LogGroupNamePrefix: "/app/"}, []string{"/app/a", "/app/b", "/app/ia"}},
		{"pattern is a case-sensitive substring", logs.DescribeLogGroupsInput{LogGroupNamePattern: ptr("app")}, []string{"/app/a", "/app/b", "/app/ia", "x/app/y"}},
		{"class", logs.DescribeLogGroupsInput{LogGroupClass: "INFREQUENT_ACCESS"}, []string{"/app/ia"}},
		{"class STANDARD", logs.DescribeLogGroupsInput{LogGroupNamePrefix: "/app", LogGroupClass: "STANDARD"}, []string{"/app/a", "/app/b"}},
		{"identifiers: names and ARNs", logs.DescribeLogGroupsInput{LogGroupIdentifiers: []string{
			"App", "arn:aws:logs:us-east-1:111122223333:log-group:/db/main", "arn:aws:logs:us-east-1:444455556666:log-group:/app/a", "missing"}},
			[]string{"/db/main", "App"}},
		{"identifiers of other accounts only", logs.DescribeLogGroupsInput{LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:444455556666:log-group:App"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &tt.in)
			if diff := cmp.Diff(tt.want, names(out)); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if out.NextToken != "" {
				t.Errorf("unexpected nextToken")
			}
		})
	}

	// With a pattern, groups carry only some members (§3.1).
	out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{LogGroupNamePattern: ptr("db")})
	want := []logs.LogGroup{{LogGroupName: "/db/main", CreationTime: baseMillis, MetricFilterCount: ptr[int32](0),
		ARN: "arn:aws:logs:us-east-1:111122223333:log-group:/db/main:*", LogGroupClass: "STANDARD",
		LogGroupARN: "arn:aws:logs:us-east-1:111122223333:log-group:/db/main"}}
	if diff := cmp.Diff(want, out.LogGroups); diff != "" {
		t.Errorf("pattern mode (-want +got):\n%s", diff)
	}

	_, err := do[logs.DescribeLogGroupsOutput](f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{LogGroupNamePrefix: "a", LogGroupNamePattern: ptr("b")})
	wantError(t, err, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	_, err = do[logs.DescribeLogGroupsOutput](f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{LogGroupNamePrefix: "a", LogGroupIdentifiers: []string{"a"}})
	wantError(t, err, "InvalidParameterException", "")
	_, err = do[logs.DescribeLogGroupsOutput](f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{Limit: ptr[int32](51)})
	wantError(t, err, "InvalidParameterException",
		"1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
}

func TestDescribeLogGroupsPaging(t *testing.T) {
	f := newFixture(t)
	var want []string
	for i := range 23 {
		n := fmt.Sprintf("g%02d", i)
		class := "STANDARD"
		if i%3 == 0 {
			class = "DELIVERY"
		}
		must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: n, LogGroupClass: class})
		if class == "STANDARD" {
			want = append(want, n)
		}
	}
	// 15 STANDARD groups in pages of 4: the class filter spans storage
	// pages, and the last page carries no token.
	var got []string
	var sizes []int
	in := logs.DescribeLogGroupsInput{Limit: ptr[int32](4), LogGroupClass: "STANDARD"}
	for {
		out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &in)
		got = append(got, names(out)...)
		sizes = append(sizes, len(out.LogGroups))
		if out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{4, 4, 4, 3}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}

	first := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{Limit: ptr[int32](2)})
	for name, in := range map[string]logs.DescribeLogGroupsInput{
		"garbage":           {NextToken: "garbage"},
		"other parameters":  {NextToken: first.NextToken, LogGroupNamePrefix: "g"},
		"truncated":         {NextToken: first.NextToken[:len(first.NextToken)-2]},
		"another account's": {NextToken: first.NextToken},
	} {
		c := rootA
		if name == "another account's" {
			c = caller(accountB, east)
		}
		_, err := do[logs.DescribeLogGroupsOutput](f, c, "DescribeLogGroups", &in)
		t.Run(name, func(t *testing.T) {
			wantError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
		})
	}
}

func TestDeleteLogGroup(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	MustStream(t, f, rootA, "g", "s")
	MustPut(t, f, rootA, "g", "s", ev(0, "hello"))
	must[logs.DeleteLogGroupOutput](t, f, rootA, "DeleteLogGroup", &logs.DeleteLogGroupInput{LogGroupName: "g"})
	_, err := do[logs.DeleteLogGroupOutput](f, rootA, "DeleteLogGroup", &logs.DeleteLogGroupInput{LogGroupName: "g"})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	// A group of the same name starts empty.
	MustGroup(t, f, rootA, "g")
	streams := must[logs.DescribeLogStreamsOutput](t, f, rootA, "DescribeLogStreams", &logs.DescribeLogStreamsInput{LogGroupName: "g"})
	if len(streams.LogStreams) != 0 {
		t.Errorf("recreated group has streams %+v", streams.LogStreams)
	}

	must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: "kept", DeletionProtectionEnabled: ptr(true)})
	MustStream(t, f, rootA, "kept", "s")
	_, err = do[logs.DeleteLogGroupOutput](f, rootA, "DeleteLogGroup", &logs.DeleteLogGroupInput{LogGroupName: "kept"})
	wantError(t, err, "ValidationException", "")
	_, err = do[logs.DeleteLogStreamOutput](f, rootA, "DeleteLogStream", &logs.DeleteLogStreamInput{LogGroupName: "kept", LogStreamName: "s"})
	wantError(t, err, "ValidationException", "")
	_, err = do[logs.DeleteLogGroupOutput](f, rootA, "DeleteLogGroup", &logs.DeleteLogGroupInput{LogGroupName: strings.Repeat("x", 600)})
	wantError(t, err, "InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
}

func TestRetentionPolicy(t *testing.T) {
	f := newFixture(t)
	MustGroup(t, f, rootA, "g")
	retention := func() *int32 {
		out := must[logs.DescribeLogGroupsOutput](t, f, rootA, "DescribeLogGroups", &logs.DescribeLogGroupsInput{})
		return out.LogGroups[0].RetentionInDays
	}
	if r := retention(); r != nil {
		t.Fatalf("new group has retention %d, want none", *r)
	}
	must[logs.PutRetentionPolicyOutput](t, f, rootA, "PutRetentionPolicy", &logs.PutRetentionPolicyInput{LogGroupName: "g", RetentionInDays: ptr[int32](30)})
	if r := retention(); r == nil || *r != 30 {
		t.Fatalf("retention %v, want 30", r)
	}
	_, err := do[logs.PutRetentionPolicyOutput](f, rootA, "PutRetentionPolicy", &logs.PutRetentionPolicyInput{LogGroupName: "g", RetentionInDays: ptr[int32](2)})
	wantError(t, err, "InvalidParameterException",
		"1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: "+
			"[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
	_, err = do[logs.PutRetentionPolicyOutput](f, rootA, "PutRetentionPolicy", &logs.PutRetentionPolicyInput{LogGroupName: "g"})
	wantError(t, err, "InvalidParameterException",
		"1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	_, err = do[logs.PutRetentionPolicyOutput](f, rootA, "PutRetentionPolicy", &logs.PutRetentionPolicyInput{LogGroupName: "nope", RetentionInDays: ptr[int32](1)})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	must[logs.DeleteRetentionPolicyOutput](t, f, rootA, "DeleteRetentionPolicy", &logs.DeleteRetentionPolicyInput{LogGroupName: "g"})
	if r := retention(); r != nil {
		t.Fatalf("retention %d after DeleteRetentionPolicy, want none", *r)
	}
	_, err = do[logs.DeleteRetentionPolicyOutput](f, rootA, "DeleteRetentionPolicy", &logs.DeleteRetentionPolicyInput{LogGroupName: "nope"})
	wantError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}
