package filterpattern_test

import (
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/trailwatch/trailwatch/filterpattern"
)

var update = flag.Bool("update", false, "rewrite the expectations in testdata/patterns")

// event is one line of testdata/events.
type event struct {
	name, msg string
}

// mustReadEvents reads testdata/events.
func mustReadEvents(tb testing.TB) []event {
	tb.Helper()
	data, err := os.ReadFile("testdata/events")
	if err != nil {
		tb.Fatal(err)
	}
	var evs []event
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, msg, ok := strings.Cut(line, " ")
		if !ok {
			tb.Fatalf("testdata/events: no message in %q", line)
		}
		evs = append(evs, event{name, msg})
	}
	return evs
}

// patternCase is one match or reject block of testdata/patterns.
type patternCase struct {
	reject   bool
	pattern  string
	line     int // 1-based line of the pattern, for messages
	want     string
	wantLine int // 0-based index of the expectation line
}

// mustReadPatterns parses the script, failing on anything malformed.
func mustReadPatterns(tb testing.TB, lines []string) []patternCase {
	tb.Helper()
	var cases []patternCase
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if l != "match" && l != "reject" {
			tb.Fatalf("testdata/patterns:%d: want match or reject, found %q", i+1, l)
		}
		if i+3 >= len(lines) || lines[i+2] != "----" {
			tb.Fatalf("testdata/patterns:%d: want pattern, ---- and expectation lines", i+1)
		}
		cases = append(cases, patternCase{
			reject:   l == "reject",
			pattern:  lines[i+1],
			line:     i + 2,
			want:     lines[i+3],
			wantLine: i + 3,
		})
		i += 3
	}
	return cases
}

// TestPatterns runs every pattern of testdata/patterns against every event
// of testdata/events and compares the matching set, or the rejection.
func TestPatterns(t *testing.T) {
	const path = "testdata/patterns"
	evs := mustReadEvents(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	cases := mustReadPatterns(t, lines)

	var matches, rejects int
	kinds := map[filterpattern.Kind]int{}
	for _, c := range cases {
		if c.reject {
			rejects++
		} else {
			matches++
		}
		got := runCase(t, c, evs, kinds)
		if *update {
			lines[c.wantLine] = got
			continue
		}
		if got != c.want {
			t.Errorf("%s:%d: %q\n got: %s\nwant: %s", path, c.line, c.pattern, got, c.want)
		}
	}
	if matches < 60 || rejects < 15 {
		t.Errorf("%s has %d match and %d reject cases; keep at least 60 and 15", path, matches, rejects)
	}
	for _, k := range []filterpattern.Kind{filterpattern.KindTerms, filterpattern.KindRegex, filterpattern.KindJSON, filterpattern.KindDelimited} {
		if kinds[k] < 5 {
			t.Errorf("%s has %d %s patterns; keep at least 5 of each kind", path, kinds[k], k)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runCase returns what the script should say for c: the matching event
// names, or the error message. Along the way it checks what must hold for
// every pattern: MatchBytes agrees with Match, Extract agrees about
// whether there is a match, and every matching event holds every
// required term.
func runCase(t *testing.T, c patternCase, evs []event, kinds map[filterpattern.Kind]int) string {
	t.Helper()
	p, err := filterpattern.Compile(c.pattern)
	if err != nil {
		var se *filterpattern.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("testdata/patterns:%d: %q: error %T is not a *SyntaxError", c.line, c.pattern, err)
		}
		if !c.reject && !*update {
			t.Errorf("testdata/patterns:%d: %q: %v", c.line, c.pattern, err)
		}
		return err.Error()
	}
	if c.reject && !*update {
		t.Errorf("testdata/patterns:%d: %q compiled; want an error", c.line, c.pattern)
	}
	kinds[p.Kind()]++
	required := p.RequiredTerms()
	var names []string
	for _, ev := range evs {
		m := p.Match(ev.msg)
		if mb := p.MatchBytes([]byte(ev.msg)); mb != m {
			t.Errorf("testdata/patterns:%d: %q on %s: MatchBytes %v, Match %v", c.line, c.pattern, ev.name, mb, m)
		}
		if _, ok := p.Extract(ev.msg); ok != m {
			t.Errorf("testdata/patterns:%d: %q on %s: Extract ok %v, Match %v", c.line, c.pattern, ev.name, ok, m)
		}
		if !m {
			continue
		}
		for _, term := range required {
			if !strings.Contains(ev.msg, term) {
				t.Errorf("testdata/patterns:%d: %q matches %s, which lacks required term %q", c.line, c.pattern, ev.name, term)
			}
		}
		names = append(names, ev.name)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// TestConcurrentMatch applies each compiled pattern from several goroutines
// at once; under -race it proves a Pattern shares no mutable state, and
// without it that every goroutine sees the answers one goroutine sees.
func TestConcurrentMatch(t *testing.T) {
	evs := mustReadEvents(t)
	data, err := os.ReadFile("testdata/patterns")
	if err != nil {
		t.Fatal(err)
	}
	var ps []*filterpattern.Pattern
	for _, c := range mustReadPatterns(t, strings.Split(string(data), "\n")) {
		if !c.reject {
			ps = append(ps, filterpattern.MustCompile(c.pattern))
		}
	}
	want := make([][]bool, len(ps))
	for i, p := range ps {
		for _, ev := range evs {
			want[i] = append(want[i], p.Match(ev.msg))
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, p := range ps {
				for j, ev := range evs {
					if p.Match(ev.msg) != want[i][j] {
						t.Errorf("%q on %s changed its answer", p, ev.name)
					}
					p.Extract(ev.msg)
				}
			}
		})
	}
	wg.Wait()
}
