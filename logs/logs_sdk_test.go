package logs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// These tests drive the whole server through aws-sdk-go-v2's CloudWatch
// Logs client, as users do.

// MustSDK starts a server on SQLite and returns a client for its root
// user.
func MustSDK(tb testing.TB) (*testserver.Server, *cwl.Client) {
	tb.Helper()
	s := testserver.Start(tb)
	return s, cwl.NewFromConfig(s.RootConfig())
}

// onBothBackends runs a test body against a server on SQLite and on
// PostgreSQL (skipped where PostgreSQL is absent, failed under CI).
func onBothBackends(t *testing.T, body func(t *testing.T, s *testserver.Server, c *cwl.Client)) {
	t.Run("sqlite", func(t *testing.T) {
		s, c := MustSDK(t)
		body(t, s, c)
	})
	t.Run("postgres", func(t *testing.T) {
		s := testserver.Start(t, testserver.WithBackend(testenv.Postgres(t)))
		body(t, s, cwl.NewFromConfig(s.RootConfig()))
	})
}

// MustSDKStream creates a group and a stream.
func MustSDKStream(tb testing.TB, c *cwl.Client, group, stream string) {
	tb.Helper()
	ctx := context.Background()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		tb.Fatal(err)
	}
}

// sdkEvents returns n events "line <i>" one millisecond apart, ending a
// minute ago.
func sdkEvents(n int) []types.InputLogEvent {
	start := time.Now().Add(-time.Minute).UnixMilli() - int64(n)
	events := make([]types.InputLogEvent, n)
	for i := range events {
		events[i] = types.InputLogEvent{Timestamp: aws.Int64(start + int64(i)), Message: aws.String(fmt.Sprintf("line %d", i))}
	}
	return events
}

// wantSDKError checks err's AWS code, and its message when msg is not "".
func wantSDKError(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		tb.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		tb.Fatalf("got %s: %q\nwant %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestSDKLifecycle(t *testing.T) { onBothBackends(t, testSDKLifecycle) }

func testSDKLifecycle(t *testing.T, s *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	MustSDKStream(t, c, "/app/web", "i-1")
	if _, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("/app/web"), RetentionInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	events := sdkEvents(3)
	put, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("i-1"), LogEvents: events})
	if err != nil {
		t.Fatal(err)
	}
	if len(aws.ToString(put.NextSequenceToken)) != 56 || put.RejectedLogEventsInfo != nil {
		t.Errorf("PutLogEvents: token %q, rejected %+v", aws.ToString(put.NextSequenceToken), put.RejectedLogEventsInfo)
	}

	groups, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/app")})
	if err != nil {
		t.Fatal(err)
	}
	g := groups.LogGroups[0]
	arn := "arn:aws:logs:" + testserver.Region + ":" + s.Root.AccountID + ":log-group:/app/web"
	if aws.ToString(g.LogGroupName) != "/app/web" || aws.ToString(g.Arn) != arn+":*" || aws.ToString(g.LogGroupArn) != arn ||
		aws.ToInt32(g.RetentionInDays) != 7 || aws.ToInt64(g.StoredBytes) <= 0 || aws.ToInt32(g.MetricFilterCount) != 0 ||
		g.LogGroupClass != types.LogGroupClassStandard || aws.ToInt64(g.CreationTime) <= 0 {
		t.Errorf("log group %+v", g)
	}
	streams, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String(arn), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	st := streams.LogStreams[0]
	if aws.ToString(st.Arn) != arn+":log-stream:i-1" || aws.ToInt64(st.LastEventTimestamp) != aws.ToInt64(events[2].Timestamp) ||
		aws.ToInt64(st.LastIngestionTime) == 0 || aws.ToInt64(st.FirstEventTimestamp) != aws.ToInt64(events[0].Timestamp) {
		t.Errorf("log stream %+v", st)
	}

	get, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("i-1")})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range get.Events {
		msgs = append(msgs, aws.ToString(e.Message))
	}
	if diff := cmp.Diff([]string{"line 0", "line 1", "line 2"}, msgs); diff != "" {
		t.Errorf("GetLogEvents (-want +got):\n%s", diff)
	}
	filter, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/app/web"), FilterPattern: aws.String(`[word, n = 1]`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(filter.Events) != 1 || aws.ToString(filter.Events[0].Message) != "line 1" || aws.ToString(filter.Events[0].LogStreamName) != "i-1" ||
		len(aws.ToString(filter.Events[0].EventId)) != 56 || filter.SearchedLogStreams == nil {
		t.Errorf("FilterLogEvents %+v", filter)
	}

	if _, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("i-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("/app/web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/app/web")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/app/web")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "The specified log group does not exist." {
		t.Errorf("deleting again: %v", err)
	}
}

