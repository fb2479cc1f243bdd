package e2e

import (
	"strings"
	"sync"
	"time"
)

// lockedWriter lets a process write stderr into a builder tests read.
type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func sleep(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }
