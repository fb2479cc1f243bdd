package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// acctC is a third account for the logs tests.
const acctC = "333333333333"

// logGroup returns a group named name in account and region, created at
// a fixed millisecond.
func logGroup(account, region, name string) trailwatch.LogGroup {
	return trailwatch.LogGroup{
		AccountID: account, Region: region, Name: name,
		CreatedAt: time.Date(2024, 3, 1, 12, 0, 0, 123e6, time.UTC),
		Class:     "STANDARD",
	}
}

// mustGroup creates a group and returns it as stored.
func mustGroup(t testing.TB, l storage.Logs, account, region, name string) trailwatch.LogGroup {
	t.Helper()
	g := logGroup(account, region, name)
	must(t, "create log group "+name, l.CreateLogGroup(ctx, g))
	return g
}

// mustStream creates a stream in a group.
func mustStream(t testing.TB, l storage.Logs, account, region, group, name string) trailwatch.LogStream {
	t.Helper()
	st := trailwatch.LogStream{Name: name, CreatedAt: time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)}
	must(t, "create log stream "+name, l.CreateLogStream(ctx, account, region, group, st))
	return st
}

func groupNames(gs []trailwatch.LogGroup) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

func streamNamesOf(ss []trailwatch.LogStream) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func testLogGroups(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()

	g := logGroup(acctA, east, "/app/web")
	g.RetentionDays = 30
	g.KMSKeyID = "arn:aws:kms:us-east-1:111111111111:key/k"
	g.DeletionProtection = true
	g.Tags = map[string]string{"team": "web", "empty": ""}
	must(t, "create", l.CreateLogGroup(ctx, g))
	got, err := l.GetLogGroup(ctx, acctA, east, "/app/web")
	must(t, "get", err)
	diff(t, "group as created", g, got)
	wantErr(t, "create again", l.CreateLogGroup(ctx, g), storage.ErrExists)

	// Names are case-sensitive; the same name lives apart in another
	// account and region.
	for _, o := range []trailwatch.LogGroup{
		logGroup(acctA, east, "/APP/web"), logGroup(acctB, east, "/app/web"), logGroup(acctA, west, "/app/web"),
	} {
		must(t, fmt.Sprintf("create %s in %s %s", o.Name, o.AccountID, o.Region), l.CreateLogGroup(ctx, o))
		got, err := l.GetLogGroup(ctx, o.AccountID, o.Region, o.Name)
		must(t, "get", err)
		diff(t, "other group", o, got)
	}
	got, err = l.GetLogGroup(ctx, acctA, east, "/app/web")
	must(t, "get", err)
	diff(t, "group after its namesakes", g, got)
	_, err = l.GetLogGroup(ctx, acctA, east, "/App/Web")
	wantErr(t, "get with other case", err, storage.ErrNotFound)
	_, err = l.GetLogGroup(ctx, acctC, east, "/app/web")
	wantErr(t, "get in other account", err, storage.ErrNotFound)

	// Tags: nil stays nil, empty stays empty.
	noTags := logGroup(acctC, east, "no-tags")
	emptyTags := logGroup(acctC, east, "empty-tags")
	emptyTags.Tags = map[string]string{}
	for _, o := range []trailwatch.LogGroup{noTags, emptyTags} {
		must(t, "create", l.CreateLogGroup(ctx, o))
		got, err := l.GetLogGroup(ctx, acctC, east, o.Name)
		must(t, "get", err)
		diff(t, "tags of "+o.Name, o, got)
	}

	t.Run("Update", func(t *testing.T) {
		err := l.UpdateLogGroup(ctx, acctA, east, "/app/web", func(g *trailwatch.LogGroup) error {
			g.RetentionDays = 7
			g.Tags = map[string]string{"team": "platform"}
			g.Class = "INFREQUENT_ACCESS"
			g.DeletionProtection = false
			g.KMSKeyID = ""
			// Statistics and the name are not written back.
			g.StoredBytes, g.RawBytes, g.MetricFilterCount = 99, 99, 99
			g.Name = "renamed"
			return nil
		})
		must(t, "update", err)
		want := g
		want.RetentionDays, want.Tags, want.Class, want.DeletionProtection, want.KMSKeyID = 7, map[string]string{"team": "platform"}, "INFREQUENT_ACCESS", false, ""
		got, err := l.GetLogGroup(ctx, acctA, east, "/app/web")
		must(t, "get", err)
		diff(t, "updated group", want, got)

		boom := errors.New("boom")
		err = l.UpdateLogGroup(ctx, acctA, east, "/app/web", func(g *trailwatch.LogGroup) error {
			g.RetentionDays = 1
			return boom
		})
		if err != boom {
			t.Errorf("update returning boom: got %v, want boom itself", err)
		}
		got, err = l.GetLogGroup(ctx, acctA, east, "/app/web")
		must(t, "get", err)
		diff(t, "group after a failed update", want, got)

		called := false
		err = l.UpdateLogGroup(ctx, acctA, east, "nope", func(*trailwatch.LogGroup) error { called = true; return nil })
		wantErr(t, "update missing", err, storage.ErrNotFound)
		if called {
			t.Errorf("fn called for a missing group")
		}
	})

	t.Run("Delete", func(t *testing.T) {
		l := h.store(t).Logs()
		mustGroup(t, l, acctA, east, "doomed")
		mustStream(t, l, acctA, east, "doomed", "s")
		putEvents(t, l, acctA, east, "doomed", "s", 1000, logT0, "hello")
		must(t, "put filter", l.PutMetricFilter(ctx, acctA, east, metricFilter("doomed", "f"), 100))
		mustGroup(t, l, acctB, east, "doomed")
		wantErr(t, "delete in other region", l.DeleteLogGroup(ctx, acctA, west, "doomed"), storage.ErrNotFound)
		must(t, "delete", l.DeleteLogGroup(ctx, acctA, east, "doomed"))
		wantErr(t, "delete again", l.DeleteLogGroup(ctx, acctA, east, "doomed"), storage.ErrNotFound)
		_, err := l.GetLogGroup(ctx, acctA, east, "doomed")
		wantErr(t, "get deleted", err, storage.ErrNotFound)
		_, err = l.GetLogGroup(ctx, acctB, east, "doomed")
		must(t, "the other account's namesake survives", err)

		// A group of the same name starts empty.
		g := mustGroup(t, l, acctA, east, "doomed")
		got, err := l.GetLogGroup(ctx, acctA, east, "doomed")
		must(t, "get", err)
		diff(t, "recreated group", g, got)
		_, err = l.GetLogStream(ctx, acctA, east, "doomed", "s")
		wantErr(t, "stream of the old group", err, storage.ErrNotFound)
		mustStream(t, l, acctA, east, "doomed", "s")
		diff(t, "events of the old group", []trailwatch.LogEvent{}, readAll(t, l, streamRead(acctA, east, "doomed", "s"), 100))
		fs, err := l.ListMetricFilters(ctx, storage.MetricFilterQuery{AccountID: acctA, Region: east, Limit: 10})
		must(t, "list filters", err)
		diff(t, "filters of the old group", 0, len(fs))
	})

	t.Run("List", func(t *testing.T) {
		l := h.store(t).Logs()
		names := []string{"b", "a", "A", "a-b", "a.b", "a/b", "a_b", "a#b", "ab", "a/c/d", "Z9", "zz", "c"}
		for _, n := range names {
			mustGroup(t, l, acctA, east, n)
		}
		mustGroup(t, l, acctB, east, "a-other-account")
		mustGroup(t, l, acctA, west, "a-other-region")
		list := func(q storage.LogGroupQuery) []string {
			t.Helper()
			q.AccountID, q.Region = acctA, east
			if q.Limit == 0 {
				q.Limit = 100
			}
			gs, err := l.ListLogGroups(ctx, q)
			must(t, "list", err)
			return groupNames(gs)
		}
		// ASCII order: '#' < '-' < '.' < '/' < digits < upper < '_' < lower.
		all := []string{"A", "Z9", "a", "a#b", "a-b", "a.b", "a/b", "a/c/d", "a_b", "ab", "b", "c", "zz"}
		for _, tc := range []struct {
			name string
			q    storage.LogGroupQuery
			want []string
		}{
			{"all", storage.LogGroupQuery{}, all},
			{"limit", storage.LogGroupQuery{Limit: 3}, all[:3]},
			{"after", storage.LogGroupQuery{After: "a/b", Limit: 3}, []string{"a/c/d", "a_b", "ab"}},
			{"after the last", storage.LogGroupQuery{After: "zz"}, []string{}},
			{"prefix", storage.LogGroupQuery{Prefix: "a/"}, []string{"a/b", "a/c/d"}},
			{"prefix is case-sensitive", storage.LogGroupQuery{Prefix: "Z"}, []string{"Z9"}},
			{"prefix after", storage.LogGroupQuery{Prefix: "a", After: "a/c/d"}, []string{"a_b", "ab"}},
			{"contains", storage.LogGroupQuery{Contains: "b"}, []string{"a#b", "a-b", "a.b", "a/b", "a_b", "ab", "b"}},
			{"contains is case-sensitive", storage.LogGroupQuery{Contains: "z"}, []string{"zz"}},
			{"contains with limit", storage.LogGroupQuery{Contains: "/", Limit: 1}, []string{"a/b"}},
			{"names", storage.LogGroupQuery{Names: []string{"c", "A", "missing", "a-other-account"}}, []string{"A", "c"}},
			{"names after", storage.LogGroupQuery{Names: []string{"c", "A", "b"}, After: "A"}, []string{"b", "c"}},
			{"no limit", storage.LogGroupQuery{Limit: -1}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) { diff(t, "names", tc.want, list(tc.q)) })
		}
	})
}

