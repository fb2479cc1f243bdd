package trailfile_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/trailfile"
)

// The patterns of reference/cloudtrail.md §6.1 and §7.1, written out here
// independently of the package's own.
var (
	logKeyRef    = regexp.MustCompile(`^team/a/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_[A-Za-z0-9]{16}\.json\.gz$`)
	digestKeyRef = regexp.MustCompile(`^team/a/AWSLogs/111122223333/CloudTrail\-Digest/us-east-2/\d+/\d+/\d+/111122223333_CloudTrail\-Digest_us-east-2_main\-trail_us-east-1_.+\.json\.gz$`)
)

func TestKeys(t *testing.T) {
	at := time.Date(2015, 8, 1, 3, 10, 59, 0, time.FixedZone("x", 3600))
	u := trailfile.UniqueSuffix("trail/us-east-2/batch 7")
	if u != trailfile.UniqueSuffix("trail/us-east-2/batch 7") || u == trailfile.UniqueSuffix("trail/us-east-2/batch 8") {
		t.Errorf("UniqueSuffix is not a function of its seed: %s", u)
	}
	lk := trailfile.LogFileKey("team/a", "111122223333", "us-east-2", at, u)
	if !logKeyRef.MatchString(lk) {
		t.Errorf("log key %s does not match the reference layout", lk)
	}
	if got, ok := trailfile.LogFileKeyTime(lk); !ok || !got.Equal(time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC)) {
		t.Errorf("LogFileKeyTime(%s) = %v, %v", lk, got, ok)
	}
	end := time.Date(2015, 8, 1, 3, 0, 7, 0, time.UTC)
	dk := trailfile.DigestKey("team/a", "111122223333", "us-east-2", "main-trail", "us-east-1", end)
	want := "team/a/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/01/111122223333_CloudTrail-Digest_us-east-2_main-trail_us-east-1_20150801T030007Z.json.gz"
	if dk != want {
		t.Errorf("digest key\n got %s\nwant %s", dk, want)
	}
	if !digestKeyRef.MatchString(dk) {
		t.Errorf("digest key %s does not match the CLI's pattern", dk)
	}
	if !trailfile.DigestKeyPattern("team/a", "111122223333", "us-east-2", "main-trail", "us-east-1").MatchString(dk) {
		t.Errorf("DigestKeyPattern rejects %s", dk)
	}
	// The CLI reads the time as key[-24:-8].
	if dk[len(dk)-24:len(dk)-8] != "20150801T030007Z" {
		t.Errorf("key time %q", dk[len(dk)-24:len(dk)-8])
	}
	if got := trailfile.LogFileKey("", "1", "r", at, u); got[:8] != "AWSLogs/" {
		t.Errorf("no prefix: %s", got)
	}
}

