package storage

import (
	"context"
	"time"
)

// TrailKey is a digest signing key of one account and region
// (reference/cloudtrail.md §7.4). Storage never sees the private key in the
// clear: SealedPrivateKey is encrypted by the caller.
type TrailKey struct {
	AccountID string
	Region    string
	// Fingerprint is the lower-case hex MD5 of PublicKey, unique per key.
	Fingerprint string
	// PublicKey is the PKCS#1 RSAPublicKey DER ListPublicKeys returns.
	PublicKey        []byte
	SealedPrivateKey []byte
	// ValidFrom and ValidUntil bound when the key may sign; keys are
	// never deleted, so their public halves stay listed.
	ValidFrom, ValidUntil time.Time
}

// TrailKeys holds digest signing keys. The current key of an account and
// region is the one with the latest ValidFrom.
type TrailKeys interface {
	// AddTrailKey stores k as the new current key of its account and
	// region, if the current key is still the one with fingerprint
	// current ("" = there is none): ErrConflict when another writer
	// rotated first, ErrExists when k's fingerprint or ValidFrom is taken.
	AddTrailKey(ctx context.Context, k TrailKey, current string) error
	// CurrentTrailKey returns the current key; ErrNotFound when the
	// account and region have none.
	CurrentTrailKey(ctx context.Context, account, region string) (TrailKey, error)
	// ListTrailKeys returns the keys whose validity overlaps [start, end],
	// oldest first.
	ListTrailKeys(ctx context.Context, account, region string, start, end time.Time) ([]TrailKey, error)
}
