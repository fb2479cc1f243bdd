package logscan

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
)

// memChunks is a Source over chunks held in memory.
type memChunks struct {
	plan    *Plan
	infos   []Chunk // in the plan's order
	blobs   map[int64][]byte
	filters map[int64][]byte
	fetches []int // the number of ids of each Data call
}

func (m *memChunks) Chunks(_ context.Context, prev *Chunk, n int, probe *chunk.Probe) ([]Chunk, error) {
	i := 0
	if prev != nil {
		i = slices.IndexFunc(m.infos, func(c Chunk) bool { return c.ID == prev.ID }) + 1
	}
	var out []Chunk
	for ; i < len(m.infos) && len(out) < n; i++ {
		c := m.infos[i]
		p := m.plan
		if p.Backward && (c.MaxTime < p.Lo || c.MinTime > min(p.Hi, p.Start.Timestamp)) ||
			!p.Backward && (c.MinTime > p.Hi || c.MaxTime < max(p.Lo, p.Start.Timestamp)) {
			continue
		}
		if probe != nil {
			c.Blocks = probe.Mask(nil, m.filters[c.ID])
		}
		out = append(out, c)
	}
	return out, nil
}

func (m *memChunks) Data(_ context.Context, ids []int64) ([][]byte, error) {
	m.fetches = append(m.fetches, len(ids))
	out := make([][]byte, len(ids))
	for i, id := range ids {
		b, ok := m.blobs[id]
		if !ok {
			return nil, fmt.Errorf("no chunk %d", id)
		}
		out[i] = b
	}
	return out, nil
}

// scanCase is a random set of chunks and a random plan over them.
type scanCase struct {
	events []chunk.Event // every event, messages owned
	src    *memChunks
	plan   *Plan
}

var scanWords = []string{"alpha", "beta", "gamma", "Delta", "eps", "zeta", "eta", "theta", "x", "yy"}

func newScanCase(t testing.TB, rng *rand.Rand) *scanCase {
	sc := &scanCase{src: &memChunks{blobs: map[int64][]byte{}, filters: map[int64][]byte{}}}
	seq := int64(rng.IntN(100))
	nchunks := 1 + rng.IntN(12)
	for id := range nchunks {
		n := 1 + rng.IntN(30)
		base := int64(rng.IntN(200))
		evs := make([]chunk.Event, n)
		for i := range evs {
			var msg []byte
			for k := range 1 + rng.IntN(4) {
				if k > 0 {
					msg = append(msg, ' ')
				}
				msg = append(msg, scanWords[rng.IntN(len(scanWords))]...)
			}
			evs[i] = chunk.Event{Timestamp: base + int64(rng.IntN(40)), Seq: seq, IngestionTime: seq * 3, Message: msg}
			seq += 1 + int64(rng.IntN(3))
		}
		sc.events = append(sc.events, evs...)
		data, filter, meta, err := chunk.Encode(slices.Clone(evs))
		if err != nil {
			t.Fatal(err)
		}
		sc.src.blobs[int64(id)] = data
		sc.src.filters[int64(id)] = filter
		sc.src.infos = append(sc.src.infos, Chunk{ID: int64(id), Stream: int64(rng.IntN(3)),
			MinTime: meta.MinTime, MaxTime: meta.MaxTime, MinSeq: meta.MinSeq, MaxSeq: meta.MaxSeq,
			Count: int64(meta.Count), Raw: meta.RawBytes})
	}
	p := &Plan{Backward: rng.IntN(3) == 0, Lo: math.MinInt64, Hi: math.MaxInt64, Limit: 1 + rng.IntN(40)}
	if rng.IntN(2) == 0 {
		p.Lo = int64(rng.IntN(250))
		p.Hi = p.Lo + int64(rng.IntN(150))
	}
	if p.Backward {
		p.Start = storage.EventPos{Timestamp: p.Hi, Seq: math.MaxInt64}
	} else {
		p.Start = storage.EventPos{Timestamp: p.Lo, Seq: math.MinInt64}
	}
	if rng.IntN(2) == 0 {
		// Start at, or next to, an event.
		e := sc.events[rng.IntN(len(sc.events))]
		s := storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq + int64(rng.IntN(3)) - 1}
		if p.Backward && ComparePos(s, p.Start) < 0 || !p.Backward && ComparePos(s, p.Start) > 0 {
			p.Start = s
		}
	}
	if rng.IntN(2) == 0 {
		w := scanWords[rng.IntN(len(scanWords))]
		if rng.IntN(2) == 0 {
			w = w[:1+rng.IntN(len(w))]
		}
		p.Terms = []string{w}
		p.Match = func(m []byte) bool { return bytes.Contains(m, []byte(w)) }
	}
	if !p.Backward && rng.IntN(2) == 0 {
		p.MaxScanned = 1 + int64(rng.IntN(300))
	}
	sc.plan = p
	sc.src.plan = p
	slices.SortFunc(sc.src.infos, func(a, b Chunk) int {
		x, y := p.bound(&a), p.bound(&b)
		if p.Backward {
			return ComparePos(y, x)
		}
		return ComparePos(x, y)
	})
	return sc
}

