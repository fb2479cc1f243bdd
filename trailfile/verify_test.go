package trailfile_test

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/trailfile"
)

func TestVerifyIntact(t *testing.T) {
	a := buildArchive(t, 4, 3, 5)
	r := a.verify(t, nil)
	if !r.OK() {
		t.Fatalf("intact archive reported invalid: %q", failures(r))
	}
	vd, id, vl, il := r.Counts()
	if vd != 4 || id != 0 || vl != 12 || il != 0 {
		t.Errorf("counts %d/%d digests, %d/%d logs; want 4/0, 12/0", vd, id, vl, il)
	}
	// Newest first, as validate-logs walks them.
	for i, d := range r.Digests {
		if want := a.digests[len(a.digests)-1-i]; d.Key != want {
			t.Errorf("digest %d is %s, want %s", i, d.Key, want)
		}
	}
	if !r.FoundStart.Equal(a.start) || !r.FoundEnd.Equal(a.start.Add(4*time.Hour)) {
		t.Errorf("found %v to %v", r.FoundStart, r.FoundEnd)
	}
	if len(r.Notices) != 0 {
		t.Errorf("notices %q", r.Notices)
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func regzip(t testing.TB, raw []byte) []byte {
	t.Helper()
	gz, err := trailfile.Gzip(raw)
	if err != nil {
		t.Fatal(err)
	}
	return gz
}

// TestVerifyTampered breaks the archive in each way an attacker or an
// accident could and checks that exactly those breaks are reported, each
// with its reason.
func TestVerifyTampered(t *testing.T) {
	const hours = 5
	s3 := func(a *archive, key string) string { return "s3://" + a.bucket + "/" + key }
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, a *archive)
		want   func(a *archive) []string
	}{
		{
			name: "altered byte in a log file",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.logs[2][1]]
				raw := gunzip(t, o.body)
				raw[bytes.Index(raw, []byte("CreateUser"))] = 'D'
				a.b.put(a.logs[2][1], regzip(t, raw), nil)
			},
			want: func(a *archive) []string {
				return []string{"Log file\t" + s3(a, a.logs[2][1]) + "\tINVALID: hash value doesn't match"}
			},
		},
		{
			name: "flipped bit in a compressed log file",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.logs[1][0]]
				o.body[len(o.body)-12] ^= 1 // inside the deflate data or its CRC
			},
			want: func(a *archive) []string {
				return []string{"Log file\t" + s3(a, a.logs[1][0]) + "\tINVALID: invalid format"}
			},
		},
		{
			name:   "deleted log file",
			tamper: func(t *testing.T, a *archive) { delete(a.b.objs, a.logs[3][2]) },
			want: func(a *archive) []string {
				return []string{"Log file\t" + s3(a, a.logs[3][2]) + "\tINVALID: not found"}
			},
		},
		{
			name:   "deleted digest",
			tamper: func(t *testing.T, a *archive) { delete(a.b.objs, a.digests[2]) },
			want: func(a *archive) []string {
				w := []string{
					"Digest file\t" + s3(a, a.digests[2]) + "\tINVALID: not found",
					"Digest chain\t" + s3(a, a.digests[1]+" .. "+a.digests[3]) + "\tINVALID: chain broken between 2024-03-01T12:00:00Z and 2024-03-01T13:00:00Z: no valid digest covers this span (1 digest file(s) of the chain missing or invalid)",
				}
				for _, l := range a.logs[2] {
					w = append(w, "Log file\t"+s3(a, l)+"\tINVALID: not listed by any digest")
				}
				return w
			},
		},
		{
			name: "two consecutive digests deleted",
			tamper: func(t *testing.T, a *archive) {
				delete(a.b.objs, a.digests[2])
				delete(a.b.objs, a.digests[3])
			},
			want: func(a *archive) []string {
				w := []string{
					// validate-logs stops at this line: the digest before
					// it is never named.
					"Digest file\t" + s3(a, a.digests[3]) + "\tINVALID: not found",
					"Digest chain\t" + s3(a, a.digests[1]+" .. "+a.digests[4]) + "\tINVALID: chain broken between 2024-03-01T12:00:00Z and 2024-03-01T14:00:00Z: no valid digest covers this span (1 digest file(s) of the chain missing or invalid; the span holds about 2 digest periods of 1h0m0s)",
				}
				for _, h := range []int{2, 3} {
					for _, l := range a.logs[h] {
						w = append(w, "Log file\t"+s3(a, l)+"\tINVALID: not listed by any digest")
					}
				}
				return w
			},
		},
		{
			name: "altered digest",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.digests[1]]
				raw := gunzip(t, o.body)
				raw = bytes.Replace(raw, []byte(`"hashValue":"`), []byte(`"hashValue":"0`), 1)
				a.b.put(a.digests[1], regzip(t, raw), o.meta)
			},
			want: func(a *archive) []string {
				w := []string{
					"Digest file\t" + s3(a, a.digests[1]) + "\tINVALID: signature verification failed",
					"Digest chain\t" + s3(a, a.digests[0]+" .. "+a.digests[2]) + "\tINVALID: chain broken between 2024-03-01T11:00:00Z and 2024-03-01T12:00:00Z: no valid digest covers this span (1 digest file(s) of the chain missing or invalid)",
				}
				for _, l := range a.logs[1] {
					w = append(w, "Log file\t"+s3(a, l)+"\tINVALID: not listed by any digest")
				}
				return w
			},
		},
		{
			name: "digest without its signature metadata",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.digests[4]]
				a.b.put(a.digests[4], o.body, map[string]string{"Signature": o.meta["signature"], "signature-algorithm": "SHA256withRSA"})
			},
			want: func(a *archive) []string {
				// The newest digest: nothing newer links to it, so no gap
				// can be seen, as with validate-logs.
				return []string{"Digest file\t" + s3(a, a.digests[4]) + "\tINVALID: signature verification failed"}
			},
		},
		{
			name: "digest copied to another key",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.digests[4]]
				moved := strings.Replace(a.digests[4], "T150000Z", "T150500Z", 1)
				a.b.put(moved, o.body, o.meta)
			},
			want: func(a *archive) []string {
				moved := strings.Replace(a.digests[4], "T150000Z", "T150500Z", 1)
				return []string{"Digest file\t" + s3(a, moved) + "\tINVALID: has been moved from its original location"}
			},
		},
		{
			name: "digest re-signed with its chain's key but changed",
			tamper: func(t *testing.T, a *archive) {
				o := a.b.objs[a.digests[2]]
				d, _, err := trailfile.ParseDigest(o.body)
				if err != nil {
					t.Fatal(err)
				}
				d.LogFiles = d.LogFiles[:2] // hide a log file
				s, err := trailfile.Sign(d, a.key)
				if err != nil {
					t.Fatal(err)
				}
				a.b.put(a.digests[2], s.Gz, s.Metadata)
			},
			want: func(a *archive) []string {
				return []string{
					"Digest file\t" + s3(a, a.digests[2]) + "\tINVALID: does not match the previous digest recorded by the next digest s3://" + a.bucket + "/" + a.digests[3],
					"Digest chain\t" + s3(a, a.digests[1]+" .. "+a.digests[3]) + "\tINVALID: chain broken between 2024-03-01T12:00:00Z and 2024-03-01T13:00:00Z: no valid digest covers this span (1 digest file(s) of the chain missing or invalid)",
					"Log file\t" + s3(a, a.logs[2][0]) + "\tINVALID: not listed by any digest",
					"Log file\t" + s3(a, a.logs[2][1]) + "\tINVALID: not listed by any digest",
					"Log file\t" + s3(a, a.logs[2][2]) + "\tINVALID: not listed by any digest",
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := buildArchive(t, hours, 3, 4)
			tc.tamper(t, a)
			r := a.verify(t, nil)
			want := tc.want(a)
			sort.Strings(want)
			if d := cmp.Diff(want, failures(r)); d != "" {
				t.Errorf("failures (-want +got):\n%s", d)
			}
			if r.OK() {
				t.Errorf("OK() on a tampered archive")
			}
		})
	}
}