func TestSDKErrors(t *testing.T) {
	_, c := MustSDK(t)
	ctx := context.Background()
	MustSDKStream(t, c, "g", "s")
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(5)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	long := strings.Repeat("x", 513)
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"CreateLogGroup exists", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")})
			return err
		}, "ResourceAlreadyExistsException", "The specified log group already exists"},
		{"CreateLogGroup name too long", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(long)})
			return err
		}, "InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512."},
		{"CreateLogStream exists", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceAlreadyExistsException", "The specified log stream already exists"},
		{"CreateLogStream without group", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"DescribeLogGroups prefix and pattern", func() error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("a"), LogGroupNamePattern: aws.String("b")})
			return err
		}, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."},
		{"DescribeLogStreams name and identifier", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g")})
			return err
		}, "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."},
		{"PutLogEvents without stream", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope"), LogEvents: sdkEvents(1)})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"PutLogEvents out of order", func() error {
			events := sdkEvents(2)
			events[0], events[1] = events[1], events[0]
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events})
			return err
		}, "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."},
		{"PutLogEvents over a megabyte", func() error {
			events := []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String(big[:600_000])}, {Timestamp: aws.Int64(now), Message: aws.String(big[:600_000])}}
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events})
			return err
		}, "InvalidParameterException", "Upload too large: 1200052 bytes exceeds limit of 1048576"},
		{"PutLogEvents event too large", func() error {
			events := []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String(big)}}
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events})
			return err
		}, "InvalidParameterException", "Log event too large: 1048602 bytes exceeds limit of 1048576"},
		{"PutLogEvents 10,001 events", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(10001)})
			return err
		}, "InvalidParameterException", ""},
		{"PutLogEvents spanning a day", func() error {
			events := []types.InputLogEvent{{Timestamp: aws.Int64(now - 25*3600*1000), Message: aws.String("a")}, {Timestamp: aws.Int64(now), Message: aws.String("b")}}
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events})
			return err
		}, "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{"GetLogEvents bad token", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("invalid-token")})
			return err
		}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"GetLogEvents limit", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(10001)})
			return err
		}, "InvalidParameterException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"},
		{"GetLogEvents without group", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"FilterLogEvents bad pattern", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String("{ $.a = ")})
			return err
		}, "InvalidParameterException", "Invalid filter pattern"},
		{"FilterLogEvents names and prefix", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"s"}, LogStreamNamePrefix: aws.String("s")})
			return err
		}, "InvalidParameterException", ""},
		{"FilterLogEvents bad token", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), NextToken: aws.String("invalid-token")})
			return err
		}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"PutRetentionPolicy bad period", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(2)})
			return err
		}, "InvalidParameterException", ""},
		{"DeleteRetentionPolicy without group", func() error {
			_, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"DeleteLogStream without stream", func() error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"TagResource over 50 tags", func() error {
			tags := map[string]string{}
			for i := range 51 {
				tags[fmt.Sprint("k", i)] = "v"
			}
			_, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: tags})
			return err
		}, "InvalidParameterException", ""},
		{"ListTagsForResource without group", func() error {
			_, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:x")})
			return err
		}, "ResourceNotFoundException", ""},
		{"UntagLogGroup without group", func() error {
			_, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("nope"), Tags: []string{"a"}})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"PutMetricFilter bad pattern", func() error {
			_, err := c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("f"), FilterPattern: aws.String("{ $.a = "),
				MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("m"), MetricNamespace: aws.String("n"), MetricValue: aws.String("1")}}})
			return err
		}, "InvalidParameterException", "Invalid metric filter pattern"},
		{"DeleteMetricFilter missing", func() error {
			_, err := c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified metric filter does not exist."},
		{"DescribeMetricFilters name without namespace", func() error {
			_, err := c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{MetricName: aws.String("m")})
			return err
		}, "InvalidParameterException", ""},
		{"TestMetricFilter bad pattern", func() error {
			_, err := c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[a, b"), LogEventMessages: []string{"x"}})
			return err
		}, "InvalidParameterException", "Invalid metric filter pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantSDKError(t, tt.call(), tt.code, tt.msg) })
	}
}

func TestSDKPutLogEventsRejected(t *testing.T) {
	_, c := MustSDK(t)
	ctx := context.Background()
	MustSDKStream(t, c, "g", "s")
	now := time.Now().UnixMilli()
	events := []types.InputLogEvent{
		{Timestamp: aws.Int64(now - 30*24*3600*1000), Message: aws.String("a month old")},
		{Timestamp: aws.Int64(now), Message: aws.String("now")},
		{Timestamp: aws.Int64(now + 24*3600*1000), Message: aws.String("tomorrow")},
	}
	out, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events, SequenceToken: aws.String("ignored")})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 1 || aws.ToInt32(r.TooNewLogEventStartIndex) != 2 || r.ExpiredLogEventEndIndex != nil {
		t.Errorf("rejectedLogEventsInfo %+v", r)
	}
	get, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	if err != nil || len(get.Events) != 1 || aws.ToString(get.Events[0].Message) != "now" {
		t.Errorf("stored: %+v, %v; want only the event of now", get, err)
	}
}

