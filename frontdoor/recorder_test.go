package frontdoor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
)

// batchLog is a put function that records the size of every batch and
// can hold the first one until released.
type batchLog struct {
	mu      sync.Mutex
	sizes   []int
	hold    chan struct{} // the first put waits for it to close
	started chan struct{} // closed when the first put begins
	once    sync.Once
}

func newBatchLog() *batchLog {
	return &batchLog{hold: make(chan struct{}), started: make(chan struct{})}
}

func (l *batchLog) put(_ context.Context, evs []trailwatch.Event) error {
	l.once.Do(func() {
		close(l.started)
		<-l.hold
	})
	l.mu.Lock()
	l.sizes = append(l.sizes, len(evs))
	l.mu.Unlock()
	return nil
}

func (l *batchLog) batches() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.sizes...)
}

// recordAll records n events from n goroutines, starting each after the
// previous one by gap, and waits for all of them.
func recordAll(t *testing.T, r *Recorder, n int, gap time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Record(context.Background(), trailwatch.Event{EventID: string(rune('a' + i))}); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(gap)
	}
	wg.Wait()
}

// awaitQueued waits until r's queue holds n events.
func awaitQueued(r *Recorder, n int) {
	for {
		r.mu.Lock()
		q := len(r.queue)
		r.mu.Unlock()
		if q == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRecorderLoneCallerDoesNotLinger(t *testing.T) {
	l := newBatchLog()
	close(l.hold)
	r := NewRecorder(l.put, 512, time.Hour)
	defer r.Close()
	for range 3 {
		start := time.Now()
		if err := r.Record(context.Background(), trailwatch.Event{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("a lone call took %v", d)
		}
	}
	if got := l.batches(); len(got) != 3 || got[0] != 1 || got[1] != 1 || got[2] != 1 {
		t.Fatalf("batches %v, want [1 1 1]", got)
	}
}

func TestRecorderLingersForCallersArrivingTogether(t *testing.T) {
	l := newBatchLog()
	r := NewRecorder(l.put, 512, time.Hour)
	defer r.Close()

	// While the first batch (one event) commits, four more queue up and
	// go in together: the recorder has seen four callers at once.
	done := make(chan struct{})
	go func() { defer close(done); recordAll(t, r, 1, 0) }()
	<-l.started
	go func() {
		awaitQueued(r, 4)
		close(l.hold)
	}()
	recordAll(t, r, 4, 0)
	<-done

	// Four callers arriving a few milliseconds apart are held for one
	// batch, and committed as soon as the fourth arrives rather than when
	// the (hour-long) linger ends.
	start := time.Now()
	recordAll(t, r, 4, 5*time.Millisecond)
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("took %v", d)
	}
	if got := l.batches(); len(got) != 3 || got[0] != 1 || got[1] != 4 || got[2] != 4 {
		t.Fatalf("batches %v, want [1 4 4]", got)
	}
}

func TestRecorderCloseEndsLinger(t *testing.T) {
	l := newBatchLog()
	r := NewRecorder(l.put, 512, time.Hour)
	done := make(chan struct{})
	go func() { defer close(done); recordAll(t, r, 1, 0) }()
	<-l.started
	go func() {
		awaitQueued(r, 3)
		close(l.hold)
	}()
	recordAll(t, r, 3, 0)
	<-done

	// One caller where three came before: the recorder lingers for more,
	// and Close must cut that short and still commit the event.
	res := make(chan error, 1)
	go func() { res <- r.Record(context.Background(), trailwatch.Event{}) }()
	awaitQueued(r, 1)
	r.Close()
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if got := l.batches(); len(got) != 3 || got[2] != 1 {
		t.Fatalf("batches %v, want [1 3 1]", got)
	}
}
