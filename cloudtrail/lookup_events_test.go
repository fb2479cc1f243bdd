package cloudtrail_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/cloudtrail"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
)

const (
	accountA = "111122223333"
	accountB = "444455556666"
	east     = "us-east-1"
	west     = "us-west-2"
)

// base is the time test events are placed around; the service clock sits a
// day later so every event is well inside a 90-day history.
var base = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

// MustOpenEvents opens a fresh SQLite store in a temporary directory.
func MustOpenEvents(tb testing.TB) storage.Events {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "trailwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db.Events()
}

// MustPut stores events.
func MustPut(tb testing.TB, ev storage.Events, events ...trailwatch.Event) {
	tb.Helper()
	if err := ev.PutEvents(context.Background(), events); err != nil {
		tb.Fatal(err)
	}
}

// newService returns a service over ev whose clock reads now.
func newService(ev storage.Events, now time.Time, retention time.Duration) *cloudtrail.Service {
	return cloudtrail.New(cloudtrail.Options{Events: ev, Now: func() time.Time { return now }, Retention: retention})
}

// caller is the root user of account in region.
func caller(account, region string) *trailwatch.Caller {
	return &trailwatch.Caller{AccountID: account, Type: trailwatch.PrincipalRoot, PrincipalID: account,
		ARN: trailwatch.RootARN(account), AccessKeyID: "AKIAROOT" + account[:4], Region: region}
}

