package delivery_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/archive/dir"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/trailfile"
	"github.com/trailwatch/trailwatch/worker/delivery"
)

const (
	acct  = "123456789012"
	other = "210987654321"
	home  = "us-east-1"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
)

// oneKey signs every digest with one key.
type oneKey struct{ k *rsa.PrivateKey }

func (o oneKey) SigningKey(context.Context, string, string, time.Time) (*rsa.PrivateKey, trailfile.PublicKey, error) {
	return o.k, trailfile.PublicKey{}, nil
}

// flakyStore fails Put while down is set.
type flakyStore struct {
	archive.Store
	down atomic.Bool
	// lost stores the object and then fails, as a crash between the
	// write and its acknowledgement would.
	lost atomic.Bool
	puts atomic.Int64
}

type flakyBucket struct {
	archive.Bucket
	s *flakyStore
}

func (s *flakyStore) Bucket(ctx context.Context, name string) (archive.Bucket, error) {
	b, err := s.Store.Bucket(ctx, name)
	if err != nil {
		return nil, err
	}
	return flakyBucket{b, s}, nil
}

func (b flakyBucket) Put(ctx context.Context, key string, body []byte, meta map[string]string) error {
	if b.s.down.Load() {
		return errors.New("connection refused")
	}
	b.s.puts.Add(1)
	if err := b.Bucket.Put(ctx, key, body, meta); err != nil {
		return err
	}
	if b.s.lost.Load() {
		return errors.New("connection reset")
	}
	return nil
}

type fixture struct {
	db      *sqlite.DB
	store   *flakyStore
	bucket  archive.Bucket
	now     time.Time
	w       *delivery.Worker
	key     *rsa.PrivateKey
	eventNo int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "tw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	arch, err := dir.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := arch.EnsureBucket(ctx, "trail-bucket"); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: &flakyStore{Store: arch}, now: t0, key: key}
	f.bucket, _ = arch.Bucket(ctx, "trail-bucket")
	for _, a := range []string{acct, other} {
		if err := db.Accounts().CreateAccount(ctx, trailwatch.Account{ID: a, Name: a}); err != nil {
			t.Fatal(err)
		}
	}
	f.w = delivery.New(delivery.Options{Store: db, Buckets: f.store, Keys: oneKey{key},
		Interval: time.Minute, DigestInterval: time.Hour, Grace: time.Minute, Now: func() time.Time { return f.now }})
	return f
}

func (f *fixture) trail(t testing.TB, name string, change func(*trailwatch.Trail)) {
	t.Helper()
	tr := trailwatch.Trail{AccountID: acct, HomeRegion: home, Name: name, S3BucketName: "trail-bucket",
		IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true, IsLogging: true, StartLoggingTime: t0, CreatedAt: t0}
	if change != nil {
		change(&tr)
	}
	if err := f.db.Trails().CreateTrail(ctx, tr, 5); err != nil {
		t.Fatal(err)
	}
}

// put stores one event per (account, region, readOnly) given, at f.now.
func (f *fixture) put(t *testing.T, specs ...string) []string {
	t.Helper()
	var evs []trailwatch.Event
	var ids []string
	for _, s := range specs {
		parts := strings.Split(s, "/") // account/region/r|w
		f.eventNo++
		e := trailwatch.Event{EventVersion: trailwatch.EventVersion, EventTime: f.now, EventSource: "logs.amazonaws.com",
			EventName: "DescribeLogGroups", AWSRegion: parts[1], SourceIPAddress: "192.0.2.1", UserAgent: "test",
			EventID: fmt.Sprintf("00000000-0000-7000-8000-%012d", f.eventNo), ReadOnly: parts[2] == "r",
			EventType: trailwatch.EventTypeAPICall, ManagementEvent: true, RecipientAccountID: parts[0],
			EventCategory: trailwatch.CategoryManagement,
			UserIdentity:  trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, AccountID: parts[0], ARN: trailwatch.RootARN(parts[0])}}
		evs = append(evs, e)
		ids = append(ids, e.EventID)
	}
	if err := f.db.Events().PutEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return ids
}