func TestVerifyUnknownKey(t *testing.T) {
	a := buildArchiveWith(t, archiveConfig{hours: 5, logsPerHour: 1, recordsPerLog: 1, otherKeyFrom: 3})
	r := a.verify(t, nil)
	fp := trailfile.Fingerprint(x509.MarshalPKCS1PublicKey(&otherKey().PublicKey))
	want := []string{
		"Digest file\ts3://" + a.bucket + "/" + a.digests[3] + "\tINVALID: public key not found in region us-east-1 for fingerprint " + fp,
		"Digest file\ts3://" + a.bucket + "/" + a.digests[4] + "\tINVALID: public key not found in region us-east-1 for fingerprint " + fp,
	}
	if d := cmp.Diff(want, failures(r)); d != "" {
		t.Errorf("failures (-want +got):\n%s", d)
	}
	// With both keys, as ListPublicKeys lists a rotated key beside the
	// new one, every digest verifies.
	der := x509.MarshalPKCS1PublicKey(&otherKey().PublicKey)
	r = a.verify(t, func(o *trailfile.Options) {
		o.Keys = append(o.Keys, trailfile.PublicKey{Fingerprint: fp, DER: der})
	})
	if !r.OK() {
		t.Errorf("failures with both keys: %q", failures(r))
	}
	// A key that is not PKCS#1.
	r = a.verify(t, func(o *trailfile.Options) {
		o.Keys = append(o.Keys, trailfile.PublicKey{Fingerprint: fp, DER: []byte("junk")})
	})
	want = []string{
		"Digest file\ts3://" + a.bucket + "/" + a.digests[3] + "\tINVALID: Unable to load PKCS #1 key with fingerprint " + fp,
		"Digest file\ts3://" + a.bucket + "/" + a.digests[4] + "\tINVALID: Unable to load PKCS #1 key with fingerprint " + fp,
	}
	if d := cmp.Diff(want, failures(r)); d != "" {
		t.Errorf("failures (-want +got):\n%s", d)
	}
}

