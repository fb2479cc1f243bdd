// Package archivetest is the conformance suite every archive.Store passes:
// the local directory store and the external S3 store run the same tests.
package archivetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/archive"
)

// Harness is what the suite needs from an implementation.
type Harness struct {
	// Store is the store under test.
	Store archive.Store
	// MakeBucket creates a bucket the way the store's operator would (for
	// an external store, through its own API), returning its name. Each
	// call returns a new, empty bucket.
	MakeBucket func(t *testing.T) string
	// MissingBucket is a well-formed name no bucket has.
	MissingBucket string
}

// Run runs every conformance test against h.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	bucket := func(t *testing.T) archive.Bucket {
		t.Helper()
		name := h.MakeBucket(t)
		b, err := h.Store.Bucket(ctx, name)
		if err != nil {
			t.Fatalf("Bucket(%s): %v", name, err)
		}
		return b
	}

	t.Run("PutGetHead", func(t *testing.T) {
		b := bucket(t)
		key := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/21/x.json.gz"
		body := []byte("\x1f\x8b binary \x00\xff body")
		meta := map[string]string{"signature": "abcdef0123", "signature-algorithm": "SHA256withRSA"}
		before := time.Now().Add(-2 * time.Second)
		if err := b.Put(ctx, key, body, meta); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, gotMeta, err := b.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("Get body = %q, want %q", got, body)
		}
		if !maps.Equal(gotMeta, meta) {
			t.Errorf("Get meta = %v, want %v", gotMeta, meta)
		}
		info, headMeta, err := b.Head(ctx, key)
		if err != nil {
			t.Fatalf("Head: %v", err)
		}
		sum := md5.Sum(body)
		want := archive.ObjectInfo{Key: key, Size: int64(len(body)), ETag: `"` + hex.EncodeToString(sum[:]) + `"`}
		if info.Key != want.Key || info.Size != want.Size || info.ETag != want.ETag {
			t.Errorf("Head = %+v, want %+v", info, want)
		}
		if info.LastModified.Before(before) || info.LastModified.After(time.Now().Add(2*time.Second)) {
			t.Errorf("Head LastModified = %v, not around now", info.LastModified)
		}
		if !maps.Equal(headMeta, meta) {
			t.Errorf("Head meta = %v, want %v", headMeta, meta)
		}
	})

	t.Run("EmptyBodyNoMeta", func(t *testing.T) {
		b := bucket(t)
		if err := b.Put(ctx, "empty", nil, nil); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, meta, err := b.Get(ctx, "empty")
		if err != nil || len(got) != 0 || len(meta) != 0 {
			t.Errorf("Get = %q, %v, %v; want empty body, no metadata", got, meta, err)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		b := bucket(t)
		if err := b.Put(ctx, "k", []byte("one"), map[string]string{"a": "1"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "k", []byte("two"), nil); err != nil {
			t.Fatal(err)
		}
		got, meta, err := b.Get(ctx, "k")
		if err != nil || string(got) != "two" || len(meta) != 0 {
			t.Errorf("after replacing: Get = %q, %v, %v; want \"two\" and no metadata", got, meta, err)
		}
		if err := b.Put(ctx, "k", []byte("three"), map[string]string{"b": "2"}); err != nil {
			t.Fatal(err)
		}
		_, meta, _ = b.Get(ctx, "k")
		if !maps.Equal(meta, map[string]string{"b": "2"}) {
			t.Errorf("meta = %v, want only b=2", meta)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		b := bucket(t)
		if _, _, err := b.Get(ctx, "nope"); !errors.Is(err, archive.ErrNoSuchKey) {
			t.Errorf("Get missing key: %v, want ErrNoSuchKey", err)
		}
		if _, _, err := b.Head(ctx, "nope/deeper"); !errors.Is(err, archive.ErrNoSuchKey) {
			t.Errorf("Head missing key: %v, want ErrNoSuchKey", err)
		}
		if _, err := h.Store.Bucket(ctx, h.MissingBucket); !errors.Is(err, archive.ErrNoSuchBucket) {
			t.Errorf("Bucket(%s): %v, want ErrNoSuchBucket", h.MissingBucket, err)
		}
		if got, err := b.List(ctx, "", "", 10); err != nil || len(got) != 0 {
			t.Errorf("List of an empty bucket = %v, %v", got, err)
		}
	})

	t.Run("EnsureBucketExisting", func(t *testing.T) {
		name := h.MakeBucket(t)
		if err := h.Store.EnsureBucket(ctx, name); err != nil {
			t.Errorf("EnsureBucket(existing %s): %v", name, err)
		}
	})

	t.Run("List", func(t *testing.T) {
		b := bucket(t)
		// '-' (0x2d) < '/' (0x2f) < '0' (0x30): byte order interleaves
		// keys of one "directory" with its neighbours.
		keys := []string{"a", "a-b", "a/b", "a/b-c", "a/b/c", "a/b0", "a0", "b/x/y/z", "b/x0", "c"}
		for _, k := range slices.Backward(keys) {
			if err := b.Put(ctx, k, []byte("body of "+k), nil); err != nil {
				// A directory store cannot hold "a" and "a/b" at once.
				if errors.Is(err, archive.ErrKeyConflict) {
					keys = slices.DeleteFunc(keys, func(s string) bool { return s == k })
					continue
				}
				t.Fatalf("Put(%s): %v", k, err)
			}
		}
		for _, tc := range []struct {
			prefix, after string
			limit         int
		}{
			{"", "", 100}, {"", "", 3}, {"a/", "", 100}, {"a", "", 100}, {"a/b", "", 100},
			{"", "a-b", 100}, {"", "a/b/c", 2}, {"", "a/", 100}, {"b/", "b/x/", 100}, {"", "c", 100},
			{"zz", "", 100}, {"", "", 1}, {"a/b", "a/b-c", 100},
		} {
			var want []string
			for _, k := range keys {
				if len(want) < tc.limit && len(k) >= len(tc.prefix) && k[:len(tc.prefix)] == tc.prefix && k > tc.after {
					want = append(want, k)
				}
			}
			got, err := b.List(ctx, tc.prefix, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("List(%q, %q, %d): %v", tc.prefix, tc.after, tc.limit, err)
			}
			var gotKeys []string
			for _, o := range got {
				gotKeys = append(gotKeys, o.Key)
				if o.Size != int64(len("body of "+o.Key)) || o.ETag == "" || o.LastModified.IsZero() {
					t.Errorf("List entry %+v lacks size, ETag or time", o)
				}
			}
			if !slices.Equal(gotKeys, want) {
				t.Errorf("List(%q, %q, %d) = %q, want %q", tc.prefix, tc.after, tc.limit, gotKeys, want)
			}
		}
	})

	t.Run("Paging", func(t *testing.T) {
		b := bucket(t)
		var keys []string
		for i := range 25 {
			k := fmt.Sprintf("p/%02d/%d.json.gz", i%7, i)
			keys = append(keys, k)
			if err := b.Put(ctx, k, []byte{byte(i)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(keys)
		var got []string
		after := ""
		for {
			page, err := b.List(ctx, "p/", after, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, o := range page {
				got = append(got, o.Key)
			}
			after = page[len(page)-1].Key
		}
		if !slices.Equal(got, keys) {
			t.Errorf("paged list = %q, want %q", got, keys)
		}
	})
}
