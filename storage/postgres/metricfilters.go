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

func (s logs) PutMetricFilter(ctx context.Context, account, region string, f trailwatch.MetricFilter, maxPerGroup int) error {
	trans, err := json.Marshal(f.Transformations)
	if err != nil {
		return fmt.Errorf("put metric filter %s: encode transformations: %w", f.Name, err)
	}
	dims, err := json.Marshal(f.EmitSystemFieldDimensions)
	if err != nil {
		return fmt.Errorf("put metric filter %s: encode dimensions: %w", f.Name, err)
	}
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		// The group's lock serialises the count and the insert against
		// other nodes putting filters in the same group.
		gid, err := groupID(ctx, tx, account, region, f.Group, true)
		if err != nil {
			return err
		}
		var others int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM log_metric_filters WHERE group_id = $1 AND name <> $2`,
			gid, f.Name).Scan(&others); err != nil {
			return err
		}
		if others >= maxPerGroup {
			return storage.ErrLimitExceeded
		}
		_, err = tx.Exec(ctx, `INSERT INTO log_metric_filters (group_id, name, pattern, transformations, created_at,
				apply_on_transformed_logs, field_selection_criteria, emit_system_field_dimensions)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (group_id, name) DO UPDATE SET pattern = excluded.pattern,
				transformations = excluded.transformations, created_at = excluded.created_at,
				apply_on_transformed_logs = excluded.apply_on_transformed_logs,
				field_selection_criteria = excluded.field_selection_criteria,
				emit_system_field_dimensions = excluded.emit_system_field_dimensions`,
			gid, f.Name, f.Pattern, string(trans), nanos(f.CreatedAt), f.ApplyOnTransformedLogs,
			f.FieldSelectionCriteria, string(dims))
		return err
	})
	if err != nil {
		return fmt.Errorf("put metric filter %s in %s: %w", f.Name, f.Group, err)
	}
	return nil
}

func (s logs) ListMetricFilters(ctx context.Context, q storage.MetricFilterQuery) ([]trailwatch.MetricFilter, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	var args argList
	var sb strings.Builder
	fmt.Fprintf(&sb, `SELECT g.name, f.name, f.pattern, f.transformations, f.created_at, f.apply_on_transformed_logs,
			f.field_selection_criteria, f.emit_system_field_dimensions
		FROM log_groups AS g JOIN log_metric_filters AS f ON f.group_id = g.id
		WHERE g.account_id = %s AND g.region = %s AND (g.name, f.name) > (%s, %s)`,
		args.add(q.AccountID), args.add(q.Region), args.add(q.AfterGroup), args.add(q.After))
	if q.Group != "" {
		fmt.Fprintf(&sb, ` AND g.name = %s`, args.add(q.Group))
	}
	if q.NamePrefix != "" {
		fmt.Fprintf(&sb, ` AND f.name >= %s`, args.add(q.NamePrefix))
		if end, ok := keyrange.PrefixEnd(q.NamePrefix); ok {
			fmt.Fprintf(&sb, ` AND f.name < %s`, args.add(end))
		}
	}
	sb.WriteString(` ORDER BY g.name, f.name`)
	// The metric selection looks into the JSON of the transformations, so
	// it is done here, and the limit with it.
	rows, err := s.db.pool.Query(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list metric filters: %w", err)
	}
	defer rows.Close()
	var out []trailwatch.MetricFilter
	for len(out) < q.Limit && rows.Next() {
		var (
			f           trailwatch.MetricFilter
			trans, dims string
			created     *int64
		)
		if err := rows.Scan(&f.Group, &f.Name, &f.Pattern, &trans, &created, &f.ApplyOnTransformedLogs,
			&f.FieldSelectionCriteria, &dims); err != nil {
			return nil, fmt.Errorf("list metric filters: %w", err)
		}
		f.CreatedAt = fromNanos(created)
		if err := json.Unmarshal([]byte(trans), &f.Transformations); err != nil {
			return nil, fmt.Errorf("list metric filters: decode transformations of %s: %w", f.Name, err)
		}
		if err := json.Unmarshal([]byte(dims), &f.EmitSystemFieldDimensions); err != nil {
			return nil, fmt.Errorf("list metric filters: decode dimensions of %s: %w", f.Name, err)
		}
		if emitsMetric(f, q.MetricName, q.MetricNamespace) {
			out = append(out, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list metric filters: %w", err)
	}
	return out, nil
}

// emitsMetric reports whether one of f's transformations emits the metric
// name in namespace; an empty name or namespace matches any.
func emitsMetric(f trailwatch.MetricFilter, name, namespace string) bool {
	if name == "" && namespace == "" {
		return true
	}
	for _, t := range f.Transformations {
		if (name == "" || t.MetricName == name) && (namespace == "" || t.MetricNamespace == namespace) {
			return true
		}
	}
	return false
}

func (s logs) DeleteMetricFilter(ctx context.Context, account, region, group, name string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM log_metric_filters AS f USING log_groups AS g
		WHERE f.group_id = g.id AND g.account_id = $1 AND g.region = $2 AND g.name = $3 AND f.name = $4`,
		account, region, group, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete metric filter %s in %s: %w", name, group, err)
	}
	return nil
}

// groupFilters returns the metric filters of group gid, for PutLogEvents
// to apply: only what emitting needs.
func (s logs) groupFilters(ctx context.Context, gid int64) ([]trailwatch.MetricFilter, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT name, pattern, transformations FROM log_metric_filters WHERE group_id = $1 ORDER BY name`, gid)
	if err != nil {
		return nil, fmt.Errorf("metric filters: %w", err)
	}
	defer rows.Close()
	var out []trailwatch.MetricFilter
	for rows.Next() {
		var (
			f     trailwatch.MetricFilter
			trans string
		)
		if err := rows.Scan(&f.Name, &f.Pattern, &trans); err != nil {
			return nil, fmt.Errorf("metric filters: %w", err)
		}
		if err := json.Unmarshal([]byte(trans), &f.Transformations); err != nil {
			return nil, fmt.Errorf("metric filters: decode transformations of %s: %w", f.Name, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("metric filters: %w", err)
	}
	return out, nil
}
