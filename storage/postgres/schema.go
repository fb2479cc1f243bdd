package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrationLock is the advisory lock key that serialises schema changes
// when several nodes start at once: CREATE TABLE IF NOT EXISTS alone races
// (two sessions can both see the table missing).
const migrationLock = 0x7472_6169_6c77_6174 // "trailwat"

// migrations are applied in order and recorded in the migrations table by
// their 1-based position. Append only: never edit or reorder an entry once
// it has shipped. Text that is compared or ordered uses the C collation, so
// ordering is by bytes, as in the sqlite backend, whatever the database's
// locale.
var migrations = []string{
	// 1: accounts, IAM, CloudTrail event history and leases.
	`
CREATE TABLE accounts (
	id         text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL,
	created_at bigint
);

-- name_key is the user name folded to lower case: IAM names are unique
-- case-insensitively, and user_name keeps the case the user was created with.
CREATE TABLE iam_users (
	account_id text COLLATE "C" NOT NULL,
	name_key   text COLLATE "C" NOT NULL,
	user_name  text NOT NULL,
	user_id    text NOT NULL,
	path       text COLLATE "C" NOT NULL,
	arn        text NOT NULL,
	created_at bigint,
	PRIMARY KEY (account_id, name_key)
);

-- user_key is NULL for the account's root keys, which have no user row; the
-- foreign key is then not checked.
CREATE TABLE iam_access_keys (
	id         text COLLATE "C" PRIMARY KEY,
	secret     text NOT NULL,
	account_id text COLLATE "C" NOT NULL,
	user_key   text COLLATE "C",
	user_name  text NOT NULL,
	status     text NOT NULL,
	created_at bigint,
	seq        bigserial NOT NULL,
	FOREIGN KEY (account_id, user_key) REFERENCES iam_users (account_id, name_key)
);
CREATE INDEX iam_access_keys_owner ON iam_access_keys (account_id, user_key);

CREATE TABLE iam_user_policies (
	account_id  text COLLATE "C" NOT NULL,
	user_key    text COLLATE "C" NOT NULL,
	policy_name text COLLATE "C" NOT NULL,
	document    text NOT NULL,
	PRIMARY KEY (account_id, user_key, policy_name),
	FOREIGN KEY (account_id, user_key) REFERENCES iam_users (account_id, name_key)
);

-- event_indexes names each ordered index of events: one per (account,
-- region, category) with attr_key '' for the time-only index, and one per
-- lookup attribute key. Events and attribute rows refer to it by id, which
-- keeps those rows, the bulk of the database, small.
CREATE TABLE event_indexes (
	id         bigserial PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	category   text COLLATE "C" NOT NULL,
	attr_key   text COLLATE "C" NOT NULL,
	UNIQUE (account_id, region, category, attr_key)
);

-- time is the record's eventTime in Unix seconds.
CREATE TABLE events (
	seq  bigserial PRIMARY KEY,
	ix   bigint NOT NULL,
	time bigint NOT NULL,
	json bytea NOT NULL
);
CREATE INDEX events_by_time ON events (ix, time, seq);
CREATE INDEX events_for_retention ON events (time);

-- One row per lookup attribute of an event. The primary key is the
-- LookupEvents access path: a range scan of (ix, value) newest first.
CREATE TABLE event_attrs (
	ix    bigint NOT NULL,
	value text COLLATE "C" NOT NULL,
	time  bigint NOT NULL,
	seq   bigint NOT NULL,
	PRIMARY KEY (ix, value, time, seq)
);
CREATE INDEX event_attrs_for_retention ON event_attrs (seq);

CREATE TABLE leases (
	name    text COLLATE "C" PRIMARY KEY,
	holder  text NOT NULL,
	expires timestamptz NOT NULL
);
`,
	// 2: CloudWatch Logs: groups, streams, event chunks, metric filters.
	`
-- Log group and stream names are case-sensitive and sort by bytes (C
-- collation). stored_bytes and raw_bytes sum the group's chunks (see
-- log_chunks). next_seq is the Seq the group's next batch starts at: each
-- PutLogEvents advances it in the transaction that stores the batch, and
-- the row lock that takes orders a group's batches.
CREATE TABLE log_groups (
	id                  bigserial PRIMARY KEY,
	account_id          text COLLATE "C" NOT NULL,
	region              text COLLATE "C" NOT NULL,
	name                text COLLATE "C" NOT NULL,
	created_at          bigint,
	retention_days      integer NOT NULL,
	kms_key_id          text NOT NULL,
	class               text NOT NULL,
	deletion_protection boolean NOT NULL,
	tags                text,
	stored_bytes        bigint NOT NULL DEFAULT 0,
	raw_bytes           bigint NOT NULL DEFAULT 0,
	next_seq            bigint NOT NULL DEFAULT 0,
	UNIQUE (account_id, region, name)
);
CREATE INDEX log_groups_with_retention ON log_groups (id) WHERE retention_days > 0;

-- The event times are NULL until the stream's first batch.
CREATE TABLE log_streams (
	id             bigserial PRIMARY KEY,
	group_id       bigint NOT NULL,
	name           text COLLATE "C" NOT NULL,
	created_at     bigint,
	first_event    bigint,
	last_event     bigint,
	last_ingestion bigint,
	UNIQUE (group_id, name)
);
CREATE INDEX log_streams_by_last_event ON log_streams (group_id, (coalesce(last_event, 0)), name);

-- One row per chunk (internal/chunk): a PutLogEvents batch, or several of
-- a stream's adjacent batches merged by the compactor. The columns before
-- the blobs repeat the chunk's header so that reads choose chunks from the
-- indexes alone. The blobs are zstd already: EXTERNAL stores them out of
-- line without trying to compress them again. stored_bytes is
-- length(filter) + length(data), the filter being the chunk package's
-- (since migration 11 kept in log_chunk_blooms).
CREATE TABLE log_chunks (
	id           bigserial PRIMARY KEY,
	group_id     bigint NOT NULL,
	stream_id    bigint NOT NULL,
	min_ts       bigint NOT NULL,
	max_ts       bigint NOT NULL,
	min_seq      bigint NOT NULL,
	max_seq      bigint NOT NULL,
	count        bigint NOT NULL,
	raw_bytes    bigint NOT NULL,
	stored_bytes bigint NOT NULL,
	filter       bytea NOT NULL,
	data         bytea NOT NULL
);
ALTER TABLE log_chunks ALTER COLUMN filter SET STORAGE EXTERNAL, ALTER COLUMN data SET STORAGE EXTERNAL;
-- ScanLogEvents and retention walk a group's chunks by first event;
-- ReadLogStream walks a stream's forward by first event and backward by
-- last.
CREATE INDEX log_chunks_by_group ON log_chunks (group_id, min_ts, min_seq)
	INCLUDE (max_ts, max_seq, stream_id, count, raw_bytes, stored_bytes);
CREATE INDEX log_chunks_by_stream ON log_chunks (stream_id, min_ts, min_seq)
	INCLUDE (max_ts, max_seq, group_id, count, raw_bytes, stored_bytes);
CREATE INDEX log_chunks_by_stream_end ON log_chunks (stream_id, max_ts, max_seq)
	INCLUDE (min_ts, min_seq, count, raw_bytes);

-- transformations and emit_system_field_dimensions are JSON, as given.
CREATE TABLE log_metric_filters (
	group_id                     bigint NOT NULL,
	name                         text COLLATE "C" NOT NULL,
	pattern                      text NOT NULL,
	transformations              text NOT NULL,
	created_at                   bigint,
	apply_on_transformed_logs    boolean NOT NULL,
	field_selection_criteria     text NOT NULL,
	emit_system_field_dimensions text NOT NULL,
	PRIMARY KEY (group_id, name)
);
`,
	// 3: CloudTrail trails.
	`
-- One row per trail, keyed by its home region: a multi-region trail is one
-- row, visible in every region. Selectors and tags are JSON, as the API
-- gives and returns them whole. The delivery columns are NULL until the
-- delivery worker first reports (GetTrailStatus leaves them out).
CREATE TABLE trails (
	account_id                text COLLATE "C" NOT NULL,
	home_region               text COLLATE "C" NOT NULL,
	name                      text COLLATE "C" NOT NULL,
	multi_region              boolean NOT NULL,
	s3_bucket                 text NOT NULL,
	s3_key_prefix             text NOT NULL,
	sns_topic_arn             text NOT NULL,
	global_service_events     boolean NOT NULL,
	log_file_validation       boolean NOT NULL,
	cwl_log_group_arn         text NOT NULL,
	cwl_role_arn              text NOT NULL,
	kms_key_id                text NOT NULL,
	organization              boolean NOT NULL,
	custom_selectors          boolean NOT NULL,
	event_selectors           text NOT NULL,
	advanced_event_selectors  text NOT NULL,
	tags                      text NOT NULL,
	created_at                bigint,
	is_logging                boolean NOT NULL,
	start_logging_time        bigint,
	stop_logging_time         bigint,
	delivery_time             bigint,
	delivery_attempt_time     bigint,
	delivery_error            text,
	notification_time         bigint,
	notification_attempt_time bigint,
	notification_error        text,
	cwl_delivery_time         bigint,
	cwl_delivery_error        text,
	digest_delivery_time      bigint,
	digest_delivery_error     text,
	PRIMARY KEY (account_id, home_region, name)
);
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
	id       bigserial PRIMARY KEY,
	max_time bigint NOT NULL,
	data     bytea NOT NULL
);
CREATE INDEX event_chunks_by_time ON event_chunks (max_time);

-- LookupEvents by EventId. Data events, which LookupEvents never returns,
-- have no row.
CREATE TABLE event_ids (
	event_id text COLLATE "C" NOT NULL,
	seq      bigint NOT NULL,
	ix       bigint NOT NULL,
	time     bigint NOT NULL,
	PRIMARY KEY (event_id, seq)
);

-- One row per merge, index (ix, with value '' for the time index), value
-- and 4-second bucket of event times: the (time, seq) of each event in it
-- as 16-byte big-endian pairs. LookupEvents reads a range of max_time
-- newest first; retention finds old postings by max_time.
CREATE TABLE event_postings (
	ix        bigint NOT NULL,
	value     text COLLATE "C" NOT NULL,
	max_time  bigint NOT NULL,
	first_seq bigint NOT NULL,
	min_time  bigint NOT NULL,
	entries   bytea NOT NULL,
	PRIMARY KEY (ix, value, max_time, first_seq)
);
CREATE INDEX event_postings_by_time ON event_postings (max_time);

-- The index of each batch stored since the last merge (an
-- eventindex.Segment): storing a batch writes its chunks and one row
-- here; merges move many rows at once into event_postings and event_ids.
CREATE TABLE event_pending (
	id     bigserial PRIMARY KEY,
	events integer NOT NULL,
	data   bytea NOT NULL
);

INSERT INTO event_chunks (id, max_time, data) SELECT seq, time, '\x00'::bytea || json FROM events;
SELECT setval('event_chunks_id_seq', (SELECT last_value FROM events_seq_seq));

INSERT INTO event_ids (event_id, seq, ix, time)
SELECT convert_from(e.json, 'UTF8')::jsonb ->> 'eventID', e.seq * 16, e.ix, e.time
FROM events AS e JOIN event_indexes AS x ON x.id = e.ix WHERE x.category <> 'Data';

INSERT INTO event_postings (ix, value, max_time, first_seq, min_time, entries)
SELECT ix, '', max(time), min(seq) * 16, min(time), string_agg(int8send(time) || int8send(seq * 16), ''::bytea)
FROM events GROUP BY ix, time / 4;
INSERT INTO event_postings (ix, value, max_time, first_seq, min_time, entries)
SELECT a.ix, a.value, max(a.time), min(a.seq) * 16, min(a.time), string_agg(int8send(a.time) || int8send(a.seq * 16), ''::bytea)
FROM event_attrs AS a JOIN event_indexes AS x ON x.id = a.ix
WHERE x.attr_key <> 'EventId'
GROUP BY a.ix, a.value, a.time / 4;

DROP TABLE event_attrs;
DROP TABLE events;
`,
	// 5: the trail delivery worker's state (its cursor and digest chain),
	// kept with the trail so that deleting a trail deletes it.
	`
ALTER TABLE trails ADD COLUMN delivery_state bytea;
`,
	// 6: digest signing keys (storage.TrailKeys). Times in Unix
	// nanoseconds; the private key is sealed by the caller.
	`
CREATE TABLE trail_keys (
	account_id  text NOT NULL,
	region      text NOT NULL,
	valid_from  bigint NOT NULL,
	valid_until bigint NOT NULL,
	fingerprint text NOT NULL UNIQUE,
	public_key  bytea NOT NULL,
	sealed_key  bytea NOT NULL,
	PRIMARY KEY (account_id, region, valid_from)
);
`,
	// 7: CloudTrail Lake channels (storage.Channels). destinations, tags
	// and ingestion are JSON; created_at in Unix nanoseconds.
	`
CREATE TABLE channels (
	account_id   text NOT NULL,
	region       text NOT NULL,
	id           text NOT NULL,
	name         text NOT NULL,
	source       text NOT NULL,
	destinations text NOT NULL,
	tags         text NOT NULL,
	ingestion    text NOT NULL,
	created_at   bigint NOT NULL,
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
	id         bigserial PRIMARY KEY,
	account_id text NOT NULL,
	region     text NOT NULL,
	namespace  text NOT NULL,
	name       text NOT NULL,
	dims       text NOT NULL,
	last_ts    bigint NOT NULL,
	UNIQUE (account_id, region, namespace, name, dims)
);
CREATE TABLE metric_buckets (
	series_id  bigint NOT NULL,
	ts         bigint NOT NULL,
	resolution integer NOT NULL,
	unit       text NOT NULL,
	count      double precision NOT NULL,
	sum        double precision NOT NULL,
	min        double precision NOT NULL,
	max        double precision NOT NULL,
	sketch     bytea,
	PRIMARY KEY (series_id, ts, resolution, unit)
);
CREATE INDEX metric_buckets_age ON metric_buckets (resolution, ts);
`,
	// 9: SNS (storage.SNS). data is the JSON of the topic or
	// subscription; due_at in Unix nanoseconds.
	`
CREATE TABLE sns_topics (
	arn        text PRIMARY KEY,
	account_id text NOT NULL,
	region     text NOT NULL,
	data       text NOT NULL
);
CREATE INDEX sns_topics_account ON sns_topics (account_id, region, arn);
CREATE TABLE sns_subscriptions (
	arn        text PRIMARY KEY,
	topic_arn  text NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
	account_id text NOT NULL,
	region     text NOT NULL,
	protocol   text NOT NULL,
	endpoint   text NOT NULL,
	data       text NOT NULL,
	UNIQUE (topic_arn, protocol, endpoint)
);
CREATE INDEX sns_subscriptions_account ON sns_subscriptions (account_id, region, arn);
CREATE TABLE sns_deliveries (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	topic_arn        text NOT NULL,
	subscription_arn text NOT NULL REFERENCES sns_subscriptions (arn) ON DELETE CASCADE,
	due_at           bigint NOT NULL,
	attempts         bigint NOT NULL,
	payload          bytea NOT NULL
);
CREATE INDEX sns_deliveries_due ON sns_deliveries (due_at, id);
CREATE INDEX sns_deliveries_subscription ON sns_deliveries (subscription_arn);
`,
	// 10: CloudWatch alarms (storage.Alarms). data is the service's JSON
	// record of the alarm; ts in Unix nanoseconds.
	`
CREATE TABLE cw_alarms (
	account_id text NOT NULL,
	region     text NOT NULL,
	name       text COLLATE "C" NOT NULL,
	data       bytea NOT NULL,
	PRIMARY KEY (account_id, region, name)
);
CREATE TABLE cw_alarm_history (
	id         bigserial PRIMARY KEY,
	account_id text NOT NULL,
	region     text NOT NULL,
	alarm_name text NOT NULL,
	alarm_type text NOT NULL,
	ts         bigint NOT NULL,
	item_type  text NOT NULL,
	summary    text NOT NULL,
	data       text NOT NULL
);
CREATE INDEX cw_alarm_history_account ON cw_alarm_history (account_id, region, ts, id);
CREATE INDEX cw_alarm_history_age ON cw_alarm_history (ts);
`,
	// 11: the metric journal (storage.AppendMetricJournal): one row per
	// acknowledged batch of metric data, merged into metric_buckets and
	// deleted after; datums is how many the entry holds. Entries are
	// stored uncompressed (STORAGE EXTERNAL): they are short-lived, and
	// compressing each would cost the writer more than it saves.
	`
CREATE TABLE metric_journal (
	id         bigserial PRIMARY KEY,
	account_id text NOT NULL,
	region     text NOT NULL,
	datums     integer NOT NULL,
	entry      bytea NOT NULL
);
ALTER TABLE metric_journal ALTER COLUMN entry SET STORAGE EXTERNAL;
`,
	// 12: chunk filters apart from the chunks, in rows that stay in line
	// (blooms.go), so that a term search picks what it needs from them
	// in its query rather than fetching and detoasting whole filters.
	// The filters already stored are split here; a malformed one gets no
	// rows, which reads take as "any block may match", as they took it
	// before.
	`
CREATE TABLE log_chunk_blooms (
	chunk_id bigint NOT NULL REFERENCES log_chunks (id) ON DELETE CASCADE,
	block    integer NOT NULL,
	part     integer NOT NULL,
	units    integer NOT NULL,
	bits     bytea NOT NULL,
	PRIMARY KEY (chunk_id, block, part)
);
ALTER TABLE log_chunk_blooms ALTER COLUMN bits SET STORAGE PLAIN;
DO $$
DECLARE
	c record;
	f bytea;
	len integer;
	pos integer;
	v bigint;
	shift integer;
	byte integer;
	nblocks bigint;
	lens bigint[];
	total bigint;
	off integer;
	u integer;
	p integer;
	ok boolean;
BEGIN
	FOR c IN SELECT id, filter FROM log_chunks LOOP
		f := c.filter;
		len := length(f);
		CONTINUE WHEN len = 0;
		IF get_byte(f, 0) = 1 THEN
			-- Version 1: one Bloom filter after the version byte.
			CONTINUE WHEN (len - 1) % 32 <> 0;
			lens := ARRAY[(len - 1) / 32];
			pos := 1;
		ELSIF get_byte(f, 0) = 2 THEN
			-- Version 2: uvarint count, uvarint lengths, the filters.
			pos := 1;
			ok := true;
			lens := '{}';
			nblocks := -1;
			WHILE ok AND (nblocks < 0 OR cardinality(lens) < nblocks) LOOP
				v := 0;
				shift := 0;
				LOOP
					IF pos >= len OR shift > 56 THEN
						ok := false;
						EXIT;
					END IF;
					byte := get_byte(f, pos);
					pos := pos + 1;
					v := v | ((byte & 127)::bigint << shift);
					EXIT WHEN byte < 128;
					shift := shift + 7;
				END LOOP;
				EXIT WHEN NOT ok;
				IF nblocks < 0 THEN
					nblocks := v;
					ok := nblocks > 0 AND nblocks <= len;
				ELSE
					lens := lens || v;
				END IF;
			END LOOP;
			CONTINUE WHEN NOT ok;
			SELECT sum(x) INTO total FROM unnest(lens) AS x;
			CONTINUE WHEN total * 32 <> len - pos;
		ELSE
			CONTINUE;
		END IF;
		off := pos;
		FOR b IN 1 .. cardinality(lens) LOOP
			u := lens[b];
			p := 0;
			LOOP
				INSERT INTO log_chunk_blooms (chunk_id, block, part, units, bits)
				VALUES (c.id, b - 1, p, u, substring(f FROM off + p * 4032 + 1 FOR least(u - p * 126, 126) * 32));
				p := p + 1;
				EXIT WHEN p * 126 >= u;
			END LOOP;
			off := off + u * 32;
		END LOOP;
	END LOOP;
END $$;
ALTER TABLE log_chunks DROP COLUMN filter;
`,
	// 13: journal entries compressed with lz4 before they are stored out
	// of line: an entry repeats its metric names and dimensions, and
	// lz4 costs PostgreSQL less than writing and logging the TOAST rows
	// it saves. A server built without lz4 (or older than 14, which
	// has no column compression setting) keeps them uncompressed.
	`
DO $$
BEGIN
	EXECUTE 'ALTER TABLE metric_journal ALTER COLUMN entry SET COMPRESSION lz4, ALTER COLUMN entry SET STORAGE EXTENDED';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
	NULL;
END $$;
`,
}

// migrate brings the schema up to date in one transaction, holding the
// migration lock so that nodes starting together apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create migrations table: %w", err)
		}
		var newest int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&newest); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if newest > len(migrations) {
			// An older binary must not write to a schema it does not know.
			return fmt.Errorf("schema version %d is newer than this program's %d", newest, len(migrations))
		}
		for i := newest; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("apply migration %d: %w", i+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO migrations (version) VALUES ($1)`, i+1); err != nil {
				return fmt.Errorf("record migration %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
