package dir_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/archive/archivetest"
	"github.com/trailwatch/trailwatch/archive/dir"
)

func MustOpen(t testing.TB) *dir.Store {
	t.Helper()
	s, err := dir.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	s := MustOpen(t)
	var n atomic.Int64
	archivetest.Run(t, archivetest.Harness{
		Store: s,
		MakeBucket: func(t *testing.T) string {
			name := fmt.Sprintf("bucket-%d", n.Add(1))
			if err := s.EnsureBucket(context.Background(), name); err != nil {
				t.Fatal(err)
			}
			return name
		},
		MissingBucket: "no-such-bucket",
	})
}

func TestLayout(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	if err := s.EnsureBucket(ctx, "audit"); err != nil {
		t.Fatal(err)
	}
	b, err := s.Bucket(ctx, "audit")
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"signature": "00ff", "signature-algorithm": "SHA256withRSA"}
	if err := b.Put(ctx, "AWSLogs/1/x.json.gz", []byte("gz"), meta); err != nil {
		t.Fatal(err)
	}
	// The convention `trailwatch validate` reads: ROOT/BUCKET/KEY and
	// KEY.s3meta.json holding a JSON object.
	body, err := os.ReadFile(filepath.Join(s.Root(), "audit", "AWSLogs", "1", "x.json.gz"))
	if err != nil || string(body) != "gz" {
		t.Fatalf("object file = %q, %v", body, err)
	}
	raw, err := os.ReadFile(filepath.Join(s.Root(), "audit", "AWSLogs", "1", "x.json.gz.s3meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil || got["signature"] != "00ff" || got["signature-algorithm"] != "SHA256withRSA" || len(got) != 2 {
		t.Fatalf("metadata file = %s (%v)", raw, err)
	}
	// Sidecars are never objects.
	list, err := b.List(ctx, "", "", 100)
	if err != nil || len(list) != 1 || list[0].Key != "AWSLogs/1/x.json.gz" {
		t.Errorf("List = %+v, %v; want only the object", list, err)
	}
	if _, _, err := b.Get(ctx, "AWSLogs/1/x.json.gz.s3meta.json"); !errors.Is(err, archive.ErrNoSuchKey) {
		t.Errorf("Get(sidecar) = %v, want ErrNoSuchKey", err)
	}
	if err := b.Put(ctx, "y.s3meta.json", []byte("{}"), nil); !errors.Is(err, archive.ErrInvalidKey) {
		t.Errorf("Put(sidecar name) = %v, want ErrInvalidKey", err)
	}
	// Temporary files are gone.
	tmp, _ := os.ReadDir(filepath.Join(s.Root(), ".tmp"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// .tmp and .owners are not buckets.
	names, err := s.ListBuckets(ctx)
	if err != nil || strings.Join(names, ",") != "audit" {
		t.Errorf("ListBuckets = %v, %v", names, err)
	}
}

func TestKeyConflict(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	s.EnsureBucket(ctx, "bkt")
	b, _ := s.Bucket(ctx, "bkt")
	if err := b.Put(ctx, "a/b", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "a", nil, nil); !errors.Is(err, archive.ErrKeyConflict) {
		t.Errorf("Put(a) over a/ = %v, want ErrKeyConflict", err)
	}
	if err := b.Put(ctx, "a/b/c", nil, nil); !errors.Is(err, archive.ErrKeyConflict) {
		t.Errorf("Put(a/b/c) under the object a/b = %v, want ErrKeyConflict", err)
	}
	if _, _, err := b.Get(ctx, "a"); !errors.Is(err, archive.ErrNoSuchKey) {
		t.Errorf("Get(a), a directory = %v, want ErrNoSuchKey", err)
	}
	if _, _, err := b.Head(ctx, "a/b/c"); !errors.Is(err, archive.ErrNoSuchKey) {
		t.Errorf("Head(a/b/c) = %v, want ErrNoSuchKey", err)
	}
}

func TestInvalid(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	for _, name := range []string{"ab", "UPPER", "a..b", "-ab", "192.168.1.1", ".tmp", ".owners", "a/b", ".."} {
		if err := s.EnsureBucket(ctx, name); !errors.Is(err, archive.ErrInvalidBucket) {
			t.Errorf("EnsureBucket(%q) = %v, want ErrInvalidBucket", name, err)
		}
		if _, err := s.Bucket(ctx, name); !errors.Is(err, archive.ErrNoSuchBucket) {
			t.Errorf("Bucket(%q) = %v, want ErrNoSuchBucket", name, err)
		}
	}
	s.EnsureBucket(ctx, "bkt")
	b, _ := s.Bucket(ctx, "bkt")
	for _, key := range []string{"", "/abs", "a//b", "a/", "../x", "a/../../x", "./a", "a/.", "x\x00y", strings.Repeat("k", 1025), strings.Repeat("s", 250), "\xff"} {
		if err := b.Put(ctx, key, nil, nil); !errors.Is(err, archive.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, _, err := b.Get(ctx, key); !errors.Is(err, archive.ErrNoSuchKey) {
			t.Errorf("Get(%q) = %v, want ErrNoSuchKey", key, err)
		}
	}
}

func TestClaim(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	if err := s.ClaimBucket(ctx, "audit", "111111111111"); !errors.Is(err, archive.ErrNoSuchBucket) {
		t.Errorf("claim of a missing bucket = %v", err)
	}
	s.EnsureBucket(ctx, "audit")
	if owner, err := s.BucketOwner(ctx, "audit"); owner != "" || err != nil {
		t.Errorf("owner before claim = %q, %v", owner, err)
	}
	if err := s.ClaimBucket(ctx, "audit", "111111111111"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimBucket(ctx, "audit", "111111111111"); err != nil {
		t.Errorf("second claim by the owner: %v", err)
	}
	if err := s.ClaimBucket(ctx, "audit", "222222222222"); !errors.Is(err, archive.ErrBucketOwned) {
		t.Errorf("claim by another account = %v, want ErrBucketOwned", err)
	}
	if owner, _ := s.BucketOwner(ctx, "audit"); owner != "111111111111" {
		t.Errorf("owner = %q", owner)
	}
}

// FuzzPath: every key either is refused or maps to a path strictly inside
// its bucket directory that maps back to the same key, and what Put
// accepts Get returns.
func FuzzPath(f *testing.F) {
	for _, k := range []string{"a", "a/b", "../a", "a/../../b", "/x", "x/", "a//b", ".", "..", "a\x00", "AWSLogs/1/CloudTrail/us-east-1/2026/01/02/f.json.gz", "k.s3meta.json", "\\..\\x", "a/./b", "ü/€", "0/0", "0/0/000"} {
		f.Add(k)
	}
	s, err := dir.Open(filepath.Join(f.TempDir(), "archive"))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	s.EnsureBucket(ctx, "fuzz")
	b, _ := s.Bucket(ctx, "fuzz")
	f.Fuzz(func(t *testing.T, key string) {
		p, err := s.Path("fuzz", key)
		if err != nil {
			if !errors.Is(err, archive.ErrInvalidKey) {
				t.Fatalf("Path(%q): %v, want ErrInvalidKey", key, err)
			}
			return
		}
		bucketDir := filepath.Join(s.Root(), "fuzz") + string(filepath.Separator)
		if !strings.HasPrefix(p, bucketDir) || filepath.Clean(p) != p {
			t.Fatalf("Path(%q) = %s, not a clean path inside %s", key, p, bucketDir)
		}
		if back := filepath.ToSlash(strings.TrimPrefix(p, bucketDir)); back != key {
			t.Fatalf("Path(%q) maps back to %q", key, back)
		}
		err = b.Put(ctx, key, []byte(key), nil)
		if errors.Is(err, archive.ErrKeyConflict) {
			return
		}
		if err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		got, _, err := b.Get(ctx, key)
		if err != nil || string(got) != key {
			t.Fatalf("Get(%q) = %q, %v", key, got, err)
		}
	})
}
