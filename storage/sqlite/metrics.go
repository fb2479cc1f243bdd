package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// metrics implements storage.Metrics.
type metrics struct{ db *DB }

// Metrics returns the CloudWatch metric store.
func (db *DB) Metrics() storage.Metrics { return metrics{db} }

var _ storage.Metrics = metrics{}

func (s metrics) ReadMetric(ctx context.Context, account, region string, m storage.Metric, start, end time.Time) ([]storage.MetricBucket, error) {
	if err := s.db.flushMetrics(ctx); err != nil {
		return nil, fmt.Errorf("read metric: %w", err)
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT b.unit, b.resolution, b.ts, b.count, b.sum, b.min, b.max, b.sketch
		FROM metric_series s JOIN metric_buckets b ON b.series_id = s.id
		WHERE s.account_id = ? AND s.region = ? AND s.namespace = ? AND s.name = ? AND s.dims = ?
		AND b.ts >= ? AND b.ts < ? ORDER BY b.ts`,
		account, region, m.Namespace, m.Name, storage.EncodeDimensions(m.Dimensions), start.Unix(), ceilSeconds(end))
	if err != nil {
		return nil, fmt.Errorf("read metric: %w", err)
	}
	defer rows.Close()
	var out []storage.MetricBucket
	for rows.Next() {
		var (
			b                    storage.MetricBucket
			ts                   int64
			count, sum, min, max float64
			sketch               []byte
		)
		if err := rows.Scan(&b.Unit, &b.Resolution, &ts, &count, &sum, &min, &max, &sketch); err != nil {
			return nil, fmt.Errorf("read metric: %w", err)
		}
		b.Time = time.Unix(ts, 0).UTC()
		if b.Agg, err = storage.DecodeBucket(count, sum, min, max, sketch); err != nil {
			return nil, fmt.Errorf("read metric: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read metric: %w", err)
	}
	return out, nil
}

// ceilSeconds is the first whole second not before t, the exclusive end
// of a range of bucket starts.
func ceilSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func (s metrics) ListMetrics(ctx context.Context, q storage.ListMetricsQuery) ([]storage.Metric, string, error) {
	if err := s.db.flushMetrics(ctx); err != nil {
		return nil, "", fmt.Errorf("list metrics: %w", err)
	}
	after := int64(0)
	if q.After != "" {
		var err error
		if after, err = strconv.ParseInt(q.After, 10, 64); err != nil {
			return nil, "", fmt.Errorf("list metrics: bad position %q", q.After)
		}
	}
	var out []storage.Metric
	for {
		// Dimension filters are applied here, so a page is read in
		// batches until it is full or the series run out.
		rows, err := s.db.r.QueryContext(ctx, `SELECT id, namespace, name, dims FROM metric_series
			WHERE account_id = ? AND region = ? AND (? = '' OR namespace = ?) AND (? = '' OR name = ?)
			AND last_ts >= ? AND id > ? ORDER BY id LIMIT ?`,
			q.Account, q.Region, q.Namespace, q.Namespace, q.Name, q.Name, q.ActiveSince.Unix(), after, q.Limit+1)
		if err != nil {
			return nil, "", fmt.Errorf("list metrics: %w", err)
		}
		n := 0
		for rows.Next() {
			n++
			var (
				m    storage.Metric
				dims string
				id   int64
			)
			if err := rows.Scan(&id, &m.Namespace, &m.Name, &dims); err != nil {
				rows.Close()
				return nil, "", fmt.Errorf("list metrics: %w", err)
			}
			if m.Dimensions, err = storage.DecodeDimensions(dims); err != nil {
				rows.Close()
				return nil, "", err
			}
			if !storage.Matches(m.Dimensions, q.Dimensions) {
				after = id
				continue
			}
			if len(out) == q.Limit {
				rows.Close()
				return out, strconv.FormatInt(after, 10), nil
			}
			out = append(out, m)
			after = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, "", fmt.Errorf("list metrics: %w", err)
		}
		if n <= q.Limit {
			return out, "", nil
		}
	}
}

func (s metrics) RollUpMetrics(ctx context.Context, from, to int, before time.Time, limit int) (int, error) {
	moved := 0
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		// Journaled data may fall in the buckets this moves.
		if err := s.db.mergeMetricJournal(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT series_id, ts, unit, count, sum, min, max, sketch FROM metric_buckets
			WHERE resolution = ? AND ts < ? ORDER BY ts LIMIT ?`, from, before.Unix(), limit)
		if err != nil {
			return err
		}
		type key struct {
			series int64
			ts     int64
			unit   string
		}
		var (
			src    []key
			target = map[key]*storage.Aggregate{}
		)
		for rows.Next() {
			var (
				k                    key
				count, sum, min, max float64
				sketch               []byte
			)
			if err := rows.Scan(&k.series, &k.ts, &k.unit, &count, &sum, &min, &max, &sketch); err != nil {
				rows.Close()
				return err
			}
			b, err := storage.DecodeBucket(count, sum, min, max, sketch)
			if err != nil {
				rows.Close()
				return err
			}
			src = append(src, k)
			t := key{k.series, k.ts - mod(k.ts, int64(to)), k.unit}
			if cur := target[t]; cur != nil {
				cur.Merge(b)
			} else {
				target[t] = &b
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		for _, k := range src {
			if _, err := tx.ExecContext(ctx, `DELETE FROM metric_buckets WHERE series_id = ? AND ts = ? AND resolution = ? AND unit = ?`,
				k.series, k.ts, from, k.unit); err != nil {
				return err
			}
		}
		c, err := s.db.metricCacheFor(ctx, tx)
		if err != nil {
			return err
		}
		merge := make([]bucketRow, 0, len(target))
		for t, b := range target {
			merge = append(merge, bucketRow{bucketKey{t.series, t.ts, to, t.unit}, *b})
		}
		for _, k := range src {
			if a, ok := c.buckets[bucketKey{k.series, k.ts, from, k.unit}]; ok {
				c.bytes -= aggBytes(a)
				delete(c.buckets, bucketKey{k.series, k.ts, from, k.unit})
			}
		}
		moved = len(src)
		return s.db.mergeBuckets(ctx, tx, c, merge)
	})
	if err != nil {
		return 0, fmt.Errorf("roll up metrics: %w", err)
	}
	return moved, nil
}

