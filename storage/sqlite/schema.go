package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each in its own transaction, and
// recorded in the migrations table by their 1-based position. Append only:
// never edit or reorder an entry once it has shipped.
var migrations = []string{
	// 1: accounts, IAM, CloudTrail event history and leases.
	`
CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER
);

-- name_key is the user name folded to lower case: IAM names are unique
-- case-insensitively, and user_name keeps the case the user was created with.
CREATE TABLE iam_users (
	account_id TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	user_name  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	path       TEXT NOT NULL,
	arn        TEXT NOT NULL,
	created_at INTEGER,
	PRIMARY KEY (account_id, name_key)
);

-- user_key is NULL for the account's root keys, which have no user row; the
-- foreign key is then not checked.
CREATE TABLE iam_access_keys (
	id         TEXT PRIMARY KEY,
	secret     TEXT NOT NULL,
	account_id TEXT NOT NULL,
	user_key   TEXT,
	user_name  TEXT NOT NULL,
	status     TEXT NOT NULL,
	created_at INTEGER,
	FOREIGN KEY (account_id, user_key) REFERENCES iam_users (account_id, name_key)
);
CREATE INDEX iam_access_keys_owner ON iam_access_keys (account_id, user_key);

CREATE TABLE iam_user_policies (
	account_id  TEXT NOT NULL,
	user_key    TEXT NOT NULL,
	policy_name TEXT NOT NULL,
	document    TEXT NOT NULL,
	PRIMARY KEY (account_id, user_key, policy_name),
	FOREIGN KEY (account_id, user_key) REFERENCES iam_users (account_id, name_key)
) WITHOUT ROWID;

-- event_indexes names each ordered index of events: one per (account,
-- region, category) with attr_key '' for the time-only index, and one per
-- lookup attribute key. Events and attribute rows refer to it by id, which
-- keeps those rows, the bulk of the file, small.
CREATE TABLE event_indexes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	category   TEXT NOT NULL,
	attr_key   TEXT NOT NULL,
	UNIQUE (account_id, region, category, attr_key)
);

-- time is the record's eventTime in Unix seconds. AUTOINCREMENT keeps seq
-- increasing even after the newest events are deleted.
CREATE TABLE events (
	seq  INTEGER PRIMARY KEY AUTOINCREMENT,
	ix   INTEGER NOT NULL,
	time INTEGER NOT NULL,
	json BLOB NOT NULL
);
CREATE INDEX events_by_time ON events (ix, time, seq);
CREATE INDEX events_for_retention ON events (time);

-- One row per lookup attribute of an event. The primary key is the
-- LookupEvents access path: a range scan of (ix, value) newest first.
CREATE TABLE event_attrs (
	ix    INTEGER NOT NULL,
	value TEXT NOT NULL,
	time  INTEGER NOT NULL,
	seq   INTEGER NOT NULL,
	PRIMARY KEY (ix, value, time, seq)
) WITHOUT ROWID;
CREATE INDEX event_attrs_for_retention ON event_attrs (seq);

CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	expires INTEGER NOT NULL
);
`,
	// 2: CloudWatch Logs: groups, streams, event chunks, metric filters.
	`
-- Names compare as bytes (BINARY collation): log group and stream names are
-- case-sensitive. stored_bytes and raw_bytes sum the group's chunks (see
-- log_chunks). next_seq is the Seq the group's next batch starts at: each
-- PutLogEvents advances it in the transaction that stores the batch.
-- AUTOINCREMENT keeps ids of deleted groups and streams from coming back.
CREATE TABLE log_groups (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id          TEXT NOT NULL,
	region              TEXT NOT NULL,
	name                TEXT NOT NULL,
	created_at          INTEGER,
	retention_days      INTEGER NOT NULL,
	kms_key_id          TEXT NOT NULL,
	class               TEXT NOT NULL,
	deletion_protection INTEGER NOT NULL,
	tags                TEXT,
	stored_bytes        INTEGER NOT NULL DEFAULT 0,
	raw_bytes           INTEGER NOT NULL DEFAULT 0,
	next_seq            INTEGER NOT NULL DEFAULT 0,
	UNIQUE (account_id, region, name)
);
CREATE INDEX log_groups_with_retention ON log_groups (id) WHERE retention_days > 0;

-- The event times are NULL until the stream's first batch.
CREATE TABLE log_streams (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id       INTEGER NOT NULL,
	name           TEXT NOT NULL,
	created_at     INTEGER,
	first_event    INTEGER,
	last_event     INTEGER,
	last_ingestion INTEGER,
	UNIQUE (group_id, name)
);
CREATE INDEX log_streams_by_last_event ON log_streams (group_id, coalesce(last_event, 0), name);

-- One row per chunk (internal/chunk): a PutLogEvents batch, or several of
-- a stream's adjacent batches merged by the compactor. The columns before
-- the blobs repeat the chunk's header so that reads choose chunks from the
-- indexes alone; filter comes before data so that reading it never walks
-- the data's overflow pages. stored_bytes is len(filter) + len(data).
-- AUTOINCREMENT: the compactor names the chunks it replaces by id, and an
-- id must never come back as another chunk's.
CREATE TABLE log_chunks (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id     INTEGER NOT NULL,
	stream_id    INTEGER NOT NULL,
	min_ts       INTEGER NOT NULL,
	max_ts       INTEGER NOT NULL,
	min_seq      INTEGER NOT NULL,
	max_seq      INTEGER NOT NULL,
	count        INTEGER NOT NULL,
	raw_bytes    INTEGER NOT NULL,
	stored_bytes INTEGER NOT NULL,
	filter       BLOB NOT NULL,
	data         BLOB NOT NULL
);
-- ScanLogEvents and retention walk a group's chunks by first event;
-- ReadLogStream walks a stream's forward by first event and backward by
-- last. The indexes carry every column those walks read but the blobs.
CREATE INDEX log_chunks_by_group ON log_chunks (group_id, min_ts, min_seq, max_ts, max_seq, stream_id, count, raw_bytes, stored_bytes);
CREATE INDEX log_chunks_by_stream ON log_chunks (stream_id, min_ts, min_seq, max_ts, max_seq, count, raw_bytes, stored_bytes);
CREATE INDEX log_chunks_by_stream_end ON log_chunks (stream_id, max_ts, max_seq, min_ts, min_seq, count, raw_bytes);

-- transformations and emit_system_field_dimensions are JSON, as given.
CREATE TABLE log_metric_filters (
	group_id                     INTEGER NOT NULL,
	name                         TEXT NOT NULL,
	pattern                      TEXT NOT NULL,
	transformations              TEXT NOT NULL,
	created_at                   INTEGER,
	apply_on_transformed_logs    INTEGER NOT NULL,
	field_selection_criteria     TEXT NOT NULL,
	emit_system_field_dimensions TEXT NOT NULL,
	PRIMARY KEY (group_id, name)
) WITHOUT ROWID;
`,
	// 3: CloudTrail trails.
	`
-- One row per trail, keyed by its home region: a multi-region trail is one
-- row, visible in every region. Selectors and tags are JSON, as the API
-- gives and returns them whole. The delivery columns are NULL until the
-- delivery worker first reports (GetTrailStatus leaves them out).
CREATE TABLE trails (
	account_id                TEXT NOT NULL,
	home_region               TEXT NOT NULL,
	name                      TEXT NOT NULL,
	multi_region              INTEGER NOT NULL,
	s3_bucket                 TEXT NOT NULL,
	s3_key_prefix             TEXT NOT NULL,
	sns_topic_arn             TEXT NOT NULL,
	global_service_events     INTEGER NOT NULL,
	log_file_validation       INTEGER NOT NULL,
	cwl_log_group_arn         TEXT NOT NULL,
	cwl_role_arn              TEXT NOT NULL,
	kms_key_id                TEXT NOT NULL,
	organization              INTEGER NOT NULL,
	custom_selectors          INTEGER NOT NULL,
	event_selectors           TEXT NOT NULL,
	advanced_event_selectors  TEXT NOT NULL,
	tags                      TEXT NOT NULL,
	created_at                INTEGER,
	is_logging                INTEGER NOT NULL,
	start_logging_time        INTEGER,
	stop_logging_time         INTEGER,
	delivery_time             INTEGER,
	delivery_attempt_time     INTEGER,
	delivery_error            TEXT,
	notification_time         INTEGER,
	notification_attempt_time INTEGER,
	notification_error        TEXT,
	cwl_delivery_time         INTEGER,
	cwl_delivery_error        TEXT,
	digest_delivery_time      INTEGER,
	digest_delivery_error     TEXT,
	PRIMARY KEY (account_id, home_region, name)
) WITHOUT ROWID;
`,
	// 4: event history in chunks and postings (storage/eventindex): records
	// compressed in chunks of one stored batch, lookup indexes as one row
	// per batch and index value instead of one per event and attribute,
	// event IDs in their own index. Existing events are converted: each
	// becomes a one-record chunk whose id is its old seq, and the SQL
	// builds the same posting bytes as eventindex.EncodeEntries.
	`
-- id times 16 (eventindex.ChunkSlots) plus a record's index in the chunk
-- is the record's seq. max_time is the newest eventTime in the chunk.
CREATE TABLE event_chunks (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	max_time INTEGER NOT NULL,
	data     BLOB NOT NULL
);
CREATE INDEX event_chunks_by_time ON event_chunks (max_time);

-- LookupEvents by EventId. Data events, which LookupEvents never returns,
-- have no row.
CREATE TABLE event_ids (
	event_id TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	ix       INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	PRIMARY KEY (event_id, seq)
) WITHOUT ROWID;

-- One row per stored batch, index (ix, with value '' for the time index),
-- value and 4-second bucket of event times: the (time, seq) of each event
-- in it as 16-byte big-endian pairs. LookupEvents reads a range of
-- max_time newest first; retention finds old postings by max_time.
CREATE TABLE event_postings (
	ix        INTEGER NOT NULL,
	value     TEXT NOT NULL,
	max_time  INTEGER NOT NULL,
	first_seq INTEGER NOT NULL,
	min_time  INTEGER NOT NULL,
	entries   BLOB NOT NULL,
	PRIMARY KEY (ix, value, max_time, first_seq)
) WITHOUT ROWID;
CREATE INDEX event_postings_by_time ON event_postings (max_time);

-- The index of each batch stored since the last merge (an
-- eventindex.Segment: its postings and ID entries). Storing a batch writes
-- its chunks and one row here, a few adjacent pages; merges move many
-- rows at once into event_postings and event_ids.
CREATE TABLE event_pending (
	id     INTEGER PRIMARY KEY,
	events INTEGER NOT NULL,
	data   BLOB NOT NULL
);

INSERT INTO event_chunks (id, max_time, data) SELECT seq, time, unhex('00' || hex(json)) FROM events;
INSERT INTO sqlite_sequence (name, seq) SELECT 'event_chunks', 0
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'event_chunks');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))
WHERE name = 'event_chunks';

INSERT INTO event_ids (event_id, seq, ix, time)
SELECT json_extract(CAST(e.json AS TEXT), '$.eventID'), e.seq * 16, e.ix, e.time
FROM events AS e JOIN event_indexes AS x ON x.id = e.ix WHERE x.category <> 'Data';

INSERT INTO event_postings (ix, value, max_time, first_seq, min_time, entries)
SELECT ix, '', max(time), min(seq) * 16, min(time), unhex(group_concat(printf('%016x%016x', time, seq * 16), ''))
FROM events GROUP BY ix, time / 4;
INSERT INTO event_postings (ix, value, max_time, first_seq, min_time, entries)
SELECT a.ix, a.value, max(a.time), min(a.seq) * 16, min(a.time), unhex(group_concat(printf('%016x%016x', a.time, a.seq * 16), ''))
FROM event_attrs AS a JOIN event_indexes AS x ON x.id = a.ix
WHERE x.attr_key <> 'EventId'
GROUP BY a.ix, a.value, a.time / 4;

DROP TABLE event_attrs;
DROP TABLE events;
`,
	// 5: the trail delivery worker's state (its cursor and digest chain),
	// kept with the trail so that deleting a trail deletes it.
	`
ALTER TABLE trails ADD COLUMN delivery_state BLOB;
`,
	// 6: digest signing keys (storage.TrailKeys). Times in Unix
	// nanoseconds; the private key is sealed by the caller.
	`
CREATE TABLE trail_keys (
	account_id  TEXT NOT NULL,
	region      TEXT NOT NULL,
	valid_from  INTEGER NOT NULL,
	valid_until INTEGER NOT NULL,
	fingerprint TEXT NOT NULL UNIQUE,
	public_key  BLOB NOT NULL,
	sealed_key  BLOB NOT NULL,
	PRIMARY KEY (account_id, region, valid_from)
);
`,
	// 7: CloudTrail Lake channels (storage.Channels). destinations, tags
	// and ingestion are JSON; created_at in Unix nanoseconds.
	`
CREATE TABLE channels (
	account_id   TEXT NOT NULL,
	region       TEXT NOT NULL,
	id           TEXT NOT NULL,
	name         TEXT NOT NULL,
	source       TEXT NOT NULL,
	destinations TEXT NOT NULL,
	tags         TEXT NOT NULL,
	ingestion    TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, region, id),
	UNIQUE (account_id, region, name)
);
`,
	// 8: CloudWatch metrics (storage.Metrics): a series per metric, and
	// per series, bucket width (seconds) and unit one aggregate row per
	// bucket; ts and last_ts in Unix seconds, sketch a storage.Sketch encoding
	// (NULL when percentiles are unavailable).
	`
CREATE TABLE metric_series (
	id         INTEGER PRIMARY KEY,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	namespace  TEXT NOT NULL,
	name       TEXT NOT NULL,
	dims       TEXT NOT NULL,
	last_ts    INTEGER NOT NULL,
	UNIQUE (account_id, region, namespace, name, dims)
);
CREATE TABLE metric_buckets (
	series_id  INTEGER NOT NULL,
	ts         INTEGER NOT NULL,
	resolution INTEGER NOT NULL,
	unit       TEXT NOT NULL,
	count      REAL NOT NULL,
	sum        REAL NOT NULL,
	min        REAL NOT NULL,
	max        REAL NOT NULL,
	sketch     BLOB,
	PRIMARY KEY (series_id, ts, resolution, unit)
) WITHOUT ROWID;
CREATE INDEX metric_buckets_age ON metric_buckets (resolution, ts);
`,
	// 9: SNS (storage.SNS). data is the JSON of the topic or
	// subscription; due_at in Unix nanoseconds.
	`
CREATE TABLE sns_topics (
	arn        TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX sns_topics_account ON sns_topics (account_id, region, arn);
CREATE TABLE sns_subscriptions (
	arn        TEXT PRIMARY KEY,
	topic_arn  TEXT NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	protocol   TEXT NOT NULL,
	endpoint   TEXT NOT NULL,
	data       TEXT NOT NULL,
	UNIQUE (topic_arn, protocol, endpoint)
);
CREATE INDEX sns_subscriptions_account ON sns_subscriptions (account_id, region, arn);
CREATE TABLE sns_deliveries (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	topic_arn        TEXT NOT NULL,
	subscription_arn TEXT NOT NULL REFERENCES sns_subscriptions (arn) ON DELETE CASCADE,
	due_at           INTEGER NOT NULL,
	attempts         INTEGER NOT NULL,
	payload          BLOB NOT NULL
);
CREATE INDEX sns_deliveries_due ON sns_deliveries (due_at, id);
CREATE INDEX sns_deliveries_subscription ON sns_deliveries (subscription_arn);
`,
	// 10: CloudWatch alarms (storage.Alarms). data is the service's JSON
	// record of the alarm; ts in Unix nanoseconds.
	`
CREATE TABLE cw_alarms (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	name       TEXT NOT NULL,
	data       BLOB NOT NULL,
	PRIMARY KEY (account_id, region, name)
) WITHOUT ROWID;
CREATE TABLE cw_alarm_history (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	alarm_name TEXT NOT NULL,
	alarm_type TEXT NOT NULL,
	ts         INTEGER NOT NULL,
	item_type  TEXT NOT NULL,
	summary    TEXT NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX cw_alarm_history_account ON cw_alarm_history (account_id, region, ts, id);
CREATE INDEX cw_alarm_history_age ON cw_alarm_history (ts);
`,
	// 11: the metric journal (storage.AppendMetricJournal): one row per
	// acknowledged batch of metric data, merged into metric_buckets and
	// deleted after; datums is how many the entry holds.
	`
CREATE TABLE metric_journal (
	id         INTEGER PRIMARY KEY,
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	datums     INTEGER NOT NULL,
	entry      BLOB NOT NULL
);
`,
}

