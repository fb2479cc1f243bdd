package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
)

// memChunks is a chunkSource over chunks held in memory.
type memChunks struct {
	plan  *scanPlan
	infos []chunkInfo // in the plan's order
	blobs map[int64][]byte
}

func (m *memChunks) chunks(_ context.Context, prev *chunkInfo, n int, withFilter bool) ([]chunkInfo, error) {
	i := 0
	if prev != nil {
		i = slices.IndexFunc(m.infos, func(c chunkInfo) bool { return c.id == prev.id }) + 1
	}
	var out []chunkInfo
	for ; i < len(m.infos) && len(out) < n; i++ {
		c := m.infos[i]
		p := m.plan
		if p.backward && (c.maxTime < p.lo || c.minTime > min(p.hi, p.start.Timestamp)) ||
			!p.backward && (c.minTime > p.hi || c.maxTime < max(p.lo, p.start.Timestamp)) {
			continue
		}
		if !withFilter {
			c.filter = nil
		}
		out = append(out, c)
	}
	return out, nil
}

func (m *memChunks) data(_ context.Context, id int64) ([]byte, error) { return m.blobs[id], nil }

// scanCase is a random set of chunks and a random plan over them.
type scanCase struct {
	events []chunk.Event // every event, messages owned
	src    *memChunks
	plan   *scanPlan
}

var scanWords = []string{"alpha", "beta", "gamma", "Delta", "eps", "zeta", "eta", "theta", "x", "yy"}

func newScanCase(t testing.TB, rng *rand.Rand) *scanCase {
	sc := &scanCase{src: &memChunks{blobs: map[int64][]byte{}}}
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
		sc.src.infos = append(sc.src.infos, chunkInfo{id: int64(id), stream: int64(rng.IntN(3)),
			minTime: meta.MinTime, maxTime: meta.MaxTime, minSeq: meta.MinSeq, maxSeq: meta.MaxSeq,
			count: int64(meta.Count), raw: meta.RawBytes, filter: filter})
	}
	p := &scanPlan{backward: rng.IntN(3) == 0, lo: math.MinInt64, hi: math.MaxInt64, limit: 1 + rng.IntN(40)}
	if rng.IntN(2) == 0 {
		p.lo = int64(rng.IntN(250))
		p.hi = p.lo + int64(rng.IntN(150))
	}
	if p.backward {
		p.start = storage.EventPos{Timestamp: p.hi, Seq: math.MaxInt64}
	} else {
		p.start = storage.EventPos{Timestamp: p.lo, Seq: math.MinInt64}
	}
	if rng.IntN(2) == 0 {
		// Start at, or next to, an event.
		e := sc.events[rng.IntN(len(sc.events))]
		s := storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq + int64(rng.IntN(3)) - 1}
		if p.backward && cmpPos(s, p.start) < 0 || !p.backward && cmpPos(s, p.start) > 0 {
			p.start = s
		}
	}
	if rng.IntN(2) == 0 {
		w := scanWords[rng.IntN(len(scanWords))]
		if rng.IntN(2) == 0 {
			w = w[:1+rng.IntN(len(w))]
		}
		p.terms = []string{w}
		p.match = func(m []byte) bool { return bytes.Contains(m, []byte(w)) }
	}
	if !p.backward && rng.IntN(2) == 0 {
		p.maxScanned = 1 + int64(rng.IntN(300))
	}
	sc.plan = p
	sc.src.plan = p
	slices.SortFunc(sc.src.infos, func(a, b chunkInfo) int {
		x, y := p.bound(&a), p.bound(&b)
		if p.backward {
			return cmpPos(y, x)
		}
		return cmpPos(x, y)
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
		if e.Timestamp < p.lo || e.Timestamp > p.hi || p.before(pos, p.start) {
			continue
		}
		if p.match != nil && !p.match(e.Message) {
			continue
		}
		out = append(out, pos)
	}
	slices.SortFunc(out, cmpPos)
	return out
}

func positions(hits []hit) []storage.EventPos {
	out := make([]storage.EventPos, len(hits))
	for i, h := range hits {
		out[i] = h.pos
	}
	return out
}

