package iam

import (
	"testing"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// FuzzDecodeMarker feeds arbitrary client markers to the decoder: it must
// never panic, must accept a marker for one list only, and what it accepts
// must survive a round trip.
func FuzzDecodeMarker(f *testing.F) {
	f.Add(encodeMarker(markerUsers, "alice"))
	f.Add(encodeMarker(markerPolicies, "policy\x00Policy"))
	f.Add(encodeMarker(markerKeys, "1705311667000000000 AKIAEXAMPLEEXAMPLE2"))
	f.Add(encodeMarker(markerKeys, "-1 x"))
	f.Add("")
	f.Add("not a marker")
	f.Add("dXNlcnM") // "users" without a position
	kinds := []string{markerUsers, markerKeys, markerPolicies}
	f.Fuzz(func(t *testing.T, m string) {
		accepted := 0
		for _, kind := range kinds {
			pos, err := decodeMarker(kind, m)
			if err != nil {
				if ae := awserr.As(err); ae == nil || *ae != *errInvalidMarker() {
					t.Fatalf("decodeMarker(%q, %q) error %v", kind, m, err)
				}
				continue
			}
			if m == "" {
				if pos != "" {
					t.Fatalf("empty marker decodes to %q", pos)
				}
				continue
			}
			accepted++
			if again, err := decodeMarker(kind, encodeMarker(kind, pos)); err != nil || again != pos {
				t.Fatalf("round trip of %q: %q, %v", pos, again, err)
			}
			if kind == markerKeys {
				if p, err := parseKeyPosition(pos); err == nil {
					if q, err := parseKeyPosition(p.String()); err != nil || q != p {
						t.Fatalf("key position %q round trip: %v, %v", pos, q, err)
					}
				}
			}
		}
		if accepted > 1 {
			t.Fatalf("marker %q accepted by %d lists", m, accepted)
		}
	})
}

func TestPageSize(t *testing.T) {
	tests := []struct {
		name string
		in   *int
		want int
	}{
		{"unset", nil, 100},
		{"one", ptr(1), 1},
		{"max", ptr(1000), 1000},
		{"below", ptr(0), 1},
		{"above", ptr(5000), 1000},
	}
	for _, tt := range tests {
		if got := pageSize(tt.in); got != tt.want {
			t.Errorf("%s: pageSize = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
