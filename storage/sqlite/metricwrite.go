package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch/storage"
)

// Writing metric data is a read-merge-write of one bucket row per metric,
// unit, width and bucket start. Done one statement at a time that is three
// statements a datum, and in this SQLite build each costs about as much
// as the work it does; so a batch reads the buckets it lacks with one
// statement, merges in Go and writes them back with multi-row statements.
//
// The writer also keeps what it last wrote: series ids with their
// last_ts, and the aggregates of recent buckets. A batch for the minute
// being published then reads nothing. The cache is only touched inside
// DB.write, which holds the writer for the whole transaction; a
// transaction that fails empties it, and a change to the file by any
// other connection (PRAGMA data_version) does too, so the cache never
// disagrees with what is committed.

const (
	// maxCachedBucketBytes bounds the bucket cache, which holds sketches:
	// about 12 bytes a sketch bin, 64 a bucket.
	maxCachedBucketBytes = 64 << 20
	// maxCachedSeries bounds the series cache.
	maxCachedSeries = 1 << 18
	// keepRecent is how far behind the newest cached bucket an eviction
	// keeps buckets: data for the current minute and the one before.
	keepRecent = 120
)

type seriesKey struct{ account, region, ns, name, dims string }

type seriesEntry struct{ id, lastTS int64 }

type bucketKey struct {
	series int64
	ts     int64
	res    int
	unit   string
}

// metricCache is what the writer knows to be committed.
type metricCache struct {
	series  map[seriesKey]seriesEntry
	buckets map[bucketKey]*storage.Aggregate
	bytes   int
	newest  int64
	// version is PRAGMA data_version when the cache was last known good.
	version int64
	// dirty is set while a transaction changes the cache; write resets
	// a dirty cache when the transaction does not commit.
	dirty bool
}

func (c *metricCache) reset() {
	c.series = map[seriesKey]seriesEntry{}
	c.buckets = map[bucketKey]*storage.Aggregate{}
	c.bytes, c.newest, c.dirty = 0, 0, false
}

func aggBytes(a *storage.Aggregate) int {
	n := 64
	if a.Sketch != nil {
		n += 12 * len(a.Sketch.Bins)
	}
	return n
}

// evict keeps the cache within its bounds: old buckets go first, then
// everything.
func (c *metricCache) evict() {
	if len(c.series) > maxCachedSeries {
		c.series = map[seriesKey]seriesEntry{}
	}
	if c.bytes <= maxCachedBucketBytes {
		return
	}
	for k, a := range c.buckets {
		if k.ts < c.newest-keepRecent {
			c.bytes -= aggBytes(a)
			delete(c.buckets, k)
		}
	}
	if c.bytes > maxCachedBucketBytes {
		c.buckets = map[bucketKey]*storage.Aggregate{}
		c.bytes = 0
	}
}

