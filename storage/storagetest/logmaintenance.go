package storagetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

const dayMillis = 24 * 60 * 60 * 1000

func testLogRetention(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	now := int64(logT0 + 100*dayMillis)
	for _, g := range []struct {
		name string
		days int32
	}{{"one-day", 1}, {"week", 7}, {"forever", 0}} {
		mustGroup(t, l, acctA, east, g.name)
		mustStream(t, l, acctA, east, g.name, "s")
		mustStream(t, l, acctA, east, g.name, "t")
		if g.days > 0 {
			must(t, "set retention", l.UpdateLogGroup(ctx, acctA, east, g.name, func(lg *trailwatch.LogGroup) error {
				lg.RetentionDays = g.days
				return nil
			}))
		}
	}
	ts := func(daysAgo float64) int { return int(now - int64(daysAgo*dayMillis)) }

	// one-day: 70 expired chunks (more than one deletion batch), one
	// chunk that straddles the cutoff, recent ones; in two streams.
	expired := 0
	for i := range 70 {
		s := []string{"s", "t"}[i%2]
		putEvents(t, l, acctA, east, "one-day", s, 1, ts(3)+i, fmt.Sprintf("old %d", i), ts(1.5), "old too")
		expired += 2
	}
	keep := putEvents(t, l, acctA, east, "one-day", "s", 1, ts(5), "older than retention, in a live chunk", ts(0.5), "live")
	keep = append(keep, putEvents(t, l, acctA, east, "one-day", "t", 1, ts(0.1), "new")...)
	// week: three days old is within its retention.
	weekly := putEvents(t, l, acctA, east, "week", "s", 1, ts(3), "three days old")
	// forever: never expires.
	ancient := putEvents(t, l, acctA, east, "forever", "s", 1, ts(1000), "ancient")

	n, err := l.DeleteExpiredLogEvents(ctx, now)
	must(t, "delete expired", err)
	diff(t, "events removed", int64(expired), n)

	scanGroup := func(group string) []trailwatch.LogEvent {
		got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: group, From: minTime, To: maxTime, Limit: 1000})
		return got
	}
	diff(t, "one-day events left", sortEvents(keep), scanGroup("one-day"))
	diff(t, "week events left", weekly, scanGroup("week"))
	diff(t, "forever events left", ancient, scanGroup("forever"))
	g, err := l.GetLogGroup(ctx, acctA, east, "one-day")
	must(t, "get group", err)
	raw := int64(0)
	for _, e := range keep {
		raw += int64(len(e.Message))
	}
	diff(t, "RawBytes after retention", raw, g.RawBytes)
	if g.StoredBytes <= 0 || g.StoredBytes > 1000 {
		t.Errorf("StoredBytes = %d for two small chunks", g.StoredBytes)
	}

	n, err = l.DeleteExpiredLogEvents(ctx, now)
	must(t, "delete expired again", err)
	diff(t, "events removed the second time", int64(0), n)
	// Shortening the retention expires more.
	must(t, "set retention", l.UpdateLogGroup(ctx, acctA, east, "week", func(lg *trailwatch.LogGroup) error {
		lg.RetentionDays = 1
		return nil
	}))
	n, err = l.DeleteExpiredLogEvents(ctx, now)
	must(t, "delete expired after shortening", err)
	diff(t, "events removed after shortening", int64(1), n)
	g, err = l.GetLogGroup(ctx, acctA, east, "week")
	must(t, "get group", err)
	diff(t, "bytes of an emptied group", [2]int64{0, 0}, [2]int64{g.StoredBytes, g.RawBytes})
}

