package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/storage"
)

// metrics implements storage.Metrics.
type metrics struct{ db *DB }

// Metrics returns the CloudWatch metric store.
func (db *DB) Metrics() storage.Metrics { return metrics{db} }

var _ storage.Metrics = metrics{}

// seriesID returns the id of the series, creating it, and moves its
// last_ts forward to ts.
func seriesID(ctx context.Context, tx pgx.Tx, account, region, ns, name, dims string, ts int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO metric_series (account_id, region, namespace, name, dims, last_ts)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id, region, namespace, name, dims) DO UPDATE SET last_ts = greatest(metric_series.last_ts, excluded.last_ts)
		RETURNING id`, account, region, ns, name, dims, ts).Scan(&id)
	return id, err
}

// lockSeries serialises the read-merge-write of a series' buckets between
// nodes; callers lock in ascending id order so two batches cannot deadlock.
func lockSeries(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('metric_series', $1))`, id)
	return err
}

// mergeBucket adds agg to the stored bucket (creating it). The caller
// holds the series lock.
func mergeBucket(ctx context.Context, tx pgx.Tx, series int64, ts int64, res int, unit string, agg storage.Aggregate) error {
	var (
		count, sum, min, max float64
		sketch               []byte
	)
	err := tx.QueryRow(ctx, `SELECT count, sum, min, max, sketch FROM metric_buckets
		WHERE series_id = $1 AND ts = $2 AND resolution = $3 AND unit = $4`, series, ts, res, unit).Scan(&count, &sum, &min, &max, &sketch)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return err
	default:
		cur, err := storage.DecodeBucket(count, sum, min, max, sketch)
		if err != nil {
			return err
		}
		cur.Merge(agg)
		agg = cur
	}
	_, err = tx.Exec(ctx, `INSERT INTO metric_buckets (series_id, ts, resolution, unit, count, sum, min, max, sketch)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (series_id, ts, resolution, unit) DO UPDATE SET count = excluded.count, sum = excluded.sum,
			min = excluded.min, max = excluded.max, sketch = excluded.sketch`,
		series, ts, res, unit, agg.SampleCount, agg.Sum, agg.Minimum, agg.Maximum, storage.EncodeSketch(agg))
	return err
}

func (s metrics) PutMetricData(ctx context.Context, account, region string, data []storage.MetricDatum) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error { return putMetricRows(ctx, tx, account, region, data) })
	if err != nil {
		return fmt.Errorf("put metric data: %w", err)
	}
	return nil
}

// putMetricRows is PutMetricData within tx, which PutLogEvents shares to
// store its metric filters' output with the events.
func putMetricRows(ctx context.Context, tx pgx.Tx, account, region string, data []storage.MetricDatum) error {
	merged := storage.MergeBucketRows(data)
	type sk struct{ ns, name, dims string }
	newest := map[sk]int64{}
	for k := range merged {
		key := sk{k.Namespace, k.Name, k.Dims}
		newest[key] = max(newest[key], k.Time)
	}
	// Series rows are upserted in key order so concurrent batches
	// take their row locks in the same order.
	keys := make([]sk, 0, len(newest))
	for k := range newest {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b sk) int {
		if a.ns != b.ns {
			return cmpStr(a.ns, b.ns)
		}
		if a.name != b.name {
			return cmpStr(a.name, b.name)
		}
		return cmpStr(a.dims, b.dims)
	})
	ids := map[sk]int64{}
	var sorted []int64
	for _, key := range keys {
		id, err := seriesID(ctx, tx, account, region, key.ns, key.name, key.dims, newest[key])
		if err != nil {
			return err
		}
		ids[key] = id
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	for _, id := range sorted {
		if err := lockSeries(ctx, tx, id); err != nil {
			return err
		}
	}
	for k, d := range merged {
		if err := mergeBucket(ctx, tx, ids[sk{k.Namespace, k.Name, k.Dims}], k.Time, k.Resolution, k.Unit, d.Agg); err != nil {
			return err
		}
	}
	return nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s metrics) ReadMetric(ctx context.Context, account, region string, m storage.Metric, start, end time.Time) ([]storage.MetricBucket, error) {
	endSec := end.Unix()
	if end.Nanosecond() > 0 {
		endSec++
	}
	rows, err := s.db.pool.Query(ctx, `SELECT b.unit, b.resolution, b.ts, b.count, b.sum, b.min, b.max, b.sketch
		FROM metric_series s JOIN metric_buckets b ON b.series_id = s.id
		WHERE s.account_id = $1 AND s.region = $2 AND s.namespace = $3 AND s.name = $4 AND s.dims = $5
		AND b.ts >= $6 AND b.ts < $7 ORDER BY b.ts`,
		account, region, m.Namespace, m.Name, storage.EncodeDimensions(m.Dimensions), start.Unix(), endSec)
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

func (s metrics) ListMetrics(ctx context.Context, q storage.ListMetricsQuery) ([]storage.Metric, string, error) {
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
		rows, err := s.db.pool.Query(ctx, `SELECT id, namespace, name, dims FROM metric_series
			WHERE account_id = $1 AND region = $2 AND ($3 = '' OR namespace = $3) AND ($4 = '' OR name = $4)
			AND last_ts >= $5 AND id > $6 ORDER BY id LIMIT $7`,
			q.Account, q.Region, q.Namespace, q.Name, q.ActiveSince.Unix(), after, q.Limit+1)
		if err != nil {
			return nil, "", fmt.Errorf("list metrics: %w", err)
		}
		type row struct {
			id   int64
			m    storage.Metric
			dims string
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.m.Namespace, &x.m.Name, &x.dims)
			return x, err
		})
		if err != nil {
			return nil, "", fmt.Errorf("list metrics: %w", err)
		}
		for _, x := range batch {
			if x.m.Dimensions, err = storage.DecodeDimensions(x.dims); err != nil {
				return nil, "", err
			}
			if !storage.Matches(x.m.Dimensions, q.Dimensions) {
				after = x.id
				continue
			}
			if len(out) == q.Limit {
				return out, strconv.FormatInt(after, 10), nil
			}
			out = append(out, x.m)
			after = x.id
		}
		if len(batch) <= q.Limit {
			return out, "", nil
		}
	}
}