const (
	dataVersionSQL  = `PRAGMA data_version`
	seriesUpsertSQL = `INSERT INTO metric_series (account_id, region, namespace, name, dims, last_ts)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, namespace, name, dims) DO UPDATE SET last_ts = max(last_ts, excluded.last_ts)
		RETURNING id, last_ts`
	bucketSelectSQL = `SELECT b.series_id, b.ts, b.resolution, b.unit, b.count, b.sum, b.min, b.max, b.sketch
		FROM json_each(?) j CROSS JOIN metric_buckets b
		ON b.series_id = j.value->>0 AND b.ts = j.value->>1 AND b.resolution = j.value->>2 AND b.unit = j.value->>3`
	bucketInsertHead = `INSERT INTO metric_buckets (series_id, ts, resolution, unit, count, sum, min, max, sketch) VALUES `
	bucketInsertRow  = `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// An existing bucket is updated rather than replaced, which leaves
	// the age index alone.
	bucketInsertTail = ` ON CONFLICT (series_id, ts, resolution, unit) DO UPDATE SET count = excluded.count,
		sum = excluded.sum, min = excluded.min, max = excluded.max, sketch = excluded.sketch`
	// bucketInsertMax is the largest multi-row bucket write; smaller
	// powers of two write the rest, so every size is prepared once.
	bucketInsertMax = 64
)

func bucketInsertSQL(n int) string {
	return bucketInsertHead + strings.TrimSuffix(strings.Repeat(bucketInsertRow+", ", n), ", ") + bucketInsertTail
}

// metricStatements are the metric writer's hot statements.
func metricStatements() []string {
	qs := []string{dataVersionSQL, seriesUpsertSQL, bucketSelectSQL, journalInsertSQL}
	for n := bucketInsertMax; n >= 1; n /= 2 {
		qs = append(qs, bucketInsertSQL(n))
	}
	return qs
}

// metricCacheFor returns the cache for a transaction that is about to
// change metric data, emptied if another connection wrote the file since
// it was last known good.
func (db *DB) metricCacheFor(ctx context.Context, tx *sql.Tx) (*metricCache, error) {
	c := &db.mcache
	st, err := db.prepared(ctx, tx, dataVersionSQL)
	if err != nil {
		return nil, err
	}
	var v int64
	if err := st.QueryRowContext(ctx).Scan(&v); err != nil {
		return nil, err
	}
	if c.series == nil || v != c.version {
		c.reset()
		c.version = v
	}
	c.dirty = true
	return c, nil
}

func (s metrics) PutMetricData(ctx context.Context, account, region string, data []storage.MetricDatum) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error { return s.db.putMetricRows(ctx, tx, account, region, data) })
	if err != nil {
		return fmt.Errorf("put metric data: %w", err)
	}
	return nil
}

// putMetricRows is PutMetricData within tx, which PutLogEvents shares to
// store its metric filters' output with the events: it journals data (see
// storage.AppendMetricJournal). tx must be DB.write's.
func (db *DB) putMetricRows(ctx context.Context, tx *sql.Tx, account, region string, data []storage.MetricDatum) error {
	if len(data) == 0 {
		return nil
	}
	// A journal that outgrew its bound (the background merge fell behind)
	// is merged first, so merging never holds more than that in memory.
	if db.journaled.Load() >= maxJournaledDatums {
		if err := db.mergeMetricJournal(ctx, tx); err != nil {
			return err
		}
	}
	st, err := db.prepared(ctx, tx, journalInsertSQL)
	if err != nil {
		return err
	}
	err = storage.WithMetricJournal(data, func(entry []byte) error {
		_, err := st.ExecContext(ctx, account, region, len(data), entry)
		return err
	})
	if err != nil {
		return err
	}
	n := int64(len(data))
	db.afterCommit(func() { db.journaled.Add(n) })
	return nil
}

const (
	journalInsertSQL = `INSERT INTO metric_journal (account_id, region, datums, entry) VALUES (?, ?, ?, ?)`
	// maxJournaledDatums bounds the journal between merges.
	maxJournaledDatums = 1 << 20
)

// flushMetrics merges the metric journal into the buckets, so a read that
// follows sees every acknowledged datum.
func (db *DB) flushMetrics(ctx context.Context) error {
	if db.journaled.Load() == 0 {
		return nil
	}
	if err := db.write(ctx, func(tx *sql.Tx) error { return db.mergeMetricJournal(ctx, tx) }); err != nil {
		return fmt.Errorf("merge metric journal: %w", err)
	}
	return nil
}

// mergeMetricJournal merges every journal entry into the buckets and
// deletes the entries, within tx (DB.write's, which also keeps puts out
// until it commits).
func (db *DB) mergeMetricJournal(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, account_id, region, entry FROM metric_journal ORDER BY id`)
	if err != nil {
		return err
	}
	var (
		j    storage.MetricJournal
		last int64 = -1
	)
	for rows.Next() {
		var (
			account, region string
			entry           sql.RawBytes
		)
		if err := rows.Scan(&last, &account, &region, &entry); err != nil {
			rows.Close()
			return err
		}
		if err := j.Add(account, region, entry); err != nil {
			rows.Close()
			return fmt.Errorf("metric journal entry %d: %w", last, err)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	db.afterCommit(func() { db.journaled.Store(0) })
	if last < 0 {
		return nil
	}
	c, err := db.metricCacheFor(ctx, tx)
	if err != nil {
		return err
	}
	for scope, buckets := range j.Scopes() {
		if err := db.mergeScope(ctx, tx, c, scope, buckets); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM metric_journal WHERE id <= ?`, last)
	return err
}

// mergeScope adds merged journal buckets of one account and region to
// the stored ones, creating series and buckets as needed.
func (db *DB) mergeScope(ctx context.Context, tx *sql.Tx, c *metricCache, scope storage.MetricScope, buckets map[storage.BucketKey]*storage.Aggregate) error {
	account, region := scope.Account, scope.Region
	newest := map[seriesKey]int64{}
	for k := range buckets {
		key := seriesKey{account, region, k.Namespace, k.Name, k.Dims}
		newest[key] = max(newest[key], k.Time)
	}
	// Series are upserted when new to the cache or when the batch moves
	// their last_ts (ListMetrics' recently active filter) forward.
	var (
		upsert *sql.Stmt
		err    error
	)
	for key, ts := range newest {
		if e, ok := c.series[key]; ok && e.lastTS >= ts {
			continue
		}
		if upsert == nil {
			if upsert, err = db.prepared(ctx, tx, seriesUpsertSQL); err != nil {
				return err
			}
		}
		var e seriesEntry
		if err := upsert.QueryRowContext(ctx, account, region, key.ns, key.name, key.dims, ts).Scan(&e.id, &e.lastTS); err != nil {
			return err
		}
		c.series[key] = e
	}
	rows := make([]bucketRow, 0, len(buckets))
	for k, a := range buckets {
		rows = append(rows, bucketRow{bucketKey{c.series[seriesKey{account, region, k.Namespace, k.Name, k.Dims}].id, k.Time, k.Resolution, k.Unit}, *a})
	}
	return db.mergeBuckets(ctx, tx, c, rows)
}

// bucketRow is an aggregate to add to one stored bucket.
type bucketRow struct {
	key bucketKey
	agg storage.Aggregate
}

// mergeBuckets adds each row's aggregate to its stored bucket, creating
// it; keys are distinct. The merged aggregates stay in the cache.
func (db *DB) mergeBuckets(ctx context.Context, tx *sql.Tx, c *metricCache, rows []bucketRow) error {
	var missing [][4]any
	for _, r := range rows {
		if _, ok := c.buckets[r.key]; !ok {
			missing = append(missing, [4]any{r.key.series, r.key.ts, r.key.res, r.key.unit})
		}
	}
	if len(missing) > 0 {
		if err := db.loadBuckets(ctx, tx, c, missing); err != nil {
			return err
		}
	}
	args := make([]any, 0, 9*min(len(rows), bucketInsertMax))
	for len(rows) > 0 {
		n := bucketInsertMax
		for n > len(rows) {
			n /= 2
		}
		args = args[:0]
		for _, r := range rows[:n] {
			cur := c.buckets[r.key]
			if cur == nil {
				cur = &storage.Aggregate{}
				c.buckets[r.key] = cur
			} else {
				c.bytes -= aggBytes(cur)
			}
			cur.Merge(r.agg)
			c.bytes += aggBytes(cur)
			c.newest = max(c.newest, r.key.ts)
			args = append(args, r.key.series, r.key.ts, r.key.res, r.key.unit, cur.SampleCount, cur.Sum, cur.Minimum, cur.Maximum, storage.EncodeSketch(*cur))
		}
		st, err := db.prepared(ctx, tx, bucketInsertSQL(n))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	c.evict()
	return nil
}

// loadBuckets reads the stored buckets of keys into the cache.
func (db *DB) loadBuckets(ctx context.Context, tx *sql.Tx, c *metricCache, keys [][4]any) error {
	js, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	st, err := db.prepared(ctx, tx, bucketSelectSQL)
	if err != nil {
		return err
	}
	rs, err := st.QueryContext(ctx, string(js))
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var (
			k                    bucketKey
			count, sum, min, max float64
			sketch               []byte
		)
		if err := rs.Scan(&k.series, &k.ts, &k.res, &k.unit, &count, &sum, &min, &max, &sketch); err != nil {
			return err
		}
		a, err := storage.DecodeBucket(count, sum, min, max, sketch)
		if err != nil {
			return err
		}
		c.buckets[k] = &a
		c.bytes += aggBytes(&a)
	}
	return rs.Err()
}
