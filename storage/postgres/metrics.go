package postgres

import (
	"context"
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

// A journal merge is a read-merge-write of one bucket row per metric,
// unit, width and bucket start. It runs as a handful of statements
// whatever its size: one upsert of its series, one read of the buckets it
// touches and one upsert of them, each over arrays (unnest). Every writer
// of buckets (the merge, roll-up, retention) holds the journal lock
// (journalLock) for its transaction, which is what keeps two nodes'
// read-merge-writes of a bucket apart.

// customPlan runs a statement over arrays unprepared, so it is planned
// for the arrays it is given: a cached statement turns generic after
// five runs, and the generic plan of a join against unnest guesses its
// size and scans whole tables (two orders of magnitude slower here).
// For the same reason the tables are joined LATERAL, one index lookup
// per array element (LIMIT and OFFSET keep the planner from flattening
// that into a plain join): a hash join scans every row and every dead
// version the batches' updates leave until vacuum.
const customPlan = pgx.QueryExecModeCacheDescribe

// bucketRow is an aggregate to add to one stored bucket.
type bucketRow struct {
	series int64
	ts     int64
	res    int
	unit   string
	agg    storage.Aggregate
}

// bucketLookup reads the stored buckets of the keys in its arrays. It
// gives the index only the primary key's leading columns and filters
// resolution and unit above the scan (OFFSET 0 keeps them there): given
// all four, a planner without statistics, as on a new table until
// autovacuum analyzes it, may take metric_buckets_age (resolution, ts)
// instead, and then every lookup reads every bucket of its minute, which
// made the merges of a busy minute quadratic.
const bucketLookup = `SELECT b.series_id, b.ts, b.resolution, b.unit, b.count, b.sum, b.min, b.max, b.sketch
	FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[]) AS k(series_id, ts, resolution, unit)
	CROSS JOIN LATERAL (SELECT * FROM metric_buckets b WHERE b.series_id = k.series_id AND b.ts = k.ts OFFSET 0) AS b
	WHERE b.resolution = k.resolution AND b.unit = k.unit`

// mergeBuckets adds each row's aggregate to its stored bucket, creating
// it; keys are distinct. The caller holds the journal lock.
func mergeBuckets(ctx context.Context, tx pgx.Tx, rows []bucketRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	var (
		series, ts  = make([]int64, n), make([]int64, n)
		res         = make([]int32, n)
		units       = make([]string, n)
		counts, sum = make([]float64, n), make([]float64, n)
		mins, maxs  = make([]float64, n), make([]float64, n)
		sketches    = make([][]byte, n)
	)
	for i, r := range rows {
		series[i], ts[i], res[i], units[i] = r.series, r.ts, int32(r.res), r.unit
	}
	type key struct {
		series, ts int64
		res        int32
		unit       string
	}
	cur, err := tx.Query(ctx, bucketLookup, customPlan,
		series, ts, res, units)
	if err != nil {
		return err
	}
	stored := map[key]storage.Aggregate{}
	for cur.Next() {
		var (
			k                  key
			count, s, min, max float64
			sketch             []byte
		)
		if err := cur.Scan(&k.series, &k.ts, &k.res, &k.unit, &count, &s, &min, &max, &sketch); err != nil {
			cur.Close()
			return err
		}
		a, err := storage.DecodeBucket(count, s, min, max, sketch)
		if err != nil {
			cur.Close()
			return err
		}
		stored[k] = a
	}
	cur.Close()
	if err := cur.Err(); err != nil {
		return err
	}
	for i, r := range rows {
		a := stored[key{r.series, r.ts, int32(r.res), r.unit}]
		a.Merge(r.agg)
		counts[i], sum[i], mins[i], maxs[i], sketches[i] = a.SampleCount, a.Sum, a.Minimum, a.Maximum, storage.EncodeSketch(a)
	}
	_, err = tx.Exec(ctx, `INSERT INTO metric_buckets (series_id, ts, resolution, unit, count, sum, min, max, sketch)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::bytea[])
		ON CONFLICT (series_id, ts, resolution, unit) DO UPDATE SET count = excluded.count, sum = excluded.sum,
			min = excluded.min, max = excluded.max, sketch = excluded.sketch`, customPlan,
		series, ts, res, units, counts, sum, mins, maxs, sketches)
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
// store its metric filters' output with the events: it journals data (see
// storage.AppendMetricJournal).
func putMetricRows(ctx context.Context, tx pgx.Tx, account, region string, data []storage.MetricDatum) error {
	if len(data) == 0 {
		return nil
	}
	return storage.WithMetricJournal(data, func(entry []byte) error {
		_, err := tx.Exec(ctx, `INSERT INTO metric_journal (account_id, region, datums, entry) VALUES ($1, $2, $3, $4)`,
			account, region, len(data), entry)
		return err
	})
}

// journalLock is the advisory lock a journal merge holds: one merge at a
// time across nodes, so a read that merges waits for a merge under way
// (and then sees its buckets) rather than skipping its rows.
const journalLock = `SELECT pg_advisory_xact_lock(hashtextextended('metric_journal', 0))`

// flushMetrics merges the metric journal into the buckets, so a read that
// follows sees every datum acknowledged on any node.
func (db *DB) flushMetrics(ctx context.Context) error {
	if err := db.write(ctx, func(tx pgx.Tx) error { return mergeMetricJournal(ctx, tx) }); err != nil {
		return fmt.Errorf("merge metric journal: %w", err)
	}
	return nil
}

// mergeMetricJournal merges every committed journal entry into the
// buckets and deletes the entries, within tx.
func mergeMetricJournal(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, journalLock); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `DELETE FROM metric_journal RETURNING id, account_id, region, entry`)
	if err != nil {
		return err
	}
	var j storage.MetricJournal
	for rows.Next() {
		var (
			id              int64
			account, region string
			entry           []byte
		)
		if err := rows.Scan(&id, &account, &region, &entry); err != nil {
			rows.Close()
			return err
		}
		if err := j.Add(account, region, entry); err != nil {
			rows.Close()
			return fmt.Errorf("metric journal entry %d: %w", id, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for scope, buckets := range j.Scopes() {
		if err := mergeScope(ctx, tx, scope, buckets); err != nil {
			return err
		}
	}
	return nil
}

// mergeScope adds merged journal buckets of one account and region to the
// stored ones, creating series and buckets as needed.
func mergeScope(ctx context.Context, tx pgx.Tx, scope storage.MetricScope, merged map[storage.BucketKey]*storage.Aggregate) error {
	account, region := scope.Account, scope.Region
	type sk = seriesKey
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
	ids, need, err := lookupSeries(ctx, tx, account, region, keys, newest)
	if err != nil {
		return err
	}
	if len(need) > 0 {
		if err := upsertSeries(ctx, tx, account, region, need, newest, ids); err != nil {
			return err
		}
	}
	for _, key := range keys {
		if _, ok := ids[key]; !ok {
			return fmt.Errorf("series %s/%s %s has no id", key.ns, key.name, key.dims)
		}
	}
	out := make([]bucketRow, 0, len(merged))
	for k, a := range merged {
		out = append(out, bucketRow{ids[sk{k.Namespace, k.Name, k.Dims}], k.Time, k.Resolution, k.Unit, *a})
	}
	return mergeBuckets(ctx, tx, out)
}

// seriesKey names a series within an account and region.
type seriesKey struct{ ns, name, dims string }

// lookupSeries returns the ids of the series of keys that exist with
// last_ts at newest or later, and the keys that need upsertSeries.
//
// A merge holds the journal lock, as retention, the other writer of
// series, does: the series it reads stay as read until it commits. It
// reads them all first, without the row lock the upsert takes (and logs)
// on every row it matches, even one it leaves alone: in a busy minute
// every series is there already, its last_ts where the merge would put
// it.
func lookupSeries(ctx context.Context, tx pgx.Tx, account, region string, keys []seriesKey, newest map[seriesKey]int64) (map[seriesKey]int64, []seriesKey, error) {
	nss, names, dims := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		nss[i], names[i], dims[i] = k.ns, k.name, k.dims
	}
	rows, err := tx.Query(ctx, `SELECT k.i, s.id, s.last_ts
		FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(namespace, name, dims, i)
		CROSS JOIN LATERAL (SELECT id, last_ts FROM metric_series s WHERE s.account_id = $1 AND s.region = $2
			AND s.namespace = k.namespace AND s.name = k.name AND s.dims = k.dims LIMIT 1) AS s`, customPlan,
		account, region, nss, names, dims)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ids := make(map[seriesKey]int64, len(keys))
	for rows.Next() {
		var i, id, last int64
		if err := rows.Scan(&i, &id, &last); err != nil {
			return nil, nil, err
		}
		if i < 1 || i > int64(len(keys)) {
			return nil, nil, fmt.Errorf("series lookup returned key %d of %d", i, len(keys))
		}
		if k := keys[i-1]; last >= newest[k] {
			ids[k] = id
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var need []seriesKey
	for _, k := range keys {
		if _, ok := ids[k]; !ok {
			need = append(need, k)
		}
	}
	return ids, need, nil
}

// upsertSeries creates the series of keys that do not exist, moves
// last_ts forward to newest where it is behind, and adds every key's id
// to ids. keys are sorted.
func upsertSeries(ctx context.Context, tx pgx.Tx, account, region string, keys []seriesKey, newest map[seriesKey]int64, ids map[seriesKey]int64) error {
	type sk = seriesKey
	var (
		nss, names, dims = make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
		lasts            = make([]int64, len(keys))
	)
	for i, k := range keys {
		nss[i], names[i], dims[i], lasts[i] = k.ns, k.name, k.dims, newest[k]
	}
	// last_ts only moves forward, and a series whose last_ts the batch
	// does not move is not rewritten (no dead row a batch a series); the
	// ids of those are read after.
	rows, err := tx.Query(ctx, `WITH k AS (
			SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS k(namespace, name, dims, last_ts, i)
		), up AS (
			INSERT INTO metric_series (account_id, region, namespace, name, dims, last_ts)
			SELECT $1, $2, namespace, name, dims, last_ts FROM k ORDER BY i
			ON CONFLICT (account_id, region, namespace, name, dims) DO UPDATE SET last_ts = excluded.last_ts
				WHERE metric_series.last_ts < excluded.last_ts
			RETURNING id, namespace, name, dims
		)
		SELECT id, namespace, name, dims FROM up
		UNION ALL
		SELECT s.id, s.namespace, s.name, s.dims FROM k CROSS JOIN LATERAL (SELECT * FROM metric_series s
			WHERE s.account_id = $1 AND s.region = $2 AND s.namespace = k.namespace AND s.name = k.name AND s.dims = k.dims LIMIT 1) AS s`, customPlan,
		account, region, nss, names, dims, lasts)
	if err != nil {
		return err
	}
	scan := func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				id  int64
				key sk
			)
			if err := rows.Scan(&id, &key.ns, &key.name, &key.dims); err != nil {
				return err
			}
			ids[key] = id
		}
		return rows.Err()
	}
	if err := scan(rows); err != nil {
		return err
	}
	var missing []int
	for i, key := range keys {
		if _, ok := ids[key]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		// A series another batch created after this statement's snapshot
		// and did not need moving: a new statement sees it.
		var mn, mm, md []string
		for _, i := range missing {
			mn, mm, md = append(mn, nss[i]), append(mm, names[i]), append(md, dims[i])
		}
		rows, err := tx.Query(ctx, `SELECT s.id, s.namespace, s.name, s.dims
			FROM unnest($3::text[], $4::text[], $5::text[]) AS k(namespace, name, dims)
			CROSS JOIN LATERAL (SELECT * FROM metric_series s WHERE s.account_id = $1 AND s.region = $2
				AND s.namespace = k.namespace AND s.name = k.name AND s.dims = k.dims LIMIT 1) AS s`, customPlan,
			account, region, mn, mm, md)
		if err != nil {
			return err
		}
		if err := scan(rows); err != nil {
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
	if err := s.db.flushMetrics(ctx); err != nil {
		return nil, fmt.Errorf("read metric: %w", err)
	}
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
		// Journaled data may fall in the buckets this moves.
		if err := mergeMetricJournal(ctx, tx); err != nil {
			return err
		}
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
		for _, x := range src {
			t := key{x.k.series, x.k.ts - mod(x.k.ts, int64(to)), x.k.unit}
			if cur := target[t]; cur != nil {
				cur.Merge(x.bucket)
			} else {
				b := x.bucket
				target[t] = &b
			}
		}
		for _, x := range src {
			if _, err := tx.Exec(ctx, `DELETE FROM metric_buckets WHERE series_id = $1 AND ts = $2 AND resolution = $3 AND unit = $4`,
				x.k.series, x.k.ts, from, x.k.unit); err != nil {
				return err
			}
		}
		merge := make([]bucketRow, 0, len(target))
		for t, b := range target {
			merge = append(merge, bucketRow{t.series, t.ts, to, t.unit, *b})
		}
		moved = len(src)
		return mergeBuckets(ctx, tx, merge)
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
		if err := mergeMetricJournal(ctx, tx); err != nil {
			return err
		}
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
	if err := s.db.flushMetrics(ctx); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
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
		CROSS JOIN LATERAL (SELECT id FROM metric_series s WHERE s.account_id = q.account_id AND s.region = q.region
			AND s.namespace = q.namespace AND s.name = q.name AND s.dims = q.dims LIMIT 1) AS s
		CROSS JOIN LATERAL (SELECT * FROM metric_buckets b WHERE b.series_id = s.id AND b.ts >= q.start_ts AND b.ts < q.end_ts OFFSET 0) AS b
		ORDER BY q.i, b.ts`, customPlan, accounts, regions, namespaces, names, dims, starts, ends)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer rows.Close()
	if err := storage.ScanMetricReads(rows, out); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return out, nil
}
