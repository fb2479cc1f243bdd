package trailfile

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Algorithm names a digest carries (reference/cloudtrail.md §7.2, §7.3).
const (
	SignatureAlgorithm = "SHA256withRSA"
	HashAlgorithm      = "SHA-256"
)

// Metadata names of a digest object, lower case and without the
// x-amz-meta- prefix (reference/cloudtrail.md §0.2, §7.1).
const (
	MetaSignature          = "signature"
	MetaSignatureAlgorithm = "signature-algorithm"
)

// Digest is a digest file's JSON, every field of reference/cloudtrail.md
// §7.2 in the order AWS writes them. Pointer fields are JSON null when nil:
// the event times of a digest listing no log file, and the previous*
// fields of the first digest of a chain.
type Digest struct {
	AWSAccountID                string       `json:"awsAccountId"`
	DigestStartTime             string       `json:"digestStartTime"`
	DigestEndTime               string       `json:"digestEndTime"`
	DigestS3Bucket              string       `json:"digestS3Bucket"`
	DigestS3Object              string       `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string       `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string       `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string      `json:"newestEventTime"`
	OldestEventTime             *string      `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string      `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string      `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string      `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string      `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string      `json:"previousDigestSignature"`
	LogFiles                    []LogFileRef `json:"logFiles"`
}

// LogFileRef is one entry of a digest's logFiles.
type LogFileRef struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"` // lower-case hex SHA-256 of the inflated file
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Previous is what a digest records of the digest before it in its chain.
type Previous struct {
	Bucket, Key string
	Hash        string // hex SHA-256 of the previous digest's JSON
	Signature   string // its hex signature
}

// Chain sets d's previous* fields to p, or to null (a chain start) when p
// is nil (reference/cloudtrail.md §7.5).
func (d *Digest) Chain(p *Previous) {
	if p == nil {
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object, d.PreviousDigestHashValue = nil, nil, nil
		d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = nil, nil
		return
	}
	alg := HashAlgorithm
	d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &p.Bucket, &p.Key
	d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &p.Hash, &alg, &p.Signature
}

// SetEventTimes sets the digest's newest and oldest event times from its
// log files, or null for a digest that lists none.
func (d *Digest) SetEventTimes() {
	d.NewestEventTime, d.OldestEventTime = nil, nil
	for _, l := range d.LogFiles {
		// The layout is fixed-width, so strings order as times do.
		if d.NewestEventTime == nil || l.NewestEventTime > *d.NewestEventTime {
			d.NewestEventTime = &l.NewestEventTime
		}
		if d.OldestEventTime == nil || l.OldestEventTime < *d.OldestEventTime {
			d.OldestEventTime = &l.OldestEventTime
		}
	}
}

// Signed is a digest ready to upload.
type Signed struct {
	// Raw is the digest JSON; Hash its hex SHA-256, which the next digest
	// records as previousDigestHashValue.
	Raw  []byte
	Hash string
	// Gz is the object body: one gzip member of Raw.
	Gz []byte
	// Signature is the hex signature; Metadata holds it and the algorithm
	// under the names validate-logs reads.
	Signature string
	Metadata  map[string]string
}

// Previous is what the next digest of the chain records of this one.
func (s *Signed) Previous(bucket, key string) *Previous {
	return &Previous{Bucket: bucket, Key: key, Hash: s.Hash, Signature: s.Signature}
}

// Sign serialises d, hashes the bytes, signs the string of
// reference/cloudtrail.md §7.3 with key (SHA256withRSA) and gzips the
// bytes. d.DigestPublicKeyFingerprint and d.DigestSignatureAlgorithm are
// set from key first; the fingerprint must be what ListPublicKeys reports
// for key's public half, which Sign guarantees by computing it.
func Sign(d *Digest, key *rsa.PrivateKey) (*Signed, error) {
	d.DigestPublicKeyFingerprint = Fingerprint(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	d.DigestSignatureAlgorithm = SignatureAlgorithm
	if d.LogFiles == nil {
		d.LogFiles = []LogFileRef{} // [] rather than null: the CLI iterates it
	}
	raw, err := marshalDigest(d)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(raw)
	hash := hex.EncodeToString(h[:])
	sts := StringToSign(d.DigestEndTime, d.DigestS3Bucket, d.DigestS3Object, hash, d.PreviousDigestSignature)
	sd := sha256.Sum256([]byte(sts))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sd[:])
	if err != nil {
		return nil, fmt.Errorf("trailfile: sign digest %s: %w", d.DigestS3Object, err)
	}
	gz, err := Gzip(raw)
	if err != nil {
		return nil, err
	}
	sigHex := hex.EncodeToString(sig)
	return &Signed{
		Raw: raw, Hash: hash, Gz: gz, Signature: sigHex,
		Metadata: map[string]string{MetaSignature: sigHex, MetaSignatureAlgorithm: SignatureAlgorithm},
	}, nil
}

