package awsapi

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// javaLengthRunes is javaLength without the ASCII fast path.
func javaLengthRunes(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

func TestJavaLength(t *testing.T) {
	pieces := []string{"a", "abcdefgh", "é", "東", "😀", "\xff", "\xf0\x9f", "\x80", " ", "\"", strings.Repeat("x", 13)}
	r := rand.New(rand.NewPCG(1, 2))
	cases := []string{"", "a", "abcdefgh", "abcdefghi", "abcdefg😀", "😀abcdefgh", "abcdefgh\xff", "Café Crème"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got, want := javaLength(s), javaLengthRunes(s); got != want {
			t.Fatalf("javaLength(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzJavaLength(f *testing.F) {
	f.Add("abcdefgh😀")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := javaLength(s), javaLengthRunes(s); got != want {
			t.Fatalf("javaLength(%q) = %d, want %d", s, got, want)
		}
	})
}
