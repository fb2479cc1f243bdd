// Package seqgate hands out the Seq ranges of a log group's PutLogEvents
// batches before they are stored, so that batches can be encoded, which
// takes most of their time, in parallel and outside the write
// transaction, and then lets each group's batches commit in the order
// their ranges were handed out.
//
// The database stays the authority: a batch commits only if its range
// starts at or after the group's next_seq, and advances next_seq past it.
// A range handed out here is therefore only a guess that is right unless
// another process wrote to the group in between; the writer then takes a
// new range inside its transaction and encodes again. Seq is thus unique
// and increasing in commit order within a group, whatever happens here.
package seqgate

import (
	"context"
	"sync"
)

// Gates orders the batches of every log group of one process. The zero
// value is ready to use; a Gates must not be copied after first use. Its
// methods may be called from any goroutine.
type Gates struct {
	mu    sync.Mutex
	gates map[int64]*gate // by group id; guarded by mu
}

// maxIdleGates bounds how many groups without batches in flight keep
// their gate: past it, idle gates are dropped and rebuilt from the
// database on next use.
const maxIdleGates = 4096

// gate orders one group's batches.
type gate struct {
	mu sync.Mutex
	// next is the first Seq not yet handed out in this process, or -1
	// before it is known.
	next int64
	// turns are the ranges handed out and not yet finished, in order.
	turns []*Turn
}

// Turn is one batch's place in its group's queue.
type Turn struct {
	gate  *gate
	base  int64         // the batch's first Seq
	ready chan struct{} // closed when every earlier turn has finished
	open  bool          // ready is closed; guarded by gate.mu
}

// Reserve hands out n Seqs of group gid, whose next_seq the database gave
// as stored (possibly stale: never less than the truth of an earlier
// moment). The caller must call Finish on the turn, whatever happens.
func (g *Gates) Reserve(gid, stored, n int64) *Turn {
	g.mu.Lock()
	if g.gates == nil {
		g.gates = map[int64]*gate{}
	}
	gt := g.gates[gid]
	if gt == nil {
		gt = &gate{next: -1}
		g.gates[gid] = gt
	}
	g.mu.Unlock()

	gt.mu.Lock()
	defer gt.mu.Unlock()
	gt.next = max(gt.next, stored)
	t := &Turn{gate: gt, base: gt.next, ready: make(chan struct{})}
	gt.next += n
	gt.turns = append(gt.turns, t)
	if len(gt.turns) == 1 {
		t.open = true
		close(t.ready)
	}
	return t
}

// Base is the first Seq of t's range.
func (t *Turn) Base() int64 { return t.base }

// Wait blocks until every turn handed out before t has finished, or ctx
// is done (and then returns ctx's error).
func (t *Turn) Wait(ctx context.Context) error {
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Finish ends t, a turn of group gid, committed or not, and lets the next
// turn go. next, when positive, is the group's next_seq after t's commit:
// a writer that had to take a new range reports where the group really
// stands.
func (g *Gates) Finish(gid int64, t *Turn, next int64) {
	gt := t.gate
	gt.mu.Lock()
	gt.next = max(gt.next, next)
	for i, u := range gt.turns {
		if u == t {
			gt.turns = append(gt.turns[:i], gt.turns[i+1:]...)
			break
		}
	}
	if len(gt.turns) > 0 && !gt.turns[0].open {
		gt.turns[0].open = true
		close(gt.turns[0].ready)
	}
	idle := len(gt.turns) == 0
	gt.mu.Unlock()

	if idle {
		g.mu.Lock()
		if len(g.gates) > maxIdleGates && g.gates[gid] == gt {
			delete(g.gates, gid)
		}
		g.mu.Unlock()
	}
}
