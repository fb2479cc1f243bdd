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
}

// migrate brings the schema up to date.
func (db *DB) migrate(ctx context.Context) error {
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
