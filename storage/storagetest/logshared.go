package storagetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// RunSharedLogs checks stores that share one database, as the processes
// or nodes of one deployment do: batches put to one group through all of
// them at once get unique Seqs, each writer's in the order it put them,
// and every store reads back every event. The stores must be open on the
// same, otherwise empty, database.
func RunSharedLogs(t *testing.T, stores ...storage.Store) {
	const (
		writersPerStore = 3
		batches         = 10
		size            = 20
	)
	l0 := stores[0].Logs()
	mustGroup(t, l0, acctA, east, "shared")
	mustStream(t, l0, acctA, east, "shared", "s")
	type put struct {
		writer int
		events []trailwatch.LogEvent
	}
	var (
		mu   sync.Mutex
		puts []put
		wg   sync.WaitGroup
	)
	errs := make(chan error, len(stores)*writersPerStore)
	for i, s := range stores {
		for w := range writersPerStore {
			writer := i*writersPerStore + w
			wg.Go(func() {
				for b := range batches {
					evs := make([]trailwatch.LogEvent, size)
					for e := range evs {
						evs[e] = trailwatch.LogEvent{Timestamp: logT0 + int64(e%3), Message: fmt.Sprintf("w%d b%d e%d", writer, b, e)}
					}
					got, err := s.Logs().PutLogEvents(ctx, acctA, east, "shared", "s", int64(b), evs)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					puts = append(puts, put{writer, got})
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("put: %v", err)
	}
	var all []trailwatch.LogEvent
	seqs := map[int64]bool{}
	last := map[int]int64{}
	for _, p := range puts { // each writer's puts are in its order
		if prev, ok := last[p.writer]; ok && p.events[0].Seq <= prev {
			t.Errorf("writer %d: a batch got seq %d after one that got %d", p.writer, p.events[0].Seq, prev)
		}
		last[p.writer] = p.events[len(p.events)-1].Seq
		for _, e := range p.events {
			if seqs[e.Seq] {
				t.Fatalf("seq %d given twice", e.Seq)
			}
			seqs[e.Seq] = true
		}
		all = append(all, p.events...)
	}
	for i, s := range stores {
		got := readAll(t, s.Logs(), streamRead(acctA, east, "shared", "s"), 1000)
		diff(t, fmt.Sprintf("events read through store %d", i), sortEvents(all), got)
	}
}
