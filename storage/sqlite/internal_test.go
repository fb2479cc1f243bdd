package sqlite

import (
	"cmp"
	"slices"
	"testing"
)

func TestCompactRuns(t *testing.T) {
	mb := int64(1 << 20)
	for _, tc := range []struct {
		name string
		raw  []int64
		want [][]int64 // ids of the runs
	}{
		{"nothing", nil, nil},
		{"one", []int64{1}, nil},
		{"pairs", []int64{2 * mb, 2 * mb, 2 * mb, 2 * mb}, [][]int64{{0, 1}, {2, 3}}},
		{"many small", []int64{1, 1, 1, 1}, [][]int64{{0, 1, 2, 3}}},
		{"up to the target", []int64{3 * mb, mb, 1}, [][]int64{{0, 1}}},
		{"a big one in between", []int64{1, 1, 5 * mb, 1, 1}, [][]int64{{0, 1}, {3, 4}}},
		{"a big one alone", []int64{1, 4 * mb, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs []compactChunk
			for i, r := range tc.raw {
				cs = append(cs, compactChunk{id: int64(i), raw: r})
			}
			var got [][]int64
			for _, run := range compactRuns(cs) {
				var ids []int64
				for _, c := range run {
					ids = append(ids, c.id)
				}
				got = append(got, ids)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("runs %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"app/", "app0", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"caf\u00e9", "caf\u00ea", true},
		{"x\ud7ff", "x\ue000", true},
		{"a\xff", "b", true},
		{"a\xc3", "a\xc4", true},
	} {
		end, ok := prefixEnd(tc.prefix)
		if end != tc.end || ok != tc.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
		}
		if ok && cmp.Compare(tc.prefix+"\U0010FFFF\U0010FFFF", end) >= 0 && tc.prefix[len(tc.prefix)-1] < 0x80 {
			t.Errorf("prefixEnd(%q) = %q is not above the prefix's extensions", tc.prefix, end)
		}
	}
}