// want is every event the plan selects, oldest first, ignoring limit and
// budget.
func (sc *scanCase) want() []storage.EventPos {
	p := sc.plan
	var out []storage.EventPos
	for _, e := range sc.events {
		pos := storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}
		if e.Timestamp < p.Lo || e.Timestamp > p.Hi || p.before(pos, p.Start) {
			continue
		}
		if p.Match != nil && !p.Match(e.Message) {
			continue
		}
		out = append(out, pos)
	}
	slices.SortFunc(out, ComparePos)
	return out
}

func positions(hits []Hit) []storage.EventPos {
	out := make([]storage.EventPos, len(hits))
	for i, h := range hits {
		out[i] = h.Pos
	}
	return out
}

// checkScan runs one random case and compares Run with the model.
func checkScan(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	sc := newScanCase(t, rng)
	p := sc.plan
	want := sc.want()
	ctx := context.Background()
	describe := func() string {
		return fmt.Sprintf("seed %d: backward=%v window [%d, %d] start %+v limit %d terms %q budget %d, %d chunks",
			seed, p.Backward, p.Lo, p.Hi, p.Start, p.Limit, p.Terms, p.MaxScanned, len(sc.src.infos))
	}
	if p.MaxScanned == 0 {
		hits, resume, err := Run(ctx, sc.src, p)
		if err != nil {
			t.Fatalf("%s: %v", describe(), err)
		}
		got := positions(hits)
		exp := want[:min(len(want), p.Limit)]
		if p.Backward {
			exp = want[max(0, len(want)-p.Limit):]
		}
		if !slices.Equal(got, exp) {
			t.Fatalf("%s:\ngot  %v\nwant %v", describe(), got, exp)
		}
		switch {
		case p.Backward && resume != nil:
			t.Fatalf("%s: a backward read resumes at %+v", describe(), *resume)
		case !p.Backward && len(want) > p.Limit && (resume == nil || *resume != exp[len(exp)-1]):
			t.Fatalf("%s: a full page resumes at %v, want %+v", describe(), resume, exp[len(exp)-1])
		case !p.Backward && len(want) < p.Limit && resume != nil:
			t.Fatalf("%s: a complete read resumes at %+v", describe(), *resume)
		}
		for _, h := range hits {
			i := slices.IndexFunc(sc.events, func(e chunk.Event) bool { return e.Timestamp == h.Pos.Timestamp && e.Seq == h.Pos.Seq })
			if e := sc.events[i]; h.Message != string(e.Message) || h.IngestionTime != e.IngestionTime {
				t.Fatalf("%s: hit %+v, event %+v", describe(), h, e)
			}
		}
		return
	}
	// With a budget, page through: the pages add up to the model.
	var got []storage.EventPos
	for calls := 0; ; calls++ {
		if calls > 1000 {
			t.Fatalf("%s: paging does not end", describe())
		}
		hits, resume, err := Run(ctx, sc.src, p)
		if err != nil {
			t.Fatalf("%s: %v", describe(), err)
		}
		if len(hits) > p.Limit {
			t.Fatalf("%s: %d hits", describe(), len(hits))
		}
		got = append(got, positions(hits)...)
		if resume == nil {
			break
		}
		next, ok := PosAfter(*resume)
		if !ok || ComparePos(next, p.Start) <= 0 {
			t.Fatalf("%s: resume %+v does not move past %+v", describe(), *resume, p.Start)
		}
		p.Start = next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\ngot  %v\nwant %v", describe(), got, want)
	}
}