// lookup calls LookupEvents through the operation table, as the front door does.
func lookup(s *cloudtrail.Service, c *trailwatch.Caller, in *cloudtrail.LookupEventsInput) (*cloudtrail.LookupEventsOutput, error) {
	ctx := trailwatch.NewContextWithCaller(context.Background(), c)
	out, err := s.API().Operations["LookupEvents"].Call(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.(*cloudtrail.LookupEventsOutput), nil
}

// MustLookup is lookup that fails the test on error.
func MustLookup(tb testing.TB, s *cloudtrail.Service, c *trailwatch.Caller, in *cloudtrail.LookupEventsInput) *cloudtrail.LookupEventsOutput {
	tb.Helper()
	out, err := lookup(s, c, in)
	if err != nil {
		tb.Fatalf("LookupEvents: %v", err)
	}
	return out
}

// event returns a management event by alice in account A, us-east-1, at
// base+sec seconds; edit mutates it before it is returned.
func event(id string, sec int, edit ...func(*trailwatch.Event)) trailwatch.Event {
	e := trailwatch.Event{
		EventVersion: trailwatch.EventVersion,
		UserIdentity: trailwatch.UserIdentity{Type: trailwatch.PrincipalIAMUser, PrincipalID: "AIDAALICE",
			ARN: trailwatch.UserARN(accountA, "/", "alice"), AccountID: accountA, AccessKeyID: "AKIAALICE", UserName: "alice"},
		EventTime:          base.Add(time.Duration(sec) * time.Second),
		EventSource:        "iam.amazonaws.com",
		EventName:          "ListUsers",
		AWSRegion:          east,
		SourceIPAddress:    "203.0.113.7",
		RequestID:          "req-" + id,
		EventID:            id,
		ReadOnly:           true,
		EventType:          trailwatch.EventTypeAPICall,
		ManagementEvent:    true,
		RecipientAccountID: accountA,
		EventCategory:      trailwatch.CategoryManagement,
	}
	for _, f := range edit {
		f(&e)
	}
	return e
}

func ids(out *cloudtrail.LookupEventsOutput) []string {
	s := []string{}
	for _, e := range out.Events {
		s = append(s, e.EventID)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func attr(key, value string) []cloudtrail.LookupAttribute {
	return []cloudtrail.LookupAttribute{{AttributeKey: key, AttributeValue: value}}
}

func TestLookupEventsOutput(t *testing.T) {
	ev := MustOpenEvents(t)
	e := event("e1", 0, func(e *trailwatch.Event) {
		e.EventName, e.ReadOnly = "CreateUser", false
		e.RequestParameters = json.RawMessage(`{"userName":"bob"}`)
		e.Resources = []trailwatch.Resource{{ARN: trailwatch.UserARN(accountA, "/eng/", "bob"), AccountID: accountA, Type: "AWS::IAM::User", Name: "bob"}}
	})
	root := event("e2", 1, func(e *trailwatch.Event) {
		e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, PrincipalID: accountA, ARN: trailwatch.RootARN(accountA), AccountID: accountA, AccessKeyID: "AKIAROOT"}
	})
	MustPut(t, ev, e, root)
	s := newService(ev, base.Add(24*time.Hour), 90*24*time.Hour)

	out := MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{})
	wantJSON := func(e trailwatch.Event) string {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := &cloudtrail.LookupEventsOutput{Events: []cloudtrail.Event{
		{EventID: "e2", EventName: "ListUsers", ReadOnly: "true", AccessKeyID: "AKIAROOT", EventTime: ptr(base.Add(time.Second)),
			EventSource: "iam.amazonaws.com", Username: "root", Resources: []cloudtrail.Resource{}, CloudTrailEvent: wantJSON(root)},
		{EventID: "e1", EventName: "CreateUser", ReadOnly: "false", AccessKeyID: "AKIAALICE", EventTime: ptr(base),
			EventSource: "iam.amazonaws.com", Username: "alice",
			Resources:       []cloudtrail.Resource{{ResourceType: "AWS::IAM::User", ResourceName: "bob"}},
			CloudTrailEvent: wantJSON(e)},
	}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("LookupEvents (-want +got):\n%s", diff)
	}
	// CloudTrailEvent is the record itself: it must parse back to the event.
	var back trailwatch.Event
	if err := json.Unmarshal([]byte(out.Events[1].CloudTrailEvent), &back); err != nil {
		t.Fatal(err)
	}
	e.Resources[0].Name = "" // not part of the record
	if diff := cmp.Diff(e, back); diff != "" {
		t.Errorf("CloudTrailEvent does not hold the record (-want +got):\n%s", diff)
	}
}

func TestLookupEventsEmpty(t *testing.T) {
	s := newService(MustOpenEvents(t), base, 0)
	out := MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{})
	if out.Events == nil || len(out.Events) != 0 || out.NextToken != "" {
		t.Errorf("got %+v, want an empty, non-nil Events list and no token", out)
	}
}

func TestLookupEventsAttributes(t *testing.T) {
	ev := MustOpenEvents(t)
	trail := trailwatch.Resource{ARN: "arn:aws:cloudtrail:us-east-1:" + accountA + ":trail/audit", AccountID: accountA, Type: "AWS::CloudTrail::Trail", Name: "audit"}
	MustPut(t, ev,
		event("plain", 0),
		event("write", 1, func(e *trailwatch.Event) { e.EventName, e.ReadOnly = "CreateUser", false }),
		event("trail", 2, func(e *trailwatch.Event) {
			e.EventSource, e.EventName, e.ReadOnly = "cloudtrail.amazonaws.com", "StopLogging", false
			e.Resources = []trailwatch.Resource{trail}
		}),
		event("bob", 3, func(e *trailwatch.Event) {
			e.UserIdentity.UserName, e.UserIdentity.AccessKeyID = "bob", "AKIABOB"
		}),
		event("root", 4, func(e *trailwatch.Event) {
			e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, PrincipalID: accountA, AccountID: accountA, AccessKeyID: "AKIAROOT"}
		}),
	)
	s := newService(ev, base.Add(time.Hour), 90*24*time.Hour)
	tests := []struct {
		name       string
		key, value string
		want       []string
	}{
		{"EventId", "EventId", "bob", []string{"bob"}},
		{"EventName", "EventName", "ListUsers", []string{"root", "bob", "plain"}},
		{"EventName is case-sensitive", "EventName", "listusers", []string{}},
		{"ReadOnly true", "ReadOnly", "true", []string{"root", "bob", "plain"}},
		{"ReadOnly false", "ReadOnly", "false", []string{"trail", "write"}},
		{"Username", "Username", "alice", []string{"trail", "write", "plain"}},
		{"Username root", "Username", "root", []string{"root"}},
		{"ResourceType", "ResourceType", "AWS::CloudTrail::Trail", []string{"trail"}},
		{"ResourceName by name", "ResourceName", "audit", []string{"trail"}},
		{"ResourceName by ARN", "ResourceName", trail.ARN, []string{"trail"}},
		{"EventSource", "EventSource", "cloudtrail.amazonaws.com", []string{"trail"}},
		{"AccessKeyId", "AccessKeyId", "AKIABOB", []string{"bob"}},
		{"no match", "EventId", "nothing", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{LookupAttributes: attr(tt.key, tt.value)})
			if diff := cmp.Diff(tt.want, ids(out)); diff != "" {
				t.Errorf("%s=%s (-want +got):\n%s", tt.key, tt.value, diff)
			}
		})
	}
}