// migrate brings the schema up to date.
func (db *DB) migrate(ctx context.Context) error {
	// A new file gets auto_vacuum=INCREMENTAL, which must be set before its
	// first table: it lets log maintenance hand the pages compaction and
	// retention free back to the file system. It is not set as a connection
	// pragma because on an existing file that pragma writes, and a server
	// must still start (and serve reads) on a full disk.
	var tables int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&tables); err != nil {
		return fmt.Errorf("inspect schema: %w", err)
	}
	if tables == 0 {
		// Switching to WAL already wrote the file's first page, so the
		// setting takes effect through a VACUUM (instant on an empty file).
		if _, err := db.w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
			return fmt.Errorf("set auto_vacuum: %w", err)
		}
		if _, err := db.w.ExecContext(ctx, `VACUUM`); err != nil {
			return fmt.Errorf("set auto_vacuum: %w", err)
		}
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var newest int
	if err := db.w.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newest > len(migrations) {
		// An older binary must not write to a schema it does not know.
		return fmt.Errorf("schema version %d is newer than this program's %d", newest, len(migrations))
	}
	for i, m := range migrations {
		version := i + 1
		err := db.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO migrations (version, applied_at) VALUES (?, ?)`, version, db.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %d: %w", version, err)
		}
	}
	return nil
}
