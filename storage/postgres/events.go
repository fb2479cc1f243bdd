package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/eventindex"
)

type events struct{ db *DB }

// deletePostings bounds how many postings one DeleteEventsBefore
// transaction changes, so no transaction holds many row locks for long.
const deletePostings = 1000

// mergeEvents is how many events event_pending may hold before a
// PutEvents merges it (DB.mergeEvents, which tests lower). Lookups read every pending segment, so it bounds
// their extra work; the merge writes about one posting per index value
// and bucket for all of them, so larger is cheaper to store.
const mergeEvents = 2048

func (s events) PutEvents(ctx context.Context, evs []trailwatch.Event) error {
	if len(evs) == 0 {
		return nil
	}
	keys := map[eventindex.Key]int64{}
	rows, err := eventindex.Rows(evs, keys)
	if err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	if err := s.db.indexIDs(ctx, keys); err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	groups := eventindex.ChunkRows(rows)
	// Chunk ids come first: the segment names records by seq, which the
	// ids make. The sequence is outside any transaction, so ids a failed
	// put took are simply never used.
	idRows, err := s.db.pool.Query(ctx, `SELECT nextval('event_chunks_id_seq') FROM generate_series(1, $1::int) ORDER BY 1`, len(groups))
	if err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	ids, err := pgx.CollectRows(idRows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	seqs := make([]int64, 0, len(rows))
	maxTimes := make([]int64, len(groups))
	data := make([][]byte, len(groups))
	for k, g := range groups {
		for i := range g {
			seqs = append(seqs, eventindex.Seq(ids[k], i))
		}
		data[k], maxTimes[k] = eventindex.ChunkOf(g)
	}
	seg := eventindex.NewSegment(rows, seqs, keys)
	// One statement, so one transaction: the chunks and the segment that
	// indexes them are stored together or not at all.
	if _, err := s.db.pool.Exec(ctx, `WITH chunks AS (
			INSERT INTO event_chunks (id, max_time, data) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])
		)
		INSERT INTO event_pending (events, data) VALUES ($4, $5)`,
		ids, maxTimes, data, len(rows), seg.Encode()); err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	// The batch is stored; merging is housekeeping. A merge that fails
	// leaves the segments pending for the next one, so its error is not
	// the put's.
	if s.db.pendingEvents.Add(int64(len(rows))) >= s.db.mergeEvents {
		if err := s.merge(ctx); err == nil {
			s.db.pendingEvents.Store(0)
		}
	}
	return nil
}

// merge moves every pending segment into event_postings and event_ids.
// DELETE … RETURNING claims the segments: a merge on another node that
// reaches the same rows waits for this one and then finds them gone.
func (s events) merge(ctx context.Context) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM event_pending RETURNING data`)
		if err != nil {
			return err
		}
		var segs []eventindex.Segment
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				rows.Close()
				return err
			}
			seg, err := eventindex.DecodeSegment(data)
			if err != nil {
				rows.Close()
				return err
			}
			segs = append(segs, seg)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(segs) == 0 {
			return nil
		}
		m := eventindex.Merge(segs)
		postings := make([][]any, len(m.Postings))
		for i, p := range m.Postings {
			postings[i] = []any{p.Ix, p.Value, p.MaxTime, p.FirstSeq, p.MinTime, p.Entries}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"event_postings"},
			[]string{"ix", "value", "max_time", "first_seq", "min_time", "entries"}, pgx.CopyFromRows(postings)); err != nil {
			return fmt.Errorf("copy postings: %w", err)
		}
		idRows := make([][]any, len(m.IDs))
		for i, e := range m.IDs {
			idRows[i] = []any{e.EventID, e.Seq, e.Ix, e.Time}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"event_ids"},
			[]string{"event_id", "seq", "ix", "time"}, pgx.CopyFromRows(idRows)); err != nil {
			return fmt.Errorf("copy event ids: %w", err)
		}
		return nil
	})
}

// indexIDs fills in the id of every key, creating event_indexes rows that do
// not exist yet. Creation commits on its own, before the events that need
// it: an index row without events is harmless, and another node creating
// the same row at the same time waits for ours and then finds it.
func (db *DB) indexIDs(ctx context.Context, keys map[eventindex.Key]int64) error {
	var missing []eventindex.Key
	db.ixMu.Lock()
	for k := range keys {
		if id, ok := db.ix[k]; ok {
			keys[k] = id
		} else {
			missing = append(missing, k)
		}
	}
	db.ixMu.Unlock()
	for _, k := range missing {
		if _, err := db.pool.Exec(ctx, `INSERT INTO event_indexes (account_id, region, category, attr_key)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, k.Account, k.Region, k.Category, k.Attr); err != nil {
			return fmt.Errorf("create event index: %w", err)
		}
		id, ok, err := db.indexID(ctx, k)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("create event index: %+v vanished", k)
		}
		keys[k] = id
	}
	return nil
}