func (s metrics) RollUpMetrics(ctx context.Context, from, to int, before time.Time, limit int) (int, error) {
	moved := 0
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT series_id, ts, unit, count, sum, min, max, sketch FROM metric_buckets
			WHERE resolution = $1 AND ts < $2 ORDER BY ts LIMIT $3`, from, before.Unix(), limit)
		if err != nil {
			return err
		}
		type key struct {
			series int64
			ts     int64
			unit   string
		}
		type srcRow struct {
			k      key
			bucket storage.Aggregate
		}
		src, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (srcRow, error) {
			var (
				x                    srcRow
				count, sum, min, max float64
				sketch               []byte
			)
			if err := r.Scan(&x.k.series, &x.k.ts, &x.k.unit, &count, &sum, &min, &max, &sketch); err != nil {
				return x, err
			}
			x.bucket, err = storage.DecodeBucket(count, sum, min, max, sketch)
			return x, err
		})
		if err != nil {
			return err
		}
		target := map[key]*storage.Aggregate{}
		var series []int64
		for _, x := range src {
			t := key{x.k.series, x.k.ts - mod(x.k.ts, int64(to)), x.k.unit}
			if cur := target[t]; cur != nil {
				cur.Merge(x.bucket)
			} else {
				b := x.bucket
				target[t] = &b
				series = append(series, t.series)
			}
		}
		slices.Sort(series)
		for _, id := range slices.Compact(series) {
			if err := lockSeries(ctx, tx, id); err != nil {
				return err
			}
		}
		for _, x := range src {
			if _, err := tx.Exec(ctx, `DELETE FROM metric_buckets WHERE series_id = $1 AND ts = $2 AND resolution = $3 AND unit = $4`,
				x.k.series, x.k.ts, from, x.k.unit); err != nil {
				return err
			}
		}
		for t, b := range target {
			if err := mergeBucket(ctx, tx, t.series, t.ts, to, t.unit, *b); err != nil {
				return err
			}
		}
		moved = len(src)
		return nil
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
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM metric_buckets WHERE (series_id, ts, resolution, unit) IN (
			SELECT series_id, ts, resolution, unit FROM metric_buckets WHERE resolution = $1 AND ts < $2 LIMIT $3)`,
			resolution, before.Unix(), limit)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM metric_series WHERE last_ts < $1
			AND NOT EXISTS (SELECT 1 FROM metric_buckets WHERE series_id = metric_series.id)`, before.Unix())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete metric data: %w", err)
	}
	return int(n), nil
}

func (s metrics) ReadMetrics(ctx context.Context, reads []storage.MetricRead) ([][]storage.MetricBucket, error) {
	out := make([][]storage.MetricBucket, len(reads))
	if len(reads) == 0 {
		return out, nil
	}
	var (
		accounts, regions, namespaces, names, dims = make([]string, len(reads)), make([]string, len(reads)),
			make([]string, len(reads)), make([]string, len(reads)), make([]string, len(reads))
		starts, ends = make([]int64, len(reads)), make([]int64, len(reads))
	)
	for i, r := range reads {
		accounts[i], regions[i], namespaces[i], names[i] = r.Account, r.Region, r.Metric.Namespace, r.Metric.Name
		dims[i] = storage.EncodeDimensions(r.Metric.Dimensions)
		starts[i], ends[i] = r.Start.Unix(), r.End.Unix()
		if r.End.Nanosecond() > 0 {
			ends[i]++
		}
	}
	rows, err := s.db.pool.Query(ctx, `SELECT q.i - 1, b.unit, b.resolution, b.ts, b.count, b.sum, b.min, b.max, b.sketch
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
			WITH ORDINALITY AS q(account_id, region, namespace, name, dims, start_ts, end_ts, i)
		JOIN metric_series s ON s.account_id = q.account_id AND s.region = q.region AND s.namespace = q.namespace
			AND s.name = q.name AND s.dims = q.dims
		JOIN metric_buckets b ON b.series_id = s.id AND b.ts >= q.start_ts AND b.ts < q.end_ts
		ORDER BY q.i, b.ts`, accounts, regions, namespaces, names, dims, starts, ends)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			i                    int
			b                    storage.MetricBucket
			ts                   int64
			count, sum, min, max float64
			sketch               []byte
		)
		if err := rows.Scan(&i, &b.Unit, &b.Resolution, &ts, &count, &sum, &min, &max, &sketch); err != nil {
			return nil, fmt.Errorf("read metrics: %w", err)
		}
		if i < 0 || i >= len(out) {
			return nil, fmt.Errorf("read metrics: BUG: range %d of %d", i, len(out))
		}
		b.Time = time.Unix(ts, 0).UTC()
		if b.Agg, err = storage.DecodeBucket(count, sum, min, max, sketch); err != nil {
			return nil, fmt.Errorf("read metrics: %w", err)
		}
		out[i] = append(out[i], b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return out, nil
}