func TestSDKGetLogEventsPaginator(t *testing.T) { onBothBackends(t, testSDKGetLogEventsPaginator) }

func testSDKGetLogEventsPaginator(t *testing.T, _ *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	MustSDKStream(t, c, "g", "s")
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(25)}); err != nil {
		t.Fatal(err)
	}
	// From the head, in pages of 10: 10, 10, 5, then an empty page whose
	// token equals the one sent, which stops the paginator.
	p := cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.Limit, o.StopOnDuplicateToken = 10, true })
	var sizes []int
	var got []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Events))
		for _, e := range page.Events {
			got = append(got, aws.ToString(e.Message))
		}
		if len(sizes) > 10 {
			t.Fatal("the paginator does not stop")
		}
	}
	if diff := cmp.Diff([]int{10, 10, 5, 0}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	for i, m := range got {
		if m != fmt.Sprintf("line %d", i) {
			t.Fatalf("event %d is %q", i, m)
		}
	}
	// Without startFromHead the first page is the newest one, and the
	// paginator stops after one look for anything newer.
	p = cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.Limit, o.StopOnDuplicateToken = 10, true })
	sizes = nil
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Events))
		if len(sizes) == 1 && aws.ToString(page.Events[0].Message) != "line 15" {
			t.Errorf("latest page starts at %q, want line 15", aws.ToString(page.Events[0].Message))
		}
		if len(sizes) > 10 {
			t.Fatal("the paginator does not stop")
		}
	}
	if diff := cmp.Diff([]int{10, 0}, sizes); diff != "" {
		t.Errorf("page sizes from the tail (-want +got):\n%s", diff)
	}
}

func TestSDKFilterLogEventsPaginator(t *testing.T) {
	onBothBackends(t, testSDKFilterLogEventsPaginator)
}

func testSDKFilterLogEventsPaginator(t *testing.T, _ *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	MustSDKStream(t, c, "g", "a")
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String(s), LogEvents: sdkEvents(30)}); err != nil {
			t.Fatal(err)
		}
	}
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`?"line 1" ?"line 2"`), Limit: aws.Int32(7)})
	seen := map[string]bool{}
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range page.Events {
			id := aws.ToString(e.EventId)
			if seen[id] {
				t.Errorf("event %s on two pages", id)
			}
			seen[id] = true
		}
	}
	// line 1, line 10-19, line 2, line 20-29 in each of two streams.
	if len(seen) != 2*22 || pages < 7 {
		t.Errorf("%d events on %d pages, want 44 on at least 7", len(seen), pages)
	}
}

func TestSDKTagsAndMetricFilters(t *testing.T) {
	s, c := MustSDK(t)
	ctx := context.Background()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"env": "test"}}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:logs:" + testserver.Region + ":" + s.Root.AccountID + ":log-group:g"
	if _, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "ops"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("g"), Tags: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"tier": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"tier"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "ops"}, tags.Tags); diff != "" || !cmp.Equal(tags.Tags, legacy.Tags) {
		t.Errorf("tags %v and %v, want team=ops", tags.Tags, legacy.Tags)
	}

	_, err = c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("5xx"), FilterPattern: aws.String("[ip, method, path, status = 5*, size]"),
		MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("ServerErrors"), MetricNamespace: aws.String("web"),
			MetricValue: aws.String("$size"), Dimensions: map[string]string{"Path": "$path"}, Unit: types.StandardUnitBytes}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mf, err := c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if len(mf.MetricFilters) != 1 || aws.ToString(mf.MetricFilters[0].FilterName) != "5xx" || mf.MetricFilters[0].ApplyOnTransformedLogs ||
		mf.MetricFilters[0].MetricTransformations[0].Unit != types.StandardUnitBytes {
		t.Errorf("metric filters %+v", mf.MetricFilters)
	}
	test, err := c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[ip, method, path, status = 5*, size]"),
		LogEventMessages: []string{"1.2.3.4 GET / 200 10", "1.2.3.4 POST /login 503 0"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"$ip": "1.2.3.4", "$method": "POST", "$path": "/login", "$status": "503", "$size": "0"}
	if len(test.Matches) != 1 || test.Matches[0].EventNumber != 2 || !cmp.Equal(want, test.Matches[0].ExtractedValues) {
		t.Errorf("TestMetricFilter %+v", test.Matches)
	}
	if _, err := c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("5xx")}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKAccountIsolation(t *testing.T) {
	s, c := MustSDK(t)
	ctx := context.Background()
	MustSDKStream(t, c, "g", "s")
	other := s.NewAccount(t)
	oc := cwl.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey))
	groups, err := oc.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Fatalf("another account sees %d groups (%v)", len(groups.LogGroups), err)
	}
	_, err = oc.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(1)})
	wantSDKError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

