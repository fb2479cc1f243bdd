package trailkeys_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/trailkeys"
)

func TestRotationAndEncryption(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := db.TrailKeys()
	kek, err := trailkeys.LoadKEK(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	k, err := trailkeys.New(trailkeys.Options{Store: store, KEK: kek, Rotation: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	p1, pub1, err := k.SigningKey(ctx, "111111111111", "us-east-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if p1.N.BitLen() != 2048 || !bytes.Equal(x509.MarshalPKCS1PublicKey(&p1.PublicKey), pub1.DER) {
		t.Fatalf("key of %d bits, public half mismatched", p1.N.BitLen())
	}
	// Within the period the same key comes back, decrypted from storage.
	p1b, _, err := k.SigningKey(ctx, "111111111111", "us-east-1", t0.Add(59*time.Minute))
	if err != nil || !p1b.Equal(p1) {
		t.Fatalf("second call: %v, same key %v", err, p1b != nil && p1b.Equal(p1))
	}
	// The stored private key is not in the clear.
	cur, err := store.CurrentTrailKey(ctx, "111111111111", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cur.SealedPrivateKey, x509.MarshalPKCS1PrivateKey(p1)[:64]) {
		t.Errorf("private key stored in the clear")
	}
	// After the period a new key signs, and both stay listed.
	p2, pub2, err := k.SigningKey(ctx, "111111111111", "us-east-1", t0.Add(3*time.Hour))
	if err != nil || p2.Equal(p1) {
		t.Fatalf("rotation: %v", err)
	}
	all, err := k.PublicKeys(ctx, "111111111111", "us-east-1", t0, t0.Add(5*time.Hour))
	if err != nil || len(all) != 2 || all[0].Fingerprint != pub1.Fingerprint || all[1].Fingerprint != pub2.Fingerprint {
		t.Fatalf("PublicKeys: %+v, %v", all, err)
	}
	if !all[0].ValidityEnd.Equal(t0.Add(time.Hour)) || !all[1].ValidityStart.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("windows %v–%v, %v–%v", all[0].ValidityStart, all[0].ValidityEnd, all[1].ValidityStart, all[1].ValidityEnd)
	}
	// Regions have separate keys.
	if _, pub3, err := k.SigningKey(ctx, "111111111111", "eu-west-1", t0); err != nil || pub3.Fingerprint == pub1.Fingerprint {
		t.Errorf("eu-west-1 key: %v", err)
	}
	// A wrong key-encryption key cannot open the stored keys.
	other, _ := trailkeys.New(trailkeys.Options{Store: store, KEK: bytes.Repeat([]byte{7}, 32), Rotation: time.Hour})
	if _, _, err := other.SigningKey(ctx, "111111111111", "us-east-1", t0.Add(3*time.Hour)); err == nil {
		t.Errorf("opened with the wrong key-encryption key")
	}
}

func TestLoadKEK(t *testing.T) {
	dir := t.TempDir()
	a, err := trailkeys.LoadKEK(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, trailkeys.KEKFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	b, err := trailkeys.LoadKEK(dir, "")
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("second load differs: %v", err)
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if c, err := trailkeys.LoadKEK(dir, env); err != nil || !bytes.Equal(c, bytes.Repeat([]byte{1}, 32)) {
		t.Errorf("env key: %v", err)
	}
	if _, err := trailkeys.LoadKEK(dir, "c2hvcnQ="); err == nil {
		t.Errorf("short env key accepted")
	}
}
