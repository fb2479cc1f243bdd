package storagetest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

const (
	// logT0 is 2023-11-14T22:13:20Z in milliseconds, near which the logs
	// tests' events lie.
	logT0   = 1_700_000_000_000
	minTime = math.MinInt64
	maxTime = math.MaxInt64
)

// putEvents stores one batch, given as timestamp and message pairs, and
// returns the events as stored.
func putEvents(t testing.TB, l storage.Logs, account, region, group, stream string, ingest int64, pairs ...any) []trailwatch.LogEvent {
	t.Helper()
	var evs []trailwatch.LogEvent
	for i := 0; i < len(pairs); i += 2 {
		evs = append(evs, trailwatch.LogEvent{Timestamp: int64(pairs[i].(int)), Message: pairs[i+1].(string)})
	}
	return putBatch(t, l, account, region, group, stream, ingest, evs)
}

// putBatch stores evs and checks what PutLogEvents returns: the events in
// the order given, with Stream and IngestionTime set and consecutive,
// increasing Seqs.
func putBatch(t testing.TB, l storage.Logs, account, region, group, stream string, ingest int64, evs []trailwatch.LogEvent) []trailwatch.LogEvent {
	t.Helper()
	in := slices.Clone(evs)
	got, err := l.PutLogEvents(ctx, account, region, group, stream, ingest, evs)
	must(t, "put log events", err)
	diff(t, "PutLogEvents left its input alone", in, evs)
	if len(got) != len(evs) {
		t.Fatalf("put %d events, got %d back", len(evs), len(got))
	}
	for i := range got {
		want := evs[i]
		want.Stream, want.IngestionTime, want.Seq = stream, ingest, got[0].Seq+int64(i)
		if got[i] != want {
			t.Fatalf("event %d as stored: got %+v, want %+v", i, got[i], want)
		}
	}
	return got
}

// sortEvents sorts events into (Timestamp, Seq) order.
func sortEvents(evs []trailwatch.LogEvent) []trailwatch.LogEvent {
	evs = slices.Clone(evs)
	slices.SortFunc(evs, func(a, b trailwatch.LogEvent) int {
		return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Seq, b.Seq))
	})
	return evs
}

func messages(evs []trailwatch.LogEvent) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func posOf(e trailwatch.LogEvent) storage.EventPos {
	return storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}
}

// streamRead reads a whole stream forward from its start.
func streamRead(account, region, group, stream string) storage.StreamRead {
	return storage.StreamRead{AccountID: account, Region: region, Group: group, Stream: stream, From: minTime, To: maxTime}
}

// readAll pages through q (forward or backward) limit events at a time,
// as GetLogEvents clients do, and returns everything in (Timestamp, Seq)
// order. It fails t on a page out of order or overlapping the last.
func readAll(t testing.TB, l storage.Logs, q storage.StreamRead, limit int) []trailwatch.LogEvent {
	t.Helper()
	q.Limit = limit
	var pages [][]trailwatch.LogEvent
	n := 0
	for {
		page, err := l.ReadLogStream(ctx, q)
		must(t, "read log stream", err)
		if len(page) > limit {
			t.Fatalf("read %d events with limit %d", len(page), limit)
		}
		if len(page) == 0 {
			break
		}
		if !slices.IsSortedFunc(page, func(a, b trailwatch.LogEvent) int {
			return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Seq, b.Seq))
		}) {
			t.Fatalf("page out of order: %v", page)
		}
		pages = append(pages, page)
		n += len(page)
		if q.Backward {
			p := posOf(page[0])
			q.Pos = &p
		} else {
			p := posOf(page[len(page)-1])
			q.Pos = &p
		}
		if len(pages) > 100_000 {
			t.Fatalf("paging does not end")
		}
	}
	out := make([]trailwatch.LogEvent, 0, n)
	if q.Backward {
		for i := len(pages) - 1; i >= 0; i-- {
			out = append(out, pages[i]...)
		}
	} else {
		for _, p := range pages {
			out = append(out, p...)
		}
	}
	return out
}

