// Package postgres is the storage backend for several trailwatch nodes
// sharing one PostgreSQL database. Every node may serve every request: all
// coordination (unique names, key limits, leases) happens in the database,
// never in a node's memory.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/eventindex"
	"github.com/trailwatch/trailwatch/storage/logwrite"
	"github.com/trailwatch/trailwatch/storage/seqgate"
)

// DB is an open PostgreSQL database. It implements storage.Store and is safe
// for concurrent use.
type DB struct {
	pool *pgxpool.Pool

	// merges is the background metric journal merge.
	merges *storage.MergeLoop

	// ixMu guards ix, a cache of event_indexes rows. Rows are never deleted
	// or changed once committed, so a cached id stays valid forever, on
	// every node.
	ixMu sync.Mutex
	ix   map[eventindex.Key]int64

	// pendingEvents counts the events this node stored since its last
	// merge of event_pending; at mergeEvents it merges. Other nodes'
	// events are not counted, which only delays merges.
	pendingEvents atomic.Int64
	mergeEvents   int64

	// seqs orders the PutLogEvents batches of each log group this node
	// stores; the database orders them across nodes.
	seqs seqgate.Gates
	// compaction makes successive CompactLogEvents calls take every
	// stream in turn.
	compaction logwrite.Cursor
}

var _ storage.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and brings its schema up to date. Several nodes may
// open the same database at once.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := &DB{pool: pool, ix: map[eventindex.Key]int64{}, mergeEvents: mergeEvents}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.merges = storage.StartMergeLoop(func() { db.flushMetrics(context.Background()) })
	return db, nil
}

// Close stops the background journal merge, waits for connections in use
// to be released and closes the pool.
func (db *DB) Close() error {
	db.merges.Stop()
	db.merges = nil
	db.pool.Close()
	return nil
}

// Accounts returns the account store.
func (db *DB) Accounts() storage.Accounts { return accounts{db} }

// IAM returns the IAM store.
func (db *DB) IAM() storage.IAM { return iam{db} }

// Events returns the CloudTrail event store.
func (db *DB) Events() storage.Events { return events{db} }

// Leases returns the lease store.
func (db *DB) Leases() storage.Leases { return leases{db} }

// write runs fn in a read-committed transaction and commits.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// nanos encodes a time for storage: Unix nanoseconds, or NULL for the zero
// time (outside the range UnixNano can represent). Unlike timestamptz,
// which keeps microseconds, this gives back exactly the time stored.
func nanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

// fromNanos decodes what nanos stored, in UTC.
func fromNanos(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// notFound turns pgx's no-rows error into storage.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	return err
}
