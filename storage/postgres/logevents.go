package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
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
// transaction itself is one statement: advance the group's next_seq and
// byte counts, update the stream's times, insert the chunk.
func (s logs) PutLogEvents(ctx context.Context, account, region, group, stream string, ingestionTime int64, events []trailwatch.LogEvent) ([]trailwatch.LogEvent, error) {
	var gid, sid, next int64
	err := s.db.pool.QueryRow(ctx, `SELECT g.id, s.id, g.next_seq FROM log_groups AS g
		JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4`,
		account, region, group, stream).Scan(&gid, &sid, &next)
	if err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, notFound(err))
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
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		took, err := putChunk(ctx, tx, gid, sid, ingestionTime, b)
		if err != nil {
			return err
		}
		if took {
			return putMetricRows(ctx, tx, account, region, data)
		}
		// Deleted, or another node stored a batch after the range was
		// handed out: lock the group and take the next free range.
		var now int64
		if err := tx.QueryRow(ctx, `SELECT next_seq FROM log_groups WHERE id = $1 FOR UPDATE`, gid).Scan(&now); err != nil {
			return notFound(err)
		}
		if err := b.Encode(now); err != nil {
			return err
		}
		took, err = putChunk(ctx, tx, gid, sid, ingestionTime, b)
		if err == nil && !took {
			panic("BUG: a locked group refused the range it gave")
		}
		if err != nil {
			return err
		}
		return putMetricRows(ctx, tx, account, region, data)
	})
	if err != nil {
		return nil, fmt.Errorf("put log events to %s/%s: %w", group, stream, err)
	}
	committed = b.Base + int64(len(events))
	return b.Out, nil
}

// putChunk stores b's chunk if the group's next_seq is at most b.Base.
// took is false, and nothing changed, when it is not (or the group is
// gone); ErrNotFound when the stream is gone, and then the transaction
// must be rolled back.
func putChunk(ctx context.Context, tx pgx.Tx, gid, sid, ingestionTime int64, b *logwrite.Batch) (took bool, err error) {
	var inserted bool
	bl := splitBlooms(b.Filter)
	err = tx.QueryRow(ctx, `WITH g AS (
			UPDATE log_groups SET next_seq = $1, stored_bytes = stored_bytes + $2, raw_bytes = raw_bytes + $3
			WHERE id = $4 AND next_seq <= $5 RETURNING id
		), s AS (
			UPDATE log_streams SET first_event = least(first_event, $6), last_event = greatest(last_event, $7),
				last_ingestion = greatest(last_ingestion, $8)
			WHERE id = $9 AND EXISTS (SELECT FROM g) RETURNING id
		), c AS (
			INSERT INTO log_chunks (group_id, stream_id, min_ts, max_ts, min_seq, max_seq, count, raw_bytes,
				stored_bytes, data)
			SELECT $4, id, $6, $7, $10, $11, $12, $3, $2, $13 FROM s RETURNING id
		), f AS (
			INSERT INTO log_chunk_blooms (chunk_id, block, part, units, bits)
			SELECT c.id, u.* FROM c, unnest($14::integer[], $15::integer[], $16::integer[], $17::bytea[]) AS u
		)
		SELECT EXISTS (SELECT FROM g), EXISTS (SELECT FROM c)`,
		b.Base+int64(len(b.Out)), b.Stored(), b.Meta.RawBytes, gid, b.Base,
		b.Meta.MinTime, b.Meta.MaxTime, ingestionTime, sid,
		b.Meta.MinSeq, b.Meta.MaxSeq, b.Meta.Count, b.Data,
		bl.blocks, bl.parts, bl.units, bl.bits).Scan(&took, &inserted)
	switch {
	case err != nil:
		return false, err
	case took && !inserted:
		return false, storage.ErrNotFound
	}
	return took, nil
}

// chunkColumns are the columns of log_chunks a listing reads.
const chunkColumns = `id, stream_id, min_ts, max_ts, min_seq, max_seq, count, raw_bytes`