func testLogStreams(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	mustGroup(t, l, acctA, east, "g")
	mustGroup(t, l, acctB, east, "g")

	st := mustStream(t, l, acctA, east, "g", "web-1")
	got, err := l.GetLogStream(ctx, acctA, east, "g", "web-1")
	must(t, "get", err)
	diff(t, "new stream", st, got)
	wantErr(t, "create again", l.CreateLogStream(ctx, acctA, east, "g", st), storage.ErrExists)
	wantErr(t, "create in missing group", l.CreateLogStream(ctx, acctA, east, "nope", st), storage.ErrNotFound)
	wantErr(t, "create in other region's missing group", l.CreateLogStream(ctx, acctA, west, "g", st), storage.ErrNotFound)
	_, err = l.GetLogStream(ctx, acctB, east, "g", "web-1")
	wantErr(t, "get in other account", err, storage.ErrNotFound)
	_, err = l.GetLogStream(ctx, acctA, east, "g", "WEB-1")
	wantErr(t, "get with other case", err, storage.ErrNotFound)
	_, err = l.GetLogStream(ctx, acctA, east, "nope", "web-1")
	wantErr(t, "get in missing group", err, storage.ErrNotFound)
	mustStream(t, l, acctB, east, "g", "web-1")

	// A stream's event times follow its batches.
	putEvents(t, l, acctA, east, "g", "web-1", 5000, logT0+50, "b", logT0+10, "a")
	putEvents(t, l, acctA, east, "g", "web-1", 6000, logT0+30, "c")
	got, err = l.GetLogStream(ctx, acctA, east, "g", "web-1")
	must(t, "get", err)
	want := st
	want.FirstEventTime, want.LastEventTime, want.LastIngestionTime = logT0+10, logT0+50, 6000
	diff(t, "stream with events", want, got)
	putEvents(t, l, acctA, east, "g", "web-1", 7000, logT0+5, "d", logT0+60, "e")
	got, err = l.GetLogStream(ctx, acctA, east, "g", "web-1")
	must(t, "get", err)
	want.FirstEventTime, want.LastEventTime, want.LastIngestionTime = logT0+5, logT0+60, 7000
	diff(t, "stream with more events", want, got)
	got, err = l.GetLogStream(ctx, acctB, east, "g", "web-1")
	must(t, "get", err)
	diff(t, "the other account's namesake has no events", int64(0), got.LastIngestionTime)

	t.Run("List", func(t *testing.T) {
		l := h.store(t).Logs()
		mustGroup(t, l, acctA, east, "g")
		mustGroup(t, l, acctA, east, "other")
		for _, n := range []string{"b", "a", "B", "a/1", "a/2", "c"} {
			mustStream(t, l, acctA, east, "g", n)
		}
		mustStream(t, l, acctA, east, "other", "a/3")
		// Last event times: c 300, a 100, a/1 100, b 200; B and a/2 none.
		putEvents(t, l, acctA, east, "g", "c", 1, 300, "x")
		putEvents(t, l, acctA, east, "g", "a", 1, 100, "x")
		putEvents(t, l, acctA, east, "g", "a/1", 1, 50, "x", 100, "y")
		putEvents(t, l, acctA, east, "g", "b", 1, 200, "x")
		list := func(q storage.LogStreamQuery) []string {
			t.Helper()
			q.AccountID, q.Region, q.Group = acctA, east, "g"
			if q.Limit == 0 {
				q.Limit = 100
			}
			ss, err := l.ListLogStreams(ctx, q)
			must(t, "list", err)
			return streamNamesOf(ss)
		}
		for _, tc := range []struct {
			name string
			q    storage.LogStreamQuery
			want []string
		}{
			{"by name", storage.LogStreamQuery{}, []string{"B", "a", "a/1", "a/2", "b", "c"}},
			{"by name limit", storage.LogStreamQuery{Limit: 2}, []string{"B", "a"}},
			{"by name after", storage.LogStreamQuery{After: "a/1"}, []string{"a/2", "b", "c"}},
			{"by name descending", storage.LogStreamQuery{Descending: true}, []string{"c", "b", "a/2", "a/1", "a", "B"}},
			{"by name descending after", storage.LogStreamQuery{Descending: true, After: "a/2", Limit: 2}, []string{"a/1", "a"}},
			{"prefix", storage.LogStreamQuery{Prefix: "a/"}, []string{"a/1", "a/2"}},
			{"prefix descending", storage.LogStreamQuery{Prefix: "a", Descending: true}, []string{"a/2", "a/1", "a"}},
			{"prefix after", storage.LogStreamQuery{Prefix: "a", After: "a"}, []string{"a/1", "a/2"}},
			{"by time", storage.LogStreamQuery{ByLastEventTime: true}, []string{"B", "a/2", "a", "a/1", "b", "c"}},
			{"by time after", storage.LogStreamQuery{ByLastEventTime: true, After: "a", AfterEventTime: 100}, []string{"a/1", "b", "c"}},
			{"by time after an eventless stream", storage.LogStreamQuery{ByLastEventTime: true, After: "B", AfterEventTime: 0, Limit: 2}, []string{"a/2", "a"}},
			{"by time descending", storage.LogStreamQuery{ByLastEventTime: true, Descending: true}, []string{"c", "b", "a/1", "a", "a/2", "B"}},
			{"by time descending after", storage.LogStreamQuery{ByLastEventTime: true, Descending: true, After: "a/1", AfterEventTime: 100}, []string{"a", "a/2", "B"}},
		} {
			t.Run(tc.name, func(t *testing.T) { diff(t, "names", tc.want, list(tc.q)) })
		}
		_, err := l.ListLogStreams(ctx, storage.LogStreamQuery{AccountID: acctA, Region: east, Group: "nope", Limit: 10})
		wantErr(t, "list missing group", err, storage.ErrNotFound)
		_, err = l.ListLogStreams(ctx, storage.LogStreamQuery{AccountID: acctB, Region: east, Group: "g", Limit: 10})
		wantErr(t, "list in other account", err, storage.ErrNotFound)
		ss, err := l.ListLogStreams(ctx, storage.LogStreamQuery{AccountID: acctA, Region: east, Group: "g", Limit: 10, After: "a"})
		must(t, "list", err)
		for _, s := range ss {
			if s.Name == "a/1" {
				diff(t, "listed stream times", [3]int64{50, 100, 1}, [3]int64{s.FirstEventTime, s.LastEventTime, s.LastIngestionTime})
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		l := h.store(t).Logs()
		mustGroup(t, l, acctA, east, "g")
		mustStream(t, l, acctA, east, "g", "keep")
		mustStream(t, l, acctA, east, "g", "drop")
		putEvents(t, l, acctA, east, "g", "keep", 1, logT0, "kept message")
		before, err := l.GetLogGroup(ctx, acctA, east, "g")
		must(t, "get group", err)
		for range 3 {
			putEvents(t, l, acctA, east, "g", "drop", 1, logT0, "dropped message")
		}
		wantErr(t, "delete missing", l.DeleteLogStream(ctx, acctA, east, "g", "nope"), storage.ErrNotFound)
		wantErr(t, "delete in missing group", l.DeleteLogStream(ctx, acctA, east, "nope", "drop"), storage.ErrNotFound)
		wantErr(t, "delete in other account", l.DeleteLogStream(ctx, acctB, east, "g", "drop"), storage.ErrNotFound)
		must(t, "delete", l.DeleteLogStream(ctx, acctA, east, "g", "drop"))
		wantErr(t, "delete again", l.DeleteLogStream(ctx, acctA, east, "g", "drop"), storage.ErrNotFound)
		_, err = l.GetLogStream(ctx, acctA, east, "g", "drop")
		wantErr(t, "get deleted", err, storage.ErrNotFound)
		after, err := l.GetLogGroup(ctx, acctA, east, "g")
		must(t, "get group", err)
		diff(t, "group bytes after deleting a stream", [2]int64{before.StoredBytes, before.RawBytes}, [2]int64{after.StoredBytes, after.RawBytes})
		// A new stream of the same name starts empty; the other keeps its events.
		mustStream(t, l, acctA, east, "g", "drop")
		diff(t, "events of the deleted stream", 0, len(readAll(t, l, streamRead(acctA, east, "g", "drop"), 10)))
		evs, _, err := l.ScanLogEvents(ctx, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: minTime, To: maxTime, Limit: 10})
		must(t, "scan", err)
		diff(t, "events left in the group", []string{"kept message"}, messages(evs))
	})
}

// metricFilter returns a metric filter with one transformation.
func metricFilter(group, name string) trailwatch.MetricFilter {
	def := 0.0
	return trailwatch.MetricFilter{
		Group: group, Name: name, Pattern: `{ $.status = 500 }`,
		Transformations: []trailwatch.MetricTransformation{{
			MetricName: "Errors", MetricNamespace: "App", MetricValue: "1", DefaultValue: &def, Unit: "Count",
		}},
		CreatedAt: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC),
	}
}

