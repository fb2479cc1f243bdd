// Package worker runs the background jobs that nodes sharing one database
// must not run at once: a lease picks the node that works, and a Loop
// makes a pass at once and then every interval until it is stopped, when
// it gives the lease up. The jobs themselves live in subpackages
// (retention, logretention) and supply only their pass.
package worker

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// DefaultHolder names this node in a lease: host name and process id.
func DefaultHolder() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid())
}

// Loop is the lease-and-interval loop of one job. All fields are
// required; a Loop is built once by its job's constructor.
type Loop struct {
	// Name names the job in log lines, such as "event retention".
	Name string
	// Lease is the lease the job holds while it works.
	Lease string
	// Holder names this node in the lease.
	Holder string
	// Leases arbitrates between nodes.
	Leases storage.Leases
	// Interval is the time between passes.
	Interval time.Duration
	// Logger receives a line per failed pass.
	Logger *slog.Logger
	// Pass makes one pass; it calls Acquire itself, so that a pass run
	// outside Run is arbitrated too. Run logs its error.
	Pass func(ctx context.Context) error
	// Wake, when not nil, starts a pass before the interval is up (a
	// nil channel never fires).
	Wake <-chan struct{}
	// Aligned starts the passes after the first at multiples of Interval
	// on the clock (12:01:00, 12:02:00 for a minute) rather than Interval
	// after the previous one, for jobs whose work falls due at those
	// times: alarm periods close on the minute.
	Aligned bool
}

// nextAligned is when an Aligned loop's next pass starts after one that
// ended at now: the next multiple of Interval (a pass ending exactly on
// one waits for the following one, as its work is done).
func (l *Loop) nextAligned(now time.Time) time.Time {
	return now.Truncate(l.Interval).Add(l.Interval)
}

// leaseTTL outlives two intervals, so the holder renews the lease on every
// pass and keeps it, while a node that died frees it for another node after
// at most two missed passes.
func (l *Loop) leaseTTL() time.Duration { return 2*l.Interval + time.Minute }

// Acquire takes or renews the lease for this node and reports whether it
// holds it; a lease held by another node is logged at debug level. The
// error is AcquireLease's, unwrapped, for the job to wrap in its own
// words.
func (l *Loop) Acquire(ctx context.Context) (bool, error) {
	held, err := l.Leases.AcquireLease(ctx, l.Lease, l.Holder, l.leaseTTL())
	if err != nil {
		return false, err
	}
	if !held {
		l.Logger.Debug(l.Name + " lease held by another node")
	}
	return held, nil
}

// Run makes a pass at once and then every Interval until ctx is done, when
// it gives the lease up and returns ctx's error. A failed pass is logged and
// retried at the next interval; Run itself does not fail.
func (l *Loop) Run(ctx context.Context) error {
	defer l.release()
	next := time.Now()
	t := time.NewTimer(l.Interval)
	defer t.Stop()
	for {
		// A tick may be due at the same time as the stop; select would
		// pick either, so the stop is checked first.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := l.Pass(ctx); err != nil && ctx.Err() == nil {
			l.Logger.Error(l.Name+" pass failed", "err", err)
		}
		// Unaligned passes keep a ticker's rhythm: Interval after the
		// previous start, or at once when a pass overran it.
		now := time.Now()
		if l.Aligned {
			next = l.nextAligned(now)
		} else {
			next = next.Add(l.Interval)
			if next.Before(now) {
				next = now
			}
		}
		t.Reset(next.Sub(now))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-l.Wake:
			next = time.Now()
		}
	}
}

// release gives the lease up so another node need not wait for it to
// expire. It runs after ctx is done, so it gets a context of its own.
func (l *Loop) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Leases.ReleaseLease(ctx, l.Lease, l.Holder); err != nil {
		l.Logger.Warn("release "+l.Name+" lease", "err", err)
	}
}
