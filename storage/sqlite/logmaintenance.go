package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage/logwrite"
)

// Tuning of retention and compaction; the same in both backends.
const (
	// expireBatch bounds the chunks one retention transaction deletes:
	// writers wait while it runs, and a chunk is up to a few hundred
	// kilobytes of pages to free.
	expireBatch = 64
	// dayMillis is a day in milliseconds, the unit of retention.
	dayMillis = 24 * 60 * 60 * 1000
)

func (s logs) DeleteExpiredLogEvents(ctx context.Context, nowMillis int64) (int64, error) {
	var total int64
	for {
		var n int
		err := s.db.write(ctx, func(tx *sql.Tx) error {
			// A group's expired chunks lie at the start of its index,
			// min_ts <= max_ts < cutoff, so the scan reads no live ones.
			rows, err := tx.QueryContext(ctx, `SELECT c.id, c.group_id, c.count, c.raw_bytes, c.stored_bytes
				FROM log_groups AS g JOIN log_chunks AS c INDEXED BY log_chunks_by_group ON c.group_id = g.id
					AND c.min_ts < ?1 - g.retention_days * ?2 AND c.max_ts < ?1 - g.retention_days * ?2
				WHERE g.retention_days > 0 LIMIT ?3`, nowMillis, dayMillis, expireBatch)
			if err != nil {
				return err
			}
			var (
				ids   []int64
				freed = map[int64][2]int64{} // group id → stored, raw bytes
			)
			for rows.Next() {
				var id, gid, count, raw, stored int64
				if err := rows.Scan(&id, &gid, &count, &raw, &stored); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
				f := freed[gid]
				freed[gid] = [2]int64{f[0] + stored, f[1] + raw}
				total += count
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			n = len(ids)
			if n == 0 {
				return nil
			}
			b, err := json.Marshal(ids)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM log_chunks WHERE id IN (SELECT value FROM json_each(?))`, string(b)); err != nil {
				return err
			}
			for gid, f := range freed {
				if _, err := tx.ExecContext(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes - ?, raw_bytes = raw_bytes - ?
					WHERE id = ?`, f[0], f[1], gid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("delete expired log events: %w", err)
		}
		if n < expireBatch {
			return total, nil
		}
	}
}

func (s logs) CompactLogEvents(ctx context.Context, maxStreams int) (int, error) {
	removed, err := s.db.compaction.Compact(ctx, maxStreams, s.compactable, s.compactStream)
	if err != nil {
		return removed, fmt.Errorf("compact log events: %w", err)
	}
	if removed > 0 {
		if err := s.db.releaseFreePages(ctx); err != nil {
			return removed, fmt.Errorf("compact log events: %w", err)
		}
	}
	return removed, nil
}

func (s logs) LogCompactionBacklog(ctx context.Context) (int, error) {
	var n int
	if err := s.db.r.QueryRowContext(ctx, `SELECT count(*) FROM (`+compactableStreams+`)`,
		0, int64(1<<63-1), logwrite.CompactTarget).Scan(&n); err != nil {
		return 0, fmt.Errorf("count streams to compact: %w", err)
	}
	return n, nil
}

// compactableStreams selects the ids of the streams in (?, ?] that
// have two neighbouring chunks whose messages together fit in ?
// (logwrite.CompactTarget) bytes: those CompactLogEvents would merge.
const compactableStreams = `SELECT DISTINCT stream_id FROM (
			SELECT stream_id, raw_bytes + lead(raw_bytes) OVER (PARTITION BY stream_id ORDER BY min_ts, min_seq) AS pair
			FROM log_chunks INDEXED BY log_chunks_by_stream WHERE stream_id > ? AND stream_id <= ?
		) WHERE pair <= ?`

// releaseFreePages returns the file's free pages to the file system (a
// no-op for files created before auto_vacuum was set).
func (db *DB) releaseFreePages(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		return fmt.Errorf("release free pages: %w", err)
	}
	return nil
}

// compactable returns up to limit ids of streams in (after, upTo] (upTo
// -1: no bound) that have two neighbouring chunks compaction would merge.
func (s logs) compactable(ctx context.Context, after, upTo int64, limit int) ([]int64, error) {
	if upTo < 0 {
		upTo = 1<<63 - 1
	}
	rows, err := s.db.r.QueryContext(ctx, compactableStreams+` ORDER BY stream_id LIMIT ?`, after, upTo, logwrite.CompactTarget, limit)
	if err != nil {
		return nil, fmt.Errorf("find streams to compact: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find streams to compact: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find streams to compact: %w", err)
	}
	return ids, nil
}

// errStale reports that chunks changed while compaction merged them.
var errStale = errors.New("chunks changed meanwhile")

// compactStream merges the runs of one stream and returns how many chunks
// it removed. Each run is merged outside any transaction and swapped in by
// one; a run that retention or another compactor changed meanwhile is
// left alone.
func (s logs) compactStream(ctx context.Context, sid int64) (int, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, group_id, count, raw_bytes, stored_bytes
		FROM log_chunks INDEXED BY log_chunks_by_stream WHERE stream_id = ? ORDER BY min_ts, min_seq`, sid)
	if err != nil {
		return 0, fmt.Errorf("list chunks of stream %d: %w", sid, err)
	}
	var cs []logwrite.Chunk
	for rows.Next() {
		var c logwrite.Chunk
		if err := rows.Scan(&c.ID, &c.Group, &c.Count, &c.Raw, &c.Stored); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list chunks of stream %d: %w", sid, err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("list chunks of stream %d: %w", sid, err)
	}

	removed := 0
	for _, run := range logwrite.CompactRuns(cs) {
		err := s.mergeRun(ctx, sid, run)
		if errors.Is(err, errStale) || errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return removed, err
		}
		removed += len(run) - 1
	}
	return removed, nil
}

// mergeRun replaces the chunks of run, neighbours in stream sid, by one.
// It returns errStale, or sql.ErrNoRows, when one of them is gone.
func (s logs) mergeRun(ctx context.Context, sid int64, run []logwrite.Chunk) error {
	datas := make([][]byte, len(run))
	ids := make([]int64, len(run))
	var count, stored int64
	for i, c := range run {
		// Chunks never change once written, so they may be read outside
		// the transaction that replaces them.
		if err := s.db.r.QueryRowContext(ctx, `SELECT data FROM log_chunks WHERE id = ?`, c.ID).Scan(&datas[i]); err != nil {
			return fmt.Errorf("read chunk %d: %w", c.ID, err)
		}
		ids[i] = c.ID
		count += c.Count
		stored += c.Stored
	}
	data, filter, meta, err := chunk.Merge(datas)
	if err != nil {
		return fmt.Errorf("merge chunks %v: %w", ids, err)
	}
	if int64(meta.Count) != count {
		panic(fmt.Sprintf("BUG: merging chunks %v of %d events gave %d", ids, count, meta.Count))
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	newStored := int64(len(data) + len(filter))
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM log_chunks WHERE id IN (SELECT value FROM json_each(?))`, string(idList))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != int64(len(ids)) {
			return errStale
		}
		gid := run[0].Group
		if _, err := tx.ExecContext(ctx, `INSERT INTO log_chunks (group_id, stream_id, min_ts, max_ts, min_seq, max_seq,
			count, raw_bytes, stored_bytes, filter, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			gid, sid, meta.MinTime, meta.MaxTime, meta.MinSeq, meta.MaxSeq, meta.Count, meta.RawBytes,
			newStored, filter, data); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?`, newStored-stored, gid)
		return err
	})
}

// Vacuum rewrites the whole file with auto_vacuum=INCREMENTAL, so that
// from then on log maintenance hands the pages it frees back to the file
// system: files created before trailwatch set auto_vacuum keep their free
// pages inside (reused by later writes) until this has run once. It also
// leaves the file without free pages. VACUUM copies the database through
// a temporary file, so it needs free disk space about the file's size,
// and holds the write lock throughout: writers of other processes fail
// once busyTimeout passes, so run it with the server stopped.
func (db *DB) Vacuum(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if _, err := db.w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("vacuum: set auto_vacuum: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	// The rewritten file is in the WAL until a checkpoint copies it back;
	// TRUNCATE also empties the WAL file.
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("vacuum: checkpoint: %w", err)
	}
	return nil
}
