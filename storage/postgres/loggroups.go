package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/keyrange"
)

// logs implements storage.Logs.
//
// Writers that touch a group's byte counts lock rows in one order: the
// group's row first (PutLogEvents, DeleteLogStream and compaction update
// it; retention locks several groups in id order), then the stream's, then
// chunks. Taking the group first keeps them from deadlocking each other.
type logs struct{ db *DB }

// Logs returns the CloudWatch Logs store.
func (db *DB) Logs() storage.Logs { return logs{db} }

var _ storage.Logs = logs{}

const groupColumns = `id, account_id, region, name, created_at, retention_days, kms_key_id, class,
	deletion_protection, tags, stored_bytes, raw_bytes,
	(SELECT count(*) FROM log_metric_filters AS f WHERE f.group_id = log_groups.id)`

// scanGroup reads a row of groupColumns.
func scanGroup(r pgx.Row) (id int64, g trailwatch.LogGroup, err error) {
	var (
		created *int64
		tags    *string
	)
	err = r.Scan(&id, &g.AccountID, &g.Region, &g.Name, &created, &g.RetentionDays, &g.KMSKeyID, &g.Class,
		&g.DeletionProtection, &tags, &g.StoredBytes, &g.RawBytes, &g.MetricFilterCount)
	if err != nil {
		return 0, g, err
	}
	g.CreatedAt = fromNanos(created)
	if tags != nil {
		if err := json.Unmarshal([]byte(*tags), &g.Tags); err != nil {
			return 0, g, fmt.Errorf("decode tags of log group %s: %w", g.Name, err)
		}
	}
	return id, g, nil
}

// encodeTags stores tags as JSON, and a nil map as NULL so that it comes
// back nil rather than empty.
func encodeTags(tags map[string]string) (*string, error) {
	if tags == nil {
		return nil, nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return nil, fmt.Errorf("encode tags: %w", err)
	}
	s := string(b)
	return &s, nil
}

// getGroup finds a group; ErrNotFound. lock takes the row's lock until
// the transaction ends.
func getGroup(ctx context.Context, q querier, account, region, name string, lock bool) (int64, trailwatch.LogGroup, error) {
	sql := `SELECT ` + groupColumns + ` FROM log_groups WHERE account_id = $1 AND region = $2 AND name = $3`
	if lock {
		sql += ` FOR UPDATE`
	}
	id, g, err := scanGroup(q.QueryRow(ctx, sql, account, region, name))
	return id, g, notFound(err)
}

// groupID finds a group's id; ErrNotFound. lock takes the row's lock until
// the transaction ends.
func groupID(ctx context.Context, q querier, account, region, name string, lock bool) (int64, error) {
	sql := `SELECT id FROM log_groups WHERE account_id = $1 AND region = $2 AND name = $3`
	if lock {
		sql += ` FOR UPDATE`
	}
	var id int64
	err := q.QueryRow(ctx, sql, account, region, name).Scan(&id)
	return id, notFound(err)
}

