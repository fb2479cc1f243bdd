package trailfile_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/trailfile"
)

// memBucket is an in-memory bucket.
type memBucket struct {
	mu   sync.Mutex
	objs map[string]memObject
}

type memObject struct {
	body []byte
	meta map[string]string
}

func newMemBucket() *memBucket { return &memBucket{objs: map[string]memObject{}} }

func (b *memBucket) put(key string, body []byte, meta map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objs[key] = memObject{body: body, meta: meta}
}

func (b *memBucket) List(_ context.Context, prefix, startAfter string, limit int) ([]trailfile.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := slices.Sorted(maps.Keys(b.objs))
	var out []trailfile.ObjectInfo
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			out = append(out, trailfile.ObjectInfo{Key: k, Size: int64(len(b.objs[k].body))})
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (b *memBucket) Get(_ context.Context, key string) ([]byte, map[string]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[key]
	if !ok {
		return nil, nil, fmt.Errorf("get %s: %w", key, trailfile.ErrNotFound)
	}
	return slices.Clone(o.body), maps.Clone(o.meta), nil
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// archive is a trail's delivered files, built the way the delivery worker
// builds them.
type archive struct {
	bucket                               string
	prefix, account, region, trail, home string
	b                                    *memBucket
	start                                time.Time
	digests                              []string // keys, oldest first
	logs                                 [][]string
	events                               []string // event IDs, in delivery order
	key                                  *rsa.PrivateKey
}

// buildArchive delivers hours hourly digests of logsPerHour log files of
// recordsPerLog records each, chained.
func buildArchive(t testing.TB, hours, logsPerHour, recordsPerLog int) *archive {
	t.Helper()
	return buildArchiveWith(t, archiveConfig{hours: hours, logsPerHour: logsPerHour, recordsPerLog: recordsPerLog})
}

// archiveConfig shapes an archive.
type archiveConfig struct {
	hours, logsPerHour, recordsPerLog int
	// off are hours with logging stopped: no files, and the chain
	// restarts after them.
	off map[int]bool
	// otherKeyFrom, when positive, is the first hour signed by otherKey.
	otherKeyFrom int
}

func buildArchiveWith(t testing.TB, c archiveConfig) *archive {
	t.Helper()
	hours, logsPerHour, recordsPerLog := c.hours, c.logsPerHour, c.recordsPerLog
	a := &archive{bucket: "audit-bucket", prefix: "team/a", account: "111122223333", region: "us-east-2",
		trail: "main-trail", home: "us-east-1", b: newMemBucket(),
		start: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), key: testKey()}
	var prev *trailfile.Previous
	for h := range hours {
		if c.off[h] {
			prev = nil
			a.digests, a.logs = append(a.digests, ""), append(a.logs, nil)
			continue
		}
		signer := a.key
		if c.otherKeyFrom > 0 && h >= c.otherKeyFrom {
			signer = otherKey()
		}
		ws := a.start.Add(time.Duration(h) * time.Hour)
		we := ws.Add(time.Hour)
		d := &trailfile.Digest{AWSAccountID: a.account, DigestStartTime: trailfile.FormatTime(ws), DigestEndTime: trailfile.FormatTime(we),
			DigestS3Bucket: a.bucket, DigestS3Object: trailfile.DigestKey(a.prefix, a.account, a.region, a.trail, a.home, we)}
		var hourLogs []string
		for l := range logsPerHour {
			delivered := ws.Add(time.Duration(l+1) * time.Hour / time.Duration(logsPerHour+1))
			var recs []json.RawMessage
			for r := range recordsPerLog {
				id := fmt.Sprintf("ev-%d-%d-%d", h, l, r)
				a.events = append(a.events, id)
				et := delivered.Add(-time.Minute)
				recs = append(recs, json.RawMessage(fmt.Sprintf(`{"eventVersion":"1.11","eventID":%q,"eventTime":%q,"eventName":"CreateUser","awsRegion":%q}`,
					id, trailfile.FormatTime(et), a.region)))
			}
			gz, raw, err := trailfile.EncodeLogFile(recs)
			if err != nil {
				t.Fatal(err)
			}
			key := trailfile.LogFileKey(a.prefix, a.account, a.region, delivered, trailfile.UniqueSuffix(fmt.Sprint(h, "/", l)))
			a.b.put(key, gz, nil)
			hourLogs = append(hourLogs, key)
			sum, err := trailfile.HashLogFile(gz)
			if err != nil {
				t.Fatal(err)
			}
			if want := sha256hex(raw); sum != want {
				t.Fatalf("HashLogFile %s, want %s", sum, want)
			}
			et := trailfile.FormatTime(delivered.Add(-time.Minute))
			d.LogFiles = append(d.LogFiles, trailfile.LogFileRef{S3Bucket: a.bucket, S3Object: key, HashValue: sum,
				HashAlgorithm: trailfile.HashAlgorithm, NewestEventTime: et, OldestEventTime: et})
		}
		d.SetEventTimes()
		d.Chain(prev)
		s, err := trailfile.Sign(d, signer)
		if err != nil {
			t.Fatal(err)
		}
		a.b.put(d.DigestS3Object, s.Gz, s.Metadata)
		prev = s.Previous(a.bucket, d.DigestS3Object)
		a.digests = append(a.digests, d.DigestS3Object)
		a.logs = append(a.logs, hourLogs)
	}
	return a
}

var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func (a *archive) publicKey() trailfile.PublicKey {
	der := x509.MarshalPKCS1PublicKey(&a.key.PublicKey)
	return trailfile.PublicKey{Fingerprint: trailfile.Fingerprint(der), DER: der,
		ValidityStart: a.start.Add(-time.Hour), ValidityEnd: a.start.Add(100 * time.Hour)}
}

func (a *archive) options() trailfile.Options {
	return trailfile.Options{
		Bucket: a.bucket, Prefix: a.prefix, AccountID: a.account, Region: a.region, HomeRegion: a.home, TrailName: a.trail,
		Start: a.start, End: a.start.Add(time.Duration(len(a.digests)) * time.Hour),
		Keys: []trailfile.PublicKey{a.publicKey()},
		Open: func(bucket string) (trailfile.Reader, error) {
			if bucket != a.bucket {
				return nil, fmt.Errorf("no bucket %s", bucket)
			}
			return a.b, nil
		},
	}
}

func (a *archive) verify(t testing.TB, mod func(*trailfile.Options)) *trailfile.Report {
	t.Helper()
	o := a.options()
	if mod != nil {
		mod(&o)
	}
	r, err := trailfile.Verify(context.Background(), o)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

// failures lists the report's invalid results as their printed lines,
// sorted.
func failures(r *trailfile.Report) []string {
	var out []string
	for _, l := range [][]trailfile.Result{r.Digests, r.Logs} {
		for _, x := range l {
			if !x.Valid() {
				out = append(out, x.String())
			}
		}
	}
	sort.Strings(out)
	return out
}
