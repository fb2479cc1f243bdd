package trailfile_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/trailfile"
)

func TestKeyFileRoundTrip(t *testing.T) {
	der := x509.MarshalPKCS1PublicKey(&testKey().PublicKey)
	der2 := x509.MarshalPKCS1PublicKey(&otherKey().PublicKey)
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	k1 := trailfile.PublicKey{Fingerprint: trailfile.Fingerprint(der), DER: der, ValidityStart: from, ValidityEnd: from.Add(30 * 24 * time.Hour)}
	k2 := trailfile.PublicKey{Fingerprint: trailfile.Fingerprint(der2), DER: der2, ValidityStart: from.Add(time.Hour), ValidityEnd: from.Add(2 * time.Hour)}
	b, err := trailfile.MarshalKeyFile(&trailfile.KeyFile{PublicKeyList: []trailfile.KeyFileEntry{
		trailfile.NewKeyFileEntry("111122223333", "us-east-1", k1),
		trailfile.NewKeyFileEntry("444455556666", "us-east-1", k2),
	}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := trailfile.ParseKeyFile(b)
	if err != nil {
		t.Fatalf("ParseKeyFile: %v\n%s", err, b)
	}
	if diff := cmp.Diff([]trailfile.PublicKey{k1}, trailfile.KeysFor(entries, "111122223333", "us-east-1")); diff != "" {
		t.Errorf("keys of 111122223333 (-want +got):\n%s", diff)
	}
	if got := trailfile.KeysFor(entries, "111122223333", "eu-west-1"); len(got) != 0 {
		t.Errorf("keys of another region: %+v", got)
	}
	if got := trailfile.KeysFor(entries, "444455556666", "us-east-1"); len(got) != 1 || got[0].Fingerprint != k2.Fingerprint {
		t.Errorf("keys of 444455556666: %+v", got)
	}
}

// TestKeyFileFromCLI reads what `aws cloudtrail list-public-keys` prints:
// no account or region (the key applies to any), times as the CLI writes
// them, or as epoch seconds.
func TestKeyFileFromCLI(t *testing.T) {
	der := x509.MarshalPKCS1PublicKey(&testKey().PublicKey)
	fp := trailfile.Fingerprint(der)
	v := base64.StdEncoding.EncodeToString(der)
	for name, times := range map[string]string{
		"cli v2": `"ValidityStartTime": "2024-03-01T00:00:00+00:00", "ValidityEndTime": "2024-03-31T00:00:00+00:00"`,
		"epoch":  `"ValidityStartTime": 1709251200, "ValidityEndTime": 1711843200.5`,
	} {
		in := fmt.Sprintf(`{"PublicKeyList": [{"Value": %q, %s, "Fingerprint": %q}]}`, v, times, fp)
		entries, err := trailfile.ParseKeyFile([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys := trailfile.KeysFor(entries, "111122223333", "us-west-2")
		if len(keys) != 1 || keys[0].Fingerprint != fp || !keys[0].ValidityStart.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: %+v", name, keys)
		}
	}
}

func TestKeyFilePEM(t *testing.T) {
	der := x509.MarshalPKCS1PublicKey(&testKey().PublicKey)
	pkix, err := x509.MarshalPKIXPublicKey(&otherKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	in := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}))
	entries, err := trailfile.ParseKeyFile([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{trailfile.Fingerprint(der), trailfile.Fingerprint(x509.MarshalPKCS1PublicKey(&otherKey().PublicKey))}
	var got []string
	for _, k := range trailfile.KeysFor(entries, "111122223333", "us-east-1") {
		got = append(got, k.Fingerprint)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fingerprints (-want +got):\n%s", diff)
	}
}

func TestKeyFileErrors(t *testing.T) {
	der := x509.MarshalPKCS1PublicKey(&testKey().PublicKey)
	v := base64.StdEncoding.EncodeToString(der)
	for name, in := range map[string]string{
		"not json":          `PublicKeyList`,
		"no list":           `{}`,
		"wrong fingerprint": fmt.Sprintf(`{"PublicKeyList":[{"Value":%q,"Fingerprint":"00000000000000000000000000000000"}]}`, v),
		"not a key":         `{"PublicKeyList":[{"Value":"AAAA","Fingerprint":"x"}]}`,
		"bad time":          fmt.Sprintf(`{"PublicKeyList":[{"Value":%q,"Fingerprint":%q,"ValidityStartTime":"yesterday"}]}`, v, trailfile.Fingerprint(der)),
		"pem private key":   "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
		"pem then junk":     string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})) + "junk",
	} {
		if _, err := trailfile.ParseKeyFile([]byte(in)); !errors.Is(err, trailfile.ErrKeyFile) {
			t.Errorf("%s: err %v, want ErrKeyFile", name, err)
		} else if !strings.HasPrefix(err.Error(), "trailfile: bad public-key file") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
