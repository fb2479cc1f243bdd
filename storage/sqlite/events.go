package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/eventindex"
)

type events struct{ db *DB }

// preparedRows is the largest multi-row INSERT kept prepared.
const preparedRows = 4

// The statements of storing a batch, prepared at open (hotStatements).
const (
	eventChunkSeqSQL      = `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'event_chunks'), 0)`
	eventPendingInsertSQL = `INSERT INTO event_pending (events, data) VALUES (?, ?)`
	eventChunksInsertHead = `INSERT INTO event_chunks (id, max_time, data) VALUES `
	eventChunksInsertRow  = `(?, ?, ?)`
)

// insertChunk is the most rows one INSERT carries (at most 6 parameters
// each, well under SQLite's limit of 32766 parameters).
const insertChunk = 1000

// deletePostings bounds how many postings one DeleteEventsBefore
// transaction removes, so that writers never wait long behind it. A
// posting lists up to one stored batch of events.
const deletePostings = 100

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
	merged := false
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		merged = false
		// Chunk ids, and so seqs, are assigned here rather than by SQLite
		// so that a whole batch goes in with a few multi-row INSERTs:
		// per-statement overhead, not B-tree work, dominates small inserts.
		// Reading the AUTOINCREMENT counter inside the write transaction
		// keeps ids increasing past deleted chunks, exactly as
		// AUTOINCREMENT would.
		var last int64
		seqStmt, err := s.db.prepared(ctx, tx, eventChunkSeqSQL)
		if err != nil {
			return err
		}
		if err := seqStmt.QueryRowContext(ctx).Scan(&last); err != nil {
			return err
		}
		seqs := make([]int64, 0, len(rows))
		chunks := multiInsert{db: s.db, tx: tx, head: eventChunksInsertHead, row: eventChunksInsertRow}
		for k, group := range eventindex.ChunkRows(rows) {
			id := last + int64(k) + 1
			for i := range group {
				seqs = append(seqs, eventindex.Seq(id, i))
			}
			data, maxTime := eventindex.ChunkOf(group)
			if err := chunks.add(ctx, id, maxTime, data); err != nil {
				return err
			}
		}
		if err := chunks.flush(ctx); err != nil {
			return err
		}
		seg := eventindex.NewSegment(rows, seqs, keys)
		pendStmt, err := s.db.prepared(ctx, tx, eventPendingInsertSQL)
		if err != nil {
			return err
		}
		if _, err := pendStmt.ExecContext(ctx, len(rows), seg.Encode()); err != nil {
			return err
		}
		pending := s.db.pendingEvents.Load()
		if pending < 0 {
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(events), 0) FROM event_pending`).Scan(&pending); err != nil {
				return err
			}
			s.db.pendingEvents.Store(pending)
		}
		if pending+int64(len(rows)) < s.db.mergeEvents {
			return nil
		}
		merged = true
		return mergePending(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	if !merged {
		s.db.pendingEvents.Add(int64(len(rows)))
	} else {
		s.db.pendingEvents.Store(0)
	}
	return nil
}

// mergeEvents is how many events event_pending may hold before the next
// PutEvents merges it (DB.mergeEvents, which tests lower). Lookups read every pending segment, so it bounds
// their extra work; the merge writes about one posting per index value
// and bucket for all of them, so larger is cheaper to store.
const mergeEvents = 2048

// mergePending moves every pending segment into event_postings and
// event_ids.
func mergePending(ctx context.Context, tx *sql.Tx) error {
	segs, err := pendingSegments(ctx, tx)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		return nil
	}
	m := eventindex.Merge(segs)
	postings := multiInsert{tx: tx, head: `INSERT INTO event_postings (ix, value, max_time, first_seq, min_time, entries) VALUES `, row: `(?, ?, ?, ?, ?, ?)`}
	for _, p := range m.Postings {
		if err := postings.add(ctx, p.Ix, p.Value, p.MaxTime, p.FirstSeq, p.MinTime, p.Entries); err != nil {
			return err
		}
	}
	if err := postings.flush(ctx); err != nil {
		return err
	}
	ids := multiInsert{tx: tx, head: `INSERT INTO event_ids (event_id, seq, ix, time) VALUES `, row: `(?, ?, ?, ?)`}
	for _, e := range m.IDs {
		if err := ids.add(ctx, e.EventID, e.Seq, e.Ix, e.Time); err != nil {
			return err
		}
	}
	if err := ids.flush(ctx); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM event_pending`)
	return err
}