func TestVerifyChainRestart(t *testing.T) {
	// Logging stopped for an hour, then a new chain began (reference
	// §7.5): not a failure, a notice as validate-logs prints it.
	a := buildArchiveWith(t, archiveConfig{hours: 5, logsPerHour: 2, recordsPerLog: 1, off: map[int]bool{2: true}})
	r := a.verify(t, nil)
	if !r.OK() {
		t.Fatalf("restarted chain reported invalid: %q", failures(r))
	}
	want := []string{"No log files were delivered by CloudTrail between 2024-03-01T12:00:00Z and 2024-03-01T13:00:00Z"}
	if d := cmp.Diff(want, r.Notices); d != "" {
		t.Errorf("notices (-want +got):\n%s", d)
	}
	if vd, _, vl, _ := r.Counts(); vd != 4 || vl != 8 {
		t.Errorf("%d digests, %d logs valid; want 4, 8", vd, vl)
	}
}

func TestProof(t *testing.T) {
	a := buildArchive(t, 4, 2, 3)
	id := "ev-1-1-2"
	r := a.verify(t, func(o *trailfile.Options) { o.EventID = id })
	p := r.Proof
	if p == nil {
		t.Fatal("no proof")
	}
	if p.LogKey != a.logs[1][1] {
		t.Errorf("proof names %s, want %s", p.LogKey, a.logs[1][1])
	}
	if !bytes.Contains(p.Record, []byte(`"eventID":"ev-1-1-2"`)) {
		t.Errorf("record %s", p.Record)
	}
	if len(p.Chain) != 3 || p.Chain[0].Key != a.digests[1] || p.Chain[2].Key != a.digests[3] {
		t.Fatalf("chain %+v", p.Chain)
	}
	for i := 1; i < len(p.Chain); i++ {
		if p.Chain[i].PreviousHash != p.Chain[i-1].Hash || p.Chain[i].PreviousSignature != p.Chain[i-1].Signature {
			t.Errorf("link %d does not record link %d", i, i-1)
		}
	}
	if s := p.String(); !strings.Contains(s, p.LogHash) || !strings.Contains(s, p.Chain[2].Signature) {
		t.Errorf("printed proof lacks its hashes:\n%s", s)
	}
	// An event nobody delivered has no proof.
	if r := a.verify(t, func(o *trailfile.Options) { o.EventID = "ev-9" }); r.Proof != nil {
		t.Errorf("proof for an absent event: %+v", r.Proof)
	}
	// Nor has one whose log file was altered.
	o := a.b.objs[a.logs[1][1]]
	raw := gunzip(t, o.body)
	a.b.put(a.logs[1][1], regzip(t, bytes.Replace(raw, []byte("CreateUser"), []byte("DeleteUser"), 1)), nil)
	if r := a.verify(t, func(o *trailfile.Options) { o.EventID = id }); r.Proof != nil {
		t.Errorf("proof from an altered log file: %+v", r.Proof)
	}
}
