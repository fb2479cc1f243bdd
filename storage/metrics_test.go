package storage_test

import (
	"encoding/json"
	"testing"

	"github.com/trailwatch/trailwatch/storage"
)

// FuzzEncodeDimensions holds EncodeDimensions to the encoding/json form
// stored rows already have, whatever the names and values.
func FuzzEncodeDimensions(f *testing.F) {
	for _, s := range [][4]string{
		{"Host", "a", "Role", "web"}, {"", "", "x", "<&>"}, {"q\"uote", "back\\slash", "tab\t", "é"},
		{"\x7f", "\u2028", "\xff", "ctl\x01"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		for _, ds := range [][]storage.Dimension{nil, {{Name: n1, Value: v1}}, {{Name: n1, Value: v1}, {Name: n2, Value: v2}}} {
			pairs := make([][2]string, len(ds))
			for i, d := range ds {
				pairs[i] = [2]string{d.Name, d.Value}
			}
			want, _ := json.Marshal(pairs)
			if got := storage.EncodeDimensions(ds); got != string(want) {
				t.Fatalf("EncodeDimensions(%q) = %s, want %s", ds, got, want)
			}
		}
	})
}