// scanAll pages through q with its Limit, following the resume position,
// and returns everything, checking that every page is in order and that
// no page is longer than the limit.
func scanAll(t testing.TB, l storage.Logs, q storage.LogScan) (events []trailwatch.LogEvent, calls int) {
	t.Helper()
	events = []trailwatch.LogEvent{}
	for {
		page, resume, err := l.ScanLogEvents(ctx, q)
		must(t, "scan log events", err)
		calls++
		if len(page) > q.Limit {
			t.Fatalf("scan returned %d events with limit %d", len(page), q.Limit)
		}
		events = append(events, page...)
		if resume == nil {
			break
		}
		if len(page) > 0 && posOf(page[len(page)-1]) != *resume && q.MaxScannedBytes == 0 {
			t.Fatalf("a full page resumes after %+v, not after its last event %+v", *resume, posOf(page[len(page)-1]))
		}
		if q.After != nil && cmpEventPos(*resume, *q.After) <= 0 {
			t.Fatalf("scan resumes at %+v, not after the previous %+v", *resume, *q.After)
		}
		q.After = resume
		if calls > 100_000 {
			t.Fatalf("scanning does not end")
		}
	}
	if !slices.IsSortedFunc(events, func(a, b trailwatch.LogEvent) int { return cmpEventPos(posOf(a), posOf(b)) }) {
		t.Fatalf("scanned events out of order or repeated")
	}
	for i := 1; i < len(events); i++ {
		if posOf(events[i-1]) == posOf(events[i]) {
			t.Fatalf("event %+v returned twice", events[i])
		}
	}
	return events, calls
}

func cmpEventPos(a, b storage.EventPos) int {
	return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Seq, b.Seq))
}

// words make up the messages of randomBatch: some common, some rare, in
// several cases and scripts, so that term filters have work to do.
var words = []string{
	"GET", "POST", "status=200", "status=500", "user", "alice", "bob", "Alice", "ERROR", "error", "Error",
	"timeout", "connection", "refused", "cache", "miss", "hit", "Müller", "東京", "naïve", "latency_ms",
	"order", "ord_7f3a", "payment", "declined", "{\"level\":\"info\"}", "x", "zz",
}

// randomBatch returns n events with timestamps around base, out of order
// and with ties, and messages of random words; rare words appear in
// about one message in rareEvery.
func randomBatch(rng *rand.Rand, n int, base int64, spread int) []trailwatch.LogEvent {
	evs := make([]trailwatch.LogEvent, n)
	for i := range evs {
		var sb strings.Builder
		for k := range 1 + rng.IntN(6) {
			if k > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[rng.IntN(len(words))])
		}
		if rng.IntN(40) == 0 {
			sb.WriteString(" needle")
		}
		evs[i] = trailwatch.LogEvent{Timestamp: base + int64(rng.IntN(spread)), Message: sb.String()}
	}
	return evs
}