// checkScan runs one random case and compares runScan with the model.
func checkScan(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	sc := newScanCase(t, rng)
	p := sc.plan
	want := sc.want()
	ctx := context.Background()
	describe := func() string {
		return fmt.Sprintf("seed %d: backward=%v window [%d, %d] start %+v limit %d terms %q budget %d, %d chunks",
			seed, p.backward, p.lo, p.hi, p.start, p.limit, p.terms, p.maxScanned, len(sc.src.infos))
	}
	if p.maxScanned == 0 {
		hits, resume, err := runScan(ctx, sc.src, p)
		if err != nil {
			t.Fatalf("%s: %v", describe(), err)
		}
		got := positions(hits)
		exp := want[:min(len(want), p.limit)]
		if p.backward {
			exp = want[max(0, len(want)-p.limit):]
		}
		if !slices.Equal(got, exp) {
			t.Fatalf("%s:\ngot  %v\nwant %v", describe(), got, exp)
		}
		switch {
		case p.backward && resume != nil:
			t.Fatalf("%s: a backward read resumes at %+v", describe(), *resume)
		case !p.backward && len(want) > p.limit && (resume == nil || *resume != exp[len(exp)-1]):
			t.Fatalf("%s: a full page resumes at %v, want %+v", describe(), resume, exp[len(exp)-1])
		case !p.backward && len(want) < p.limit && resume != nil:
			t.Fatalf("%s: a complete read resumes at %+v", describe(), *resume)
		}
		for _, h := range hits {
			i := slices.IndexFunc(sc.events, func(e chunk.Event) bool { return e.Timestamp == h.pos.Timestamp && e.Seq == h.pos.Seq })
			if e := sc.events[i]; h.message != string(e.Message) || h.ingestionTime != e.IngestionTime {
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
		hits, resume, err := runScan(ctx, sc.src, p)
		if err != nil {
			t.Fatalf("%s: %v", describe(), err)
		}
		if len(hits) > p.limit {
			t.Fatalf("%s: %d hits", describe(), len(hits))
		}
		got = append(got, positions(hits)...)
		if resume == nil {
			break
		}
		next, ok := posAfter(*resume)
		if !ok || cmpPos(next, p.start) <= 0 {
			t.Fatalf("%s: resume %+v does not move past %+v", describe(), *resume, p.start)
		}
		p.start = next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\ngot  %v\nwant %v", describe(), got, want)
	}
}

func TestRunScanAgainstModel(t *testing.T) {
	for seed := range uint64(3000) {
		checkScan(t, seed)
	}
}

func FuzzRunScan(f *testing.F) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkScan(t, seed) })
}

func TestCompactRuns(t *testing.T) {
	mb := int64(1 << 20)
	for _, tc := range []struct {
		name string
		raw  []int64
		want [][]int64 // ids of the runs
	}{
		{"nothing", nil, nil},
		{"one", []int64{1}, nil},
		{"pairs", []int64{2 * mb, 2 * mb, 2 * mb, 2 * mb}, [][]int64{{0, 1}, {2, 3}}},
		{"many small", []int64{1, 1, 1, 1}, [][]int64{{0, 1, 2, 3}}},
		{"up to the target", []int64{3 * mb, mb, 1}, [][]int64{{0, 1}}},
		{"a big one in between", []int64{1, 1, 5 * mb, 1, 1}, [][]int64{{0, 1}, {3, 4}}},
		{"a big one alone", []int64{1, 4 * mb, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs []compactChunk
			for i, r := range tc.raw {
				cs = append(cs, compactChunk{id: int64(i), raw: r})
			}
			var got [][]int64
			for _, run := range compactRuns(cs) {
				var ids []int64
				for _, c := range run {
					ids = append(ids, c.id)
				}
				got = append(got, ids)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("runs %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"app/", "app0", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"caf\u00e9", "caf\u00ea", true},
		{"x\ud7ff", "x\ue000", true},
		{"a\xff", "b", true},
		{"a\xc3", "a\xc4", true},
	} {
		end, ok := prefixEnd(tc.prefix)
		if end != tc.end || ok != tc.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
		}
		if ok && cmp.Compare(tc.prefix+"\U0010FFFF\U0010FFFF", end) >= 0 && tc.prefix[len(tc.prefix)-1] < 0x80 {
			t.Errorf("prefixEnd(%q) = %q is not above the prefix's extensions", tc.prefix, end)
		}
	}
}

// TestSharedWithPostgres checks that the files the two backends share
// verbatim (the chunk engine and the Seq gates) have not drifted apart:
// only the package clause may differ.
func TestSharedWithPostgres(t *testing.T) {
	for _, name := range []string{"logscan.go", "seqgate.go"} {
		mine, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(filepath.Join("..", "postgres", name))
		if err != nil {
			t.Fatal(err)
		}
		theirs = bytes.Replace(theirs, []byte("package postgres\n"), []byte("package sqlite\n"), 1)
		if !bytes.Equal(mine, theirs) {
			t.Errorf("%s differs between storage/sqlite and storage/postgres", name)
		}
	}
}
