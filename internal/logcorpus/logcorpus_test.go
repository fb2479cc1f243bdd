package logcorpus_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

func TestGeneratorIsDeterministicAndRealistic(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind logcorpus.Kind
		// want is a piece every line of the kind holds.
		want string
	}{
		{"mixed", logcorpus.Mixed, ""},
		{"json", logcorpus.JSON, `"level":"`},
		{"access", logcorpus.Access, ` HTTP/1.1" `},
		{"mariadb", logcorpus.MariaDB, ",10.0."},
		{"pgaudit", logcorpus.PgAudit, " LOG:  AUDIT: SESSION,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 20_000
			a, b := logcorpus.NewKind(3, tc.kind), logcorpus.NewKind(3, tc.kind)
			other := logcorpus.NewKind(4, tc.kind)
			var x, y, z []byte
			total, same := 0, 0
			for i := range n {
				ms := int64(1_795_000_000_000 + i)
				x, y, z = a.Next(x[:0], ms), b.Next(y[:0], ms), other.Next(z[:0], ms)
				if !bytes.Equal(x, y) {
					t.Fatalf("line %d differs between generators of one seed:\n%s\n%s", i, x, y)
				}
				if bytes.Equal(x, z) {
					same++
				}
				if !bytes.Contains(x, []byte(tc.want)) && !bytes.Contains(x, []byte(`"level":"error"`)) {
					t.Fatalf("line %d lacks %q: %s", i, tc.want, x)
				}
				total += len(x)
			}
			if avg := total / n; avg < 120 || avg > 300 {
				t.Errorf("average line length %d, want about 200", avg)
			}
			if same > n/100 {
				t.Errorf("seeds 3 and 4 share %d of %d lines", same, n)
			}
		})
	}
}

func TestRareTermsAreRare(t *testing.T) {
	const n = 1_000_000
	g := logcorpus.New(1)
	count := make([]int, len(logcorpus.Rare))
	var buf []byte
	for i := range n {
		buf = g.Next(buf[:0], int64(i))
		for k, r := range logcorpus.Rare {
			if !bytes.Contains(buf, []byte(r.Term)) {
				continue
			}
			if !bytes.Contains(buf, []byte(r.Message)) {
				t.Fatalf("line %d holds rare term %q outside its message: %s", i, r.Term, buf)
			}
			count[k]++
		}
	}
	for k, r := range logcorpus.Rare {
		// About RareRate/len(Rare) per line: 4 in a million.
		if count[k] < 1 || count[k] > 15 {
			t.Errorf("%q in %d of %d lines, want about %.0f", r.Term, count[k], n, n*logcorpus.RareRate/float64(len(logcorpus.Rare)))
		}
	}
}

func TestLines(t *testing.T) {
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	a := logcorpus.Lines(1, 1000, 500, base)
	if b := logcorpus.Lines(1, 1000, 500, base); !slices.Equal(a, b) {
		t.Fatal("Lines differs between calls")
	}
	if c := logcorpus.Lines(1, 1500, 500, base); slices.Equal(a, c) {
		t.Error("runs at different lines are the same")
	}
	step := logcorpus.LineSpacing.Milliseconds()
	for i, l := range a {
		lo := base.UnixMilli() + int64(1000+i)*step
		if l.Timestamp < lo || l.Timestamp >= lo+step {
			t.Fatalf("line %d stamped %d, want in [%d, %d)", 1000+i, l.Timestamp, lo, lo+step)
		}
		if l.Message == "" || strings.Contains(l.Message, "\n") {
			t.Fatalf("line %d: %q", 1000+i, l.Message)
		}
	}
}

func TestRNGIsFixed(t *testing.T) {
	// splitmix64's published first outputs for seed 0: the corpus must
	// not change with the Go release.
	r := logcorpus.NewRNG(0)
	for i, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := r.Uint64(); got != want {
			t.Errorf("draw %d = %#x, want %#x", i, got, want)
		}
	}
}
