// Package trailkeys holds the RSA keys that sign trail digests: one current
// 2048-bit key per account and region (the trail's home region, whose keys
// validate-logs asks ListPublicKeys for, reference/cloudtrail.md §7.4),
// encrypted at rest with AES-256-GCM under a key-encryption key, rotated on
// a schedule, with every retired public key kept for its validity window.
package trailkeys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/trailfile"
)

// DefaultRotation is how long a key signs before the next replaces it.
// AWS does not publish its period; a month keeps ListPublicKeys short
// while limiting what one leaked key could sign.
const DefaultRotation = 30 * 24 * time.Hour

// KeySize is the RSA modulus size AWS's published keys have
// (reference/cloudtrail.md §7.3).
const KeySize = 2048

// Options configure Keys.
type Options struct {
	// Store keeps the keys. Required.
	Store storage.TrailKeys
	// KEK is the 32-byte key-encryption key (LoadKEK). Required.
	KEK []byte
	// Rotation is each key's signing period; 0 means DefaultRotation.
	Rotation time.Duration
}

// Keys hands out signing keys. It is safe for concurrent use, also from
// several nodes sharing one store.
type Keys struct {
	store    storage.TrailKeys
	aead     cipher.AEAD
	rotation time.Duration
}

// New returns Keys; an error for a KEK that is not 32 bytes.
func New(opts Options) (*Keys, error) {
	if opts.Store == nil {
		panic("BUG: trailkeys: Options.Store is nil")
	}
	if len(opts.KEK) != 32 {
		return nil, fmt.Errorf("trailkeys: key-encryption key is %d bytes, want 32", len(opts.KEK))
	}
	if opts.Rotation <= 0 {
		opts.Rotation = DefaultRotation
	}
	block, err := aes.NewCipher(opts.KEK)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{store: opts.Store, aead: aead, rotation: opts.Rotation}, nil
}

// KEKFile is the key-encryption key's file in the data directory.
const KEKFile = "trail-key-encryption-key"

// LoadKEK returns the key-encryption key: envValue (base64 of 32 bytes,
// from TRAILWATCH_KEY_ENCRYPTION_KEY) when set, else the file KEKFile in
// dataDir, created with 32 random bytes and mode 0600 on first use.
func LoadKEK(dataDir, envValue string) ([]byte, error) {
	if envValue != "" {
		k, err := base64.StdEncoding.DecodeString(envValue)
		if err != nil || len(k) != 32 {
			return nil, errors.New("trailkeys: TRAILWATCH_KEY_ENCRYPTION_KEY must be the base64 of 32 bytes")
		}
		return k, nil
	}
	p := filepath.Join(dataDir, KEKFile)
	k, err := os.ReadFile(p)
	if err == nil {
		if len(k) != 32 {
			return nil, fmt.Errorf("trailkeys: %s holds %d bytes, want 32", p, len(k))
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k = make([]byte, 32)
	rand.Read(k)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process created it first: use its key.
		return LoadKEK(dataDir, "")
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

// aad binds a sealed key to its owner, so a sealed key copied to another
// row does not open.
func aad(account, region, fingerprint string) []byte {
	return []byte(account + "/" + region + "/" + fingerprint)
}

// SigningKey returns the key that signs digests of account and region at
// t, with its public half as ListPublicKeys lists it. When there is none,
// or the current key's period ended before t, a new key is made current
// first; a rotation another node made at the same moment is adopted.
func (k *Keys) SigningKey(ctx context.Context, account, region string, t time.Time) (*rsa.PrivateKey, trailfile.PublicKey, error) {
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := k.store.CurrentTrailKey(ctx, account, region)
		switch {
		case err == nil && t.Before(cur.ValidUntil):
			return k.open(cur)
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return nil, trailfile.PublicKey{}, err
		}
		from := t.UTC()
		if err == nil && from.Before(cur.ValidUntil) {
			from = cur.ValidUntil
		}
		priv, err2 := rsa.GenerateKey(rand.Reader, KeySize)
		if err2 != nil {
			return nil, trailfile.PublicKey{}, err2
		}
		der := x509.MarshalPKCS1PublicKey(&priv.PublicKey)
		fp := trailfile.Fingerprint(der)
		nonce := make([]byte, k.aead.NonceSize())
		rand.Read(nonce)
		sealed := k.aead.Seal(nonce, nonce, x509.MarshalPKCS1PrivateKey(priv), aad(account, region, fp))
		nk := storage.TrailKey{AccountID: account, Region: region, Fingerprint: fp, PublicKey: der, SealedPrivateKey: sealed,
			ValidFrom: from, ValidUntil: from.Add(k.rotation)}
		prev := ""
		if err == nil {
			prev = cur.Fingerprint
		}
		switch err := k.store.AddTrailKey(ctx, nk, prev); {
		case err == nil:
			return priv, publicKey(nk), nil
		case errors.Is(err, storage.ErrConflict), errors.Is(err, storage.ErrExists):
			continue // another node rotated: use its key
		default:
			return nil, trailfile.PublicKey{}, err
		}
	}
	return nil, trailfile.PublicKey{}, fmt.Errorf("trailkeys: rotation of %s %s keeps conflicting", account, region)
}

func (k *Keys) open(sk storage.TrailKey) (*rsa.PrivateKey, trailfile.PublicKey, error) {
	n := k.aead.NonceSize()
	if len(sk.SealedPrivateKey) < n {
		return nil, trailfile.PublicKey{}, fmt.Errorf("FATAL: trailkeys: sealed key %s is truncated", sk.Fingerprint)
	}
	plain, err := k.aead.Open(nil, sk.SealedPrivateKey[:n], sk.SealedPrivateKey[n:], aad(sk.AccountID, sk.Region, sk.Fingerprint))
	if err != nil {
		return nil, trailfile.PublicKey{}, fmt.Errorf("trailkeys: open key %s (wrong key-encryption key?): %w", sk.Fingerprint, err)
	}
	priv, err := x509.ParsePKCS1PrivateKey(plain)
	if err != nil {
		return nil, trailfile.PublicKey{}, fmt.Errorf("trailkeys: key %s: %w", sk.Fingerprint, err)
	}
	return priv, publicKey(sk), nil
}

func publicKey(sk storage.TrailKey) trailfile.PublicKey {
	return trailfile.PublicKey{Fingerprint: sk.Fingerprint, DER: sk.PublicKey, ValidityStart: sk.ValidFrom, ValidityEnd: sk.ValidUntil}
}

// PublicKeys lists the public keys of account and region whose validity
// overlaps [start, end], oldest first.
func (k *Keys) PublicKeys(ctx context.Context, account, region string, start, end time.Time) ([]trailfile.PublicKey, error) {
	sks, err := k.store.ListTrailKeys(ctx, account, region, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]trailfile.PublicKey, len(sks))
	for i, sk := range sks {
		out[i] = publicKey(sk)
	}
	return out, nil
}