// TestDigestFormat checks the digest JSON against the field list of
// reference/cloudtrail.md §7.2 and the signature against §7.3, computed
// here from the published recipe.
func TestDigestFormat(t *testing.T) {
	key := testKey()
	end := time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	d := &trailfile.Digest{AWSAccountID: "111122223333", DigestStartTime: "2024-03-01T10:00:00Z", DigestEndTime: "2024-03-01T11:00:00Z",
		DigestS3Bucket: "b", DigestS3Object: trailfile.DigestKey("", "111122223333", "us-east-1", "t1", "us-east-1", end)}
	d.Chain(nil)
	d.SetEventTimes()
	s, err := trailfile.Sign(d, key)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(s.Raw, &m); err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	want := map[string]any{
		"awsAccountId": "111122223333", "digestStartTime": "2024-03-01T10:00:00Z", "digestEndTime": "2024-03-01T11:00:00Z",
		"digestS3Bucket": "b", "digestS3Object": d.DigestS3Object, "digestPublicKeyFingerprint": trailfile.Fingerprint(der),
		"digestSignatureAlgorithm": "SHA256withRSA", "newestEventTime": nil, "oldestEventTime": nil,
		"previousDigestS3Bucket": nil, "previousDigestS3Object": nil, "previousDigestHashValue": nil,
		"previousDigestHashAlgorithm": nil, "previousDigestSignature": nil, "logFiles": []any{},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("first digest of a chain (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"signature": s.Signature, "signature-algorithm": "SHA256withRSA"}, s.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if len(trailfile.Fingerprint(der)) != 32 {
		t.Errorf("fingerprint %q", trailfile.Fingerprint(der))
	}
	// §7.3 by hand.
	h := sha256.Sum256(s.Raw)
	sts := "2024-03-01T11:00:00Z\nb/" + d.DigestS3Object + "\n" + hex.EncodeToString(h[:]) + "\nnull"
	sd := sha256.Sum256([]byte(sts))
	sig, _ := hex.DecodeString(s.Signature)
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sd[:], sig); err != nil {
		t.Errorf("signature does not verify over the reference's string: %v", err)
	}
	if got := gunzip(t, s.Gz); !bytes.Equal(got, s.Raw) {
		t.Errorf("body does not inflate to the signed bytes")
	}

	// The next digest links to it, and the previous signature is signed.
	d2 := &trailfile.Digest{AWSAccountID: "111122223333", DigestStartTime: "2024-03-01T11:00:00Z", DigestEndTime: "2024-03-01T12:00:00Z",
		DigestS3Bucket: "b", DigestS3Object: "k2",
		LogFiles: []trailfile.LogFileRef{
			{S3Bucket: "b", S3Object: "l1", HashValue: "aa", HashAlgorithm: "SHA-256", NewestEventTime: "2024-03-01T11:10:00Z", OldestEventTime: "2024-03-01T09:59:00Z"},
			{S3Bucket: "b", S3Object: "l2", HashValue: "bb", HashAlgorithm: "SHA-256", NewestEventTime: "2024-03-01T11:40:00Z", OldestEventTime: "2024-03-01T11:30:00Z"},
		}}
	d2.Chain(s.Previous("b", d.DigestS3Object))
	d2.SetEventTimes()
	s2, err := trailfile.Sign(d2, key)
	if err != nil {
		t.Fatal(err)
	}
	p, raw, err := trailfile.ParseDigest(s2.Gz)
	if err != nil {
		t.Fatal(err)
	}
	if *p.PreviousDigestHashValue != s.Hash || *p.PreviousDigestSignature != s.Signature || *p.PreviousDigestHashAlgorithm != "SHA-256" ||
		*p.NewestEventTime != "2024-03-01T11:40:00Z" || *p.OldestEventTime != "2024-03-01T09:59:00Z" {
		t.Errorf("parsed %+v", p)
	}
	if err := trailfile.VerifySignature(p, raw, s2.Signature, der); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	if err := trailfile.VerifySignature(p, raw, s.Signature, der); err == nil {
		t.Errorf("the first digest's signature verified the second")
	}
}

func TestEncodeLogFile(t *testing.T) {
	recs := []json.RawMessage{json.RawMessage(`{"eventID":"a"}`), json.RawMessage(`{"eventID":"b"}`)}
	gz, raw, err := trailfile.EncodeLogFile(recs)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"Records":[{"eventID":"a"},{"eventID":"b"}]}` {
		t.Errorf("raw %s", raw)
	}
	got, sum, err := trailfile.ReadLogFile(gz)
	if err != nil || len(got) != 2 || sum != sha256hex(raw) {
		t.Errorf("ReadLogFile: %d records, %s, %v", len(got), sum, err)
	}
	// A second gzip member is not part of the file, for the hash as for
	// validate-logs.
	extra, _ := trailfile.Gzip([]byte("trailing"))
	if h, err := trailfile.HashLogFile(append(gz, extra...)); err != nil || h != sha256hex(raw) {
		t.Errorf("HashLogFile with a second member: %s, %v", h, err)
	}
	if _, _, err := trailfile.EncodeLogFile([]json.RawMessage{json.RawMessage(`{`)}); err == nil {
		t.Errorf("invalid record accepted")
	}
	if _, err := trailfile.HashLogFile([]byte("not gzip")); err == nil {
		t.Errorf("HashLogFile accepted non-gzip")
	}
}
