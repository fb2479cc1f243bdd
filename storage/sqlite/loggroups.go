package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/keyrange"
)

// logs implements storage.Logs.
type logs struct{ db *DB }

// Logs returns the CloudWatch Logs store.
func (db *DB) Logs() storage.Logs { return logs{db} }

var _ storage.Logs = logs{}

const groupColumns = `id, account_id, region, name, created_at, retention_days, kms_key_id, class,
	deletion_protection, tags, stored_bytes, raw_bytes,
	(SELECT count(*) FROM log_metric_filters AS f WHERE f.group_id = log_groups.id)`

// scanGroup reads a row of groupColumns.
func scanGroup(r scanner) (id int64, g trailwatch.LogGroup, err error) {
	var (
		created sql.NullInt64
		tags    sql.NullString
	)
	err = r.Scan(&id, &g.AccountID, &g.Region, &g.Name, &created, &g.RetentionDays, &g.KMSKeyID, &g.Class,
		&g.DeletionProtection, &tags, &g.StoredBytes, &g.RawBytes, &g.MetricFilterCount)
	if err != nil {
		return 0, g, err
	}
	g.CreatedAt = fromNanos(created)
	if tags.Valid {
		if err := json.Unmarshal([]byte(tags.String), &g.Tags); err != nil {
			return 0, g, fmt.Errorf("decode tags of log group %s: %w", g.Name, err)
		}
	}
	return id, g, nil
}

// encodeTags stores tags as JSON, and a nil map as NULL so that it comes
// back nil rather than empty.
func encodeTags(tags map[string]string) (any, error) {
	if tags == nil {
		return nil, nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return nil, fmt.Errorf("encode tags: %w", err)
	}
	return string(b), nil
}

// getGroup finds a group; ErrNotFound.
func getGroup(ctx context.Context, q querier, account, region, name string) (int64, trailwatch.LogGroup, error) {
	id, g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM log_groups
		WHERE account_id = ? AND region = ? AND name = ?`, account, region, name))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return id, g, err
}

// groupID finds a group's id; ErrNotFound.
func groupID(ctx context.Context, q querier, account, region, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM log_groups WHERE account_id = ? AND region = ? AND name = ?`,
		account, region, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return id, err
}

// streamID finds a stream's and its group's ids; ErrNotFound when either
// is missing.
func streamID(ctx context.Context, q querier, account, region, group, stream string) (gid, sid int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT g.id, s.id FROM log_groups AS g JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = ? AND g.region = ? AND g.name = ? AND s.name = ?`,
		account, region, group, stream).Scan(&gid, &sid)
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return gid, sid, err
}

func (s logs) CreateLogGroup(ctx context.Context, g trailwatch.LogGroup) error {
	tags, err := encodeTags(g.Tags)
	if err != nil {
		return fmt.Errorf("create log group %s: %w", g.Name, err)
	}
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		return insertNew(ctx, tx, `INSERT INTO log_groups (account_id, region, name, created_at,
			retention_days, kms_key_id, class, deletion_protection, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			g.AccountID, g.Region, g.Name, nanos(g.CreatedAt), g.RetentionDays, g.KMSKeyID, g.Class, g.DeletionProtection, tags)
	})
	if err != nil {
		return fmt.Errorf("create log group %s: %w", g.Name, err)
	}
	return nil
}

func (s logs) GetLogGroup(ctx context.Context, account, region, name string) (trailwatch.LogGroup, error) {
	_, g, err := getGroup(ctx, s.db.r, account, region, name)
	if err != nil {
		return trailwatch.LogGroup{}, fmt.Errorf("get log group %s: %w", name, err)
	}
	return g, nil
}

