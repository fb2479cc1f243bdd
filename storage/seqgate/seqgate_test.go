package seqgate

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestReserveHandsOutConsecutiveRanges(t *testing.T) {
	var g Gates
	a := g.Reserve(1, 10, 3)
	b := g.Reserve(1, 10, 2)
	c := g.Reserve(1, 4, 1) // a stale next_seq does not move the gate back
	other := g.Reserve(2, 0, 5)
	for _, tc := range []struct {
		name string
		turn *Turn
		want int64
	}{
		{"first", a, 10},
		{"second", b, 13},
		{"stale stored", c, 15},
		{"another group", other, 0},
	} {
		if got := tc.turn.Base(); got != tc.want {
			t.Errorf("%s: base %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, turn := range []*Turn{a, b, c} {
		g.Finish(1, turn, -1)
	}
	g.Finish(2, other, -1)
}

func TestFinishReportsWhereTheGroupStands(t *testing.T) {
	var g Gates
	a := g.Reserve(1, 0, 2)
	// Another process wrote meanwhile: a committed at 100 instead of 0.
	g.Finish(1, a, 102)
	if got := g.Reserve(1, 0, 1).Base(); got != 102 {
		t.Errorf("after a moved range, base %d, want 102", got)
	}
}

func TestTurnsGoInOrder(t *testing.T) {
	var g Gates
	ctx := context.Background()
	a := g.Reserve(1, 0, 1)
	b := g.Reserve(1, 0, 1)
	c := g.Reserve(1, 0, 1)
	if err := a.Wait(ctx); err != nil {
		t.Fatalf("first turn waits: %v", err)
	}
	order := make(chan string, 2)
	for name, turn := range map[string]*Turn{"b": b, "c": c} {
		go func() {
			if err := turn.Wait(ctx); err != nil {
				order <- "error: " + err.Error()
				return
			}
			order <- name
			g.Finish(1, turn, -1)
		}()
	}
	select {
	case got := <-order:
		t.Fatalf("%s went before the first turn finished", got)
	case <-time.After(20 * time.Millisecond):
	}
	g.Finish(1, a, -1)
	for _, want := range []string{"b", "c"} {
		if got := <-order; got != want {
			t.Errorf("turn %s went, want %s", got, want)
		}
	}
}

func TestWaitGivesUpWithContext(t *testing.T) {
	var g Gates
	a := g.Reserve(1, 0, 1)
	b := g.Reserve(1, 0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("wait behind an unfinished turn = %v, want %v", err, context.Canceled)
	}
	// A turn that gave up still finishes, and the next one may go.
	g.Finish(1, b, -1)
	g.Finish(1, a, -1)
	c := g.Reserve(1, 0, 1)
	if err := c.Wait(context.Background()); err != nil {
		t.Errorf("turn alone in its group waits: %v", err)
	}
	if c.Base() != 2 {
		t.Errorf("base %d after two ranges of one, want 2", c.Base())
	}
	g.Finish(1, c, -1)
}

func TestIdleGatesAreDropped(t *testing.T) {
	var g Gates
	for gid := range int64(maxIdleGates + 10) {
		g.Finish(gid, g.Reserve(gid, 0, 1), -1)
	}
	if n := len(g.gates); n > maxIdleGates+1 {
		t.Errorf("%d gates kept, want at most %d", n, maxIdleGates+1)
	}
	busy := g.Reserve(-1, 0, 1)
	for gid := range int64(maxIdleGates + 10) {
		g.Finish(gid, g.Reserve(gid, 0, 1), -1)
	}
	if g.gates[-1] != busy.gate {
		t.Error("a group with a batch in flight lost its gate")
	}
	g.Finish(-1, busy, -1)
}