// streamID finds a stream's id in group gid; ErrNotFound. lock takes the
// row's lock until the transaction ends.
func streamID(ctx context.Context, q querier, gid int64, stream string, lock bool) (int64, error) {
	sql := `SELECT id FROM log_streams WHERE group_id = $1 AND name = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var id int64
	err := q.QueryRow(ctx, sql, gid, stream).Scan(&id)
	return id, notFound(err)
}

// argList collects query arguments and names their placeholders.
type argList []any

// add appends v and returns its placeholder.
func (a *argList) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

func (s logs) CreateLogGroup(ctx context.Context, g trailwatch.LogGroup) error {
	tags, err := encodeTags(g.Tags)
	if err != nil {
		return fmt.Errorf("create log group %s: %w", g.Name, err)
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO log_groups (account_id, region, name, created_at,
		retention_days, kms_key_id, class, deletion_protection, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
		g.AccountID, g.Region, g.Name, nanos(g.CreatedAt), g.RetentionDays, g.KMSKeyID, g.Class, g.DeletionProtection, tags)
	if err != nil {
		return fmt.Errorf("create log group %s: %w", g.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create log group %s: %w", g.Name, storage.ErrExists)
	}
	return nil
}

func (s logs) GetLogGroup(ctx context.Context, account, region, name string) (trailwatch.LogGroup, error) {
	_, g, err := getGroup(ctx, s.db.pool, account, region, name, false)
	if err != nil {
		return trailwatch.LogGroup{}, fmt.Errorf("get log group %s: %w", name, err)
	}
	return g, nil
}

func (s logs) ListLogGroups(ctx context.Context, q storage.LogGroupQuery) ([]trailwatch.LogGroup, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	var args argList
	var sb strings.Builder
	fmt.Fprintf(&sb, `SELECT `+groupColumns+` FROM log_groups WHERE account_id = %s AND region = %s AND name > %s`,
		args.add(q.AccountID), args.add(q.Region), args.add(q.After))
	if q.Prefix != "" {
		fmt.Fprintf(&sb, ` AND name >= %s`, args.add(q.Prefix))
		if end, ok := keyrange.PrefixEnd(q.Prefix); ok {
			fmt.Fprintf(&sb, ` AND name < %s`, args.add(end))
		}
	}
	if q.Contains != "" {
		// strpos compares bytes: a case-sensitive substring test.
		fmt.Fprintf(&sb, ` AND strpos(name, %s) > 0`, args.add(q.Contains))
	}
	if len(q.Names) > 0 {
		fmt.Fprintf(&sb, ` AND name = ANY(%s)`, args.add(q.Names))
	}
	fmt.Fprintf(&sb, ` ORDER BY name LIMIT %s`, args.add(q.Limit))
	rows, err := s.db.pool.Query(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list log groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.LogGroup, error) {
		_, g, err := scanGroup(r)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("list log groups: %w", err)
	}
	return out, nil
}

func (s logs) UpdateLogGroup(ctx context.Context, account, region, name string, fn func(*trailwatch.LogGroup) error) error {
	var fnErr error
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		id, g, err := getGroup(ctx, tx, account, region, name, true)
		if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			fnErr = err
			return err
		}
		tags, err := encodeTags(g.Tags)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE log_groups SET retention_days = $1, kms_key_id = $2, class = $3,
			deletion_protection = $4, tags = $5 WHERE id = $6`,
			g.RetentionDays, g.KMSKeyID, g.Class, g.DeletionProtection, tags, id)
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("update log group %s: %w", name, err)
	}
	return nil
}