func TestLookupEventsTimeWindow(t *testing.T) {
	ev := MustOpenEvents(t)
	for i := range 5 {
		MustPut(t, ev, event(fmt.Sprintf("t%d", i), 10*i))
	}
	// Two events in the same second come back in reverse insertion order.
	MustPut(t, ev, event("t4b", 40))
	s := newService(ev, base.Add(time.Hour), 90*24*time.Hour)
	at := func(sec int) *time.Time { return ptr(base.Add(time.Duration(sec) * time.Second)) }
	tests := []struct {
		name       string
		start, end *time.Time
		want       []string
	}{
		{"unbounded, newest first", nil, nil, []string{"t4b", "t4", "t3", "t2", "t1", "t0"}},
		{"both bounds inclusive", at(10), at(30), []string{"t3", "t2", "t1"}},
		{"start only", at(30), nil, []string{"t4b", "t4", "t3"}},
		{"end only", nil, at(10), []string{"t1", "t0"}},
		{"start equals end", at(20), at(20), []string{"t2"}},
		{"between events", at(11), at(19), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{StartTime: tt.start, EndTime: tt.end})
			if diff := cmp.Diff(tt.want, ids(out)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// pageAll follows NextToken from in, checking each page's size, and returns
// every event id in order.
func pageAll(t *testing.T, s *cloudtrail.Service, c *trailwatch.Caller, in cloudtrail.LookupEventsInput, wantSizes []int) []string {
	t.Helper()
	var all []string
	var sizes []int
	for {
		out := MustLookup(t, s, c, &in)
		all = append(all, ids(out)...)
		sizes = append(sizes, len(out.Events))
		if out.NextToken == "" {
			break
		}
		if len(sizes) > len(wantSizes) {
			t.Fatalf("more pages than the %d expected", len(wantSizes))
		}
		in.NextToken = out.NextToken
	}
	if diff := cmp.Diff(wantSizes, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	return all
}

func TestLookupEventsPagination(t *testing.T) {
	ev := MustOpenEvents(t)
	var batch []trailwatch.Event
	var want []string
	for i := range 120 {
		// Pairs of events share a second, so pages also split ties.
		batch = append(batch, event(fmt.Sprintf("p%03d", i), i/2))
	}
	MustPut(t, ev, batch...)
	for i := 119; i >= 0; i-- {
		want = append(want, fmt.Sprintf("p%03d", i))
	}
	s := newService(ev, base.Add(time.Hour), 90*24*time.Hour)
	c := caller(accountA, east)

	t.Run("default page size", func(t *testing.T) {
		got := pageAll(t, s, c, cloudtrail.LookupEventsInput{}, []int{50, 50, 20})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events across pages (-want +got):\n%s", diff)
		}
	})
	t.Run("MaxResults 50", func(t *testing.T) {
		got := pageAll(t, s, c, cloudtrail.LookupEventsInput{MaxResults: ptr[int32](50)}, []int{50, 50, 20})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events across pages (-want +got):\n%s", diff)
		}
	})
	t.Run("exact multiple ends without a token", func(t *testing.T) {
		got := pageAll(t, s, c, cloudtrail.LookupEventsInput{MaxResults: ptr[int32](40)}, []int{40, 40, 40})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events across pages (-want +got):\n%s", diff)
		}
	})
	t.Run("page size may change between pages", func(t *testing.T) {
		first := MustLookup(t, s, c, &cloudtrail.LookupEventsInput{MaxResults: ptr[int32](7)})
		next := MustLookup(t, s, c, &cloudtrail.LookupEventsInput{MaxResults: ptr[int32](3), NextToken: first.NextToken})
		if diff := cmp.Diff(want[7:10], ids(next)); diff != "" {
			t.Errorf("second page (-want +got):\n%s", diff)
		}
	})
	t.Run("filtered", func(t *testing.T) {
		got := pageAll(t, s, c, cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", "ListUsers"), StartTime: ptr(base.Add(10 * time.Second))}, []int{50, 50})
		if diff := cmp.Diff(want[:100], got); diff != "" {
			t.Errorf("events across pages (-want +got):\n%s", diff)
		}
	})
}

func TestLookupEventsFullPageWithoutMore(t *testing.T) {
	ev := MustOpenEvents(t)
	var batch []trailwatch.Event
	for i := range 50 {
		batch = append(batch, event(fmt.Sprintf("f%02d", i), i))
	}
	MustPut(t, ev, batch...)
	s := newService(ev, base.Add(time.Hour), 0)
	out := MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{})
	if len(out.Events) != 50 || out.NextToken != "" {
		t.Errorf("got %d events and token %q, want 50 and none", len(out.Events), out.NextToken)
	}
}

// wantCode fails unless err is an *awserr.Error with code and status 400.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e := awserr.As(err)
	if e == nil {
		t.Fatalf("got error %v, want %s", err, code)
	}
	if e.Code != code || e.HTTPStatus() != 400 || e.Message == "" {
		t.Errorf("got %s (%d) %q, want %s (400) with a message", e.Code, e.HTTPStatus(), e.Message, code)
	}
}