func testPutLogEvents(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	mustGroup(t, l, acctA, east, "g")
	mustStream(t, l, acctA, east, "g", "s")
	mustGroup(t, l, acctB, east, "g")

	one := []trailwatch.LogEvent{{Timestamp: logT0, Message: "m"}}
	for _, tc := range []struct{ name, account, region, group, stream string }{
		{"missing group", acctA, east, "nope", "s"},
		{"missing stream", acctA, east, "g", "nope"},
		{"other account", acctB, east, "g", "s"},
		{"other region", acctA, west, "g", "s"},
	} {
		_, err := l.PutLogEvents(ctx, tc.account, tc.region, tc.group, tc.stream, 1, one)
		wantErr(t, "put to "+tc.name, err, storage.ErrNotFound)
	}

	var all []trailwatch.LogEvent
	raw := int64(0)
	batches := [][]trailwatch.LogEvent{
		{{Timestamp: logT0 + 5, Message: "five"}, {Timestamp: logT0 + 1, Message: "one"}, {Timestamp: logT0 + 5, Message: "five again"}},
		{{Timestamp: logT0 + 3, Message: "Grüße aus 東京 🎉"}, {Timestamp: logT0 + 3, Message: strings.Repeat("long ", 20_000)}},
		{{Timestamp: 0, Message: "epoch"}, {Timestamp: logT0 + 100, Message: "m"}},
	}
	lastSeq := int64(math.MinInt64)
	for i, b := range batches {
		got := putBatch(t, l, acctA, east, "g", "s", int64(1000+i), b)
		if got[0].Seq <= lastSeq {
			t.Errorf("batch %d starts at seq %d, not after the previous batch's %d", i, got[0].Seq, lastSeq)
		}
		lastSeq = got[len(got)-1].Seq
		all = append(all, got...)
		for _, e := range b {
			raw += int64(len(e.Message))
		}
	}
	g, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	diff(t, "RawBytes", raw, g.RawBytes)
	if g.StoredBytes <= 0 {
		t.Errorf("StoredBytes = %d after storing %d message bytes", g.StoredBytes, raw)
	}
	other, err := l.GetLogGroup(ctx, acctB, east, "g")
	must(t, "get group", err)
	diff(t, "other account's group bytes", [2]int64{0, 0}, [2]int64{other.StoredBytes, other.RawBytes})
	diff(t, "events read back", sortEvents(all), readAll(t, l, streamRead(acctA, east, "g", "s"), 100))
	st, err := l.GetLogStream(ctx, acctA, east, "g", "s")
	must(t, "get stream", err)
	diff(t, "stream times", [3]int64{0, logT0 + 100, 1002}, [3]int64{st.FirstEventTime, st.LastEventTime, st.LastIngestionTime})
}

// logFixture is a group of a few streams filled with random batches.
type logFixture struct {
	l       storage.Logs
	account string
	streams []string
	events  []trailwatch.LogEvent // every event stored, as stored
}