// indexID finds an existing index; ok is false if no event was ever stored
// under k.
func (db *DB) indexID(ctx context.Context, k eventindex.Key) (id int64, ok bool, err error) {
	db.ixMu.Lock()
	id, ok = db.ix[k]
	db.ixMu.Unlock()
	if ok {
		return id, true, nil
	}
	err = db.pool.QueryRow(ctx, `SELECT id FROM event_indexes
		WHERE account_id = $1 AND region = $2 AND category = $3 AND attr_key = $4`,
		k.Account, k.Region, k.Category, k.Attr).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find event index: %w", err)
	}
	db.ixMu.Lock()
	db.ix[k] = id
	db.ixMu.Unlock()
	return id, true, nil
}

func (s events) LookupEvents(ctx context.Context, q storage.EventQuery) ([]storage.StoredEvent, error) {
	plan, ok := eventindex.PlanLookup(q)
	if !ok {
		return nil, nil
	}
	key := plan.Key
	if key.Attr == trailwatch.AttrEventID {
		key.Attr = "" // event IDs are indexed under the time index's id
	}
	id, ok, err := s.db.indexID(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	if !ok {
		return nil, nil
	}
	// One snapshot for every read, so that a merge or retention committing
	// meanwhile neither hides nor doubles an event.
	var out []storage.StoredEvent
	err = pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		segs, err := pendingSegments(ctx, tx)
		if err != nil {
			return err
		}
		var entries []eventindex.Entry
		if plan.Key.Attr == trailwatch.AttrEventID {
			entries, err = lookupEventID(ctx, tx, id, plan, q)
			if err != nil {
				return err
			}
			entries = eventindex.PendingIDs(entries, segs, q.AttributeValue, id, plan, q)
		} else {
			value := ""
			if plan.Key.Attr != "" {
				value = q.AttributeValue
			}
			w := eventindex.Window{Lo: plan.Lo, Hi: plan.Hi, Need: q.Limit}
			if q.After != nil {
				w.After = &eventindex.Entry{Time: q.After.Time.Unix(), Seq: q.After.Seq}
			}
			c := w.Collect()
			for _, seg := range segs {
				for _, p := range seg.Postings {
					if p.Ix == id && p.Value == value {
						if err := c.Offer(p.Entries); err != nil {
							return err
						}
					}
				}
			}
			if entries, err = collect(ctx, tx, id, value, w, c); err != nil {
				return err
			}
		}
		out, err = eventsBySeq(ctx, tx, entries)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	return out, nil
}

// pendingSegments reads every segment not yet merged.
func pendingSegments(ctx context.Context, tx pgx.Tx) ([]eventindex.Segment, error) {
	rows, err := tx.Query(ctx, `SELECT data FROM event_pending ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var segs []eventindex.Segment
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		seg, err := eventindex.DecodeSegment(data)
		if err != nil {
			return nil, err
		}
		segs = append(segs, seg)
	}
	return segs, rows.Err()
}

// collect reads the postings of one index and value newest first into c
// until w's entries are known.
func collect(ctx context.Context, tx pgx.Tx, ix int64, value string, w eventindex.Window, c *eventindex.Collector) ([]eventindex.Entry, error) {
	lo, hi := w.MaxTimeRange()
	// Pages with LIMIT, not one open-ended query: closing a pgx result
	// early still reads the rest of it off the wire, and for a common
	// value that is every posting in the window.
	const page = 64
	var after *[2]int64 // (max_time, first_seq) of the last row read
	for {
		query := `SELECT max_time, first_seq, entries FROM event_postings
			WHERE ix = $1 AND value = $2 AND max_time >= $3 AND max_time <= $4`
		args := []any{ix, value, lo, hi}
		if after != nil {
			query += ` AND (max_time, first_seq) < ($5, $6)`
			args = append(args, after[0], after[1])
		}
		query += fmt.Sprintf(` ORDER BY max_time DESC, first_seq DESC LIMIT %d`, page)
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		n, more := 0, true
		for more && rows.Next() {
			var maxTime, firstSeq int64
			var entries []byte
			if err := rows.Scan(&maxTime, &firstSeq, &entries); err != nil {
				rows.Close()
				return nil, err
			}
			n++
			after = &[2]int64{maxTime, firstSeq}
			if more, err = c.Add(maxTime, entries); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if !more || n < page {
			return c.Entries(), nil
		}
	}
}

// lookupEventID reads the merged ID index.
func lookupEventID(ctx context.Context, tx pgx.Tx, ix int64, plan eventindex.Lookup, q storage.EventQuery) ([]eventindex.Entry, error) {
	query := `SELECT time, seq FROM event_ids WHERE event_id = $1 AND ix = $2 AND time >= $3 AND time <= $4`
	args := []any{q.AttributeValue, ix, plan.Lo, plan.Hi}
	if q.After != nil {
		query += ` AND (time, seq) < ($5, $6)`
		args = append(args, q.After.Time.Unix(), q.After.Seq)
	}
	query += fmt.Sprintf(` ORDER BY time DESC, seq DESC LIMIT $%d`, len(args)+1)
	args = append(args, q.Limit)
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (eventindex.Entry, error) {
		var e eventindex.Entry
		err := r.Scan(&e.Time, &e.Seq)
		return e, err
	})
}

// eventsBySeq reads the events entries list, in that order.
func eventsBySeq(ctx context.Context, tx pgx.Tx, entries []eventindex.Entry) ([]storage.StoredEvent, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	records, err := readRecords(ctx, tx, entries)
	if err != nil {
		return nil, err
	}
	out := make([]storage.StoredEvent, len(entries))
	for i, e := range entries {
		out[i] = storage.StoredEvent{Seq: e.Seq, Time: time.Unix(e.Time, 0).UTC(), JSON: records[i]}
	}
	return out, nil
}

// readRecords reads the records entries name from their chunks, in
// entries' order.
func readRecords(ctx context.Context, tx pgx.Tx, entries []eventindex.Entry) ([][]byte, error) {
	rows, err := tx.Query(ctx, `SELECT id, data FROM event_chunks WHERE id = ANY($1)`, eventindex.ChunkIDs(entries))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	chunks := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		chunks[id] = data
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return eventindex.Records(entries, chunks)
}

func (s events) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	cutoff := eventindex.CeilUnix(t)
	fail := func(err error) error {
		return fmt.Errorf("delete events before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	// Retention works on the merged index only.
	if err := s.merge(ctx); err != nil {
		return 0, fail(err)
	}
	s.db.pendingEvents.Store(0)
	var total int64
	// First the postings wholly before the cut-off, then those that
	// straddle it (their bucket holds the cut-off second), then the chunks
	// wholly before it: a lookup between two rounds finds every record its
	// postings list. Each round is its own bounded transaction.
	for _, straddling := range []bool{false, true} {
		for {
			var n, events int64
			err := s.db.write(ctx, func(tx pgx.Tx) (err error) {
				n, events, err = deletePostingsBefore(ctx, tx, cutoff, straddling)
				return err
			})
			if err != nil {
				return total, fail(err)
			}
			total += events
			if n < deletePostings {
				break
			}
		}
	}
	for {
		tag, err := s.db.pool.Exec(ctx, `DELETE FROM event_chunks WHERE id IN (
			SELECT id FROM event_chunks WHERE max_time < $1 LIMIT $2)`, cutoff, deletePostings)
		if err != nil {
			return total, fail(err)
		}
		if tag.RowsAffected() < deletePostings {
			return total, nil
		}
	}
}

// deletePostingsBefore removes up to deletePostings postings' entries
// older than cutoff, and the ID index entries of the events the time
// index's postings list among them. It returns how many postings it
// changed and how many events it deleted. The records stay in their chunk
// until the whole chunk is past the cut-off; nothing lists them.
func deletePostingsBefore(ctx context.Context, tx pgx.Tx, cutoff int64, straddling bool) (postings, deleted int64, err error) {
	query := `SELECT ix, value, max_time, first_seq, min_time, entries FROM event_postings
		WHERE max_time < $1 ORDER BY max_time LIMIT $2 FOR UPDATE`
	args := []any{cutoff, deletePostings}
	if straddling {
		query = `SELECT ix, value, max_time, first_seq, min_time, entries FROM event_postings
			WHERE max_time >= $1 AND max_time < $2 AND min_time < $1 LIMIT $3 FOR UPDATE`
		args = []any{cutoff, cutoff + eventindex.PostingSpan, deletePostings}
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return 0, 0, err
	}
	type victim struct {
		ix int64
		p  eventindex.Posting
	}
	victims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (victim, error) {
		var v victim
		err := r.Scan(&v.ix, &v.p.Value, &v.p.MaxTime, &v.p.FirstSeq, &v.p.MinTime, &v.p.Entries)
		return v, err
	})
	if err != nil {
		return 0, 0, err
	}
	var dead []eventindex.Entry
	batch := &pgx.Batch{}
	for _, v := range victims {
		dropped, remain, err := eventindex.Trim(&v.p, cutoff)
		if err != nil {
			return 0, 0, err
		}
		if v.p.IsTimeIndex() {
			dead = append(dead, dropped...)
		}
		if remain {
			batch.Queue(`UPDATE event_postings SET min_time = $1, entries = $2
				WHERE ix = $3 AND value = $4 AND max_time = $5 AND first_seq = $6`,
				v.p.MinTime, v.p.Entries, v.ix, v.p.Value, v.p.MaxTime, v.p.FirstSeq)
		} else {
			batch.Queue(`DELETE FROM event_postings WHERE ix = $1 AND value = $2 AND max_time = $3 AND first_seq = $4`,
				v.ix, v.p.Value, v.p.MaxTime, v.p.FirstSeq)
		}
	}
	if len(dead) > 0 {
		records, err := readRecords(ctx, tx, dead)
		if err != nil {
			return 0, 0, err
		}
		ids := make([]string, len(dead))
		seqs := make([]int64, len(dead))
		for i, r := range records {
			if ids[i], err = eventindex.EventID(r); err != nil {
				return 0, 0, err
			}
			seqs[i] = dead[i].Seq
		}
		batch.Queue(`DELETE FROM event_ids AS e USING unnest($1::text[], $2::bigint[]) AS d(event_id, seq)
			WHERE e.event_id = d.event_id AND e.seq = d.seq`, ids, seqs)
	}
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return 0, 0, err
		}
	}
	return int64(len(victims)), int64(len(dead)), nil
}

func (s events) ReadEventChunks(ctx context.Context, after int64, limit int) ([]storage.EventChunk, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT id, data FROM event_chunks WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read event chunks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.EventChunk, error) {
		var c storage.EventChunk
		var data []byte
		if err := r.Scan(&c.ID, &data); err != nil {
			return c, err
		}
		recs, err := eventindex.DecodeChunk(data)
		if err != nil {
			return c, fmt.Errorf("chunk %d: %w", c.ID, err)
		}
		c.Records = recs
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read event chunks: %w", err)
	}
	return out, nil
}