func TestLookupEventsNextTokenBinding(t *testing.T) {
	ev := MustOpenEvents(t)
	var batch []trailwatch.Event
	for i := range 5 {
		batch = append(batch, event(fmt.Sprintf("n%d", i), i), event(fmt.Sprintf("n%d-west", i), i, func(e *trailwatch.Event) { e.AWSRegion = west }))
	}
	MustPut(t, ev, batch...)
	s := newService(ev, base.Add(time.Hour), 90*24*time.Hour)
	c := caller(accountA, east)
	start := ptr(base)
	orig := cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", "ListUsers"), StartTime: start, MaxResults: ptr[int32](2)}
	first := MustLookup(t, s, c, &orig)
	if first.NextToken == "" {
		t.Fatal("no token on a partial page")
	}

	// The same parameters resume.
	again := orig
	again.NextToken = first.NextToken
	if out := MustLookup(t, s, c, &again); cmp.Diff([]string{"n2", "n1"}, ids(out)) != "" {
		t.Errorf("resumed page: got %v", ids(out))
	}

	tests := []struct {
		name   string
		caller *trailwatch.Caller
		edit   func(in *cloudtrail.LookupEventsInput)
	}{
		{"other attribute value", c, func(in *cloudtrail.LookupEventsInput) { in.LookupAttributes = attr("EventName", "CreateUser") }},
		{"other attribute key", c, func(in *cloudtrail.LookupEventsInput) { in.LookupAttributes = attr("EventSource", "ListUsers") }},
		{"attribute dropped", c, func(in *cloudtrail.LookupEventsInput) { in.LookupAttributes = nil }},
		{"other start time", c, func(in *cloudtrail.LookupEventsInput) { in.StartTime = ptr(base.Add(time.Second)) }},
		{"start time dropped", c, func(in *cloudtrail.LookupEventsInput) { in.StartTime = nil }},
		{"end time added", c, func(in *cloudtrail.LookupEventsInput) { in.EndTime = ptr(base.Add(time.Hour)) }},
		{"insight category added", c, func(in *cloudtrail.LookupEventsInput) { in.EventCategory = ptr("insight") }},
		{"other region", caller(accountA, west), func(*cloudtrail.LookupEventsInput) {}},
		{"other account", caller(accountB, east), func(*cloudtrail.LookupEventsInput) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := orig
			in.LookupAttributes = append([]cloudtrail.LookupAttribute(nil), orig.LookupAttributes...)
			tt.edit(&in)
			in.NextToken = first.NextToken
			_, err := lookup(s, tt.caller, &in)
			wantCode(t, err, "InvalidNextTokenException")
		})
	}
}

