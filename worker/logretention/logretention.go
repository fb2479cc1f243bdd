// Package logretention is the background job that enforces CloudWatch Logs
// retention: it deletes the events of log groups with a retention policy
// once they are older than it (reference/cloudwatch-logs.md §3.1), in whole
// storage chunks, and merges the small chunks that steady ingestion leaves
// behind so scans read fewer, larger ones. On several nodes sharing one
// database, a lease lets one node at a time do the work.
package logretention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker"
)

// LeaseName is the lease the worker holds while it works.
const LeaseName = "retention/logs"

// Defaults for zero Options fields.
const (
	// DefaultInterval is the time between passes. AWS deletes expired
	// events within about 72 hours; an hourly pass is far inside that, and
	// compaction catches up on the chunks of an hour of ingestion.
	DefaultInterval = time.Hour
	// DefaultCompactStreams is how many streams one CompactLogEvents call
	// may rewrite, which bounds how long a call holds the database.
	DefaultCompactStreams = 100
	// DefaultCompactRounds bounds the CompactLogEvents calls of one pass,
	// so a backlog is worked off over several passes rather than in one
	// that never ends.
	DefaultCompactRounds = 100
)

// Options configure a Worker.
type Options struct {
	// Logs holds the log events. Required.
	Logs storage.Logs
	// Leases arbitrates between nodes. Required.
	Leases storage.Leases
	// Holder names this node in the lease; empty means host name and
	// process id.
	Holder string
	// Interval is the time between passes; 0 means DefaultInterval.
	Interval time.Duration
	// CompactStreams is the maxStreams of each CompactLogEvents call; 0
	// means DefaultCompactStreams.
	CompactStreams int
	// CompactRounds bounds the CompactLogEvents calls of one pass; 0 means
	// DefaultCompactRounds.
	CompactRounds int
	// Now is the clock event ages are measured against; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per pass that changed something and one per
	// failure; nil discards.
	Logger *slog.Logger
}

// Worker deletes expired log events and compacts chunks. It keeps no state
// between passes beyond its options, so several Workers never interfere
// except through the lease.
type Worker struct {
	opts Options
	loop worker.Loop
}

// New returns a Worker. It panics if Logs or Leases is nil or a number is
// negative: those are wiring bugs.
func New(opts Options) *Worker {
	switch {
	case opts.Logs == nil:
		panic("BUG: logretention: Options.Logs is nil")
	case opts.Leases == nil:
		panic("BUG: logretention: Options.Leases is nil")
	case opts.Interval < 0 || opts.CompactStreams < 0 || opts.CompactRounds < 0:
		panic("BUG: logretention: negative value in Options")
	}
	if opts.Holder == "" {
		opts.Holder = worker.DefaultHolder()
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.CompactStreams == 0 {
		opts.CompactStreams = DefaultCompactStreams
	}
	if opts.CompactRounds == 0 {
		opts.CompactRounds = DefaultCompactRounds
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{opts: opts}
	w.loop = worker.Loop{Name: "log retention", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Leases,
		Interval: opts.Interval, Logger: opts.Logger, Pass: func(ctx context.Context) error {
			_, err := w.RunOnce(ctx)
			return err
		}}
	return w
}

// Run makes a pass at once and then every Interval until ctx is done, when
// it gives the lease up and returns ctx's error. A failed pass is logged and
// retried at the next interval; Run itself does not fail.
func (w *Worker) Run(ctx context.Context) error {
	return w.loop.Run(ctx)
}

// Pass is what one pass did.
type Pass struct {
	// Held is false when another node held the lease and nothing was done.
	Held bool
	// Deleted counts the expired events removed.
	Deleted int64
	// Compacted counts the chunks compaction removed by merging.
	Compacted int
}

// RunOnce makes one pass: if this node can take the lease, it deletes the
// expired events of every log group, then compacts chunks until a call
// finds nothing to merge or CompactRounds calls were made. An error cuts
// the pass short; the Pass reports what was done before it.
func (w *Worker) RunOnce(ctx context.Context) (Pass, error) {
	var p Pass
	held, err := w.loop.Acquire(ctx)
	if err != nil {
		return p, fmt.Errorf("log retention lease: %w", err)
	}
	if !held {
		return p, nil
	}
	p.Held = true
	now := w.opts.Now()
	if p.Deleted, err = w.opts.Logs.DeleteExpiredLogEvents(ctx, now.UnixMilli()); err != nil {
		return p, fmt.Errorf("delete expired log events: %w", err)
	}
	for range w.opts.CompactRounds {
		n, err := w.opts.Logs.CompactLogEvents(ctx, w.opts.CompactStreams)
		p.Compacted += n
		if err != nil {
			return p, fmt.Errorf("compact log events: %w", err)
		}
		if n == 0 || ctx.Err() != nil {
			break
		}
	}
	if p.Deleted > 0 || p.Compacted > 0 {
		w.opts.Logger.Info("log retention pass", "deleted_events", p.Deleted, "compacted_chunks", p.Compacted,
			"now", now.UTC().Format(time.RFC3339))
	}
	return p, nil
}