var _ logscan.Source = (*chunkQuery)(nil)

// chunkQuery lists chunks for logscan.Run. Exactly one of group and
// stream is set.
type chunkQuery struct {
	tx            pgx.Tx
	plan          *logscan.Plan
	group, stream int64
	// streams, with group, limits the chunks to these streams; nil means
	// all.
	streams []int64
}

func (q *chunkQuery) Chunks(ctx context.Context, prev *logscan.Chunk, n int, probe *chunk.Probe) ([]logscan.Chunk, error) {
	var args argList
	var sb strings.Builder
	sb.WriteString(`SELECT ` + chunkColumns)
	p := q.plan
	if q.stream != 0 {
		fmt.Fprintf(&sb, ` FROM log_chunks WHERE stream_id = %s`, args.add(q.stream))
	} else {
		fmt.Fprintf(&sb, ` FROM log_chunks WHERE group_id = %s`, args.add(q.group))
		if q.streams != nil {
			fmt.Fprintf(&sb, ` AND stream_id = ANY(%s)`, args.add(q.streams))
		}
	}
	// Only chunks overlapping the part of the window after start: forward
	// [start, hi], backward [lo, start].
	order, outer := ` ORDER BY min_ts, min_seq`, ` ORDER BY c.min_ts, c.min_seq`
	if p.Backward {
		fmt.Fprintf(&sb, ` AND max_ts >= %s AND min_ts <= %s`, args.add(p.Lo), args.add(min(p.Hi, p.Start.Timestamp)))
		if prev != nil {
			fmt.Fprintf(&sb, ` AND (max_ts, max_seq) < (%s, %s)`, args.add(prev.MaxTime), args.add(prev.MaxSeq))
		}
		order, outer = ` ORDER BY max_ts DESC, max_seq DESC`, ` ORDER BY c.max_ts DESC, c.max_seq DESC`
	} else {
		fmt.Fprintf(&sb, ` AND min_ts <= %s AND max_ts >= %s`, args.add(p.Hi), args.add(max(p.Lo, p.Start.Timestamp)))
		if prev != nil {
			fmt.Fprintf(&sb, ` AND (min_ts, min_seq) > (%s, %s)`, args.add(prev.MinTime), args.add(prev.MinSeq))
		}
	}
	fmt.Fprintf(&sb, `%s LIMIT %s`, order, args.add(n))
	if probe == nil {
		return q.list(ctx, sb.String(), args)
	}
	// Each chunk with its bloom rows' block, part and units and the
	// probe's bytes picked out of them (blooms.go), as arrays: one row
	// per chunk. The rows are looked up per chunk through the primary
	// key, LATERAL, whatever the planner believes of the tables' sizes:
	// on a table not yet analysed, a plain join may read every chunk's
	// filter to search one group's. The four aggregates read the rows in
	// one order, so their elements line up; blocks puts them in (block,
	// part) order. A chunk without rows gets NULLs.
	bp := newBloomPick(probe)
	query := `SELECT c.*, b.blocks, b.parts, b.units, b.picked
		FROM (` + sb.String() + `) AS c CROSS JOIN LATERAL (
			SELECT array_agg(b.block) AS blocks, array_agg(b.part) AS parts, array_agg(b.units) AS units,
				array_agg(` + bp.sql(&args) + `) AS picked
			FROM log_chunk_blooms AS b WHERE b.chunk_id = c.id) AS b` + outer
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	defer rows.Close()
	var (
		out               []logscan.Chunk
		parts             []bloomPart
		blocks, ps, units []int32
		picked            [][]byte
	)
	for rows.Next() {
		var c logscan.Chunk
		if err := rows.Scan(&c.ID, &c.Stream, &c.MinTime, &c.MaxTime, &c.MinSeq, &c.MaxSeq, &c.Count, &c.Raw,
			&blocks, &ps, &units, &picked); err != nil {
			return nil, fmt.Errorf("list chunks: %w", err)
		}
		parts = parts[:0]
		if len(ps) == len(blocks) && len(units) == len(blocks) && len(picked) == len(blocks) {
			for i := range blocks {
				parts = append(parts, bloomPart{block: blocks[i], part: ps[i], units: units[i], picked: picked[i]})
			}
		}
		if len(parts) > 0 {
			slices.SortFunc(parts, func(a, b bloomPart) int {
				return cmp.Or(cmp.Compare(a.block, b.block), cmp.Compare(a.part, b.part))
			})
			c.Blocks = bp.blocks(parts)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	return out, nil
}

// list returns the chunks of a query of chunkColumns.
func (q *chunkQuery) list(ctx context.Context, query string, args []any) ([]logscan.Chunk, error) {
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (logscan.Chunk, error) {
		var c logscan.Chunk
		err := r.Scan(&c.ID, &c.Stream, &c.MinTime, &c.MaxTime, &c.MinSeq, &c.MaxSeq, &c.Count, &c.Raw)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list chunks: %w", err)
	}
	return out, nil
}

func (q *chunkQuery) Data(ctx context.Context, ids []int64) ([][]byte, error) {
	rows, err := q.tx.Query(ctx, `SELECT id, data FROM log_chunks WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	out := make([][]byte, len(ids))
	for rows.Next() {
		var (
			id   int64
			data []byte
		)
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("read chunks: %w", err)
		}
		// A handful of ids: a search costs less than a map.
		if i := slices.Index(ids, id); i >= 0 {
			out[i] = data
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read chunks: %w", err)
	}
	for i, d := range out {
		if d == nil {
			// The listing saw it in this transaction's snapshot.
			return nil, fmt.Errorf("read chunk %d: %w", ids[i], storage.ErrNotFound)
		}
	}
	return out, nil
}

// readTx begins a read-only snapshot transaction: every query of one read
// sees the same chunks.
func (db *DB) readTx(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
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
	defer tx.Rollback(ctx)
	var sid int64
	err = tx.QueryRow(ctx, `SELECT s.id FROM log_groups AS g JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4`,
		q.AccountID, q.Region, q.Group, q.Stream).Scan(&sid)
	if err != nil {
		return nil, fmt.Errorf("read log stream %s/%s: %w", q.Group, q.Stream, notFound(err))
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
	defer tx.Rollback(ctx)
	events, resume, err := s.scan(ctx, tx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("scan log group %s: %w", q.Group, err)
	}
	return events, resume, nil
}

func (s logs) scan(ctx context.Context, tx pgx.Tx, q storage.LogScan) ([]trailwatch.LogEvent, *storage.EventPos, error) {
	gid, err := groupID(ctx, tx, q.AccountID, q.Region, q.Group, false)
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
		src.streams = ids
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
func selectStreams(ctx context.Context, tx pgx.Tx, gid int64, names []string, prefix string) ([]int64, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if len(names) > 0 {
		rows, err = tx.Query(ctx, `SELECT id FROM log_streams WHERE group_id = $1 AND name = ANY($2)`, gid, names)
	} else if end, ok := keyrange.PrefixEnd(prefix); ok {
		rows, err = tx.Query(ctx, `SELECT id FROM log_streams WHERE group_id = $1 AND name >= $2 AND name < $3`, gid, prefix, end)
	} else {
		rows, err = tx.Query(ctx, `SELECT id FROM log_streams WHERE group_id = $1 AND name >= $2`, gid, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("select streams: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("select streams: %w", err)
	}
	return ids, nil
}

// streamNames returns the names of the streams hits come from.
func streamNames(ctx context.Context, tx pgx.Tx, hits []logscan.Hit) (map[int64]string, error) {
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
	rows, err := tx.Query(ctx, `SELECT id, name FROM log_streams WHERE id = ANY($1)`, ids)
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