func (s logs) DeleteLogGroup(ctx context.Context, account, region, name string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		id, err := groupID(ctx, tx, account, region, name, true)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM log_chunks WHERE group_id = $1`,
			`DELETE FROM log_streams WHERE group_id = $1`,
			`DELETE FROM log_metric_filters WHERE group_id = $1`,
			`DELETE FROM log_groups WHERE id = $1`,
		} {
			if _, err := tx.Exec(ctx, stmt, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete log group %s: %w", name, err)
	}
	return nil
}

const streamColumns = `s.name, s.created_at, s.first_event, s.last_event, s.last_ingestion`

func scanStream(r pgx.Row) (trailwatch.LogStream, error) {
	var (
		st                           trailwatch.LogStream
		created, first, last, ingest *int64
	)
	if err := r.Scan(&st.Name, &created, &first, &last, &ingest); err != nil {
		return st, err
	}
	st.CreatedAt = fromNanos(created)
	for _, f := range []struct {
		dst *int64
		src *int64
	}{{&st.FirstEventTime, first}, {&st.LastEventTime, last}, {&st.LastIngestionTime, ingest}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return st, nil
}

func (s logs) CreateLogStream(ctx context.Context, account, region, group string, st trailwatch.LogStream) error {
	// One statement: the group's id and the new row in the same snapshot.
	// A new stream has no events, whatever st says: its event times are
	// PutLogEvents' to set.
	var found, inserted bool
	err := s.db.pool.QueryRow(ctx, `WITH g AS (
			SELECT id FROM log_groups WHERE account_id = $1 AND region = $2 AND name = $3
		), ins AS (
			INSERT INTO log_streams (group_id, name, created_at) SELECT id, $4, $5 FROM g
			ON CONFLICT DO NOTHING RETURNING id
		)
		SELECT EXISTS (SELECT FROM g), EXISTS (SELECT FROM ins)`,
		account, region, group, st.Name, nanos(st.CreatedAt)).Scan(&found, &inserted)
	switch {
	case err != nil:
	case inserted:
		return nil
	case !found:
		err = storage.ErrNotFound
	default:
		err = storage.ErrExists
	}
	return fmt.Errorf("create log stream %s in %s: %w", st.Name, group, err)
}

func (s logs) GetLogStream(ctx context.Context, account, region, group, stream string) (trailwatch.LogStream, error) {
	st, err := scanStream(s.db.pool.QueryRow(ctx, `SELECT `+streamColumns+`
		FROM log_groups AS g JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4`, account, region, group, stream))
	if err != nil {
		return trailwatch.LogStream{}, fmt.Errorf("get log stream %s in %s: %w", stream, group, notFound(err))
	}
	return st, nil
}

func (s logs) ListLogStreams(ctx context.Context, q storage.LogStreamQuery) ([]trailwatch.LogStream, error) {
	gid, err := groupID(ctx, s.db.pool, q.AccountID, q.Region, q.Group, false)
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	if q.Limit <= 0 {
		return nil, nil
	}
	var args argList
	var sb strings.Builder
	fmt.Fprintf(&sb, `SELECT `+streamColumns+` FROM log_streams AS s WHERE group_id = %s`, args.add(gid))
	if q.Prefix != "" {
		fmt.Fprintf(&sb, ` AND name >= %s`, args.add(q.Prefix))
		if end, ok := keyrange.PrefixEnd(q.Prefix); ok {
			fmt.Fprintf(&sb, ` AND name < %s`, args.add(end))
		}
	}
	dir, cmp := "", ">"
	if q.Descending {
		dir, cmp = " DESC", "<"
	}
	// The expression matches log_streams_by_last_event's: a stream without
	// events sorts as if its last event were at 0, as LastEventTime says.
	switch {
	case q.ByLastEventTime && q.After != "":
		fmt.Fprintf(&sb, ` AND (coalesce(last_event, 0), name) %s (%s, %s)`, cmp, args.add(q.AfterEventTime), args.add(q.After))
	case q.After != "":
		fmt.Fprintf(&sb, ` AND name %s %s`, cmp, args.add(q.After))
	}
	if q.ByLastEventTime {
		sb.WriteString(` ORDER BY coalesce(last_event, 0)` + dir + `, name` + dir)
	} else {
		sb.WriteString(` ORDER BY name` + dir)
	}
	fmt.Fprintf(&sb, ` LIMIT %s`, args.add(q.Limit))
	rows, err := s.db.pool.Query(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.LogStream, error) { return scanStream(r) })
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	return out, nil
}

func (s logs) DeleteLogStream(ctx context.Context, account, region, group, stream string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		gid, err := groupID(ctx, tx, account, region, group, true)
		if err != nil {
			return err
		}
		sid, err := streamID(ctx, tx, gid, stream, true)
		if err != nil {
			return err
		}
		var stored, raw int64
		if err := tx.QueryRow(ctx, `WITH gone AS (
				DELETE FROM log_chunks WHERE stream_id = $1 RETURNING stored_bytes, raw_bytes
			) SELECT coalesce(sum(stored_bytes), 0), coalesce(sum(raw_bytes), 0) FROM gone`, sid).Scan(&stored, &raw); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM log_streams WHERE id = $1`, sid); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes - $1, raw_bytes = raw_bytes - $2
			WHERE id = $3`, stored, raw, gid)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete log stream %s in %s: %w", stream, group, err)
	}
	return nil
}
