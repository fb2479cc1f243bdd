package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage/logwrite"
)

// Tuning of retention and compaction; the same in both backends.
const (
	// expireBatch bounds the chunks one retention transaction deletes:
	// writers to those groups wait while it runs.
	expireBatch = 64
	// dayMillis is a day in milliseconds, the unit of retention.
	dayMillis = 24 * 60 * 60 * 1000
)

func (s logs) DeleteExpiredLogEvents(ctx context.Context, nowMillis int64) (int64, error) {
	var total int64
	for {
		var n int
		err := s.db.write(ctx, func(tx pgx.Tx) error {
			// A group's expired chunks lie at the start of its index,
			// min_ts <= max_ts < cutoff, so the scan reads no live ones.
			rows, err := tx.Query(ctx, `SELECT c.id, c.group_id
				FROM log_groups AS g JOIN log_chunks AS c ON c.group_id = g.id
					AND c.min_ts < $1 - g.retention_days * $2::bigint AND c.max_ts < $1 - g.retention_days * $2::bigint
				WHERE g.retention_days > 0 LIMIT $3`, nowMillis, dayMillis, expireBatch)
			if err != nil {
				return err
			}
			var ids, groups []int64
			for rows.Next() {
				var id, gid int64
				if err := rows.Scan(&id, &gid); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
				groups = append(groups, gid)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			n = len(ids)
			if n == 0 {
				return nil
			}
			// Lock the groups, in id order as every multi-group writer
			// does, before their chunks (see logs).
			slices.Sort(groups)
			groups = slices.Compact(groups)
			if _, err := tx.Exec(ctx, `SELECT FROM log_groups WHERE id = ANY($1) ORDER BY id FOR UPDATE`, groups); err != nil {
				return err
			}
			// Count what was really deleted: a compactor may have
			// replaced some of the chunks meanwhile.
			var removed int64
			err = tx.QueryRow(ctx, `WITH gone AS (
					DELETE FROM log_chunks WHERE id = ANY($1) RETURNING group_id, count, raw_bytes, stored_bytes
				), per AS (
					SELECT group_id, sum(raw_bytes) AS raw, sum(stored_bytes) AS stored FROM gone GROUP BY group_id
				), upd AS (
					UPDATE log_groups AS g SET raw_bytes = g.raw_bytes - per.raw, stored_bytes = g.stored_bytes - per.stored
					FROM per WHERE g.id = per.group_id
				)
				SELECT coalesce(sum(count), 0) FROM gone`, ids).Scan(&removed)
			total += removed
			return err
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
	return removed, nil
}

func (s logs) LogCompactionBacklog(ctx context.Context) (int, error) {
	var n int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM (`+compactableStreams+`) AS pairs`,
		0, int64(1<<63-1), logwrite.CompactTarget).Scan(&n); err != nil {
		return 0, fmt.Errorf("count streams to compact: %w", err)
	}
	return n, nil
}

// compactableStreams selects the ids of the streams in ($1, $2] that
// have two neighbouring chunks whose messages together fit in $3
// (logwrite.CompactTarget) bytes: those CompactLogEvents would merge.
const compactableStreams = `SELECT DISTINCT stream_id FROM (
			SELECT stream_id, raw_bytes + lead(raw_bytes) OVER (PARTITION BY stream_id ORDER BY min_ts, min_seq) AS pair
			FROM log_chunks WHERE stream_id > $1 AND stream_id <= $2
		) AS pairs WHERE pair <= $3`

// compactable returns up to limit ids of streams in (after, upTo] (upTo
// -1: no bound) that have two neighbouring chunks compaction would merge.
func (s logs) compactable(ctx context.Context, after, upTo int64, limit int) ([]int64, error) {
	if upTo < 0 {
		upTo = 1<<63 - 1
	}
	rows, err := s.db.pool.Query(ctx, compactableStreams+` ORDER BY stream_id LIMIT $4`, after, upTo, logwrite.CompactTarget, limit)
	if err != nil {
		return nil, fmt.Errorf("find streams to compact: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
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
	rows, err := s.db.pool.Query(ctx, `SELECT id, group_id, count, raw_bytes, stored_bytes
		FROM log_chunks WHERE stream_id = $1 ORDER BY min_ts, min_seq`, sid)
	if err != nil {
		return 0, fmt.Errorf("list chunks of stream %d: %w", sid, err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (logwrite.Chunk, error) {
		var c logwrite.Chunk
		err := r.Scan(&c.ID, &c.Group, &c.Count, &c.Raw, &c.Stored)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("list chunks of stream %d: %w", sid, err)
	}
	removed := 0
	for _, run := range logwrite.CompactRuns(cs) {
		err := s.mergeRun(ctx, sid, run)
		if errors.Is(err, errStale) || errors.Is(err, pgx.ErrNoRows) {
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
// It returns errStale, or pgx.ErrNoRows, when one of them is gone.
func (s logs) mergeRun(ctx context.Context, sid int64, run []logwrite.Chunk) error {
	datas := make([][]byte, len(run))
	ids := make([]int64, len(run))
	var count, stored int64
	for i, c := range run {
		// Chunks never change once written, so they may be read outside
		// the transaction that replaces them.
		if err := s.db.pool.QueryRow(ctx, `SELECT data FROM log_chunks WHERE id = $1`, c.ID).Scan(&datas[i]); err != nil {
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
	newStored := int64(len(data) + len(filter))
	bl := splitBlooms(filter)
	gid := run[0].Group
	return s.db.write(ctx, func(tx pgx.Tx) error {
		// The group first, as every writer of its byte counts locks it.
		if err := tx.QueryRow(ctx, `SELECT id FROM log_groups WHERE id = $1 FOR UPDATE`, gid).Scan(new(int64)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM log_chunks WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != int64(len(ids)) {
			return errStale
		}
		if _, err := tx.Exec(ctx, `WITH c AS (
				INSERT INTO log_chunks (group_id, stream_id, min_ts, max_ts, min_seq, max_seq,
					count, raw_bytes, stored_bytes, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				RETURNING id
			)
			INSERT INTO log_chunk_blooms (chunk_id, block, part, units, bits)
			SELECT c.id, u.* FROM c, unnest($11::integer[], $12::integer[], $13::integer[], $14::bytea[]) AS u`,
			gid, sid, meta.MinTime, meta.MaxTime, meta.MinSeq, meta.MaxSeq, meta.Count, meta.RawBytes,
			newStored, data, bl.blocks, bl.parts, bl.units, bl.bits); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes + $1 WHERE id = $2`, newStored-stored, gid)
		return err
	})
}
