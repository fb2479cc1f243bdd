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
