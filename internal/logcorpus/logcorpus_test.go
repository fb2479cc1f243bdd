package logcorpus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

func TestLinesAreDeterministicAndRealistic(t *testing.T) {
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	var total int
	const n = 20_000
	for i := 0; i < n; i++ {
		a, at := logcorpus.Line(1, i, base)
		b, bt := logcorpus.Line(1, i, base)
		if a != b || !at.Equal(bt) {
			t.Fatalf("line %d differs between calls", i)
		}
		total += len(a)
	}
	if avg := total / n; avg < 150 || avg > 260 {
		t.Errorf("average line length %d, want about 200", avg)
	}
	rare, _ := logcorpus.Line(1, logcorpus.RareEvery/2, base)
	if !strings.Contains(rare, logcorpus.RareMarker) {
		t.Errorf("line %d lacks the rare marker: %s", logcorpus.RareEvery/2, rare)
	}
	for i := 0; i < n; i++ {
		if i%logcorpus.RareEvery != logcorpus.RareEvery/2 {
			if l, _ := logcorpus.Line(1, i, base); strings.Contains(l, logcorpus.RareMarker) {
				t.Fatalf("line %d has the rare marker", i)
			}
		}
	}
}
