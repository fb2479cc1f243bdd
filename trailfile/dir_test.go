package trailfile_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/trailfile"
)

func TestDirReader(t *testing.T) {
	root := t.TempDir()
	for _, k := range []string{"a/b/c.gz", "a/b.x", "a/b/d.gz", "a/c/e", "z"} {
		p := filepath.Join(root, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(k), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/b/c.gz"+trailfile.MetaSuffix), []byte(`{"signature":"ab"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := trailfile.NewDirReader(root)
	ctx := context.Background()
	keys := func(prefix, after string, limit int) []string {
		objs, err := r.List(ctx, prefix, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range objs {
			out = append(out, o.Key)
		}
		return out
	}
	for _, tc := range []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"", "", 100, []string{"a/b.x", "a/b/c.gz", "a/b/d.gz", "a/c/e", "z"}},
		{"a/b", "", 100, []string{"a/b.x", "a/b/c.gz", "a/b/d.gz"}},
		{"a/b/", "a/b/c.gz", 100, []string{"a/b/d.gz"}},
		{"", "a/b/c", 2, []string{"a/b/c.gz", "a/b/d.gz"}},
		{"a/", "a/b0", 100, []string{"a/c/e"}},
	} {
		if d := cmp.Diff(tc.want, keys(tc.prefix, tc.after, tc.limit)); d != "" {
			t.Errorf("List(%q, %q, %d) (-want +got):\n%s", tc.prefix, tc.after, tc.limit, d)
		}
	}
	body, meta, err := r.Get(ctx, "a/b/c.gz")
	if err != nil || string(body) != "a/b/c.gz" || meta["signature"] != "ab" {
		t.Errorf("Get: %q %v %v", body, meta, err)
	}
	rc, err := r.Open(ctx, "a/b/d.gz")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	body, err = io.ReadAll(rc)
	rc.Close()
	if err != nil || string(body) != "a/b/d.gz" {
		t.Errorf("Open: %q %v", body, err)
	}
	for _, k := range []string{"a/b/nope", "../x", "a/b/c.gz" + trailfile.MetaSuffix} {
		if _, _, err := r.Get(ctx, k); !errors.Is(err, trailfile.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", k, err)
		}
	}
	for _, k := range []string{"a/b/nope", "../x", "a/b/c.gz" + trailfile.MetaSuffix, "a/b"} {
		if _, err := r.Open(ctx, k); !errors.Is(err, trailfile.ErrNotFound) {
			t.Errorf("Open(%q): %v, want ErrNotFound", k, err)
		}
	}
}