func TestLookupEventsGarbageToken(t *testing.T) {
	ev := MustOpenEvents(t)
	MustPut(t, ev, event("g0", 0), event("g1", 1), event("g2", 2))
	s := newService(ev, base.Add(time.Hour), 0)
	c := caller(accountA, east)
	good := MustLookup(t, s, c, &cloudtrail.LookupEventsInput{MaxResults: ptr[int32](1)}).NextToken
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatalf("token is not base64url: %v", err)
	}
	flipped := append([]byte(nil), raw...)
	flipped[3] ^= 0x40 // inside the parameter digest
	badVersion := append([]byte(nil), raw...)
	badVersion[0]++
	tests := map[string]string{
		"text":         "garbage",
		"json":         `{"seq":1}`,
		"truncated":    good[:len(good)-2],
		"extended":     good + "AA",
		"padded":       good + "=",
		"std alphabet": strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/",
		"digest flip":  base64.RawURLEncoding.EncodeToString(flipped),
		"version":      base64.RawURLEncoding.EncodeToString(badVersion),
		"right length": strings.Repeat("A", len(good)),
		"unicode":      "ünïcödé",
		"spaces":       " " + good,
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := lookup(s, c, &cloudtrail.LookupEventsInput{MaxResults: ptr[int32](1), NextToken: tok})
			wantCode(t, err, "InvalidNextTokenException")
		})
	}
}

