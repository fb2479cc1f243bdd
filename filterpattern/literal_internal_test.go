package filterpattern

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestLiteralIndex(t *testing.T) {
	long := strings.Repeat("G", 100)
	tests := []struct {
		name, msg, text string
	}{
		{"absent", strings.Repeat("abc ", 30), "xyz"},
		{"first byte", "Quarantined" + strings.Repeat(" ", 80), "Quarantined"},
		{"last bytes", strings.Repeat(" ", 80) + "Quarantined", "Quarantined"},
		{"rare byte at the start of msg", "k" + strings.Repeat(" ", 80), "checkout"},
		{"rare byte at the end of msg", strings.Repeat(" ", 80) + "check", "checkout"},
		{"many false candidates", long + " GEGET", "GET"},
		{"false candidates then absent", long + " GEGE", "GET"},
		{"match inside the candidates", long + "GET", "GGET"},
		{"json member", `{"a":"h","b":"hh","c":"h h","http_status":1,"d":"` + strings.Repeat("h", 60) + `"}`, `"http_status"`},
		{"json member absent", `{"a":"h","b":"hh","c":"h h","http_statu":1,"d":"` + strings.Repeat("h", 60) + `"}`, `"http_status"`},
		{"short msg", "a GET b", "GET"},
		{"one byte", strings.Repeat("x", 70) + "5", "5"},
		{"text longer than msg", "GET", "GETTING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := newLiteral(tt.text).index(tt.msg), strings.Index(tt.msg, tt.text); got != want {
				t.Errorf("index(%q) in %q = %d, want %d", tt.text, tt.msg, got, want)
			}
		})
	}
}

// TestLiteralIndexRandom compares literal.index with strings.Index on
// messages of few distinct bytes, where candidates abound and the
// fallback to strings.Index is taken.
func TestLiteralIndexRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		alphabet := []string{"ab", "aG", "\" h", "xyzQ"}[r.IntN(4)]
		msg, text := word(alphabet, r.IntN(300)), word(alphabet, 1+r.IntN(6))
		if got, want := newLiteral(text).index(msg), strings.Index(msg, text); got != want {
			t.Fatalf("index(%q) in %q = %d, want %d", text, msg, got, want)
		}
	}
}

func FuzzLiteralIndex(f *testing.F) {
	f.Add(strings.Repeat("G", 100)+"GET", "GET")
	f.Add(`{"a":"h","http_status":1}`+strings.Repeat(" ", 60), `"http_status"`)
	f.Fuzz(func(t *testing.T, msg, text string) {
		if text == "" {
			return
		}
		if got, want := newLiteral(text).index(msg), strings.Index(msg, text); got != want {
			t.Fatalf("index(%q) in %q = %d, want %d", text, msg, got, want)
		}
	})
}

func TestByteFrequencyListsEachByteOnce(t *testing.T) {
	seen := map[byte]bool{}
	for i := range len(byteFrequency) {
		c := byteFrequency[i]
		if seen[c] {
			t.Errorf("byteFrequency lists %q twice", c)
		}
		seen[c] = true
	}
}

func TestRarestFirst(t *testing.T) {
	lits := newLiterals([]string{`"service"`, `"http_status"`, "checkout", "eee", "Quarantined"})
	rarestFirst(lits)
	var got []string
	for _, l := range lits {
		got = append(got, l.text)
	}
	if want := []string{"Quarantined", "checkout", `"http_status"`, `"service"`, "eee"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rarestFirst = %q, want %q", got, want)
	}
}