// TestSDKAuthorisation: an IAM user's policy scoped to log groups by ARN
// works as on AWS, where the common "log-group:NAME:*" resource grants the
// group and its streams.
func TestSDKAuthorisation(t *testing.T) {
	s, root := MustSDK(t)
	ctx := context.Background()
	MustSDKStream(t, root, "/app/web", "s")
	MustSDKStream(t, root, "/other", "s")
	ic := iam.NewFromConfig(s.RootConfig())
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("shipper")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["logs:PutLogEvents","logs:GetLogEvents","logs:FilterLogEvents","logs:CreateLogStream","logs:CreateLogGroup"],
		 "Resource":"arn:aws:logs:*:*:log-group:/app/*:*"},
		{"Effect":"Allow","Action":"logs:TagLogGroup","Resource":"arn:aws:logs:*:*:log-group:/app/tagged*"},
		{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("shipper"), PolicyName: aws.String("logs"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("shipper")})
	if err != nil {
		t.Fatal(err)
	}
	c := cwl.NewFromConfig(s.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))

	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(1)}); err != nil {
		t.Errorf("PutLogEvents in /app/web: %v", err)
	}
	// Tags on CreateLogGroup need logs:TagResource or logs:TagLogGroup too.
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/tagged"), Tags: map[string]string{"team": "web"}}); err != nil {
		t.Errorf("CreateLogGroup with tags it may set: %v", err)
	}
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/plain"), Tags: map[string]string{"team": "web"}})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+s.Root.AccountID+":user/shipper is not authorized to perform: logs:TagResource on resource: "+
		"arn:aws:logs:us-east-1:"+s.Root.AccountID+":log-group:/app/plain:log-stream: because no identity-based policy allows the logs:TagResource action")
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/plain")}); err != nil {
		t.Errorf("CreateLogGroup without tags: %v", err)
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("t")}); err != nil {
		t.Errorf("CreateLogStream in /app/web: %v", err)
	}
	if _, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/app/web")}); err != nil {
		t.Errorf("FilterLogEvents in /app/web: %v", err)
	}
	if _, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}); err != nil {
		t.Errorf("DescribeLogGroups: %v", err)
	}
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/other"), LogStreamName: aws.String("s"), LogEvents: sdkEvents(1)})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+s.Root.AccountID+":user/shipper is not authorized to perform: logs:PutLogEvents on resource: "+
		"arn:aws:logs:us-east-1:"+s.Root.AccountID+":log-group:/other:log-stream:s because no identity-based policy allows the logs:PutLogEvents action")
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/app/web")})
	wantSDKError(t, err, "AccessDeniedException", "")
}

// TestSDKDeletionProtection: a protected group cannot be deleted until
// PutLogGroupDeletionProtection turns the protection off.
func TestSDKDeletionProtection(t *testing.T) { onBothBackends(t, testSDKDeletionProtection) }

func testSDKDeletionProtection(t *testing.T, _ *testserver.Server, c *cwl.Client) {
	ctx := context.Background()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/kept"), DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/kept")})
	if err == nil {
		t.Fatal("DeleteLogGroup removed a protected group")
	}
	if _, err := c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String("/kept"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/kept")})
	if err != nil || len(out.LogGroups) != 1 || aws.ToBool(out.LogGroups[0].DeletionProtectionEnabled) {
		t.Fatalf("after disabling protection: %+v, %v", out, err)
	}
	if _, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/kept")}); err != nil {
		t.Fatalf("DeleteLogGroup after disabling protection: %v", err)
	}
	_, err = c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String("/kept"), DeletionProtectionEnabled: aws.Bool(true)})
	wantSDKError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}
