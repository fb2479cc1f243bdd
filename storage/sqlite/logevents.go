package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/keyrange"
	"github.com/trailwatch/trailwatch/storage/logscan"
	"github.com/trailwatch/trailwatch/storage/logwrite"
	"github.com/trailwatch/trailwatch/storage/metricfilter"
)

// PutLogEvents stores the batch as one chunk. The chunk is encoded before
// the write transaction, with a Seq range from s.db.seqs, so that the
// transaction itself is two small UPDATEs and one INSERT.
func (s logs) PutLogEvents(ctx context.Context, account, region, group, stream string, ingestionTime int64, events []trailwatch.LogEvent) ([]trailwatch.LogEvent, error) {
	var gid, sid, next int64
	err := s.db.r.QueryRowContext(ctx, `SELECT g.id, s.id, g.next_seq FROM log_groups AS g
		JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = ? AND g.region = ? AND g.name = ? AND s.name = ?`,
		account, region, group, stream).Scan(&gid, &sid, &next)
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	if len(events) == 0 {
		return []trailwatch.LogEvent{}, nil
	}

	filters, err := s.groupFilters(ctx, gid)
	if err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	b := logwrite.NewBatch(stream, ingestionTime, events)
	n := int64(len(events))
	turn := s.db.seqs.Reserve(gid, next, n)
	committed := int64(-1)
	defer func() { s.db.seqs.Finish(gid, turn, committed) }()
	if err := b.Encode(turn.Base()); err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	// The filters' output is computed before the write lock is taken and
	// stored in the same transaction as the chunk: exactly once per event.
	// The chunk's trigram filter spares running the filters whose terms
	// the batch lacks.
	data := metricfilter.Apply(filters, events, b.Filter)
	if err := turn.Wait(ctx); err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE log_groups SET next_seq = ?, stored_bytes = stored_bytes + ?,
			raw_bytes = raw_bytes + ? WHERE id = ? AND next_seq <= ?`,
			b.Base+n, b.Stored(), b.Meta.RawBytes, gid, b.Base)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			// Deleted, or another process stored a batch after the range
			// was handed out: take the next free range, under the lock.
			var now int64
			err := tx.QueryRowContext(ctx, `SELECT next_seq FROM log_groups WHERE id = ?`, gid).Scan(&now)
			if errors.Is(err, sql.ErrNoRows) {
				return storage.ErrNotFound
			}
			if err != nil {
				return err
			}
			if err := b.Encode(now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE log_groups SET next_seq = ?, stored_bytes = stored_bytes + ?,
				raw_bytes = raw_bytes + ? WHERE id = ?`, b.Base+n, b.Stored(), b.Meta.RawBytes, gid); err != nil {
				return err
			}
		}
		res, err = tx.ExecContext(ctx, `UPDATE log_streams SET first_event = min(coalesce(first_event, ?1), ?1),
			last_event = max(coalesce(last_event, ?2), ?2), last_ingestion = max(coalesce(last_ingestion, ?3), ?3)
			WHERE id = ?4`, b.Meta.MinTime, b.Meta.MaxTime, ingestionTime, sid)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return storage.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO log_chunks (group_id, stream_id, min_ts, max_ts, min_seq, max_seq,
			count, raw_bytes, stored_bytes, filter, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			gid, sid, b.Meta.MinTime, b.Meta.MaxTime, b.Meta.MinSeq, b.Meta.MaxSeq, b.Meta.Count, b.Meta.RawBytes,
			b.Stored(), b.Filter, b.Data)
		if err != nil || len(data) == 0 {
			return err
		}
		return s.db.putMetricRows(ctx, tx, account, region, data)
	})
	if err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	committed = b.Base + n
	return b.Out, nil
}

// chunkColumns are the columns scanChunkInfo reads.
const chunkColumns = `id, stream_id, min_ts, max_ts, min_seq, max_seq, count, raw_bytes`

