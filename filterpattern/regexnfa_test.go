package filterpattern

import (
	"regexp"
	"regexp/syntax"
	"testing"
)

// FuzzNFA checks the position automaton against RE2 on any expression RE2
// accepts, not only the AWS dialect: compileNFA must either decline an
// expression or match exactly the texts RE2 matches.
func FuzzNFA(f *testing.F) {
	seeds := [][2]string{
		{`[Ee]rror|[Ff]ail`, `an Error here`},
		{`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`, `from 10.0.0.256 to`},
		{`^ERROR|WARN$`, `x WARN`},
		{`^$`, ``},
		{`^a*$|b`, `aaa`},
		{`colou?r`, `colr color colour`},
		{`a{2,4}b+c*`, `aaaaab`},
		{`caf.$`, "café"},
		{`[^a-z]x`, "\xffx"},
		{`\s5\d\d\s\d{4,}`, `GET / 503 12345`},
		{`(?i)abc|x(y|z)\bq`, `ABC`},
		{`a|`, `zzz`},
		{`.*`, ``},
		{`\x28retry`, `(retry`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, expr, text string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		parsed, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			t.Fatalf("regexp accepts %q but syntax.Parse says %v", expr, err)
		}
		m := compileNFA(parsed.Simplify())
		if m == nil {
			return
		}
		if got, want := m.match(text), re.MatchString(text); got != want {
			t.Fatalf("%q on %q: automaton %v, RE2 %v", expr, text, got, want)
		}
	})
}

// TestNFAUsed makes sure the expressions of AWS's examples run on the
// automaton rather than falling back to RE2.
func TestNFAUsed(t *testing.T) {
	for _, body := range []string{
		`AUTHORIZED`, `^ERROR`, `[Ee]rror|[Ff]ail`, `\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`,
		`colou?r`, `/mysql$`, `\x28retrying`, `gray|grey`, `[a-z]`, `10\.10\.0\.1`,
	} {
		r, err := compileRegex(body)
		if err != nil {
			t.Fatal(err)
		}
		if r.nfa == nil {
			t.Errorf("%%%s%% falls back to RE2", body)
		}
	}
}