// newLogFixture fills group "g" of account in us-east-1 with nbatches
// random batches spread over streams, with timestamps that overlap from
// batch to batch and stream to stream.
func newLogFixture(t testing.TB, l storage.Logs, account string, seed uint64, streams []string, nbatches int) *logFixture {
	t.Helper()
	f := &logFixture{l: l, account: account, streams: streams}
	mustGroup(t, l, account, east, "g")
	for _, s := range streams {
		mustStream(t, l, account, east, "g", s)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range nbatches {
		s := streams[rng.IntN(len(streams))]
		n := 1 + rng.IntN(40)
		if rng.IntN(5) == 0 {
			n = 1
		}
		evs := randomBatch(rng, n, logT0+int64(i*20), 60)
		f.events = append(f.events, putBatch(t, l, account, east, "g", s, logT0+int64(i), evs)...)
	}
	return f
}

// of returns the fixture's events in (Timestamp, Seq) order that keep
// says to keep.
func (f *logFixture) of(keep func(e trailwatch.LogEvent) bool) []trailwatch.LogEvent {
	out := []trailwatch.LogEvent{}
	for _, e := range sortEvents(f.events) {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func testReadLogStream(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	f := newLogFixture(t, l, acctA, 1, []string{"s", "t"}, 60)
	// Namesakes elsewhere, with events of their own.
	newLogFixture(t, l, acctB, 2, []string{"s"}, 5)
	mustGroup(t, l, acctA, west, "g")
	mustStream(t, l, acctA, west, "g", "s")
	putEvents(t, l, acctA, west, "g", "s", 1, logT0+100, "west")

	inS := func(e trailwatch.LogEvent) bool { return e.Stream == "s" }
	all := f.of(inS)
	if len(all) < 100 {
		t.Fatalf("fixture has only %d events in s", len(all))
	}
	for _, limit := range []int{1, 3, 7, 1000} {
		for _, backward := range []bool{false, true} {
			t.Run(fmt.Sprintf("limit=%d,backward=%v", limit, backward), func(t *testing.T) {
				q := streamRead(acctA, east, "g", "s")
				q.Backward = backward
				diff(t, "paged events", all, readAll(t, l, q, limit))
			})
		}
	}

	t.Run("Window", func(t *testing.T) {
		for _, w := range [][2]int64{
			{logT0 + 100, logT0 + 300}, {logT0 + 101, logT0 + 102}, {minTime, logT0 + 50}, {logT0 + 900, maxTime},
			{logT0 + 5, logT0 + 5}, {maxTime, maxTime}, {logT0 + 500, logT0 + 400},
		} {
			want := f.of(func(e trailwatch.LogEvent) bool { return inS(e) && e.Timestamp >= w[0] && e.Timestamp < w[1] })
			for _, backward := range []bool{false, true} {
				q := storage.StreamRead{AccountID: acctA, Region: east, Group: "g", Stream: "s", From: w[0], To: w[1], Backward: backward}
				diff(t, fmt.Sprintf("window [%d, %d) backward=%v", w[0]-logT0, w[1]-logT0, backward), want, readAll(t, l, q, 4))
			}
		}
	})

	t.Run("Pos", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 3))
		for range 30 {
			i := rng.IntN(len(all))
			limit := 1 + rng.IntN(20)
			p := posOf(all[i])
			q := streamRead(acctA, east, "g", "s")
			q.Limit, q.Pos = limit, &p
			got, err := l.ReadLogStream(ctx, q)
			must(t, "read forward", err)
			diff(t, fmt.Sprintf("%d events after event %d", limit, i), all[i+1:min(len(all), i+1+limit)], got)
			q.Backward = true
			got, err = l.ReadLogStream(ctx, q)
			must(t, "read backward", err)
			diff(t, fmt.Sprintf("%d events before event %d", limit, i), all[max(0, i-limit):i], got)
		}
		// Positions between events, and at the ends of the order.
		for _, tc := range []struct {
			name     string
			pos      storage.EventPos
			backward bool
			want     []trailwatch.LogEvent
		}{
			{"forward from the very start", storage.EventPos{Timestamp: minTime, Seq: minTime}, false, all[:5]},
			{"backward from the very end", storage.EventPos{Timestamp: maxTime, Seq: maxTime}, true, all[len(all)-5:]},
			{"forward from the very end", storage.EventPos{Timestamp: maxTime, Seq: maxTime}, false, []trailwatch.LogEvent{}},
			{"backward from the very start", storage.EventPos{Timestamp: minTime, Seq: minTime}, true, []trailwatch.LogEvent{}},
			{"forward from a time's last seq", storage.EventPos{Timestamp: all[10].Timestamp, Seq: maxTime}, false,
				f.of(func(e trailwatch.LogEvent) bool { return inS(e) && e.Timestamp > all[10].Timestamp })[:5]},
			{"backward from a time's first seq", storage.EventPos{Timestamp: all[10].Timestamp, Seq: minTime}, true,
				lastN(f.of(func(e trailwatch.LogEvent) bool { return inS(e) && e.Timestamp < all[10].Timestamp }), 5)},
		} {
			q := streamRead(acctA, east, "g", "s")
			q.Limit, q.Pos, q.Backward = 5, &tc.pos, tc.backward
			got, err := l.ReadLogStream(ctx, q)
			must(t, tc.name, err)
			diff(t, tc.name, tc.want, got)
		}
		// Limit 0 reads nothing.
		q := streamRead(acctA, east, "g", "s")
		got, err := l.ReadLogStream(ctx, q)
		must(t, "read with limit 0", err)
		diff(t, "limit 0", 0, len(got))
	})

	t.Run("Isolation", func(t *testing.T) {
		got := readAll(t, l, streamRead(acctA, west, "g", "s"), 10)
		diff(t, "other region's stream", []string{"west"}, messages(got))
		for _, tc := range []struct{ name, account, region, group, stream string }{
			{"missing group", acctA, east, "nope", "s"},
			{"missing stream", acctA, east, "g", "nope"},
			{"stream of another group", acctA, east, "g", "u"},
			{"other account", acctC, east, "g", "s"},
		} {
			q := streamRead(tc.account, tc.region, tc.group, tc.stream)
			q.Limit = 10
			_, err := l.ReadLogStream(ctx, q)
			wantErr(t, "read "+tc.name, err, storage.ErrNotFound)
		}
	})
}

func lastN(evs []trailwatch.LogEvent, n int) []trailwatch.LogEvent {
	return evs[max(0, len(evs)-n):]
}

