package e2e

import (
	"strings"
	"sync"
	"time"
)

// lockedWriter collects what a process writes to stdout or stderr for
// tests to read while the process still runs: os/exec copies into it from
// a goroutine of its own.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// String returns everything written so far.
func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func sleep(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }
