package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/testserver"
	"github.com/trailwatch/trailwatch/trailfile"
)

var validateKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// testArchive is a trail's delivered files in a local archive directory,
// written the way trail delivery writes them.
type testArchive struct {
	dir, keyFile  string
	bucket        string
	account, home string
	trail         string
	start         time.Time
	digests       []string   // keys, oldest first
	logs          [][]string // per digest
	events        []string
}

func (a *testArchive) arn() string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", a.home, a.account, a.trail)
}

func (a *testArchive) path(key string) string {
	return filepath.Join(a.dir, a.bucket, filepath.FromSlash(key))
}

// args are the flags that validate the whole archive from its directory.
func (a *testArchive) args(extra ...string) []string {
	return append([]string{"--trail-arn", a.arn(), "--start-time", trailfile.FormatTime(a.start),
		"--end-time", trailfile.FormatTime(a.start.Add(time.Duration(len(a.digests)) * time.Hour)),
		"--s3-bucket", a.bucket, "--dir", a.dir, "--public-keys", a.keyFile, "--region", a.home}, extra...)
}

// mustArchive writes hours hourly digests, chained, each listing
// logsPerHour log files of three records, signed with key.
func mustArchive(t testing.TB, hours, logsPerHour int, key *rsa.PrivateKey) *testArchive {
	t.Helper()
	return mustArchiveFor(t, "111122223333", hours, logsPerHour, key)
}

