package trailfile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Proof shows that one event is in a log file whose integrity a chain of
// signed digests vouches for.
type Proof struct {
	EventID string
	// Record is the event as the log file holds it.
	Record json.RawMessage
	// LogBucket and LogKey locate the log file; LogHash is the SHA-256 of
	// its inflated bytes, equal to the hashValue its digest lists.
	LogBucket, LogKey, LogHash string
	// Chain runs from the digest that lists the log file to the newest
	// digest linked to it: each digest's hash and signature are the
	// previousDigestHashValue and previousDigestSignature of the next.
	Chain []ProofLink
}

// ProofLink is one digest of a proof's chain.
type ProofLink struct {
	Bucket, Key string
	Hash        string // SHA-256 of the digest JSON
	Signature   string // verified against the key with Fingerprint
	Fingerprint string
	// PreviousHash and PreviousSignature are what the digest records of
	// the link before it ("" for the first link of the proof, whose
	// predecessor the proof does not need).
	PreviousHash, PreviousSignature string
}

// String prints the proof, one line per hash.
func (p *Proof) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Event %s\n", p.EventID)
	fmt.Fprintf(&b, "  in log file s3://%s/%s\n", p.LogBucket, p.LogKey)
	fmt.Fprintf(&b, "    SHA-256 of the log file: %s\n", p.LogHash)
	for i, l := range p.Chain {
		if i == 0 {
			fmt.Fprintf(&b, "  listed with that hash in digest s3://%s/%s\n", l.Bucket, l.Key)
		} else {
			fmt.Fprintf(&b, "  whose hash and signature are recorded by digest s3://%s/%s\n", l.Bucket, l.Key)
			fmt.Fprintf(&b, "    previousDigestHashValue: %s\n", l.PreviousHash)
			fmt.Fprintf(&b, "    previousDigestSignature: %s\n", l.PreviousSignature)
		}
		fmt.Fprintf(&b, "    SHA-256 of the digest: %s\n", l.Hash)
		fmt.Fprintf(&b, "    signature (SHA256withRSA, key %s): %s\n", l.Fingerprint, l.Signature)
	}
	return b.String()
}

// prove looks for the event in the candidate log files (indexes into refs
// of valid files whose bytes contain the ID) and builds the proof from the
// first that holds a record with that eventID.
func (v *verifier) prove(refs []logRef, candidates []int) error {
	for _, i := range candidates {
		ref := refs[i]
		body, _, err := v.readers[ref.S3Bucket].Get(v.ctx, ref.S3Object)
		if err != nil {
			return fmt.Errorf("get log file s3://%s/%s: %w", ref.S3Bucket, ref.S3Object, err)
		}
		records, sum, err := ReadLogFile(body)
		if err != nil || sum != ref.HashValue {
			// Changed since it was hashed: no proof from it.
			continue
		}
		for _, rec := range records {
			var r struct {
				EventID string `json:"eventID"`
			}
			if json.Unmarshal(rec, &r) != nil || r.EventID != v.opts.EventID {
				continue
			}
			chain, err := v.chainFrom(ref.digestKey)
			if err != nil {
				return err
			}
			v.report.Proof = &Proof{EventID: r.EventID, Record: rec, LogBucket: ref.S3Bucket, LogKey: ref.S3Object,
				LogHash: sum, Chain: chain}
			return nil
		}
	}
	return nil
}

// chainFrom returns the valid digests from the one at key up the chain, as
// far as each is linked to the next by its hash and signature.
func (v *verifier) chainFrom(key string) ([]ProofLink, error) {
	ds := v.report.Digests // newest first
	at := -1
	for i := range ds {
		if ds[i].Kind == KindDigest && ds[i].Key == key && ds[i].Valid() {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, errors.New("BUG: trailfile: the digest of a valid log file is not in the report")
	}
	link := func(r Result) ProofLink {
		return ProofLink{Bucket: r.Bucket, Key: r.Key, Hash: r.Hash, Signature: r.Signature, Fingerprint: r.Digest.DigestPublicKeyFingerprint}
	}
	chain := []ProofLink{link(ds[at])}
	for i := at - 1; i >= 0; i-- {
		r, prev := ds[i], ds[i+1]
		if r.Kind != KindDigest || !r.Valid() {
			break
		}
		d := r.Digest
		if d.PreviousDigestS3Object == nil || *d.PreviousDigestS3Object != prev.Key ||
			d.PreviousDigestHashValue == nil || *d.PreviousDigestHashValue != prev.Hash ||
			d.PreviousDigestSignature == nil || !strings.EqualFold(*d.PreviousDigestSignature, prev.Signature) {
			break
		}
		l := link(r)
		l.PreviousHash, l.PreviousSignature = *d.PreviousDigestHashValue, *d.PreviousDigestSignature
		chain = append(chain, l)
	}
	return chain, nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