func (s logs) ListLogGroups(ctx context.Context, q storage.LogGroupQuery) ([]trailwatch.LogGroup, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	var sb strings.Builder
	sb.WriteString(`SELECT ` + groupColumns + ` FROM log_groups WHERE account_id = ? AND region = ? AND name > ?`)
	args := []any{q.AccountID, q.Region, q.After}
	if q.Prefix != "" {
		sb.WriteString(` AND name >= ?`)
		args = append(args, q.Prefix)
		if end, ok := keyrange.PrefixEnd(q.Prefix); ok {
			sb.WriteString(` AND name < ?`)
			args = append(args, end)
		}
	}
	if q.Contains != "" {
		// instr compares bytes: a case-sensitive substring test.
		sb.WriteString(` AND instr(name, ?) > 0`)
		args = append(args, q.Contains)
	}
	if len(q.Names) > 0 {
		names, err := json.Marshal(q.Names)
		if err != nil {
			return nil, fmt.Errorf("list log groups: %w", err)
		}
		sb.WriteString(` AND name IN (SELECT value FROM json_each(?))`)
		args = append(args, string(names))
	}
	sb.WriteString(` ORDER BY name LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := s.db.r.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list log groups: %w", err)
	}
	defer rows.Close()
	var out []trailwatch.LogGroup
	for rows.Next() {
		_, g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("list log groups: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list log groups: %w", err)
	}
	return out, nil
}

func (s logs) UpdateLogGroup(ctx context.Context, account, region, name string, fn func(*trailwatch.LogGroup) error) error {
	var fnErr error
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		id, g, err := getGroup(ctx, tx, account, region, name)
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
		_, err = tx.ExecContext(ctx, `UPDATE log_groups SET retention_days = ?, kms_key_id = ?, class = ?,
			deletion_protection = ?, tags = ? WHERE id = ?`,
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		id, err := groupID(ctx, tx, account, region, name)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM log_chunks WHERE group_id = ?`,
			`DELETE FROM log_streams WHERE group_id = ?`,
			`DELETE FROM log_metric_filters WHERE group_id = ?`,
			`DELETE FROM log_groups WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
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

func scanStream(r scanner) (trailwatch.LogStream, error) {
	var (
		st                           trailwatch.LogStream
		created, first, last, ingest sql.NullInt64
	)
	if err := r.Scan(&st.Name, &created, &first, &last, &ingest); err != nil {
		return st, err
	}
	st.CreatedAt = fromNanos(created)
	st.FirstEventTime, st.LastEventTime, st.LastIngestionTime = first.Int64, last.Int64, ingest.Int64
	return st, nil
}

func (s logs) CreateLogStream(ctx context.Context, account, region, group string, st trailwatch.LogStream) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		gid, err := groupID(ctx, tx, account, region, group)
		if err != nil {
			return err
		}
		// A new stream has no events, whatever st says: its event times
		// are PutLogEvents' to set.
		return insertNew(ctx, tx, `INSERT INTO log_streams (group_id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, gid, st.Name, nanos(st.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("create log stream %s in %s: %w", st.Name, group, err)
	}
	return nil
}

func (s logs) GetLogStream(ctx context.Context, account, region, group, stream string) (trailwatch.LogStream, error) {
	st, err := scanStream(s.db.r.QueryRowContext(ctx, `SELECT `+streamColumns+`
		FROM log_groups AS g JOIN log_streams AS s ON s.group_id = g.id
		WHERE g.account_id = ? AND g.region = ? AND g.name = ? AND s.name = ?`, account, region, group, stream))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return trailwatch.LogStream{}, fmt.Errorf("get log stream %s in %s: %w", stream, group, err)
	}
	return st, nil
}

func (s logs) ListLogStreams(ctx context.Context, q storage.LogStreamQuery) ([]trailwatch.LogStream, error) {
	gid, err := groupID(ctx, s.db.r, q.AccountID, q.Region, q.Group)
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	if q.Limit <= 0 {
		return nil, nil
	}
	var sb strings.Builder
	sb.WriteString(`SELECT ` + streamColumns + ` FROM log_streams AS s WHERE group_id = ?`)
	args := []any{gid}
	if q.Prefix != "" {
		sb.WriteString(` AND name >= ?`)
		args = append(args, q.Prefix)
		if end, ok := keyrange.PrefixEnd(q.Prefix); ok {
			sb.WriteString(` AND name < ?`)
			args = append(args, end)
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
		sb.WriteString(` AND (coalesce(last_event, 0), name) ` + cmp + ` (?, ?)`)
		args = append(args, q.AfterEventTime, q.After)
	case q.After != "":
		sb.WriteString(` AND name ` + cmp + ` ?`)
		args = append(args, q.After)
	}
	if q.ByLastEventTime {
		sb.WriteString(` ORDER BY coalesce(last_event, 0)` + dir + `, name` + dir)
	} else {
		sb.WriteString(` ORDER BY name` + dir)
	}
	sb.WriteString(` LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := s.db.r.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanStream)
	if err != nil {
		return nil, fmt.Errorf("list log streams of %s: %w", q.Group, err)
	}
	return out, nil
}

func (s logs) DeleteLogStream(ctx context.Context, account, region, group, stream string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		gid, sid, err := streamID(ctx, tx, account, region, group, stream)
		if err != nil {
			return err
		}
		var stored, raw int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(stored_bytes), 0), coalesce(sum(raw_bytes), 0)
			FROM log_chunks WHERE stream_id = ?`, sid).Scan(&stored, &raw); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM log_chunks WHERE stream_id = ?`, sid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM log_streams WHERE id = ?`, sid); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes - ?, raw_bytes = raw_bytes - ?
			WHERE id = ?`, stored, raw, gid)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete log stream %s in %s: %w", stream, group, err)
	}
	return nil
}