// mustArchiveFor is mustArchive for the trail of account.
func mustArchiveFor(t testing.TB, account string, hours, logsPerHour int, key *rsa.PrivateKey) *testArchive {
	t.Helper()
	a := &testArchive{dir: t.TempDir(), bucket: "audit", account: account, home: "us-east-1", trail: "main",
		start: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}
	write := func(key string, body []byte, meta map[string]string) {
		p := a.path(key)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if meta != nil {
			b, _ := json.Marshal(meta)
			if err := os.WriteFile(p+trailfile.MetaSuffix, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var prev *trailfile.Previous
	for h := range hours {
		ws := a.start.Add(time.Duration(h) * time.Hour)
		we := ws.Add(time.Hour)
		d := &trailfile.Digest{AWSAccountID: a.account, DigestStartTime: trailfile.FormatTime(ws), DigestEndTime: trailfile.FormatTime(we),
			DigestS3Bucket: a.bucket, DigestS3Object: trailfile.DigestKey("", a.account, a.home, a.trail, a.home, we)}
		var keys []string
		for l := range logsPerHour {
			at := ws.Add(time.Duration(l+1) * time.Hour / time.Duration(logsPerHour+1))
			var recs []json.RawMessage
			for r := range 3 {
				id := fmt.Sprintf("0000%04d-0000-4000-8000-%012d", h, l*10+r)
				a.events = append(a.events, id)
				recs = append(recs, json.RawMessage(fmt.Sprintf(`{"eventVersion":"1.11","eventTime":%q,"eventName":"CreateUser","eventID":%q}`,
					trailfile.FormatTime(at.Add(-time.Minute)), id)))
			}
			gz, raw, err := trailfile.EncodeLogFile(recs)
			if err != nil {
				t.Fatal(err)
			}
			k := trailfile.LogFileKey("", a.account, a.home, at, trailfile.UniqueSuffix(fmt.Sprint(h, "/", l)))
			write(k, gz, nil)
			keys = append(keys, k)
			et := trailfile.FormatTime(at.Add(-time.Minute))
			d.LogFiles = append(d.LogFiles, trailfile.LogFileRef{S3Bucket: a.bucket, S3Object: k, HashValue: sha256Hex(raw),
				HashAlgorithm: trailfile.HashAlgorithm, NewestEventTime: et, OldestEventTime: et})
		}
		d.SetEventTimes()
		d.Chain(prev)
		s, err := trailfile.Sign(d, key)
		if err != nil {
			t.Fatal(err)
		}
		write(d.DigestS3Object, s.Gz, s.Metadata)
		prev = s.Previous(a.bucket, d.DigestS3Object)
		a.digests = append(a.digests, d.DigestS3Object)
		a.logs = append(a.logs, keys)
	}
	der := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	kf, err := trailfile.MarshalKeyFile(&trailfile.KeyFile{PublicKeyList: []trailfile.KeyFileEntry{trailfile.NewKeyFileEntry(a.account, a.home,
		trailfile.PublicKey{Fingerprint: trailfile.Fingerprint(der), DER: der, ValidityStart: a.start, ValidityEnd: a.start.Add(30 * 24 * time.Hour)})}})
	if err != nil {
		t.Fatal(err)
	}
	a.keyFile = filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(a.keyFile, kf, 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func mustGzip(b []byte) []byte {
	gz, err := trailfile.Gzip(b)
	if err != nil {
		panic(err)
	}
	return gz
}

// validateOutput is what one run printed and returned.
type validateOutput struct {
	stdout, stderr string
	err            error
}

func runValidateT(t testing.TB, args ...string) validateOutput {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runValidate(context.Background(), args, &stdout, &stderr)
	return validateOutput{stdout.String(), stderr.String(), err}
}

func (o validateOutput) String() string {
	return fmt.Sprintf("err %v\n--- stdout\n%s--- stderr\n%s", o.err, o.stdout, o.stderr)
}

func TestValidateIntact(t *testing.T) {
	a := mustArchive(t, 3, 2, validateKey())
	out := runValidateT(t, a.args("--verbose")...)
	if out.err != nil || out.stderr != "" {
		t.Fatalf("intact archive:\n%s", out)
	}
	var want strings.Builder
	fmt.Fprintf(&want, "Validating log files for trail %s between 2024-03-01T10:00:00Z and 2024-03-01T13:00:00Z\n\n", a.arn())
	for h := len(a.digests) - 1; h >= 0; h-- {
		fmt.Fprintf(&want, "Digest file\ts3://audit/%s\tvalid\n", a.digests[h])
		for _, l := range a.logs[h] {
			fmt.Fprintf(&want, "Log file\ts3://audit/%s\tvalid\n", l)
		}
	}
	want.WriteString("\nResults requested for 2024-03-01T10:00:00Z to 2024-03-01T13:00:00Z\n" +
		"Results found for 2024-03-01T10:00:00Z to 2024-03-01T13:00:00Z:\n\n3/3 digest files valid\n6/6 log files valid\n")
	if out.stdout != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", out.stdout, want.String())
	}
	// Without --verbose only the summary is printed.
	out = runValidateT(t, a.args()...)
	if out.err != nil || strings.Contains(out.stdout, "\tvalid") || !strings.HasSuffix(out.stdout, "3/3 digest files valid\n6/6 log files valid\n") {
		t.Errorf("quiet run:\n%s", out)
	}
}

// TestValidateTampered changes the archive the ways an auditor must catch
// and checks each is reported, precisely, with exit status 1.
func TestValidateTampered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, a *testArchive)
		// stderr lines that must appear, with {digest N} and {log H L}
		// replaced by keys.
		want    []string
		summary string
	}{
		{
			name: "altered byte",
			tamper: func(t *testing.T, a *testArchive) {
				p := a.path(a.logs[1][0])
				raw := mustGunzip(t, p)
				raw[bytes.IndexByte(raw, 'C')] = 'D' // CreateUser → DreateUser
				if err := os.WriteFile(p, mustGzip(raw), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want:    []string{"Log file\ts3://audit/{log 1 0}\tINVALID: hash value doesn't match"},
			summary: "3/3 digest files valid\n5/6 log files valid, 1/6 log files INVALID\n",
		},
		{
			name: "corrupt gzip",
			tamper: func(t *testing.T, a *testArchive) {
				p := a.path(a.logs[0][1])
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)/2] ^= 0xff
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want:    []string{"Log file\ts3://audit/{log 0 1}\tINVALID: invalid format"},
			summary: "3/3 digest files valid\n5/6 log files valid, 1/6 log files INVALID\n",
		},
		{
			name:    "deleted log",
			tamper:  func(t *testing.T, a *testArchive) { mustRemove(t, a.path(a.logs[2][1])) },
			want:    []string{"Log file\ts3://audit/{log 2 1}\tINVALID: not found"},
			summary: "3/3 digest files valid\n5/6 log files valid, 1/6 log files INVALID\n",
		},
		{
			name:   "deleted digest",
			tamper: func(t *testing.T, a *testArchive) { mustRemove(t, a.path(a.digests[1])) },
			want: []string{
				"Digest file\ts3://audit/{digest 1}\tINVALID: not found",
				"Digest chain\ts3://audit/{digest 0} .. {digest 2}\tINVALID: chain broken between 2024-03-01T11:00:00Z and 2024-03-01T12:00:00Z",
				// The deleted digest's log files are still there, and
				// no digest vouches for them.
				"Log file\ts3://audit/{log 1 0}\tINVALID: not listed by any digest",
				"Log file\ts3://audit/{log 1 1}\tINVALID: not listed by any digest",
			},
			summary: "2/3 digest files valid, 1/3 digest files INVALID\n4/6 log files valid, 2/6 log files INVALID\n1 break in the digest chain\n",
		},
		{
			name: "altered digest",
			tamper: func(t *testing.T, a *testArchive) {
				p := a.path(a.digests[2])
				raw := mustGunzip(t, p)
				raw[bytes.Index(raw, []byte("2024"))] = '3'
				if err := os.WriteFile(p, mustGzip(raw), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want:    []string{"Digest file\ts3://audit/{digest 2}\tINVALID: signature verification failed"},
			summary: "2/3 digest files valid, 1/3 digest files INVALID\n",
		},
		{
			// validate-logs reports only the first of two consecutive
			// deleted digests (it follows the chain to the first, then
			// takes the next older one it listed); the chain break
			// names the whole span.
			name: "two consecutive deleted digests",
			tamper: func(t *testing.T, a *testArchive) {
				mustRemove(t, a.path(a.digests[1]))
				mustRemove(t, a.path(a.digests[2]))
			},
			want: []string{
				"Digest file\ts3://audit/{digest 3}\tvalid",
				"Digest file\ts3://audit/{digest 2}\tINVALID: not found",
				"Digest chain\ts3://audit/{digest 0} .. {digest 3}\tINVALID: chain broken between 2024-03-01T11:00:00Z and 2024-03-01T13:00:00Z",
				"the span holds about 2 digest periods",
			},
			summary: "2/3 digest files valid, 1/3 digest files INVALID\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hours := 3
			if tc.name == "two consecutive deleted digests" {
				hours = 4
			}
			a := mustArchive(t, hours, 2, validateKey())
			tc.tamper(t, a)
			out := runValidateT(t, a.args("--verbose")...)
			if !errors.Is(out.err, errValidationFailed) {
				t.Fatalf("want errValidationFailed:\n%s", out)
			}
			all := out.stdout + out.stderr
			for _, w := range tc.want {
				w = a.expand(w)
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(out.stdout, tc.summary) {
				t.Errorf("summary lacks %q:\n%s", tc.summary, out)
			}
			// Failures go to stderr, as validate-logs writes them.
			for _, line := range strings.Split(out.stdout, "\n") {
				if strings.Contains(line, "INVALID: ") {
					t.Errorf("failure on stdout: %q", line)
				}
			}
		})
	}
}

// expand replaces {digest N} and {log H L} with the archive's keys.
func (a *testArchive) expand(s string) string {
	for i, d := range a.digests {
		s = strings.ReplaceAll(s, fmt.Sprintf("{digest %d}", i), d)
		for j, l := range a.logs[i] {
			s = strings.ReplaceAll(s, fmt.Sprintf("{log %d %d}", i, j), l)
		}
	}
	return s
}

func mustGunzip(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	records, _, err := trailfile.ReadLogFile(b)
	if err == nil {
		// A log file: rebuild its exact bytes from the records.
		_, raw, err := trailfile.EncodeLogFile(records)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	_, raw, err := trailfile.ParseDigest(b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustRemove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func TestValidateEventProof(t *testing.T) {
	a := mustArchive(t, 3, 2, validateKey())
	ev := a.events[4] // hour 0, second log file
	out := runValidateT(t, a.args("--event-id", ev)...)
	if out.err != nil {
		t.Fatalf("proof:\n%s", out)
	}
	for _, w := range []string{
		"Event " + ev + "\n",
		"  in log file s3://audit/" + a.logs[0][1] + "\n",
		"  listed with that hash in digest s3://audit/" + a.digests[0] + "\n",
		"  whose hash and signature are recorded by digest s3://audit/" + a.digests[2] + "\n",
		"previousDigestSignature: ",
	} {
		if !strings.Contains(out.stdout, w) {
			t.Errorf("proof lacks %q:\n%s", w, out)
		}
	}
	out = runValidateT(t, a.args("--event-id", "no-such-event")...)
	if !errors.Is(out.err, errValidationFailed) || !strings.Contains(out.stderr, "Event no-such-event: not found in any valid log file") {
		t.Errorf("unknown event:\n%s", out)
	}
	// An event in a log file that no longer verifies is not proven.
	p := a.path(a.logs[0][1])
	raw := mustGunzip(t, p)
	raw[bytes.IndexByte(raw, 'C')] = 'D'
	if err := os.WriteFile(p, mustGzip(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runValidateT(t, a.args("--event-id", ev)...); !strings.Contains(out.stderr, "Event "+ev+": not found in any valid log file") {
		t.Errorf("event in an altered file:\n%s", out)
	}
}

func TestValidateUsage(t *testing.T) {
	a := mustArchive(t, 1, 1, validateKey())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--start-time", "2024-03-01"}, "--trail-arn and --start-time are required"},
		{[]string{"--trail-arn", "arn:aws:cloudtrail:us-east-1:1234:trail/x", "--start-time", "2024-03-01"}, "Invalid trail ARN provided: arn:aws:cloudtrail:us-east-1:1234:trail/x"},
		{[]string{"--trail-arn", a.arn(), "--start-time", "yesterday"}, "Unable to parse date value: yesterday"},
		{[]string{"--trail-arn", a.arn(), "--start-time", "2024-03-02", "--end-time", "2024-03-01"}, "start-time must occur before end-time"},
		{[]string{"--trail-arn", a.arn(), "--start-time", "2024-03-01", "--s3-bucket", "b", "--public-keys", filepath.Join(a.dir, "nope")}, "no such file"},
		{[]string{"--trail-arn", a.arn(), "--start-time", "2024-03-01", "--s3-bucket", "b", "--public-keys", a.keyFile, "--dir", filepath.Join(a.dir, "nope")}, "is not a directory"},
	} {
		out := runValidateT(t, tc.args...)
		if out.err == nil || errors.Is(out.err, errValidationFailed) || !strings.Contains(out.err.Error(), tc.want) {
			t.Errorf("%q: want an error with %q:\n%s", tc.args, tc.want, out)
		}
	}
	// Keys of another account do not apply: the run stops as validate-logs
	// does when ListPublicKeys is empty.
	out := runValidateT(t, append(a.args(), "--account-id", "999988887777")...)
	if out.err == nil || !strings.Contains(out.err.Error(), "No public keys found between") {
		t.Errorf("other account:\n%s", out)
	}
}

// TestValidateKeysFromServer takes the public keys from ListPublicKeys at a
// trailwatch endpoint, and the digests signed with the server's own key.
func TestValidateKeysFromServer(t *testing.T) {
	s := testserver.Start(t)
	priv, _, err := s.Server().TrailKeys.SigningKey(context.Background(), s.Root.AccountID, "us-east-1", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	a := mustArchiveFor(t, s.Root.AccountID, 2, 1, priv)
	t.Setenv("AWS_ACCESS_KEY_ID", s.Root.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.Root.SecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	args := a.args()
	for i, v := range args {
		if v == "--public-keys" {
			args[i], args[i+1] = "--endpoint-url", s.URL
		}
	}
	out := runValidateT(t, args...)
	if out.err != nil || !strings.Contains(out.stdout, "2/2 digest files valid\n2/2 log files valid\n") {
		t.Errorf("keys from ListPublicKeys:\n%s", out)
	}

	// The export writes the same key to a file that validates offline.
	kf := filepath.Join(t.TempDir(), "exported.json")
	if err := exportPublicKeys(context.Background(), s.Server().Store(), "", "us-east-1", kf); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(kf)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := trailfile.ParseKeyFile(b)
	if err != nil || len(entries) != 1 || entries[0].AccountID != s.Root.AccountID || entries[0].Region != "us-east-1" {
		t.Fatalf("export: %v\n%s", err, b)
	}
	a.keyFile = kf
	if out := runValidateT(t, a.args()...); out.err != nil {
		t.Errorf("keys from the exported file:\n%s", out)
	}
}

// TestValidateBinary runs the built command once, for its exit status.
func TestValidateBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "trailwatch")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	a := mustArchive(t, 3, 2, validateKey())
	run := func() (int, string) {
		cmd := exec.Command(bin, append([]string{"validate"}, a.args()...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run(); code != 0 || !strings.Contains(out, "3/3 digest files valid\n6/6 log files valid") {
		t.Errorf("intact: exit %d\n%s", code, out)
	}
	mustRemove(t, a.path(a.logs[0][0]))
	if code, out := run(); code != 1 || !strings.Contains(out, "INVALID: not found") || strings.Contains(out, "trailwatch:") {
		t.Errorf("deleted log: exit %d\n%s", code, out)
	}
}
