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

// insertChunk is the most rows one INSERT carries (4 parameters each, well
// under SQLite's limit of 32766 parameters).
const insertChunk = 1000

// deleteBatch bounds how many events one DeleteEventsBefore transaction
// removes: writers wait while it runs. Each event's attribute rows sit in
// different parts of event_attrs, so deleting is slow (about 5,000 events
// a second on the 1,000,000-event benchmark fixture). Batches of 10,000
// made a concurrent write wait 1.4 s; batches of 500 delete as fast
// overall and kept the longest wait near 0.1 s.
const deleteBatch = 500

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
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		// Sequence numbers are assigned here rather than by SQLite so that
		// a whole batch goes in with a few multi-row INSERTs: per-statement
		// overhead, not B-tree work, dominates small inserts. Reading the
		// AUTOINCREMENT counter inside the write transaction keeps seq
		// increasing past deleted events, exactly as AUTOINCREMENT would.
		var base int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`).Scan(&base); err != nil {
			return err
		}
		var (
			evSQL   strings.Builder
			evArgs  []any
			atSQL   strings.Builder
			atArgs  []any
			evCount int
			atCount int
		)
		flushEvents := func() error {
			if evCount == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, evSQL.String(), evArgs...)
			evSQL.Reset()
			evArgs, evCount = evArgs[:0], 0
			return err
		}
		flushAttrs := func() error {
			if atCount == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, atSQL.String(), atArgs...)
			atSQL.Reset()
			atArgs, atCount = atArgs[:0], 0
			return err
		}
		for i, r := range rows {
			seq := base + int64(i) + 1
			if evCount == 0 {
				evSQL.WriteString(`INSERT INTO events (seq, ix, time, json) VALUES (?, ?, ?, ?)`)
			} else {
				evSQL.WriteString(`, (?, ?, ?, ?)`)
			}
			evArgs = append(evArgs, seq, keys[r.Main], r.Time, r.JSON)
			evCount++
			if evCount == insertChunk {
				if err := flushEvents(); err != nil {
					return err
				}
			}
			for _, a := range r.Attrs {
				k := r.Main
				k.Attr = a.Key
				if atCount == 0 {
					atSQL.WriteString(`INSERT INTO event_attrs (ix, value, time, seq) VALUES (?, ?, ?, ?)`)
				} else {
					atSQL.WriteString(`, (?, ?, ?, ?)`)
				}
				atArgs = append(atArgs, keys[k], a.Value, r.Time, seq)
				atCount++
				if atCount == insertChunk {
					if err := flushAttrs(); err != nil {
						return err
					}
				}
			}
		}
		if err := flushEvents(); err != nil {
			return err
		}
		return flushAttrs()
	})
	if err != nil {
		return fmt.Errorf("put events: %w", err)
	}
	return nil
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
	id, ok, err := s.db.indexID(ctx, plan.Key)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	if !ok {
		return nil, nil
	}
	lo, hi := plan.Lo, plan.Hi
	// Every query is one descending range scan of an index whose leading
	// columns the WHERE clause fixes by equality, so it reads at most Limit
	// rows past the resume point however large the history is.
	var sb strings.Builder
	args := []any{id}
	if q.AttributeKey == "" {
		// INDEXED BY pins the plan: with statistics (after an ANALYZE),
		// SQLite could prefer the retention index on time alone and filter
		// by ix, reading every account's events in the window.
		sb.WriteString(`SELECT seq, time, json FROM events AS a INDEXED BY events_by_time WHERE ix = ?`)
	} else {
		sb.WriteString(`SELECT e.seq, e.time, e.json FROM event_attrs AS a JOIN events AS e ON e.seq = a.seq
			WHERE a.ix = ? AND a.value = ?`)
		args = append(args, q.AttributeValue)
	}
	sb.WriteString(` AND a.time >= ? AND a.time <= ?`)
	args = append(args, lo, hi)
	if q.After != nil {
		sb.WriteString(` AND (a.time, a.seq) < (?, ?)`)
		args = append(args, q.After.Time.Unix(), q.After.Seq)
	}
	sb.WriteString(` ORDER BY a.time DESC, a.seq DESC LIMIT ?`)
	args = append(args, q.Limit)

	rows, err := s.db.r.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	defer rows.Close()
	out := make([]storage.StoredEvent, 0, min(q.Limit, 64))
	for rows.Next() {
		var e storage.StoredEvent
		var t int64
		if err := rows.Scan(&e.Seq, &t, &e.JSON); err != nil {
			return nil, fmt.Errorf("lookup events: %w", err)
		}
		e.Time = time.Unix(t, 0).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	return out, nil
}

func (s events) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	cutoff := eventindex.CeilUnix(t)
	var total int64
	for {
		var n int
		err := s.db.write(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT seq FROM events WHERE time < ? LIMIT ?`, cutoff, deleteBatch)
			if err != nil {
				return err
			}
			var seqs []byte
			seqs = append(seqs, '[')
			for rows.Next() {
				var seq int64
				if err := rows.Scan(&seq); err != nil {
					rows.Close()
					return err
				}
				if n > 0 {
					seqs = append(seqs, ',')
				}
				seqs = strconv.AppendInt(seqs, seq, 10)
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			seqs = append(seqs, ']')
			if n == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM event_attrs WHERE seq IN (SELECT value FROM json_each(?))`, string(seqs)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))`, string(seqs))
			return err
		})
		if err != nil {
			return total, fmt.Errorf("delete events before %s: %w", t.UTC().Format(time.RFC3339), err)
		}
		total += int64(n)
		if n < deleteBatch {
			return total, nil
		}
	}
}