// scanChunkInfo reads a row of chunkColumns into c, and, given a probe,
// the filter after them, which it tests against the probe.
func scanChunkInfo(r scanner, c *logscan.Chunk, probe *chunk.Probe) error {
	dest := []any{&c.ID, &c.Stream, &c.MinTime, &c.MaxTime, &c.MinSeq, &c.MaxSeq, &c.Count, &c.Raw}
	// Valid until the next row: the probe is all that reads it.
	var filter sql.RawBytes
	if probe != nil {
		dest = append(dest, &filter)
	}
	if err := r.Scan(dest...); err != nil {
		return err
	}
	if probe != nil {
		c.Blocks = probe.Mask(nil, filter)
	}
	return nil
}

var _ logscan.Source = (*chunkQuery)(nil)

// chunkQuery lists chunks for logscan.Run. Exactly one of group and
// stream is set.
type chunkQuery struct {
	tx            *sql.Tx
	plan          *logscan.Plan
	group, stream int64
	// streams, with group, limits the chunks to these streams (a JSON
	// array of ids); "" means all.
	streams string
}

func (q *chunkQuery) Chunks(ctx context.Context, prev *logscan.Chunk, n int, probe *chunk.Probe) ([]logscan.Chunk, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT ` + chunkColumns)
	if probe != nil {
		sb.WriteString(`, filter`)
	}
	var args []any
	p := q.plan
	// Only chunks overlapping the part of the window after start: forward
	// [start, hi], backward [lo, start].
	switch {
	case q.stream != 0 && !p.Backward:
		sb.WriteString(` FROM log_chunks INDEXED BY log_chunks_by_stream WHERE stream_id = ?`)
		args = append(args, q.stream)
	case q.stream != 0:
		sb.WriteString(` FROM log_chunks INDEXED BY log_chunks_by_stream_end WHERE stream_id = ?`)
		args = append(args, q.stream)
	default:
		sb.WriteString(` FROM log_chunks INDEXED BY log_chunks_by_group WHERE group_id = ?`)
		args = append(args, q.group)
		if q.streams != "" {
			sb.WriteString(` AND stream_id IN (SELECT value FROM json_each(?))`)
			args = append(args, q.streams)
		}
	}
	if p.Backward {
		sb.WriteString(` AND max_ts >= ? AND min_ts <= ?`)
		args = append(args, p.Lo, min(p.Hi, p.Start.Timestamp))
		if prev != nil {
			sb.WriteString(` AND (max_ts, max_seq) < (?, ?)`)
			args = append(args, prev.MaxTime, prev.MaxSeq)
		}
		sb.WriteString(` ORDER BY max_ts DESC, max_seq DESC LIMIT ?`)
	} else {
		sb.WriteString(` AND min_ts <= ? AND max_ts >= ?`)
		args = append(args, p.Hi, max(p.Lo, p.Start.Timestamp))
		if prev != nil {
			sb.WriteString(` AND (min_ts, min_seq) > (?, ?)`)
			args = append(args, prev.MinTime, prev.MinSeq)
		}
		sb.WriteString(` ORDER BY min_ts, min_seq LIMIT ?`)
	}
	args = append(args, n)
	rows, err := q.tx.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	defer rows.Close()
	out := make([]logscan.Chunk, 0, n)
	for rows.Next() {
		var c logscan.Chunk
		if err := scanChunkInfo(rows, &c, probe); err != nil {
			return nil, fmt.Errorf("list chunks: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	return out, nil
}

func (q *chunkQuery) Data(ctx context.Context, ids []int64) ([][]byte, error) {
	// In process, a query per chunk costs no round trip.
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if err := q.tx.QueryRowContext(ctx, `SELECT data FROM log_chunks WHERE id = ?`, id).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("read chunk %d: %w", id, err)
		}
	}
	return out, nil
}

// readTx begins a read-only transaction: every query of one read sees the
// same snapshot.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tx, nil
}

func (s logs) ReadLogStream(ctx context.Context, q storage.StreamRead) ([]trailwatch.LogEvent, error) {
	tx, err := s.db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("read log stream %s/%s: %w", q.Group, q.Stream, err)
	}
	defer tx.Rollback()
	_, sid, err := streamID(ctx, tx, q.AccountID, q.Region, q.Group, q.Stream)
	if err != nil {
		return nil, fmt.Errorf("read log stream %s/%s: %w", q.Group, q.Stream, err)
	}
	plan, ok := logscan.StreamPlan(q)
	if !ok {
		return []trailwatch.LogEvent{}, nil
	}
	hits, _, err := logscan.Run(ctx, &chunkQuery{tx: tx, plan: plan, stream: sid}, plan)
	if err != nil {
		return nil, fmt.Errorf("read log stream %s/%s: %w", q.Group, q.Stream, err)
	}
	out := make([]trailwatch.LogEvent, len(hits))
	for i, h := range hits {
		out[i] = h.Event(q.Stream)
	}
	return out, nil
}

func (s logs) ScanLogEvents(ctx context.Context, q storage.LogScan) ([]trailwatch.LogEvent, *storage.EventPos, error) {
	tx, err := s.db.readTx(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("scan log group %s: %w", q.Group, err)
	}
	defer tx.Rollback()
	events, resume, err := s.scan(ctx, tx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("scan log group %s: %w", q.Group, err)
	}
	return events, resume, nil
}

func (s logs) scan(ctx context.Context, tx *sql.Tx, q storage.LogScan) ([]trailwatch.LogEvent, *storage.EventPos, error) {
	gid, err := groupID(ctx, tx, q.AccountID, q.Region, q.Group)
	if err != nil {
		return nil, nil, err
	}
	plan, ok := logscan.ScanPlan(q)
	if !ok {
		return []trailwatch.LogEvent{}, nil, nil
	}
	src := &chunkQuery{tx: tx, plan: plan, group: gid}
	if len(q.Streams) > 0 || q.StreamPrefix != "" {
		ids, err := selectStreams(ctx, tx, gid, q.Streams, q.StreamPrefix)
		if err != nil {
			return nil, nil, err
		}
		if len(ids) == 0 {
			return []trailwatch.LogEvent{}, nil, nil
		}
		b, err := json.Marshal(ids)
		if err != nil {
			return nil, nil, err
		}
		src.streams = string(b)
	}
	hits, resume, err := logscan.Run(ctx, src, plan)
	if err != nil {
		return nil, nil, err
	}
	names, err := streamNames(ctx, tx, hits)
	if err != nil {
		return nil, nil, err
	}
	out := make([]trailwatch.LogEvent, len(hits))
	for i, h := range hits {
		out[i] = h.Event(names[h.Stream])
	}
	return out, resume, nil
}

// selectStreams returns the ids of group gid's streams named in names, or
// starting with prefix.
func selectStreams(ctx context.Context, tx *sql.Tx, gid int64, names []string, prefix string) ([]int64, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if len(names) > 0 {
		b, merr := json.Marshal(names)
		if merr != nil {
			return nil, merr
		}
		rows, err = tx.QueryContext(ctx, `SELECT id FROM log_streams WHERE group_id = ? AND name IN (SELECT value FROM json_each(?))`,
			gid, string(b))
	} else if end, ok := keyrange.PrefixEnd(prefix); ok {
		rows, err = tx.QueryContext(ctx, `SELECT id FROM log_streams WHERE group_id = ? AND name >= ? AND name < ?`, gid, prefix, end)
	} else {
		rows, err = tx.QueryContext(ctx, `SELECT id FROM log_streams WHERE group_id = ? AND name >= ?`, gid, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("select streams: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("select streams: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select streams: %w", err)
	}
	return ids, nil
}

// streamNames returns the names of the streams hits come from.
func streamNames(ctx context.Context, tx *sql.Tx, hits []logscan.Hit) (map[int64]string, error) {
	names := map[int64]string{}
	var ids []int64
	for _, h := range hits {
		if _, ok := names[h.Stream]; !ok {
			names[h.Stream] = ""
			ids = append(ids, h.Stream)
		}
	}
	if len(ids) == 0 {
		return names, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM log_streams WHERE id IN (SELECT value FROM json_each(?))`, string(b))
	if err != nil {
		return nil, fmt.Errorf("name streams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("name streams: %w", err)
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("name streams: %w", err)
	}
	return names, nil
}