func testLogCompaction(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	f := newLogFixture(t, l, acctA, 6, []string{"s", "t", "u"}, 90)
	// A big batch compaction leaves alone, between small ones.
	big := make([]trailwatch.LogEvent, 10)
	for i := range big {
		big[i] = trailwatch.LogEvent{Timestamp: logT0 + 500 + int64(i), Message: strings.Repeat(fmt.Sprint(i), 500_000)}
	}
	f.events = append(f.events, putBatch(t, l, acctA, east, "g", "s", 1, big)...)
	f.events = append(f.events, putEvents(t, l, acctA, east, "g", "s", 2, logT0+900, "after the big one")...)
	before, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)

	removed := 0
	for i := 0; ; i++ {
		n, err := l.CompactLogEvents(ctx, 2)
		must(t, "compact", err)
		if n == 0 {
			break
		}
		removed += n
		if i > 100 {
			t.Fatalf("compaction does not settle")
		}
	}
	if removed < 50 {
		t.Errorf("compaction removed only %d of about 90 small chunks", removed)
	}
	n, err := l.CompactLogEvents(ctx, 10)
	must(t, "compact again", err)
	diff(t, "chunks removed by a settled compaction", 0, n)

	after, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	diff(t, "RawBytes after compaction", before.RawBytes, after.RawBytes)
	if after.StoredBytes <= 0 || after.StoredBytes >= before.StoredBytes {
		t.Errorf("StoredBytes went from %d to %d: merging small chunks should save space", before.StoredBytes, after.StoredBytes)
	}
	for _, s := range f.streams {
		want := f.of(func(e trailwatch.LogEvent) bool { return e.Stream == s })
		for _, backward := range []bool{false, true} {
			q := streamRead(acctA, east, "g", s)
			q.Backward = backward
			diff(t, fmt.Sprintf("stream %s after compaction, backward=%v", s, backward), want, readAll(t, l, q, 9))
		}
	}
	got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: minTime, To: maxTime, Limit: 13})
	diff(t, "group after compaction", f.of(func(trailwatch.LogEvent) bool { return true }), got)
	for _, term := range []string{"needle", "Müller", "absent"} {
		got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: minTime, To: maxTime,
			Limit: 1000, Terms: []string{term}, Match: containsAll(term)})
		diff(t, term+" after compaction", f.of(func(e trailwatch.LogEvent) bool { return strings.Contains(e.Message, term) }), got)
	}
	// New batches still come after everything compacted.
	maxSeq := int64(0)
	for _, e := range f.events {
		maxSeq = max(maxSeq, e.Seq)
	}
	more := putEvents(t, l, acctA, east, "g", "t", 3, logT0, "later")
	if more[0].Seq <= maxSeq {
		t.Errorf("a batch after compaction got seq %d, not after %d", more[0].Seq, maxSeq)
	}
}

func testLogsDurability(t *testing.T, h *harness) {
	t.Parallel()
	name := h.newName()
	s, closeNow := h.openNamed(t, name)
	l := s.Logs()
	g := mustGroup(t, l, acctA, east, "g")
	st := mustStream(t, l, acctA, east, "g", "s")
	mf := metricFilter("g", "f")
	must(t, "put filter", l.PutMetricFilter(ctx, acctA, east, mf, 10))
	rng := rand.New(rand.NewPCG(9, 9))
	var events []trailwatch.LogEvent
	for i := range 5 {
		events = append(events, putBatch(t, l, acctA, east, "g", "s", int64(100+i), randomBatch(rng, 20, logT0, 100))...)
	}
	before, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	closeNow()

	s, _ = h.openNamed(t, name)
	l = s.Logs()
	got, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	diff(t, "group", before, got)
	if got.CreatedAt != g.CreatedAt && !got.CreatedAt.Equal(g.CreatedAt) {
		t.Errorf("CreatedAt %v, want %v", got.CreatedAt, g.CreatedAt)
	}
	gotStream, err := l.GetLogStream(ctx, acctA, east, "g", "s")
	must(t, "get stream", err)
	diff(t, "stream name", st.Name, gotStream.Name)
	diff(t, "stream last ingestion", int64(104), gotStream.LastIngestionTime)
	fs, err := l.ListMetricFilters(ctx, storage.MetricFilterQuery{AccountID: acctA, Region: east, Limit: 10})
	must(t, "list filters", err)
	diff(t, "filters", []trailwatch.MetricFilter{mf}, fs)
	diff(t, "events", sortEvents(events), readAll(t, l, streamRead(acctA, east, "g", "s"), 1000))
	// Seqs continue past the ones before the restart.
	maxSeq := int64(0)
	for _, e := range events {
		maxSeq = max(maxSeq, e.Seq)
	}
	more := putEvents(t, l, acctA, east, "g", "s", 200, logT0, "after restart")
	if more[0].Seq <= maxSeq {
		t.Errorf("the first batch after a restart got seq %d, not after %d", more[0].Seq, maxSeq)
	}
}

