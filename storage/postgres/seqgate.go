package postgres

// This file is the same in the sqlite and postgres backends (only the
// package clause differs).

import (
	"context"
	"sync"
)

// seqGates hands out the Seq ranges of PutLogEvents batches before they
// are stored, so that batches can be encoded, which takes most of their
// time, in parallel and outside the write transaction, and then lets each
// group's batches commit in the order their ranges were handed out.
//
// The database stays the authority: a batch commits only if its range
// starts at or after the group's next_seq, and advances next_seq past it.
// A range handed out here is therefore only a guess that is right unless
// another process wrote to the group in between; the writer then takes a
// new range inside its transaction and encodes again. Seq is thus unique
// and increasing in commit order within a group, whatever happens here.
type seqGates struct {
	mu    sync.Mutex
	gates map[int64]*seqGate // by group id
}

// maxIdleGates bounds how many groups without batches in flight keep
// their gate: past it, idle gates are dropped and rebuilt from the
// database on next use.
const maxIdleGates = 4096

// seqGate orders one group's batches.
type seqGate struct {
	mu sync.Mutex
	// next is the first Seq not yet handed out in this process, or -1
	// before it is known.
	next int64
	// turns are the ranges handed out and not yet finished, in order.
	turns []*seqTurn
}

// seqTurn is one batch's place in its group's queue.
type seqTurn struct {
	gate  *seqGate
	base  int64         // the batch's first Seq
	ready chan struct{} // closed when every earlier turn has finished
	open  bool          // ready is closed; guarded by gate.mu
}

// reserve hands out n Seqs of group gid, whose next_seq the database gave
// as stored (possibly stale: never less than the truth of an earlier
// moment). The caller must call finish on the turn, whatever happens.
func (g *seqGates) reserve(gid, stored, n int64) *seqTurn {
	g.mu.Lock()
	if g.gates == nil {
		g.gates = map[int64]*seqGate{}
	}
	gate := g.gates[gid]
	if gate == nil {
		gate = &seqGate{next: -1}
		g.gates[gid] = gate
	}
	g.mu.Unlock()

	gate.mu.Lock()
	defer gate.mu.Unlock()
	gate.next = max(gate.next, stored)
	t := &seqTurn{gate: gate, base: gate.next, ready: make(chan struct{})}
	gate.next += n
	gate.turns = append(gate.turns, t)
	if len(gate.turns) == 1 {
		t.open = true
		close(t.ready)
	}
	return t
}

// wait blocks until every turn handed out before t has finished.
func (t *seqTurn) wait(ctx context.Context) error {
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish ends t, committed or not, and lets the next turn go. next, when
// positive, is the group's next_seq after t's commit: a writer that had to
// take a new range reports where the group really stands.
func (g *seqGates) finish(gid int64, t *seqTurn, next int64) {
	gate := t.gate
	gate.mu.Lock()
	gate.next = max(gate.next, next)
	for i, u := range gate.turns {
		if u == t {
			gate.turns = append(gate.turns[:i], gate.turns[i+1:]...)
			break
		}
	}
	if len(gate.turns) > 0 && !gate.turns[0].open {
		gate.turns[0].open = true
		close(gate.turns[0].ready)
	}
	idle := len(gate.turns) == 0
	gate.mu.Unlock()

	if idle {
		g.mu.Lock()
		if len(g.gates) > maxIdleGates && g.gates[gid] == gate {
			delete(g.gates, gid)
		}
		g.mu.Unlock()
	}
}