func TestLookupEventsValidation(t *testing.T) {
	s := newService(MustOpenEvents(t), base, 0)
	two := []cloudtrail.LookupAttribute{{"EventName", "ListUsers"}, {"Username", "alice"}}
	tests := []struct {
		name string
		in   cloudtrail.LookupEventsInput
		code string // "" = accepted
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: two}, "InvalidLookupAttributesException"},
		{"unknown key", cloudtrail.LookupEventsInput{LookupAttributes: attr("SourceIPAddress", "1.2.3.4")}, "InvalidLookupAttributesException"},
		{"key in wrong case", cloudtrail.LookupEventsInput{LookupAttributes: attr("eventName", "ListUsers")}, "InvalidLookupAttributesException"},
		{"empty key", cloudtrail.LookupEventsInput{LookupAttributes: attr("", "x")}, "InvalidLookupAttributesException"},
		{"empty value", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", "")}, "InvalidLookupAttributesException"},
		{"value of 2000", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", strings.Repeat("a", 2000))}, ""},
		{"value of 2001", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", strings.Repeat("a", 2001))}, "InvalidLookupAttributesException"},
		{"1000 underscores count as 2000", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", strings.Repeat("_", 1000))}, ""},
		{"and one more is too many", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", strings.Repeat("_", 1000)+"a")}, "InvalidLookupAttributesException"},
		{"2000 multibyte characters", cloudtrail.LookupEventsInput{LookupAttributes: attr("EventName", strings.Repeat("é", 2000))}, ""},
		{"empty list", cloudtrail.LookupEventsInput{LookupAttributes: []cloudtrail.LookupAttribute{}}, ""},
		{"MaxResults 0", cloudtrail.LookupEventsInput{MaxResults: ptr[int32](0)}, "InvalidMaxResultsException"},
		{"MaxResults -1", cloudtrail.LookupEventsInput{MaxResults: ptr[int32](-1)}, "InvalidMaxResultsException"},
		{"MaxResults 51", cloudtrail.LookupEventsInput{MaxResults: ptr[int32](51)}, "InvalidMaxResultsException"},
		{"MaxResults 1", cloudtrail.LookupEventsInput{MaxResults: ptr[int32](1)}, ""},
		{"start after end", cloudtrail.LookupEventsInput{StartTime: ptr(base.Add(time.Second)), EndTime: ptr(base)}, "InvalidTimeRangeException"},
		{"category Insight", cloudtrail.LookupEventsInput{EventCategory: ptr("Insight")}, "InvalidEventCategoryException"},
		{"category management", cloudtrail.LookupEventsInput{EventCategory: ptr("management")}, "InvalidEventCategoryException"},
		{"category empty", cloudtrail.LookupEventsInput{EventCategory: ptr("")}, "InvalidEventCategoryException"},
		{"insight with Username", cloudtrail.LookupEventsInput{EventCategory: ptr("insight"), LookupAttributes: attr("Username", "alice")}, "InvalidLookupAttributesException"},
		{"insight with ReadOnly", cloudtrail.LookupEventsInput{EventCategory: ptr("insight"), LookupAttributes: attr("ReadOnly", "true")}, "InvalidLookupAttributesException"},
		{"insight with EventSource", cloudtrail.LookupEventsInput{EventCategory: ptr("insight"), LookupAttributes: attr("EventSource", "ec2.amazonaws.com")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lookup(s, caller(accountA, east), &tt.in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestLookupEventsMaxResultsMessage(t *testing.T) {
	s := newService(MustOpenEvents(t), base, 0)
	_, err := lookup(s, caller(accountA, east), &cloudtrail.LookupEventsInput{MaxResults: ptr[int32](51)})
	want := "A max results value of 51 is invalid. Specify max results between 1 and 50."
	if e := awserr.As(err); e == nil || e.Message != want {
		t.Errorf("got %v, want message %q", err, want)
	}
}

func TestLookupEventsInsightCategory(t *testing.T) {
	ev := MustOpenEvents(t)
	insight := func(id string, sec int, name string) trailwatch.Event {
		return event(id, sec, func(e *trailwatch.Event) {
			e.UserIdentity = trailwatch.UserIdentity{}
			e.EventType, e.EventCategory, e.ManagementEvent = "AwsCloudTrailInsight", trailwatch.CategoryInsight, false
			e.EventSource, e.EventName, e.ReadOnly = "ec2.amazonaws.com", name, false
		})
	}
	MustPut(t, ev, event("m1", 0), insight("i1", 1, "RunInstances"), event("m2", 2), insight("i2", 3, "TerminateInstances"))
	s := newService(ev, base.Add(time.Hour), 0)
	c := caller(accountA, east)

	if got := ids(MustLookup(t, s, c, &cloudtrail.LookupEventsInput{})); cmp.Diff([]string{"m2", "m1"}, got) != "" {
		t.Errorf("without EventCategory got %v, want the management events only", got)
	}
	out := MustLookup(t, s, c, &cloudtrail.LookupEventsInput{EventCategory: ptr("insight")})
	if got := ids(out); cmp.Diff([]string{"i2", "i1"}, got) != "" {
		t.Errorf("with EventCategory insight got %v, want the Insights events only", got)
	}
	if out.Events[0].ReadOnly != "" || out.Events[0].Username != "" {
		t.Errorf("Insights event shows ReadOnly %q, Username %q; want neither", out.Events[0].ReadOnly, out.Events[0].Username)
	}
	got := ids(MustLookup(t, s, c, &cloudtrail.LookupEventsInput{EventCategory: ptr("insight"), LookupAttributes: attr("EventName", "RunInstances")}))
	if cmp.Diff([]string{"i1"}, got) != "" {
		t.Errorf("insight EventName=RunInstances got %v, want [i1]", got)
	}
}

func TestLookupEventsDataEventsHidden(t *testing.T) {
	ev := MustOpenEvents(t)
	MustPut(t, ev, event("mgmt", 0), event("data", 1, func(e *trailwatch.Event) {
		e.EventCategory, e.ManagementEvent = trailwatch.CategoryData, false
	}))
	s := newService(ev, base.Add(time.Hour), 0)
	if got := ids(MustLookup(t, s, caller(accountA, east), &cloudtrail.LookupEventsInput{})); cmp.Diff([]string{"mgmt"}, got) != "" {
		t.Errorf("got %v, want management events only (reference/cloudtrail.md §4)", got)
	}
}

func TestLookupEventsIsolation(t *testing.T) {
	ev := MustOpenEvents(t)
	MustPut(t, ev,
		event("a-east", 0),
		event("a-west", 1, func(e *trailwatch.Event) { e.AWSRegion = west }),
		event("b-east", 2, func(e *trailwatch.Event) { e.RecipientAccountID, e.UserIdentity.AccountID = accountB, accountB }),
	)
	s := newService(ev, base.Add(time.Hour), 0)
	tests := []struct {
		name   string
		caller *trailwatch.Caller
		in     cloudtrail.LookupEventsInput
		want   []string
	}{
		{"account A, us-east-1", caller(accountA, east), cloudtrail.LookupEventsInput{}, []string{"a-east"}},
		{"account A, us-west-2", caller(accountA, west), cloudtrail.LookupEventsInput{}, []string{"a-west"}},
		{"account B, us-east-1", caller(accountB, east), cloudtrail.LookupEventsInput{}, []string{"b-east"}},
		{"account B, us-west-2", caller(accountB, west), cloudtrail.LookupEventsInput{}, []string{}},
		{"account B asks for A's event id", caller(accountB, east), cloudtrail.LookupEventsInput{LookupAttributes: attr("EventId", "a-east")}, []string{}},
		{"us-west-2 asks for us-east-1's event id", caller(accountA, west), cloudtrail.LookupEventsInput{LookupAttributes: attr("EventId", "a-east")}, []string{}},
		{"other region", caller(accountA, "eu-west-1"), cloudtrail.LookupEventsInput{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(MustLookup(t, s, tt.caller, &tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupEventsRetentionWindow(t *testing.T) {
	ev := MustOpenEvents(t)
	now := base.Add(100 * 24 * time.Hour)
	day := int((24 * time.Hour).Seconds())
	MustPut(t, ev,
		event("old", 0),            // 100 days before now
		event("edge", 10*day),      // exactly 90 days before now
		event("recent", 11*day),    // 89 days before now
		event("today", 100*day-60), // a minute ago
	)
	c := caller(accountA, east)
	tests := []struct {
		name      string
		retention time.Duration
		in        cloudtrail.LookupEventsInput
		want      []string
	}{
		{"90 days", 90 * 24 * time.Hour, cloudtrail.LookupEventsInput{}, []string{"today", "recent", "edge"}},
		{"start before the horizon is clamped", 90 * 24 * time.Hour, cloudtrail.LookupEventsInput{StartTime: ptr(base)}, []string{"today", "recent", "edge"}},
		{"window wholly before the horizon", 90 * 24 * time.Hour, cloudtrail.LookupEventsInput{StartTime: ptr(base), EndTime: ptr(base.Add(time.Hour))}, []string{}},
		{"old event by id", 90 * 24 * time.Hour, cloudtrail.LookupEventsInput{LookupAttributes: attr("EventId", "old")}, []string{}},
		{"1 day", 24 * time.Hour, cloudtrail.LookupEventsInput{}, []string{"today"}},
		{"unlimited", 0, cloudtrail.LookupEventsInput{}, []string{"today", "recent", "edge", "old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(ev, now, tt.retention)
			if diff := cmp.Diff(tt.want, ids(MustLookup(t, s, c, &tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupEventsWithoutCaller(t *testing.T) {
	s := newService(MustOpenEvents(t), base, 0)
	_, err := s.API().Operations["LookupEvents"].Call(context.Background(), &cloudtrail.LookupEventsInput{})
	if err == nil || awserr.As(err) != nil {
		t.Errorf("got %v, want an internal (non-AWS) error", err)
	}
}

func TestAPI(t *testing.T) {
	api := newService(MustOpenEvents(t), base, 0).API()
	if api.SigningName != "cloudtrail" || api.ErrorMessageKey != "Message" || api.ValidationCode != "ValidationException" {
		t.Errorf("service table: %+v", api)
	}
	if len(api.Operations) != 1 {
		t.Errorf("got %d operations, want LookupEvents alone", len(api.Operations))
	}
	op := api.Operations["LookupEvents"]
	if op == nil || !op.ReadOnly || op.Category != trailwatch.CategoryManagement {
		t.Fatalf("LookupEvents: %+v", op)
	}
	if _, ok := op.NewInput().(*cloudtrail.LookupEventsInput); !ok {
		t.Errorf("NewInput returns %T", op.NewInput())
	}
	if got := api.Action(op); got != "cloudtrail:LookupEvents" {
		t.Errorf("action %q", got)
	}
}

func TestShapes(t *testing.T) {
	for _, v := range []any{cloudtrail.LookupEventsInput{}, cloudtrail.LookupEventsOutput{}} {
		if _, err := awsapi.ShapeOf(reflect.TypeOf(v)); err != nil {
			t.Errorf("%T is not a valid shape: %v", v, err)
		}
	}
}