// marshalDigest writes d as compact JSON without HTML escaping, so keys
// holding & < > read as they are.
func marshalDigest(d *Digest) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("trailfile: encode digest: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// StringToSign is the string a digest's signature covers
// (reference/cloudtrail.md §7.3): the end time, bucket/key, the hex SHA-256
// of the digest JSON and the previous signature, or "null" when it is JSON
// null, joined by newlines. The fields are taken as they appear in the
// JSON.
func StringToSign(endTime, bucket, key, digestHash string, prevSignature *string) string {
	prev := "null"
	if prevSignature != nil {
		prev = *prevSignature
	}
	return endTime + "\n" + bucket + "/" + key + "\n" + digestHash + "\n" + prev
}

// Fingerprint is a public key's fingerprint as ListPublicKeys reports it
// and digests name it: the lower-case hex MD5 of its PKCS#1 DER
// (reference/cloudtrail.md §0.4, §7.4).
func Fingerprint(pkcs1DER []byte) string {
	h := md5.Sum(pkcs1DER)
	return hex.EncodeToString(h[:])
}

// ErrSignature is a signature that does not verify (validate-logs'
// "signature verification failed").
var ErrSignature = errors.New("trailfile: signature verification failed")

// ErrKeyFormat is a public key that is not PKCS#1 RSAPublicKey DER
// (validate-logs' "Unable to load PKCS #1 key").
var ErrKeyFormat = errors.New("trailfile: unable to load PKCS #1 key")

// VerifySignature checks sigHex, a digest object's signature metadata,
// against the digest's JSON raw and its parsed fields d, with the PKCS#1
// DER public key. ErrKeyFormat, ErrSignature.
func VerifySignature(d *Digest, raw []byte, sigHex string, pkcs1DER []byte) error {
	pub, err := x509.ParsePKCS1PublicKey(pkcs1DER)
	if err != nil {
		return ErrKeyFormat
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return ErrSignature
	}
	h := sha256.Sum256(raw)
	sts := StringToSign(d.DigestEndTime, d.DigestS3Bucket, d.DigestS3Object, hex.EncodeToString(h[:]), d.PreviousDigestSignature)
	sd := sha256.Sum256([]byte(sts))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sd[:], sig) != nil {
		return ErrSignature
	}
	return nil
}

// MaxDigestBytes bounds how much a digest may inflate to: a digest lists
// an hour's log files, a few hundred bytes each.
const MaxDigestBytes = 64 << 20

// requiredDigestKeys are the members the CLI insists on before it looks at
// a digest (CLI29/CLI1 required_digest_keys, reference/cloudtrail.md §7.2).
var requiredDigestKeys = []string{
	"digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object",
	"previousDigestSignature", "digestEndTime", "digestStartTime",
}

// ParseDigest inflates a digest object body and parses its JSON. It reads
// untrusted input: anything that is not one gzip member of a JSON object
// with the members the CLI requires, of the right types, is ErrFormat.
// raw is the inflated JSON, which the signature covers.
func ParseDigest(gz []byte) (d *Digest, raw []byte, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	zr.Multistream(false)
	raw, err = io.ReadAll(io.LimitReader(zr, MaxDigestBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(raw) > MaxDigestBytes {
		return nil, nil, fmt.Errorf("%w: inflates to more than %d bytes", ErrFormat, MaxDigestBytes)
	}
	d, err = ParseDigestJSON(raw)
	return d, raw, err
}

// ParseDigestJSON parses an inflated digest, as ParseDigest does.
func ParseDigestJSON(raw []byte) (*Digest, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if members == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrFormat)
	}
	for _, k := range requiredDigestKeys {
		if _, ok := members[k]; !ok {
			return nil, fmt.Errorf("%w: no %s", ErrFormat, k)
		}
	}
	for _, k := range requiredDigestKeys {
		if k != "previousDigestSignature" && string(members[k]) == "null" {
			return nil, fmt.Errorf("%w: %s is null", ErrFormat, k)
		}
	}
	var d Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if _, err := time.Parse(TimeLayout, d.DigestStartTime); err != nil {
		return nil, fmt.Errorf("%w: digestStartTime %q", ErrFormat, d.DigestStartTime)
	}
	if _, err := time.Parse(TimeLayout, d.DigestEndTime); err != nil {
		return nil, fmt.Errorf("%w: digestEndTime %q", ErrFormat, d.DigestEndTime)
	}
	return &d, nil
}

// StartTime and EndTime are the digest's window; ParseDigestJSON has
// checked that they parse.
func (d *Digest) StartTime() time.Time { t, _ := time.Parse(TimeLayout, d.DigestStartTime); return t }

// EndTime is the end of the digest's window.
func (d *Digest) EndTime() time.Time { t, _ := time.Parse(TimeLayout, d.DigestEndTime); return t }