func testLogsConcurrentPut(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	const (
		writers = 8
		batches = 12
		size    = 30
	)
	mustGroup(t, l, acctA, east, "one")
	mustStream(t, l, acctA, east, "one", "s")
	mustGroup(t, l, acctA, east, "many")
	for w := range writers {
		mustStream(t, l, acctA, east, "many", fmt.Sprint("s", w))
	}

	// Each writer puts its batches in turn, to the shared stream of
	// "one" and to its own stream of "many", and keeps what it got back.
	stored := make([][][]trailwatch.LogEvent, writers) // writer → batch → events, both groups
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				for _, dst := range [][2]string{{"one", "s"}, {"many", fmt.Sprint("s", w)}} {
					evs := make([]trailwatch.LogEvent, size)
					for i := range evs {
						// Timestamps collide across writers, so that
						// order rests on Seq.
						evs[i] = trailwatch.LogEvent{Timestamp: logT0 + int64(b*10+i%7), Message: fmt.Sprintf("%s w%d b%d e%d", dst[0], w, b, i)}
					}
					got, err := l.PutLogEvents(ctx, acctA, east, dst[0], dst[1], int64(b), evs)
					if err != nil {
						errs <- err
						return
					}
					stored[w] = append(stored[w], got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent put: %v", err)
	}

	var one, many []trailwatch.LogEvent
	for w := range writers {
		// A writer's later batches come after its earlier ones in each
		// group.
		last := map[string]int64{}
		for _, batch := range stored[w] {
			g := strings.Fields(batch[0].Message)[0]
			if prev, ok := last[g]; ok && batch[0].Seq <= prev {
				t.Errorf("writer %d: a batch in %s got seq %d after one that got %d", w, g, batch[0].Seq, prev)
			}
			last[g] = batch[len(batch)-1].Seq
			if g == "one" {
				one = append(one, batch...)
			} else {
				many = append(many, batch...)
			}
		}
	}
	for _, tc := range []struct {
		group  string
		events []trailwatch.LogEvent
	}{{"one", one}, {"many", many}} {
		seqs := map[int64]bool{}
		for _, e := range tc.events {
			if seqs[e.Seq] {
				t.Fatalf("seq %d given twice in group %s", e.Seq, tc.group)
			}
			seqs[e.Seq] = true
		}
		got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: tc.group, From: minTime, To: maxTime, Limit: 500})
		diff(t, "events of "+tc.group, sortEvents(tc.events), got)
		if len(got) != writers*batches*size {
			t.Errorf("group %s holds %d events, want %d", tc.group, len(got), writers*batches*size)
		}
	}
	got := readAll(t, l, streamRead(acctA, east, "one", "s"), 77)
	diff(t, "the shared stream", sortEvents(one), got)
	for w := range writers {
		s := fmt.Sprint("s", w)
		want := slices.DeleteFunc(slices.Clone(many), func(e trailwatch.LogEvent) bool { return e.Stream != s })
		diff(t, "stream "+s, sortEvents(want), readAll(t, l, streamRead(acctA, east, "many", s), 100))
	}
}

// Compaction of batches big enough that the merged chunks hold several
// blocks: every event once, in order, readable both ways and found by a
// term search; the backlog counts the streams left to merge and falls
// to zero.
func testLogCompactionBlocks(t *testing.T, h *harness) {
	t.Parallel()
	l := h.store(t).Logs()
	mustGroup(t, l, acctA, east, "g")
	streams := []string{"s", "t"}
	for _, s := range streams {
		mustStream(t, l, acctA, east, "g", s)
	}
	backlog := func(want int) {
		t.Helper()
		n, err := l.LogCompactionBacklog(ctx)
		must(t, "compaction backlog", err)
		diff(t, "streams with chunks to merge", want, n)
	}
	backlog(0)
	// Eight batches of about 600 KB per stream, timestamps interleaved
	// between batches so that merging must reorder; the needles lie in
	// the first and the last batch.
	var all []trailwatch.LogEvent
	for b := range 8 {
		for _, s := range streams {
			evs := make([]trailwatch.LogEvent, 3000)
			for i := range evs {
				msg := fmt.Sprintf("%s batch %d event %d %s", s, b, i, strings.Repeat(fmt.Sprintf("%x ", (b*7919+i)*104729), 20))
				if i == 1234 && (b == 0 || b == 7) {
					msg += " needle"
				}
				evs[i] = trailwatch.LogEvent{Timestamp: logT0 + int64(i)*8 + int64(b), Message: msg}
			}
			all = append(all, putBatch(t, l, acctA, east, "g", s, int64(b), evs)...)
		}
	}
	backlog(len(streams))
	before, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	for i := 0; ; i++ {
		n, err := l.CompactLogEvents(ctx, 1)
		must(t, "compact", err)
		if n == 0 {
			break
		}
		if i > 20 {
			t.Fatalf("compaction does not settle")
		}
	}
	backlog(0)
	after, err := l.GetLogGroup(ctx, acctA, east, "g")
	must(t, "get group", err)
	diff(t, "RawBytes after compaction", before.RawBytes, after.RawBytes)
	if after.StoredBytes >= before.StoredBytes {
		t.Errorf("StoredBytes went from %d to %d: merging should save space", before.StoredBytes, after.StoredBytes)
	}
	all = sortEvents(all)
	for _, s := range streams {
		var want []trailwatch.LogEvent
		for _, e := range all {
			if e.Stream == s {
				want = append(want, e)
			}
		}
		for _, backward := range []bool{false, true} {
			q := streamRead(acctA, east, "g", s)
			q.Backward = backward
			diff(t, fmt.Sprintf("stream %s after compaction, backward=%v", s, backward), want, readAll(t, l, q, 5000))
		}
	}
	got, _ := scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: minTime, To: maxTime, Limit: 10000})
	diff(t, "group after compaction", all, got)
	var needles []trailwatch.LogEvent
	for _, e := range all {
		if strings.Contains(e.Message, "needle") {
			needles = append(needles, e)
		}
	}
	got, _ = scanAll(t, l, storage.LogScan{AccountID: acctA, Region: east, Group: "g", From: minTime, To: maxTime,
		Limit: 1000, Terms: []string{"needle"}, Match: containsAll("needle")})
	diff(t, "needles after compaction", needles, got)
}