// pendingSegments reads every segment not yet merged.
func pendingSegments(ctx context.Context, tx *sql.Tx) ([]eventindex.Segment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT data FROM event_pending ORDER BY id`)
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

// multiInsert gathers rows into INSERT statements of up to insertChunk rows.
type multiInsert struct {
	// db, when set, runs statements of at most preparedRows rows through
	// its prepared statement cache: small batches repeat the same shapes.
	db        *DB
	tx        *sql.Tx
	head, row string
	sql       strings.Builder
	args      []any
	n         int
}

func (m *multiInsert) add(ctx context.Context, args ...any) error {
	if m.n == 0 {
		m.sql.WriteString(m.head)
	} else {
		m.sql.WriteString(", ")
	}
	m.sql.WriteString(m.row)
	m.args = append(m.args, args...)
	m.n++
	if m.n == insertChunk {
		return m.flush(ctx)
	}
	return nil
}

func (m *multiInsert) flush(ctx context.Context) error {
	if m.n == 0 {
		return nil
	}
	var err error
	if m.db != nil && m.n <= preparedRows {
		var st *sql.Stmt
		if st, err = m.db.prepared(ctx, m.tx, m.sql.String()); err == nil {
			_, err = st.ExecContext(ctx, m.args...)
		}
	} else {
		_, err = m.tx.ExecContext(ctx, m.sql.String(), m.args...)
	}
	m.sql.Reset()
	m.args, m.n = m.args[:0], 0
	return err
}

// indexIDs fills in the id of every key, creating event_indexes rows that do
// not exist yet. Creation commits on its own, before the events that need
// it: an index row without events is harmless, and committing first means
// the cache never holds an id that a rollback took back.
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
	if len(missing) == 0 {
		return nil
	}
	found := map[eventindex.Key]int64{}
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, k := range missing {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_indexes (account_id, region, category, attr_key)
				VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, k.Account, k.Region, k.Category, k.Attr); err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM event_indexes
				WHERE account_id = ? AND region = ? AND category = ? AND attr_key = ?`,
				k.Account, k.Region, k.Category, k.Attr).Scan(&id); err != nil {
				return err
			}
			found[k] = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create event indexes: %w", err)
	}
	db.ixMu.Lock()
	for k, id := range found {
		db.ix[k] = id
		keys[k] = id
	}
	db.ixMu.Unlock()
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
	err = db.r.QueryRowContext(ctx, `SELECT id FROM event_indexes
		WHERE account_id = ? AND region = ? AND category = ? AND attr_key = ?`,
		k.Account, k.Region, k.Category, k.Attr).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
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
	if plan.Key.Attr == trailwatch.AttrEventID {
		return s.lookupEventID(ctx, plan, q)
	}
	id, ok, err := s.db.indexID(ctx, plan.Key)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	if !ok {
		return nil, nil
	}
	value := ""
	if plan.Key.Attr != "" {
		value = q.AttributeValue
	}
	w := eventindex.Window{Lo: plan.Lo, Hi: plan.Hi, Need: q.Limit}
	if q.After != nil {
		w.After = &eventindex.Entry{Time: q.After.Time.Unix(), Seq: q.After.Seq}
	}
	// One read transaction, so the events the postings list are there
	// even if retention deletes them meanwhile.
	tx, err := s.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	defer tx.Rollback()
	segs, err := pendingSegments(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	c := w.Collect()
	for _, seg := range segs {
		for _, p := range seg.Postings {
			if p.Ix == id && p.Value == value {
				if err := c.Offer(p.Entries); err != nil {
					return nil, fmt.Errorf("lookup events: %w", err)
				}
			}
		}
	}
	entries, err := collect(ctx, tx, id, value, w, c)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	out, err := eventsBySeq(ctx, tx, entries)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	return out, nil
}

// collect reads the postings of one index and value newest first into c
// until w's entries are known.
func collect(ctx context.Context, tx *sql.Tx, ix int64, value string, w eventindex.Window, c *eventindex.Collector) ([]eventindex.Entry, error) {
	lo, hi := w.MaxTimeRange()
	rows, err := tx.QueryContext(ctx, `SELECT max_time, entries FROM event_postings
		WHERE ix = ? AND value = ? AND max_time >= ? AND max_time <= ?
		ORDER BY max_time DESC, first_seq DESC`, ix, value, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var maxTime int64
		var entries []byte
		if err := rows.Scan(&maxTime, &entries); err != nil {
			return nil, err
		}
		more, err := c.Add(maxTime, entries)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return c.Entries(), nil
}

// eventsBySeq reads the events entries list, in that order.
func eventsBySeq(ctx context.Context, tx *sql.Tx, entries []eventindex.Entry) ([]storage.StoredEvent, error) {
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
func readRecords(ctx context.Context, tx *sql.Tx, entries []eventindex.Entry) ([][]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, data FROM event_chunks WHERE id IN (SELECT value FROM json_each(?))`,
		intList(eventindex.ChunkIDs(entries)))
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

// intList is ns as a JSON array, for json_each.
func intList(ns []int64) string {
	b := make([]byte, 0, len(ns)*8)
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}

// lookupEventID finds an event by its ID.
func (s events) lookupEventID(ctx context.Context, plan eventindex.Lookup, q storage.EventQuery) ([]storage.StoredEvent, error) {
	main := plan.Key
	main.Attr = ""
	id, ok, err := s.db.indexID(ctx, main)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	if !ok {
		return nil, nil
	}
	query := `SELECT time, seq FROM event_ids WHERE event_id = ? AND ix = ? AND time >= ? AND time <= ?`
	args := []any{q.AttributeValue, id, plan.Lo, plan.Hi}
	if q.After != nil {
		query += ` AND (time, seq) < (?, ?)`
		args = append(args, q.After.Time.Unix(), q.After.Seq)
	}
	query += ` ORDER BY time DESC, seq DESC LIMIT ?`
	args = append(args, q.Limit)
	tx, err := s.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	var entries []eventindex.Entry
	for rows.Next() {
		var e eventindex.Entry
		if err := rows.Scan(&e.Time, &e.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lookup events: %w", err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	segs, err := pendingSegments(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	entries = eventindex.PendingIDs(entries, segs, q.AttributeValue, id, plan, q)
	out, err := eventsBySeq(ctx, tx, entries)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	return out, nil
}

func (s events) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	cutoff := eventindex.CeilUnix(t)
	fail := func(err error) error {
		return fmt.Errorf("delete events before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	// Retention works on the merged index only.
	if err := s.db.write(ctx, func(tx *sql.Tx) error { return mergePending(ctx, tx) }); err != nil {
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
			err := s.db.write(ctx, func(tx *sql.Tx) (err error) {
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
		var n int64
		err := s.db.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM event_chunks WHERE id IN (
				SELECT id FROM event_chunks WHERE max_time < ? LIMIT ?)`, cutoff, deletePostings)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fail(err)
		}
		if n < deletePostings {
			return total, nil
		}
	}
}

