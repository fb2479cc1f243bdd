package trailfile

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// KeyFile is the public-key file that `trailwatch admin export-public-keys`
// writes and `trailwatch validate --public-keys` reads, so an archive can
// be checked with no server to ask ListPublicKeys.
//
// It is the JSON `aws cloudtrail list-public-keys` prints — a
// PublicKeyList of Value (base64 PKCS#1 DER), Fingerprint and validity
// times — with two optional members per key, AccountId and Region, naming
// whose digests the key signs (keys are per account and region,
// reference/cloudtrail.md §7.4). A key without them applies to any account
// or region, so the CLI's own output, saved from AWS, reads as it is.
type KeyFile struct {
	PublicKeyList []KeyFileEntry `json:"PublicKeyList"`
}

// KeyFileEntry is one key of a KeyFile.
type KeyFileEntry struct {
	AccountID string `json:"AccountId,omitempty"`
	Region    string `json:"Region,omitempty"`
	// Value is the PKCS#1 RSAPublicKey DER (base64 in the JSON, as the
	// CLI prints the blob).
	Value       []byte `json:"Value"`
	Fingerprint string `json:"Fingerprint"`
	// ValidityStartTime and ValidityEndTime are written as RFC 3339; epoch
	// seconds (the wire form) are read too.
	ValidityStartTime keyFileTime `json:"ValidityStartTime"`
	ValidityEndTime   keyFileTime `json:"ValidityEndTime"`
}

// keyFileTime reads RFC 3339 strings ("2024-03-01T00:00:00Z", or the
// CLI's "+00:00" form) and epoch seconds; it writes RFC 3339 in UTC.
type keyFileTime struct{ time.Time }

func (t keyFileTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

func (t *keyFileTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("time %s: neither RFC 3339 nor epoch seconds", b)
	}
	sec := int64(f)
	t.Time = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	return nil
}

// NewKeyFileEntry is the entry of a key of account and region.
func NewKeyFileEntry(account, region string, k PublicKey) KeyFileEntry {
	return KeyFileEntry{AccountID: account, Region: region, Value: k.DER, Fingerprint: k.Fingerprint,
		ValidityStartTime: keyFileTime{k.ValidityStart}, ValidityEndTime: keyFileTime{k.ValidityEnd}}
}

// MarshalKeyFile writes f as indented JSON with a final newline.
func MarshalKeyFile(f *KeyFile) ([]byte, error) {
	if f.PublicKeyList == nil {
		f.PublicKeyList = []KeyFileEntry{}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ErrKeyFile marks a public-key file that cannot be read.
var ErrKeyFile = errors.New("trailfile: bad public-key file")

// ParseKeyFile reads a public-key file: a KeyFile, or PEM blocks of
// "RSA PUBLIC KEY" (PKCS#1) or "PUBLIC KEY" (PKIX, RSA only), which apply
// to any account and region and have no validity times. Every key must be
// a loadable RSA key and, in JSON, carry its own fingerprint: a file whose
// fingerprint does not match its key is ErrKeyFile, not a key that will
// later fail to verify.
func ParseKeyFile(b []byte) ([]KeyFileEntry, error) {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		return parsePEMKeys(b)
	}
	var f KeyFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if f.PublicKeyList == nil {
		return nil, fmt.Errorf("%w: no PublicKeyList", ErrKeyFile)
	}
	for i, k := range f.PublicKeyList {
		if _, err := x509.ParsePKCS1PublicKey(k.Value); err != nil {
			return nil, fmt.Errorf("%w: key %d (%s) is not a PKCS #1 RSA public key", ErrKeyFile, i, k.Fingerprint)
		}
		if fp := Fingerprint(k.Value); fp != k.Fingerprint {
			return nil, fmt.Errorf("%w: key %d has fingerprint %q, its value hashes to %s", ErrKeyFile, i, k.Fingerprint, fp)
		}
	}
	return f.PublicKeyList, nil
}

func parsePEMKeys(b []byte) ([]KeyFileEntry, error) {
	var out []KeyFileEntry
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		var der []byte
		switch blk.Type {
		case "RSA PUBLIC KEY":
			if _, err := x509.ParsePKCS1PublicKey(blk.Bytes); err != nil {
				return nil, fmt.Errorf("%w: PEM key %d: %v", ErrKeyFile, len(out), err)
			}
			der = blk.Bytes
		case "PUBLIC KEY":
			pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: PEM key %d: %v", ErrKeyFile, len(out), err)
			}
			rk, ok := pub.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("%w: PEM key %d is not an RSA key", ErrKeyFile, len(out))
			}
			// Digests name keys by the MD5 of the PKCS#1 form.
			der = x509.MarshalPKCS1PublicKey(rk)
		default:
			return nil, fmt.Errorf("%w: PEM block %q is not a public key", ErrKeyFile, blk.Type)
		}
		out = append(out, KeyFileEntry{Value: der, Fingerprint: Fingerprint(der)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no PEM public key", ErrKeyFile)
	}
	if len(bytes.TrimSpace(b)) != 0 {
		return nil, fmt.Errorf("%w: text after the last PEM block", ErrKeyFile)
	}
	return out, nil
}

// KeysFor picks the entries that apply to account and region (those that
// name them, and those that name neither) as PublicKeys.
func KeysFor(entries []KeyFileEntry, account, region string) []PublicKey {
	var out []PublicKey
	for _, e := range entries {
		if (e.AccountID != "" && e.AccountID != account) || (e.Region != "" && e.Region != region) {
			continue
		}
		out = append(out, PublicKey{Fingerprint: e.Fingerprint, DER: e.Value,
			ValidityStart: e.ValidityStartTime.Time, ValidityEnd: e.ValidityEndTime.Time})
	}
	return out
}
