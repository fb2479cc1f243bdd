// Package archive is where trail files go: a bucket of objects with user
// metadata, kept in a local directory (archive/dir) or in an external
// S3-compatible object store (archive/s3). The delivery worker writes
// through it, `trailwatch validate` and the read-only S3 API read through
// it, and Router picks the store each bucket lives in.
package archive

import (
	"context"
	"errors"
	"time"
)

// Errors the stores return (possibly wrapped).
var (
	// ErrNoSuchBucket: the bucket does not exist in the store.
	ErrNoSuchBucket = errors.New("archive: no such bucket")
	// ErrNoSuchKey: the bucket holds no object under the key.
	ErrNoSuchKey = errors.New("archive: no such key")
	// ErrInvalidKey: the key cannot name an object (see CheckKey).
	ErrInvalidKey = errors.New("archive: invalid key")
	// ErrInvalidBucket: the name breaks S3's bucket naming rules.
	ErrInvalidBucket = errors.New("archive: invalid bucket name")
	// ErrKeyConflict: a local directory cannot hold both "a" and "a/b",
	// since one would have to be a file and a directory at once.
	ErrKeyConflict = errors.New("archive: key conflicts with an existing key")
	// ErrBucketOwned: the bucket was claimed by another account.
	ErrBucketOwned = errors.New("archive: bucket belongs to another account")
)

// MaxKeyBytes is S3's limit on an object key: 1,024 bytes of UTF-8.
const MaxKeyBytes = 1024

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64 // bytes
	LastModified time.Time
	// ETag is S3's entity tag, quoted as S3 sends it ("\"<md5 hex>\"" for
	// a single-part upload).
	ETag string
}

// Bucket is one bucket of a Store. Implementations are safe for concurrent
// use.
type Bucket interface {
	// Put stores body under key with user metadata (lower-case names
	// without the x-amz-meta- prefix); it returns once the object is
	// durable. Putting the same key again replaces it.
	Put(ctx context.Context, key string, body []byte, meta map[string]string) error
	// Get returns the object's body and metadata; ErrNoSuchKey when there
	// is none.
	Get(ctx context.Context, key string) (body []byte, meta map[string]string, err error)
	// Head returns what Get would without the body; ErrNoSuchKey when
	// there is none.
	Head(ctx context.Context, key string) (ObjectInfo, map[string]string, error)
	// List returns keys with prefix, in byte order, strictly after
	// startAfter, at most limit.
	List(ctx context.Context, prefix, startAfter string, limit int) ([]ObjectInfo, error)
}

// Store is a set of buckets. Implementations are safe for concurrent use.
type Store interface {
	// Bucket returns the named bucket; ErrNoSuchBucket when it does not
	// exist.
	Bucket(ctx context.Context, name string) (Bucket, error)
	// EnsureBucket makes a missing bucket where the store may (a local
	// directory); an external S3 store answers ErrNoSuchBucket for a
	// bucket that does not exist there.
	EnsureBucket(ctx context.Context, name string) error
}

// Claimer is a Store that records which account a bucket belongs to. The
// local archive does, since trailwatch is the only authority over it; an
// external S3 store has its own owners and access rules, so it does not.
type Claimer interface {
	// ClaimBucket makes account the owner of a bucket that has none and
	// returns nil if account owns it now; ErrBucketOwned if another
	// account does. The bucket must exist.
	ClaimBucket(ctx context.Context, name, account string) error
	// BucketOwner returns the owning account, "" for an unclaimed bucket,
	// or ErrNoSuchBucket.
	BucketOwner(ctx context.Context, name string) (string, error)
}