// deletePostingsBefore removes up to deletePostings postings' entries
// older than cutoff, and the ID index entries of the events the time
// index's postings list among them. It returns how many postings it
// changed and how many events it deleted. The records stay in their chunk
// until the whole chunk is past the cut-off; nothing lists them.
func deletePostingsBefore(ctx context.Context, tx *sql.Tx, cutoff int64, straddling bool) (postings, deleted int64, err error) {
	query := `SELECT ix, value, max_time, first_seq, min_time, entries FROM event_postings
		WHERE max_time < ? ORDER BY max_time LIMIT ?`
	args := []any{cutoff, deletePostings}
	if straddling {
		query = `SELECT ix, value, max_time, first_seq, min_time, entries FROM event_postings
			WHERE max_time >= ? AND max_time < ? AND min_time < ? LIMIT ?`
		args = []any{cutoff, cutoff + eventindex.PostingSpan, cutoff, deletePostings}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, 0, err
	}
	type victim struct {
		ix int64
		p  eventindex.Posting
	}
	var victims []victim
	for rows.Next() {
		var v victim
		if err := rows.Scan(&v.ix, &v.p.Value, &v.p.MaxTime, &v.p.FirstSeq, &v.p.MinTime, &v.p.Entries); err != nil {
			rows.Close()
			return 0, 0, err
		}
		victims = append(victims, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	var dead []eventindex.Entry
	for _, v := range victims {
		dropped, remain, err := eventindex.Trim(&v.p, cutoff)
		if err != nil {
			return 0, 0, err
		}
		if v.p.IsTimeIndex() {
			dead = append(dead, dropped...)
		}
		if remain {
			_, err = tx.ExecContext(ctx, `UPDATE event_postings SET min_time = ?, entries = ?
				WHERE ix = ? AND value = ? AND max_time = ? AND first_seq = ?`,
				v.p.MinTime, v.p.Entries, v.ix, v.p.Value, v.p.MaxTime, v.p.FirstSeq)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM event_postings
				WHERE ix = ? AND value = ? AND max_time = ? AND first_seq = ?`,
				v.ix, v.p.Value, v.p.MaxTime, v.p.FirstSeq)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if err := deleteEventIDs(ctx, tx, dead); err != nil {
		return 0, 0, err
	}
	return int64(len(victims)), int64(len(dead)), nil
}

// deleteEventIDs removes the ID index entries of the events dead lists,
// reading their IDs from their records.
func deleteEventIDs(ctx context.Context, tx *sql.Tx, dead []eventindex.Entry) error {
	if len(dead) == 0 {
		return nil
	}
	records, err := readRecords(ctx, tx, dead)
	if err != nil {
		return err
	}
	for i, r := range records {
		id, err := eventindex.EventID(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_ids WHERE event_id = ? AND seq = ?`, id, dead[i].Seq); err != nil {
			return err
		}
	}
	return nil
}

func (s events) ReadEventChunks(ctx context.Context, after int64, limit int) ([]storage.EventChunk, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, data FROM event_chunks WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read event chunks: %w", err)
	}
	defer rows.Close()
	var out []storage.EventChunk
	for rows.Next() {
		var c storage.EventChunk
		var data []byte
		if err := rows.Scan(&c.ID, &data); err != nil {
			return nil, fmt.Errorf("read event chunks: %w", err)
		}
		if c.Records, err = eventindex.DecodeChunk(data); err != nil {
			return nil, fmt.Errorf("read event chunk %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read event chunks: %w", err)
	}
	return out, nil
}
