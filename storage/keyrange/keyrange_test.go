package keyrange_test

import (
	"cmp"
	"testing"

	"github.com/trailwatch/trailwatch/storage/keyrange"
)

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		name        string
		prefix, end string
		ok          bool
	}{
		{"empty", "", "", false},
		{"ascii", "a", "b", true},
		{"slash", "app/", "app0", true},
		{"max rune carries", "a\U0010FFFF", "b", true},
		{"max rune only", "\U0010FFFF", "", false},
		{"two-byte rune", "caf\u00e9", "caf\u00ea", true},
		{"skips surrogates", "x\ud7ff", "x\ue000", true},
		{"byte 0xff carries", "a\xff", "b", true},
		{"invalid byte", "a\xc3", "a\xc4", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end, ok := keyrange.PrefixEnd(tc.prefix)
			if end != tc.end || ok != tc.ok {
				t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
			}
			if ok && cmp.Compare(tc.prefix+"\U0010FFFF\U0010FFFF", end) >= 0 && tc.prefix[len(tc.prefix)-1] < 0x80 {
				t.Errorf("PrefixEnd(%q) = %q is not above the prefix's extensions", tc.prefix, end)
			}
		})
	}
}