// delivered reads every log file in the bucket: event IDs by file key.
func (f *fixture) delivered(t *testing.T) map[string][]string {
	t.Helper()
	objs, err := f.bucket.List(ctx, "AWSLogs/", "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, o := range objs {
		if !strings.Contains(o.Key, "/CloudTrail/") {
			continue
		}
		body, _, err := f.bucket.Get(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := trailfile.ReadLogFile(body)
		if err != nil {
			t.Fatalf("%s: %v", o.Key, err)
		}
		for _, r := range recs {
			var e struct {
				EventID string `json:"eventID"`
			}
			json.Unmarshal(r, &e)
			out[o.Key] = append(out[o.Key], e.EventID)
		}
	}
	return out
}

func allIDs(m map[string][]string) []string {
	var ids []string
	for _, v := range m {
		ids = append(ids, v...)
	}
	slices.Sort(ids)
	return ids
}

var logKey = regexp.MustCompile(`^AWSLogs/123456789012/CloudTrail/(us-east-1|eu-west-1)/\d{4}/\d{2}/\d{2}/123456789012_CloudTrail_(us-east-1|eu-west-1)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)

func TestDeliversSelectedEventsOnce(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "everything", func(tr *trailwatch.Trail) { tr.IsMultiRegionTrail = true })
	f.now = t0.Add(time.Second)
	want := f.put(t, acct+"/us-east-1/r", acct+"/eu-west-1/w")
	f.put(t, other+"/us-east-1/r") // another account's
	f.now = t0.Add(time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := f.delivered(t)
	if len(got) != 2 {
		t.Errorf("%d log files, want one per region: %v", len(got), got)
	}
	for k := range got {
		if !logKey.MatchString(k) {
			t.Errorf("key %s does not follow CloudTrail's layout", k)
		}
	}
	slices.Sort(want)
	if !slices.Equal(allIDs(got), want) {
		t.Errorf("delivered %v, want %v", allIDs(got), want)
	}
	// Nothing new: nothing more.
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.delivered(t)); n != 2 {
		t.Errorf("a second pass left %d files", n)
	}
	tr, _ := f.db.Trails().GetTrail(ctx, acct, home, "everything")
	if !tr.Delivery.LatestDeliveryTime.Equal(t0.Add(time.Minute)) || tr.Delivery.LatestDeliveryError != "" {
		t.Errorf("status after delivery: %+v", tr.Delivery)
	}
}

func TestSelectorsAndRegion(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "writes", func(tr *trailwatch.Trail) {
		tr.HasCustomEventSelectors = true
		tr.EventSelectors = []trailwatch.EventSelector{{ReadWriteType: "WriteOnly", IncludeManagementEvents: true}}
	})
	f.now = t0.Add(time.Second)
	ids := f.put(t, acct+"/us-east-1/r", acct+"/us-east-1/w", acct+"/eu-west-1/w")
	f.now = t0.Add(time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := allIDs(f.delivered(t)); !slices.Equal(got, ids[1:2]) {
		t.Errorf("single-region write-only trail delivered %v, want %v", got, ids[1:2])
	}
}

func TestBucketOutage(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "t", nil)
	f.now = t0.Add(time.Second)
	first := f.put(t, acct+"/us-east-1/w")
	f.store.down.Store(true)
	f.now = t0.Add(time.Minute)
	f.w.RunOnce(ctx)
	tr, _ := f.db.Trails().GetTrail(ctx, acct, home, "t")
	if tr.Delivery.LatestDeliveryError == "" || !tr.Delivery.LatestDeliveryAttemptTime.Equal(f.now) {
		t.Errorf("status during the outage: %+v", tr.Delivery)
	}
	second := f.put(t, acct+"/us-east-1/w")
	f.store.down.Store(false)
	f.now = t0.Add(2 * time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := append(first, second...)
	if got := allIDs(f.delivered(t)); !slices.Equal(got, want) {
		t.Errorf("after the outage delivered %v, want %v each once", got, want)
	}
	tr, _ = f.db.Trails().GetTrail(ctx, acct, home, "t")
	if tr.Delivery.LatestDeliveryError != "" {
		t.Errorf("error not cleared: %+v", tr.Delivery)
	}
}

func TestDigestChain(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "v", nil)
	f.now = t0.Add(time.Second)
	if err := f.w.RunOnce(ctx); err != nil { // starts the chain
		t.Fatal(err)
	}
	f.put(t, acct+"/us-east-1/w")
	f.now = t0.Add(time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Three periods pass: three digests, the last two listing nothing.
	f.now = t0.Add(3*time.Hour + 2*time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	objs, err := f.bucket.List(ctx, "AWSLogs/"+acct+"/CloudTrail-Digest/", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 {
		t.Fatalf("%d digests, want 3: %v", len(objs), objs)
	}
	pub := x509.MarshalPKCS1PublicKey(&f.key.PublicKey)
	var prevSig *string
	for i, o := range objs {
		body, meta, err := f.bucket.Get(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		d, raw, err := trailfile.ParseDigest(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := trailfile.VerifySignature(d, raw, meta[trailfile.MetaSignature], pub); err != nil {
			t.Errorf("digest %d: %v", i, err)
		}
		if d.DigestS3Object != o.Key {
			t.Errorf("digest %d names itself %s, stored at %s", i, d.DigestS3Object, o.Key)
		}
		if (i == 0) != (d.PreviousDigestSignature == nil) {
			t.Errorf("digest %d previous signature %v", i, d.PreviousDigestSignature)
		}
		if i > 0 && (d.PreviousDigestSignature == nil || prevSig == nil || *d.PreviousDigestSignature != *prevSig) {
			t.Errorf("digest %d does not chain to digest %d", i, i-1)
		}
		if want := map[int]int{0: 1}[i]; len(d.LogFiles) != want {
			t.Errorf("digest %d lists %d log files, want %d", i, len(d.LogFiles), want)
		}
		s := meta[trailfile.MetaSignature]
		prevSig = &s
	}
}

// TestReplayedPlanWritesTheSameObject: a write whose outcome the worker
// never learned is repeated with the same key and bytes, so the file is
// there once.
func TestReplayedPlanWritesTheSameObject(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "t", nil)
	f.now = t0.Add(time.Second)
	ids := f.put(t, acct+"/us-east-1/w", acct+"/us-east-1/r")
	f.store.lost.Store(true)
	f.now = t0.Add(time.Minute)
	f.w.RunOnce(ctx)
	before := f.delivered(t)
	f.store.lost.Store(false)
	f.now = t0.Add(2 * time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	after := f.delivered(t)
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("files before the replay %v, after %v; want the same single file", before, after)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("the replay wrote another key than %s: %v", k, after)
		}
	}
	slices.Sort(ids)
	if got := allIDs(after); !slices.Equal(got, ids) {
		t.Errorf("delivered %v, want %v", got, ids)
	}
}

// TestLogGroupDelivery: a trail with a CloudWatch Logs log group sends the
// same records there, one log event each, and a replayed plan whose
// batches were stored adds nothing.
func TestLogGroupDelivery(t *testing.T) {
	f := newFixture(t)
	if err := f.db.Logs().CreateLogGroup(ctx, trailwatch.LogGroup{AccountID: acct, Region: home, Name: "ct-group", CreatedAt: t0, Class: "STANDARD"}); err != nil {
		t.Fatal(err)
	}
	f.trail(t, "t", func(tr *trailwatch.Trail) {
		tr.CloudWatchLogsLogGroupARN = "arn:aws:logs:us-east-1:" + acct + ":log-group:ct-group:*"
		tr.CloudWatchLogsRoleARN = "arn:aws:iam::" + acct + ":role/ct"
	})
	// The worker reports what it delivered where, and how late.
	var reports []string
	f.w = delivery.New(delivery.Options{Store: f.db, Buckets: f.store, Keys: oneKey{f.key},
		Interval: time.Minute, DigestInterval: time.Hour, Grace: time.Minute, Now: func() time.Time { return f.now },
		Delivered: func(target string, records int, lag time.Duration) {
			reports = append(reports, fmt.Sprintf("%s %d %s", target, records, lag))
		},
		Failed: func(target string) { reports = append(reports, "failed "+target) }})
	f.now = t0.Add(time.Second)
	ids := f.put(t, acct+"/us-east-1/w", acct+"/us-east-1/r", other+"/us-east-1/w")[:2]
	f.now = t0.Add(time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Both records are in one log file and one batch, recorded at
	// t0+1s and delivered by the pass at t0+1m.
	if want := []string{"s3 2 59s", "logs 2 59s"}; !slices.Equal(reports, want) {
		t.Errorf("reports %q, want %q", reports, want)
	}
	reports = nil
	stream := func() []string {
		evs, err := f.db.Logs().ReadLogStream(ctx, storage.StreamRead{AccountID: acct, Region: home, Group: "ct-group",
			Stream: acct + "_CloudTrail_us-east-1", From: math.MinInt64, To: math.MaxInt64, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			var rec struct {
				EventID   string `json:"eventID"`
				EventTime string `json:"eventTime"`
			}
			json.Unmarshal([]byte(e.Message), &rec)
			if at, _ := time.Parse(time.RFC3339, rec.EventTime); at.UnixMilli() != e.Timestamp {
				t.Errorf("log event of %s at %d, its eventTime is %s", rec.EventID, e.Timestamp, rec.EventTime)
			}
			got = append(got, rec.EventID)
		}
		slices.Sort(got)
		return got
	}
	slices.Sort(ids)
	if got := stream(); !slices.Equal(got, ids) {
		t.Fatalf("log stream holds %v, want %v", got, ids)
	}
	tr, _ := f.db.Trails().GetTrail(ctx, acct, home, "t")
	if !tr.Delivery.LatestCloudWatchLogsDeliveryTime.Equal(f.now) {
		t.Errorf("status: %+v", tr.Delivery)
	}

	// As if the server had died after storing the batch and before
	// committing: the plan is back in the state, the cursor before it.
	err := f.db.Trails().UpdateTrailDeliveryState(ctx, acct, home, "t", func(_ *trailwatch.Trail, raw *[]byte) error {
		var st map[string]any
		json.Unmarshal(*raw, &st)
		cwl := st["cwl"].(map[string]any)
		cwl["plan"] = map[string]any{"from": 0, "to": cwl["cursor"], "at": t0.Add(time.Minute)}
		cwl["cursor"] = 0
		*raw, _ = json.Marshal(st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(2 * time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stream(); !slices.Equal(got, ids) {
		t.Errorf("after the replay the log stream holds %v, want %v once each", got, ids)
	}
	if len(reports) != 0 {
		t.Errorf("the replay reported %q; it delivered nothing", reports)
	}
}

// TestValidationOffAndOn: turning validation off writes a final digest
// and ends the chain; turning it on again starts a new chain whose first
// digest has no previous digest (reference/cloudtrail.md §7.5).
func TestValidationOffAndOn(t *testing.T) {
	f := newFixture(t)
	f.trail(t, "v", nil)
	setValidation := func(on bool) {
		t.Helper()
		if err := f.db.Trails().UpdateTrail(ctx, acct, home, "v", 5, func(tr *trailwatch.Trail) error {
			tr.LogFileValidationEnabled = on
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(at time.Duration) {
		t.Helper()
		f.now = t0.Add(at)
		if err := f.w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run(time.Second)               // chain starts
	run(time.Hour + 2*time.Second) // digest 1
	setValidation(false)
	run(time.Hour + 30*time.Minute) // final digest 2
	run(3 * time.Hour)              // nothing while off
	setValidation(true)
	run(3*time.Hour + time.Second)   // a new chain starts
	run(4*time.Hour + 2*time.Second) // its first digest 3
	objs, err := f.bucket.List(ctx, "AWSLogs/"+acct+"/CloudTrail-Digest/", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var prev []bool
	var ends []string
	for _, o := range objs {
		body, _, err := f.bucket.Get(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := trailfile.ParseDigest(body)
		if err != nil {
			t.Fatal(err)
		}
		prev = append(prev, d.PreviousDigestSignature != nil)
		ends = append(ends, d.DigestEndTime)
	}
	if want := []bool{false, true, false}; !slices.Equal(prev, want) {
		t.Errorf("digests %v chain to a previous one: %v, want %v", ends, prev, want)
	}
	if len(ends) == 3 && ends[1] != "2026-05-04T11:30:00Z" {
		t.Errorf("final digest ends at %s, want when validation was found off (11:30:00)", ends[1])
	}
}

// TestDeliveryNotification: a trail with an SNS topic announces its log
// files there, and GetTrailStatus shows the notification's outcome.
func TestDeliveryNotification(t *testing.T) {
	f := newFixture(t)
	var got []string
	fail := false
	f.w = delivery.New(delivery.Options{Store: f.db, Buckets: f.store, Keys: oneKey{f.key}, Now: func() time.Time { return f.now },
		Notify: func(_ context.Context, account, topic, msg string) error {
			if fail {
				return errors.New("topic unreachable")
			}
			got = append(got, account+" "+topic+" "+msg)
			return nil
		}})
	topic := "arn:aws:sns:us-east-1:" + acct + ":trail-news"
	f.trail(t, "n", func(tr *trailwatch.Trail) { tr.SnsTopicARN = topic })
	f.now = t0.Add(time.Second)
	f.put(t, acct+"/us-east-1/w")
	f.now = t0.Add(time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	files := f.delivered(t)
	if len(got) != 1 || len(files) != 1 {
		t.Fatalf("notifications %v for files %v", got, files)
	}
	for key := range files {
		want := acct + " " + topic + ` {"s3Bucket":"trail-bucket","s3ObjectKey":["` + key + `"]}`
		if got[0] != want {
			t.Errorf("notification %s, want %s", got[0], want)
		}
	}
	tr, _ := f.db.Trails().GetTrail(ctx, acct, home, "n")
	if !tr.Delivery.LatestNotificationTime.Equal(f.now) || tr.Delivery.LatestNotificationError != "" {
		t.Errorf("status after a notification: %+v", tr.Delivery)
	}
	fail = true
	f.now = t0.Add(2 * time.Minute)
	f.put(t, acct+"/us-east-1/w")
	f.now = t0.Add(3 * time.Minute)
	if err := f.w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	tr, _ = f.db.Trails().GetTrail(ctx, acct, home, "n")
	if tr.Delivery.LatestNotificationError == "" || !tr.Delivery.LatestNotificationAttemptTime.Equal(f.now) {
		t.Errorf("status after a failed notification: %+v", tr.Delivery)
	}
	if len(f.delivered(t)) != 2 {
		t.Errorf("a failed notification held back delivery")
	}
}