func TestRunAgainstModel(t *testing.T) {
	for seed := range uint64(3000) {
		checkScan(t, seed)
	}
}

func FuzzRun(f *testing.F) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkScan(t, seed) })
}

// TestRunFetchesInBatches checks that a scan through many chunks fetches
// them several at a time, starting with one, and that its answer is the
// same as ever.
func TestRunFetchesInBatches(t *testing.T) {
	src := &memChunks{blobs: map[int64][]byte{}, filters: map[int64][]byte{}}
	const nchunks = 40
	var want []storage.EventPos
	for id := range nchunks {
		evs := []chunk.Event{{Timestamp: int64(10 * id), Seq: int64(2 * id), Message: []byte("alpha")},
			{Timestamp: int64(10*id + 5), Seq: int64(2*id + 1), Message: []byte("beta")}}
		want = append(want, storage.EventPos{Timestamp: evs[0].Timestamp, Seq: evs[0].Seq})
		data, filter, meta, err := chunk.Encode(evs)
		if err != nil {
			t.Fatal(err)
		}
		src.blobs[int64(id)], src.filters[int64(id)] = data, filter
		src.infos = append(src.infos, Chunk{ID: int64(id), MinTime: meta.MinTime, MaxTime: meta.MaxTime,
			MinSeq: meta.MinSeq, MaxSeq: meta.MaxSeq, Count: int64(meta.Count), Raw: meta.RawBytes})
	}
	src.plan = &Plan{Lo: math.MinInt64, Hi: math.MaxInt64, Start: storage.EventPos{Timestamp: math.MinInt64, Seq: math.MinInt64},
		Limit: 1000, Terms: []string{"alpha"}, Match: func(m []byte) bool { return bytes.Contains(m, []byte("alpha")) }}
	hits, resume, err := Run(context.Background(), src, src.plan)
	if err != nil {
		t.Fatal(err)
	}
	if got := positions(hits); !slices.Equal(got, want) || resume != nil {
		t.Fatalf("got %v, resume %v; want %v", got, resume, want)
	}
	// The calls ask for 1, 2, 4... up to maxFetchBatch chunks.
	f := src.fetches
	sum := 0
	for _, n := range f {
		sum += n
		if n < 1 || n > maxFetchBatch {
			t.Errorf("a Data call asks for %d chunks: %v", n, f)
		}
	}
	switch {
	case sum != nchunks:
		t.Errorf("Data calls ask for %d chunks, want each of the %d once: %v", sum, nchunks, f)
	case f[0] != 1:
		t.Errorf("the first Data call asks for %d chunks, want 1: %v", f[0], f)
	case len(f) > nchunks/maxFetchBatch+4:
		t.Errorf("%d Data calls for %d chunks, want batches of up to %d: %v", len(f), nchunks, maxFetchBatch, f)
	}

	// A chunk the source cannot find ends the read with its error.
	delete(src.blobs, 17)
	if _, _, err := Run(context.Background(), src, src.plan); err == nil || !strings.Contains(err.Error(), "no chunk 17") {
		t.Fatalf("a missing chunk gives error %v", err)
	}
}