func filterKeys(fs []trailwatch.MetricFilter) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Group+":"+f.Name)
	}
	return out
}

func testMetricFilters(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	for _, g := range []string{"a", "b", "c"} {
		mustGroup(t, l, acctA, east, g)
	}
	mustGroup(t, l, acctB, east, "a")

	f := metricFilter("a", "errors")
	f.ApplyOnTransformedLogs = true
	f.FieldSelectionCriteria = `$.level = "error"`
	f.EmitSystemFieldDimensions = []string{"@aws.account"}
	f.Transformations[0].Dimensions = map[string]string{"Service": "$.service"}
	f.Transformations[0].DefaultValue = nil
	must(t, "put", l.PutMetricFilter(ctx, acctA, east, f, 3))
	list := func(q storage.MetricFilterQuery) []trailwatch.MetricFilter {
		t.Helper()
		q.AccountID, q.Region = acctA, east
		if q.Limit == 0 {
			q.Limit = 100
		}
		fs, err := l.ListMetricFilters(ctx, q)
		must(t, "list", err)
		return fs
	}
	diff(t, "filter as put", []trailwatch.MetricFilter{f}, list(storage.MetricFilterQuery{Group: "a"}))
	wantErr(t, "put in missing group", l.PutMetricFilter(ctx, acctA, east, metricFilter("nope", "x"), 3), storage.ErrNotFound)
	wantErr(t, "put in other region", l.PutMetricFilter(ctx, acctA, west, metricFilter("a", "x"), 3), storage.ErrNotFound)

	// Replacing keeps one filter of the name.
	f2 := metricFilter("a", "errors")
	f2.Pattern = "ERROR"
	must(t, "replace", l.PutMetricFilter(ctx, acctA, east, f2, 3))
	diff(t, "replaced filter", []trailwatch.MetricFilter{f2}, list(storage.MetricFilterQuery{Group: "a"}))

	// The limit counts the other filters of the group.
	must(t, "put second", l.PutMetricFilter(ctx, acctA, east, metricFilter("a", "second"), 3))
	must(t, "put third", l.PutMetricFilter(ctx, acctA, east, metricFilter("a", "third"), 3))
	wantErr(t, "put fourth", l.PutMetricFilter(ctx, acctA, east, metricFilter("a", "fourth"), 3), storage.ErrLimitExceeded)
	must(t, "replace at the limit", l.PutMetricFilter(ctx, acctA, east, metricFilter("a", "third"), 3))
	must(t, "put in another group", l.PutMetricFilter(ctx, acctA, east, metricFilter("b", "fourth"), 3))
	must(t, "put in another account", l.PutMetricFilter(ctx, acctB, east, metricFilter("a", "fourth"), 3))
	g, err := l.GetLogGroup(ctx, acctA, east, "a")
	must(t, "get group", err)
	diff(t, "MetricFilterCount", 3, g.MetricFilterCount)

	other := metricFilter("c", "latency")
	other.Transformations = append(other.Transformations, trailwatch.MetricTransformation{
		MetricName: "Latency", MetricNamespace: "Web", MetricValue: "$.ms",
	})
	must(t, "put", l.PutMetricFilter(ctx, acctA, east, other, 3))
	for _, tc := range []struct {
		name string
		q    storage.MetricFilterQuery
		want []string
	}{
		{"all", storage.MetricFilterQuery{}, []string{"a:errors", "a:second", "a:third", "b:fourth", "c:latency"}},
		{"group", storage.MetricFilterQuery{Group: "a"}, []string{"a:errors", "a:second", "a:third"}},
		{"prefix", storage.MetricFilterQuery{Group: "a", NamePrefix: "s"}, []string{"a:second"}},
		{"limit", storage.MetricFilterQuery{Limit: 2}, []string{"a:errors", "a:second"}},
		{"after", storage.MetricFilterQuery{AfterGroup: "a", After: "third", Limit: 1}, []string{"b:fourth"}},
		{"after in group", storage.MetricFilterQuery{Group: "a", AfterGroup: "a", After: "errors"}, []string{"a:second", "a:third"}},
		{"metric", storage.MetricFilterQuery{MetricName: "Latency", MetricNamespace: "Web"}, []string{"c:latency"}},
		{"metric in several", storage.MetricFilterQuery{MetricName: "Errors", MetricNamespace: "App", Limit: 4}, []string{"a:errors", "a:second", "a:third", "b:fourth"}},
		{"metric with limit", storage.MetricFilterQuery{MetricName: "Errors", MetricNamespace: "App", Limit: 1, AfterGroup: "a", After: "third"}, []string{"b:fourth"}},
		{"metric of another namespace", storage.MetricFilterQuery{MetricName: "Latency", MetricNamespace: "App"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) { diff(t, "filters", tc.want, filterKeys(list(tc.q))) })
	}

	wantErr(t, "delete missing", l.DeleteMetricFilter(ctx, acctA, east, "a", "nope"), storage.ErrNotFound)
	wantErr(t, "delete in missing group", l.DeleteMetricFilter(ctx, acctA, east, "nope", "errors"), storage.ErrNotFound)
	wantErr(t, "delete in other region", l.DeleteMetricFilter(ctx, acctA, west, "a", "errors"), storage.ErrNotFound)
	must(t, "delete", l.DeleteMetricFilter(ctx, acctA, east, "a", "errors"))
	wantErr(t, "delete again", l.DeleteMetricFilter(ctx, acctA, east, "a", "errors"), storage.ErrNotFound)
	diff(t, "after delete", []string{"a:second", "a:third"}, filterKeys(list(storage.MetricFilterQuery{Group: "a"})))
	must(t, "put after delete frees a place", l.PutMetricFilter(ctx, acctA, east, metricFilter("a", "fourth"), 3))
	fs, err := l.ListMetricFilters(ctx, storage.MetricFilterQuery{AccountID: acctB, Region: east, Limit: 10})
	must(t, "list other account", err)
	diff(t, "other account's filters", []string{"a:fourth"}, filterKeys(fs))
}