// mod is the non-negative remainder, so buckets before 1970 align down.
func mod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

func (s metrics) DeleteMetricData(ctx context.Context, resolution int, before time.Time, limit int) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if err := s.db.mergeMetricJournal(ctx, tx); err != nil {
			return err
		}
		// Which buckets and series go is decided in SQL: the writer's
		// cache starts over.
		c, err := s.db.metricCacheFor(ctx, tx)
		if err != nil {
			return err
		}
		c.reset()
		res, err := tx.ExecContext(ctx, `DELETE FROM metric_buckets WHERE (series_id, ts, resolution, unit) IN (
			SELECT series_id, ts, resolution, unit FROM metric_buckets WHERE resolution = ? AND ts < ? LIMIT ?)`,
			resolution, before.Unix(), limit)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM metric_series WHERE last_ts < ?
			AND NOT EXISTS (SELECT 1 FROM metric_buckets WHERE series_id = metric_series.id)`, before.Unix())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete metric data: %w", err)
	}
	return int(n), nil
}

// readMetricsSQL reads the buckets of many (account, region, namespace,
// name, dims, start, end) ranges, a JSON array, in one statement; each row
// carries the index of its range.
const readMetricsSQL = `SELECT j.key, b.unit, b.resolution, b.ts, b.count, b.sum, b.min, b.max, b.sketch
	FROM json_each(?) j CROSS JOIN metric_series s CROSS JOIN metric_buckets b
	WHERE s.account_id = j.value->>0 AND s.region = j.value->>1 AND s.namespace = j.value->>2
	AND s.name = j.value->>3 AND s.dims = j.value->>4
	AND b.series_id = s.id AND b.ts >= j.value->>5 AND b.ts < j.value->>6
	ORDER BY j.key, b.ts`

func (s metrics) ReadMetrics(ctx context.Context, reads []storage.MetricRead) ([][]storage.MetricBucket, error) {
	out := make([][]storage.MetricBucket, len(reads))
	if len(reads) == 0 {
		return out, nil
	}
	if err := s.db.flushMetrics(ctx); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	args := make([][7]any, len(reads))
	for i, r := range reads {
		args[i] = [7]any{r.Account, r.Region, r.Metric.Namespace, r.Metric.Name, storage.EncodeDimensions(r.Metric.Dimensions),
			r.Start.Unix(), ceilSeconds(r.End)}
	}
	js, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	rows, err := s.db.r.QueryContext(ctx, readMetricsSQL, string(js))
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer rows.Close()
	if err := storage.ScanMetricReads(rows, out); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return out, nil
}