// containsAll returns a Match that wants every term.
func containsAll(terms ...string) func([]byte) bool {
	return func(m []byte) bool {
		for _, t := range terms {
			if !strings.Contains(string(m), t) {
				return false
			}
		}
		return true
	}
}

func testScanLogEvents(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	streams := []string{"app/1", "app/2", "db", "App/3"}
	f := newLogFixture(t, l, acctA, 4, streams, 80)
	newLogFixture(t, l, acctB, 5, []string{"app/1"}, 5)
	everything := func(trailwatch.LogEvent) bool { return true }
	scan := func(q storage.LogScan) storage.LogScan {
		q.AccountID, q.Region, q.Group = acctA, east, "g"
		if q.From == 0 && q.To == 0 {
			q.From, q.To = minTime, maxTime
		}
		return q
	}

	t.Run("All", func(t *testing.T) {
		for _, limit := range []int{1, 6, 10_000} {
			got, _ := scanAll(t, l, scan(storage.LogScan{Limit: limit}))
			diff(t, fmt.Sprintf("all events, limit %d", limit), f.of(everything), got)
		}
	})

	t.Run("Streams", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			q      storage.LogScan
			stream func(string) bool
		}{
			{"names", storage.LogScan{Streams: []string{"db", "app/2", "nope"}}, func(s string) bool { return s == "db" || s == "app/2" }},
			{"one name", storage.LogScan{Streams: []string{"App/3"}}, func(s string) bool { return s == "App/3" }},
			{"missing names", storage.LogScan{Streams: []string{"nope"}}, func(string) bool { return false }},
			{"prefix", storage.LogScan{StreamPrefix: "app/"}, func(s string) bool { return strings.HasPrefix(s, "app/") }},
			{"prefix is case-sensitive", storage.LogScan{StreamPrefix: "A"}, func(s string) bool { return s == "App/3" }},
			{"prefix of nothing", storage.LogScan{StreamPrefix: "zz"}, func(string) bool { return false }},
		} {
			q := tc.q
			q.Limit = 7
			got, _ := scanAll(t, l, scan(q))
			diff(t, tc.name, f.of(func(e trailwatch.LogEvent) bool { return tc.stream(e.Stream) }), got)
		}
	})

	t.Run("Window", func(t *testing.T) {
		for _, w := range [][2]int64{{logT0 + 100, logT0 + 300}, {logT0 + 101, logT0 + 101}, {minTime, logT0 + 50}, {logT0 + 1500, maxTime}, {logT0 + 9, logT0 + 8}} {
			got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: w[0], To: w[1], Limit: 9})
			diff(t, fmt.Sprintf("window [%d, %d]", w[0]-logT0, w[1]-logT0), f.of(func(e trailwatch.LogEvent) bool {
				return e.Timestamp >= w[0] && e.Timestamp <= w[1]
			}), got)
		}
	})

	t.Run("Terms", func(t *testing.T) {
		// Every term the messages are made of, parts of them, case
		// variants and absent ones: a chunk filter may only skip chunks
		// without a match.
		terms := append(slices.Clone(words), "needle", "NEEDLE", "eedl", "status=", "ülle", "東", "absent", "refused timeout", "error bob")
		for _, term := range terms {
			want := f.of(func(e trailwatch.LogEvent) bool { return strings.Contains(e.Message, term) })
			got, _ := scanAll(t, l, scan(storage.LogScan{Terms: []string{term}, Match: containsAll(term), Limit: 10_000}))
			diff(t, "events containing "+term, messages(want), messages(got))
		}
		// Several terms; a Match stricter than its terms.
		want := f.of(func(e trailwatch.LogEvent) bool {
			return strings.Contains(e.Message, "user") && strings.Contains(e.Message, "cache") && strings.HasPrefix(e.Message, "GET")
		})
		match := func(m []byte) bool { return containsAll("user", "cache")(m) && strings.HasPrefix(string(m), "GET") }
		got, _ := scanAll(t, l, scan(storage.LogScan{Terms: []string{"user", "cache"}, Match: match, Limit: 3}))
		diff(t, "events matching several terms", want, got)
	})

	t.Run("Resume", func(t *testing.T) {
		// A full page resumes after its last event; the whole scan, page
		// by page, is the scan in one go.
		want := f.of(func(e trailwatch.LogEvent) bool { return strings.Contains(e.Message, "error") })
		page, resume, err := l.ScanLogEvents(ctx, scan(storage.LogScan{Terms: []string{"error"}, Match: containsAll("error"), Limit: 5}))
		must(t, "scan", err)
		diff(t, "first page", want[:5], page)
		if resume == nil || *resume != posOf(want[4]) {
			t.Fatalf("first page resumes at %v, want after %+v", resume, posOf(want[4]))
		}
		page, _, err = l.ScanLogEvents(ctx, scan(storage.LogScan{Terms: []string{"error"}, Match: containsAll("error"), Limit: 5, After: resume}))
		must(t, "scan", err)
		diff(t, "second page", want[5:10], page)
		// Resuming in the middle of a tie.
		for i := 1; i < len(f.events); i++ {
			all := f.of(everything)
			if all[i].Timestamp != all[i-1].Timestamp {
				continue
			}
			p := posOf(all[i-1])
			page, _, err := l.ScanLogEvents(ctx, scan(storage.LogScan{Limit: 3, After: &p}))
			must(t, "scan", err)
			diff(t, "events after one of a tie", all[i:i+3], page)
			break
		}
		// A scan that reaches its end says so.
		page, resume, err = l.ScanLogEvents(ctx, scan(storage.LogScan{Terms: []string{"needle"}, Match: containsAll("needle"), Limit: 10_000}))
		must(t, "scan", err)
		if resume != nil || len(page) == 0 {
			t.Errorf("a complete scan of %d events resumes at %v", len(page), resume)
		}
		page, resume, err = l.ScanLogEvents(ctx, scan(storage.LogScan{Limit: 5, After: &storage.EventPos{Timestamp: maxTime, Seq: maxTime}}))
		must(t, "scan after the end", err)
		if len(page) != 0 || resume != nil {
			t.Errorf("scan after the end: %d events, resume %v", len(page), resume)
		}
	})

	t.Run("MaxScannedBytes", func(t *testing.T) {
		// With the smallest budget every call still moves on, and paging
		// through finds every match exactly once.
		for _, budget := range []int64{1, 500, 5000} {
			want := f.of(func(e trailwatch.LogEvent) bool { return strings.Contains(e.Message, "o") })
			got, calls := scanAll(t, l, scan(storage.LogScan{Match: containsAll("o"), Limit: 10_000, MaxScannedBytes: budget}))
			diff(t, fmt.Sprintf("events with budget %d", budget), want, got)
			if budget == 1 && calls < 10 {
				t.Errorf("a budget of one byte scanned %d events of %d batches in %d calls", len(got), 80, calls)
			}
		}
		// Short pages with a window and a limit.
		want := f.of(func(e trailwatch.LogEvent) bool { return e.Timestamp >= logT0+200 && e.Timestamp <= logT0+1000 })
		got, _ := scanAll(t, l, scan(storage.LogScan{From: logT0 + 200, To: logT0 + 1000, Limit: 3, MaxScannedBytes: 100}))
		diff(t, "window with budget", want, got)
	})

	t.Run("Isolation", func(t *testing.T) {
		_, _, err := l.ScanLogEvents(ctx, storage.LogScan{AccountID: acctA, Region: east, Group: "nope", From: minTime, To: maxTime, Limit: 10})
		wantErr(t, "scan missing group", err, storage.ErrNotFound)
		_, _, err = l.ScanLogEvents(ctx, storage.LogScan{AccountID: acctA, Region: west, Group: "g", From: minTime, To: maxTime, Limit: 10})
		wantErr(t, "scan other region", err, storage.ErrNotFound)
		got, _ := scanAll(t, l, storage.LogScan{AccountID: acctB, Region: east, Group: "g", From: minTime, To: maxTime, Limit: 1000})
		for _, e := range got {
			if e.Stream != "app/1" {
				t.Fatalf("account B's scan returned %+v", e)
			}
		}
		if len(got) == 0 {
			t.Errorf("account B's scan found nothing")
		}
	})
}
