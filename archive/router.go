package archive

import (
	"context"
	"fmt"
)

// Router is a Store that sends each bucket to the store configured for it:
// Buckets[name] when there is one, Default otherwise. Its fields are
// read-only once it is in use.
type Router struct {
	// Default holds every bucket not named in Buckets. Required.
	Default Store
	// Buckets maps bucket names to the store that holds them.
	Buckets map[string]Store
}

var (
	_ Store   = (*Router)(nil)
	_ Claimer = (*Router)(nil)
)

// For returns the store that holds the named bucket.
func (r *Router) For(name string) Store {
	if s, ok := r.Buckets[name]; ok {
		return s
	}
	return r.Default
}

// Bucket returns the bucket from the store that holds it.
func (r *Router) Bucket(ctx context.Context, name string) (Bucket, error) {
	return r.For(name).Bucket(ctx, name)
}

// EnsureBucket asks the store that holds the bucket to make it.
func (r *Router) EnsureBucket(ctx context.Context, name string) error {
	return r.For(name).EnsureBucket(ctx, name)
}

// ClaimBucket claims the bucket in its store if that store keeps owners;
// buckets in other stores need no claim (see Claimer).
func (r *Router) ClaimBucket(ctx context.Context, name, account string) error {
	if c, ok := r.For(name).(Claimer); ok {
		return c.ClaimBucket(ctx, name, account)
	}
	return nil
}

// BucketOwner returns the owner from a store that keeps owners, else "".
func (r *Router) BucketOwner(ctx context.Context, name string) (string, error) {
	if c, ok := r.For(name).(Claimer); ok {
		return c.BucketOwner(ctx, name)
	}
	return "", nil
}

// Only returns a view of s holding just the buckets r routes to s; the
// others answer ErrNoSuchBucket. The read-only S3 API serves the local
// archive through it, so a bucket configured to live on an external store
// is never read from a stale local directory of the same name.
func (r *Router) Only(s Store) Store { return only{r: r, s: s} }

type only struct {
	r *Router
	s Store
}

func (o only) Bucket(ctx context.Context, name string) (Bucket, error) {
	if o.r.For(name) != o.s {
		return nil, fmt.Errorf("%w: %s is not in this store", ErrNoSuchBucket, name)
	}
	return o.s.Bucket(ctx, name)
}

func (o only) EnsureBucket(ctx context.Context, name string) error {
	if o.r.For(name) != o.s {
		return fmt.Errorf("%w: %s is not in this store", ErrNoSuchBucket, name)
	}
	return o.s.EnsureBucket(ctx, name)
}

func (o only) ClaimBucket(ctx context.Context, name, account string) error {
	c, ok := o.s.(Claimer)
	if !ok || o.r.For(name) != o.s {
		return fmt.Errorf("%w: %s is not in this store", ErrNoSuchBucket, name)
	}
	return c.ClaimBucket(ctx, name, account)
}

func (o only) BucketOwner(ctx context.Context, name string) (string, error) {
	c, ok := o.s.(Claimer)
	if !ok || o.r.For(name) != o.s {
		return "", fmt.Errorf("%w: %s is not in this store", ErrNoSuchBucket, name)
	}
	return c.BucketOwner(ctx, name)
}
