package policy_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/policy"
)

var update = flag.Bool("update", false, "rewrite the outcomes in testdata/decisions")

// decideCase is one "decide" block of testdata/decisions.
type decideCase struct {
	name     string
	line     int // of the "decide" line, for failure messages
	policies []string
	req      policy.Request
	want     string
	wantLine int // index into the file's lines of the outcome
}

// TestDecisions runs the decision script in testdata/decisions; its header
// describes the format.
func TestDecisions(t *testing.T) {
	const path = "testdata/decisions"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	docs, cases := mustReadScript(t, lines)

	parsed := map[string]*policy.Policy{}
	for name, doc := range docs {
		p, err := policy.Parse(doc)
		if err != nil {
			t.Fatalf("policy %s: %v", name, err)
		}
		parsed[name] = p
	}
	if len(cases) < 50 {
		t.Errorf("only %d decisions in %s; keep at least 50", len(cases), path)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ps []*policy.Policy
			for _, n := range c.policies {
				p, ok := parsed[n]
				if !ok {
					t.Fatalf("%s:%d: no policy %q", path, c.line, n)
				}
				ps = append(ps, p)
			}
			got := policy.Evaluate(ps, c.req).String()
			if *update {
				lines[c.wantLine] = got
				return
			}
			if got != c.want {
				t.Errorf("%s:%d: got %s, want %s", path, c.line, got, c.want)
			}
		})
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mustReadScript splits the script into policy documents by name and
// decide cases, failing the test on anything it does not understand.
func mustReadScript(tb testing.TB, lines []string) (map[string]string, []decideCase) {
	tb.Helper()
	docs := map[string]string{}
	var cases []decideCase
	names := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		cmd, arg, _ := strings.Cut(line, " ")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case cmd == "policy":
			var b strings.Builder
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				b.WriteString(lines[i])
				b.WriteByte('\n')
			}
			if _, dup := docs[arg]; dup {
				tb.Fatalf("line %d: policy %q defined twice", i+1, arg)
			}
			docs[arg] = b.String()
		case cmd == "decide":
			c := decideCase{name: arg, line: i + 1, req: policy.Request{Context: map[string][]string{}}}
			if names[arg] {
				tb.Fatalf("line %d: decide %q used twice", i+1, arg)
			}
			names[arg] = true
			for i++; ; i++ {
				if i >= len(lines) {
					tb.Fatalf("line %d: decide %q has no ---- line", c.line, arg)
				}
				l := strings.TrimSpace(lines[i])
				if l == "----" {
					break
				}
				field, val, _ := strings.Cut(l, " ")
				switch field {
				case "policies":
					c.policies = strings.Fields(val)
				case "action":
					c.req.Action = val
				case "resource":
					c.req.Resource = val
				case "context":
					k, v, hasValue := strings.Cut(val, "=")
					if !hasValue {
						c.req.Context[k] = []string{}
						continue
					}
					c.req.Context[k] = append(c.req.Context[k], v)
				default:
					tb.Fatalf("line %d: unknown field %q", i+1, field)
				}
			}
			i++
			if i >= len(lines) {
				tb.Fatalf("line %d: decide %q has no outcome", c.line, arg)
			}
			c.want, c.wantLine = strings.TrimSpace(lines[i]), i
			cases = append(cases, c)
		default:
			tb.Fatalf("line %d: cannot read %q", i+1, line)
		}
	}
	return docs, cases
}
