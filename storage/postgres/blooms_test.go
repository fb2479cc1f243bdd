package postgres

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage"
)

// inFreshSchema returns the URL of a new schema of the test database,
// dropped when t ends.
func inFreshSchema(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	base := testenv.Postgres(t)
	name = fmt.Sprintf("%s_%d", name, time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// wordyEvents returns n events of random words, about 2.5 MB of them: so
// many distinct trigrams that each block's Bloom filter takes several
// log_chunk_blooms rows, and a chunk several blocks.
func wordyEvents(r *rand.Rand, n int, seq int64) []trailwatch.LogEvent {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789ABCXYZ"
	evs := make([]trailwatch.LogEvent, n)
	for i := range evs {
		var sb strings.Builder
		for w := range 20 {
			if w > 0 {
				sb.WriteByte(' ')
			}
			for range 3 + r.IntN(8) {
				sb.WriteByte(letters[r.IntN(len(letters))])
			}
		}
		evs[i] = trailwatch.LogEvent{Timestamp: 1_700_000_000_000 + int64(i), Seq: seq + int64(i), Message: sb.String()}
	}
	return evs
}

// checkTermScans runs ScanLogEvents for terms drawn from evs, and for
// terms in none of them, and compares each answer with evs filtered in
// memory.
func checkTermScans(t *testing.T, l storage.Logs, group string, evs []trailwatch.LogEvent, r *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	for i := range 40 {
		msg := evs[r.IntN(len(evs))].Message
		start := r.IntN(len(msg) - 6)
		terms := []string{msg[start : start+3+r.IntN(4)]}
		if i%4 == 0 {
			terms = append(terms, "#~"+terms[0]) // in no message
		}
		if i%4 == 1 {
			other := evs[r.IntN(len(evs))].Message
			terms = append(terms, other[:4])
		}
		match := func(m []byte) bool {
			for _, term := range terms {
				if !bytes.Contains(m, []byte(term)) {
					return false
				}
			}
			return true
		}
		var want []int64
		for _, e := range evs {
			if match([]byte(e.Message)) {
				want = append(want, e.Seq)
			}
		}
		got, _, err := l.ScanLogEvents(ctx, storage.LogScan{AccountID: "111111111111", Region: "us-east-1", Group: group,
			From: math.MinInt64, To: math.MaxInt64, Terms: terms, Match: match, Limit: len(evs) + 1})
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		slices.Sort(seqs)
		if !slices.Equal(seqs, want) {
			t.Fatalf("terms %q: got %d events, want %d", terms, len(seqs), len(want))
		}
	}
}

// TestScanManyPartBlooms stores chunks whose blocks' Bloom filters span
// several rows, and checks that term scans are exact, before and after
// compaction merges them.
func TestScanManyPartBlooms(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, inFreshSchema(t, "blooms"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := db.Logs()
	if err := l.CreateLogGroup(ctx, trailwatch.LogGroup{AccountID: "111111111111", Region: "us-east-1", Name: "g", Class: "STANDARD"}); err != nil {
		t.Fatal(err)
	}
	if err := l.CreateLogStream(ctx, "111111111111", "us-east-1", "g", trailwatch.LogStream{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var all []trailwatch.LogEvent
	// Eight batches: compaction merges them into chunks of several
	// blocks (chunk.Merge).
	for range 8 {
		evs := wordyEvents(r, 3000, 0)
		for i := range evs {
			evs[i].Timestamp += int64(len(all))
		}
		out, err := l.PutLogEvents(ctx, "111111111111", "us-east-1", "g", "s", 1, evs)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out...)
	}
	var parts int
	if err := db.pool.QueryRow(ctx, `SELECT max(part) + 1 FROM log_chunk_blooms`).Scan(&parts); err != nil || parts < 3 {
		t.Fatalf("the blooms are %d rows a block at most (%v): the test covers nothing", parts, err)
	}
	checkTermScans(t, l, "g", all, r)
	if n, err := l.CompactLogEvents(ctx, 10); err != nil || n == 0 {
		t.Fatalf("compaction removed %d chunks, %v", n, err)
	}
	var blocks int
	if err := db.pool.QueryRow(ctx, `SELECT max(block) + 1 FROM log_chunk_blooms`).Scan(&blocks); err != nil || blocks < 2 {
		t.Fatalf("merged chunks have %d blocks (%v): want several", blocks, err)
	}
	checkTermScans(t, l, "g", all, r)
}

// TestMigrateLogBlooms stores chunks with their filters in log_chunks, as
// schema version 10 did, opens the database with the current schema, and
// checks that the filters were split into exactly the rows a chunk
// stored now gets, and that term scans find what they should.
func TestMigrateLogBlooms(t *testing.T) {
	ctx := context.Background()
	dbURL := inFreshSchema(t, "migrate_blooms")
	current := migrations
	migrations = migrations[:10]
	old, err := Open(ctx, dbURL)
	migrations = current
	if err != nil {
		t.Fatal(err)
	}
	l := old.Logs()
	if err := l.CreateLogGroup(ctx, trailwatch.LogGroup{AccountID: "111111111111", Region: "us-east-1", Name: "g", Class: "STANDARD"}); err != nil {
		t.Fatal(err)
	}
	if err := l.CreateLogStream(ctx, "111111111111", "us-east-1", "g", trailwatch.LogStream{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var (
		all     []trailwatch.LogEvent
		filters = map[int64][]byte{}
	)
	for k, n := range []int{9000, 40, 1, 500} {
		evs := wordyEvents(r, n, int64(len(all)))
		for i := range evs {
			evs[i].Timestamp += int64(len(all))
		}
		if k == 2 {
			evs[0].Message = "ab" // no trigram: a block with an empty Bloom filter
		}
		cevs := make([]chunk.Event, len(evs))
		for i, e := range evs {
			cevs[i] = chunk.Event{Timestamp: e.Timestamp, Seq: e.Seq, IngestionTime: 1, Message: []byte(e.Message)}
		}
		data, filter, meta, err := chunk.Encode(cevs)
		if err != nil {
			t.Fatal(err)
		}
		if k == 3 {
			filter = []byte{2, 9, 9} // malformed: read as "any block may match"
		}
		var id int64
		if err := old.pool.QueryRow(ctx, `INSERT INTO log_chunks (group_id, stream_id, min_ts, max_ts, min_seq, max_seq,
			count, raw_bytes, stored_bytes, filter, data)
			SELECT g.id, s.id, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM log_groups AS g JOIN log_streams AS s ON s.group_id = g.id
			RETURNING id`, meta.MinTime, meta.MaxTime, meta.MinSeq, meta.MaxSeq, meta.Count, meta.RawBytes,
			len(data)+len(filter), filter, data).Scan(&id); err != nil {
			t.Fatal(err)
		}
		filters[id] = filter
		for _, e := range evs {
			e.Stream, e.IngestionTime = "s", 1
			all = append(all, e)
		}
	}
	old.Close()

	db, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, filter := range filters {
		rows, err := db.pool.Query(ctx, `SELECT block, part, units, bits FROM log_chunk_blooms WHERE chunk_id = $1 ORDER BY block, part`, id)
		if err != nil {
			t.Fatal(err)
		}
		var got bloomRows
		for rows.Next() {
			var b, p, u int32
			var bits []byte
			if err := rows.Scan(&b, &p, &u, &bits); err != nil {
				t.Fatal(err)
			}
			got.blocks, got.parts, got.units, got.bits = append(got.blocks, b), append(got.parts, p), append(got.units, u), append(got.bits, bits)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if _, ok := chunk.BlockBlooms(filter); !ok {
			if len(got.blocks) != 0 {
				t.Errorf("chunk %d, malformed filter: %d rows", id, len(got.blocks))
			}
			continue
		}
		want := splitBlooms(filter)
		if !slices.Equal(got.blocks, want.blocks) || !slices.Equal(got.parts, want.parts) || !slices.Equal(got.units, want.units) ||
			!slices.EqualFunc(got.bits, want.bits, func(a, b []byte) bool { return bytes.Equal(a, b) }) {
			t.Errorf("chunk %d: the migration wrote blocks %v parts %v units %v, splitBlooms %v %v %v",
				id, got.blocks, got.parts, got.units, want.blocks, want.parts, want.units)
		}
	}
	checkTermScans(t, db.Logs(), "g", all, r)
}
