// Package delivery is the trail delivery worker: for every logging trail
// it delivers the events the trail's selectors choose as CloudTrail log
// files to the trail's bucket, and with log file validation on it writes
// the signed digest chain (reference/cloudtrail.md §6.1, §7).
//
// Nothing is lost or delivered twice: each pass first records a plan (the
// range of stored chunks to deliver and the delivery time that names the
// files) in the trail's delivery state, then writes the objects, then
// commits the cursor in the same state. A crash between the two replays
// the plan, which writes the same keys with the same bytes. Digests work
// the same way: their content follows from the committed state alone.
package delivery

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/trailfile"
	"github.com/trailwatch/trailwatch/worker"
)

// LeaseName is the lease the worker holds while it delivers.
const LeaseName = "delivery/trails"

// Defaults for Options. CloudTrail publishes log files about every five
// minutes and digests every hour (reference/cloudtrail.md §6.1, §7.1).
const (
	DefaultInterval       = 5 * time.Minute
	DefaultDigestInterval = time.Hour
	DefaultGrace          = time.Minute
)

const (
	// planChunks bounds the stored chunks one pass delivers for a trail
	// (at most eventindex.ChunkSlots events each).
	planChunks = 1024
	// maxRounds bounds the plans one pass delivers for a trail.
	maxRounds = 16
	// maxFileRecords bounds the records of one log file, far below
	// CloudTrail's 50 MB per file for records of a few KB.
	maxFileRecords = 5000
)

// Signer gives the key that signs digests.
type Signer interface {
	// SigningKey returns the private key that signs, at time at, the
	// digests of account's trails homed in region. ListPublicKeys in that
	// region must list its public half for a window holding at.
	SigningKey(ctx context.Context, account, region string, at time.Time) (*rsa.PrivateKey, trailfile.PublicKey, error)
}

// Options configure a Worker.
type Options struct {
	// Store holds events, trails and leases. Required.
	Store storage.Store
	// Buckets is where trails deliver. Required.
	Buckets archive.Store
	// Keys signs digests; without it trails with log file validation get
	// a digest delivery error.
	Keys Signer
	// Notify, when set, publishes message to the SNS topic topicARN on
	// behalf of account: a trail with a topic announces each delivery
	// (reference/cloudtrail.md §6.2).
	Notify func(ctx context.Context, account, topicARN, message string) error
	// Interval is the time between passes; 0 means DefaultInterval.
	Interval time.Duration
	// DigestInterval is the period each digest covers; 0 means
	// DefaultDigestInterval.
	DigestInterval time.Duration
	// Grace is how long a missing chunk id is waited for before delivery
	// passes it (see storage.Events.ReadEventChunks); 0 means DefaultGrace.
	Grace time.Duration
	// Holder names this node in the lease; empty means host name and pid.
	Holder string
	// Delivered, when set, is told of each delivery of records: to
	// TargetBucket (one log file) or TargetLogs (one batch of log events
	// in the trail's log group), with the age of the oldest record when
	// it went out.
	Delivered func(target string, records int, lag time.Duration)
	// Failed, when set, is told of each failed delivery to a target:
	// TargetBucket, TargetDigest, TargetLogs or TargetTopic.
	Failed func(target string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives failures; nil discards.
	Logger *slog.Logger
}

// Targets a trail delivers to, as Options.Delivered and Failed name them.
const (
	TargetBucket = "s3"     // log files
	TargetDigest = "digest" // digest files
	TargetLogs   = "logs"   // the CloudWatch Logs log group
	TargetTopic  = "sns"    // the SNS notification of delivered files
)

// Worker delivers trails.
type Worker struct {
	opts Options
	loop worker.Loop

	mu sync.Mutex
	// missing remembers when a pass first found a chunk id missing below
	// a stored one, keyed by that id.
	missing map[int64]time.Time
}

// New returns a Worker; it panics on a wiring bug.
func New(opts Options) *Worker {
	switch {
	case opts.Store == nil:
		panic("BUG: delivery: Options.Store is nil")
	case opts.Buckets == nil:
		panic("BUG: delivery: Options.Buckets is nil")
	case opts.Interval < 0 || opts.DigestInterval < 0 || opts.Grace < 0:
		panic("BUG: delivery: negative duration in Options")
	}
	if opts.Holder == "" {
		opts.Holder = worker.DefaultHolder()
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.DigestInterval == 0 {
		opts.DigestInterval = DefaultDigestInterval
	}
	if opts.Grace == 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Delivered == nil {
		opts.Delivered = func(string, int, time.Duration) {}
	}
	if opts.Failed == nil {
		opts.Failed = func(string) {}
	}
	w := &Worker{opts: opts, missing: map[int64]time.Time{}}
	w.loop = worker.Loop{Name: "trail delivery", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Store.Leases(),
		Interval: opts.Interval, Logger: opts.Logger, Pass: w.RunOnce}
	return w
}

// Run delivers every Interval until ctx is done.
func (w *Worker) Run(ctx context.Context) error { return w.loop.Run(ctx) }

// RunOnce makes one pass over every trail of every account. A trail that
// fails is reported in its GetTrailStatus fields and retried next pass;
// the others go on.
func (w *Worker) RunOnce(ctx context.Context) error {
	accounts, err := w.opts.Store.Accounts().ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("trail delivery: %w", err)
	}
	for _, a := range accounts {
		trails, err := w.opts.Store.Trails().ListTrails(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("trail delivery: %w", err)
		}
		for i := range trails {
			if err := w.deliverTrail(ctx, &trails[i]); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				w.opts.Logger.Warn("trail delivery failed", "trail", trails[i].ARN(), "err", err)
			}
		}
	}
	return nil
}

// state is a trail's delivery state, stored as JSON with the trail.
type state struct {
	// Cursor is the last chunk id handled: every chunk at or below it has
	// been delivered or passed over.
	Cursor int64 `json:"cursor"`
	// Plan is a delivery written to the state but not yet committed.
	Plan *plan `json:"plan,omitempty"`
	// Chains are the digest chains by region, while validation is on.
	Chains map[string]*chain `json:"chains,omitempty"`
	// CWL is delivery to the trail's CloudWatch Logs log group, which
	// goes on (or stalls) independently of the bucket's.
	CWL *cwlState `json:"cwl,omitempty"`
}

type cwlState struct {
	Cursor int64 `json:"cursor"`
	Plan   *plan `json:"plan,omitempty"`
}

type plan struct {
	From int64     `json:"from"` // chunks after From ...
	To   int64     `json:"to"`   // ... up to To
	At   time.Time `json:"at"`   // names the files
}

type chain struct {
	// Start is where the current digest period begins; Files the log files
	// delivered in it; Prev the last digest (nil: the next starts a chain).
	Start time.Time              `json:"start"`
	Files []trailfile.LogFileRef `json:"files,omitempty"`
	Prev  *trailfile.Previous    `json:"prev,omitempty"`
}

// errKeep ends an UpdateTrailDeliveryState that only reads.
var errKeep = errors.New("keep state")

// errStale means the state changed under a pass (another node, or the
// trail was recreated); the next pass starts over.
var errStale = errors.New("trail delivery state changed during the pass")

func decodeState(raw []byte) (state, error) {
	var st state
	if len(raw) == 0 {
		return st, nil
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, fmt.Errorf("decode delivery state: %w", err)
	}
	return st, nil
}

// update runs fn on the trail and its decoded state and stores both.
func (w *Worker) update(ctx context.Context, t *trailwatch.Trail, fn func(*trailwatch.Trail, *state) error) error {
	err := w.opts.Store.Trails().UpdateTrailDeliveryState(ctx, t.AccountID, t.HomeRegion, t.Name, func(tr *trailwatch.Trail, raw *[]byte) error {
		st, err := decodeState(*raw)
		if err != nil {
			return err
		}
		if err := fn(tr, &st); err != nil {
			return err
		}
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		*raw = b
		return nil
	})
	if errors.Is(err, errKeep) {
		return nil
	}
	return err
}

func (w *Worker) deliverTrail(ctx context.Context, t *trailwatch.Trail) error {
	var st state
	if err := w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
		*t = *tr
		// Log group delivery starts where the bucket's stands when the
		// log group is set, and forgets its place when it is unset.
		switch {
		case tr.CloudWatchLogsLogGroupARN != "" && s.CWL == nil:
			s.CWL = &cwlState{Cursor: s.Cursor}
		case tr.CloudWatchLogsLogGroupARN == "" && s.CWL != nil:
			s.CWL = nil
		default:
			st = *s
			return errKeep
		}
		st = *s
		return nil
	}); err != nil {
		return err
	}
	now := w.opts.Now().UTC()
	// Deliver what logging covered: while logging, and after StopLogging
	// what was stored before it. A plan covers at most planChunks chunks;
	// a busy trail gets several in one pass, so that delivery keeps up.
	for round := 0; round < maxRounds; round++ {
		more := false
		if st.Plan == nil && (t.IsLogging || !t.StopLoggingTime.IsZero()) {
			p, full, err := w.plan(ctx, st.Cursor, now)
			if err != nil {
				return err
			}
			if p != nil {
				if err := w.update(ctx, t, func(_ *trailwatch.Trail, s *state) error {
					if s.Plan != nil || s.Cursor != st.Cursor {
						return errStale
					}
					s.Plan = p
					return nil
				}); err != nil {
					return err
				}
				st.Plan, more = p, full
			}
		}
		if st.Plan == nil {
			break
		}
		if err := w.execute(ctx, t, st.Plan, now); err != nil {
			return err
		}
		st.Cursor, st.Plan = st.Plan.To, nil
		if !more {
			break
		}
	}
	if err := w.digests(ctx, t, now); err != nil {
		return err
	}
	for round := 0; round < maxRounds; round++ {
		more, err := w.deliverLogs(ctx, t, &st, now)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// plan chooses the chunks after cursor to deliver: those up to the first
// missing id that is still within the grace period.
func (w *Worker) plan(ctx context.Context, cursor int64, now time.Time) (p *plan, full bool, err error) {
	chunks, err := w.opts.Store.Events().ReadEventChunks(ctx, cursor, planChunks)
	if err != nil {
		return nil, false, err
	}
	to := cursor
	w.mu.Lock()
	for _, c := range chunks {
		if c.ID != to+1 {
			first, seen := w.missing[to+1]
			if !seen {
				w.missing[to+1] = now
				break
			}
			if now.Sub(first) < w.opts.Grace {
				break
			}
			delete(w.missing, to+1)
		}
		to = c.ID
	}
	w.mu.Unlock()
	if to == cursor {
		return nil, false, nil
	}
	// Full: every chunk read is planned and there may be more after them.
	full = len(chunks) == planChunks && to == chunks[len(chunks)-1].ID
	return &plan{From: cursor, To: to, At: now.Truncate(time.Second)}, full, nil
}

// file is one log file of a plan.
type file struct {
	region  string
	records []json.RawMessage
	oldest  string
	newest  string
}

// execute writes the plan's log files and commits the cursor.
func (w *Worker) execute(ctx context.Context, t *trailwatch.Trail, p *plan, now time.Time) error {
	files, err := w.files(ctx, t, p)
	if err != nil {
		return err
	}
	var refs []trailfile.LogFileRef
	if len(files) > 0 {
		b, err := w.opts.Buckets.Bucket(ctx, t.S3BucketName)
		for i := 0; err == nil && i < len(files); i++ {
			f := files[i]
			var gz, raw []byte
			gz, raw, err = trailfile.EncodeLogFile(f.records)
			if err != nil {
				return err
			}
			key := trailfile.LogFileKey(t.S3KeyPrefix, t.AccountID, f.region, p.At,
				trailfile.UniqueSuffix(fmt.Sprintf("%s|%s|%d|%d|%d", t.ARN(), f.region, p.From, p.To, i)))
			if err = b.Put(ctx, key, gz, nil); err == nil {
				sum := sha256.Sum256(raw)
				refs = append(refs, trailfile.LogFileRef{S3Bucket: t.S3BucketName, S3Object: key,
					HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: trailfile.HashAlgorithm,
					NewestEventTime: f.newest, OldestEventTime: f.oldest})
			}
		}
		if err != nil {
			w.opts.Failed(TargetBucket)
			w.recordFailure(ctx, t, now, func(d *trailwatch.TrailDelivery) {
				d.LatestDeliveryAttemptTime, d.LatestDeliveryError = now, deliveryError(err)
			})
			return fmt.Errorf("deliver to bucket %s: %w", t.S3BucketName, err)
		}
	}
	err = w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
		if s.Plan == nil || *s.Plan != *p {
			return errStale
		}
		s.Cursor, s.Plan = p.To, nil
		if len(refs) > 0 {
			tr.Delivery.LatestDeliveryTime, tr.Delivery.LatestDeliveryAttemptTime, tr.Delivery.LatestDeliveryError = now, now, ""
		}
		if tr.LogFileValidationEnabled {
			for i, r := range refs { // refs[i] is files[i]'s
				c := s.chain(files[i].region, p.At)
				c.Files = append(c.Files, r)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range files {
		oldest, _ := time.Parse(time.RFC3339, f.oldest)
		w.opts.Delivered(TargetBucket, len(f.records), now.Sub(oldest))
	}
	if len(refs) == 0 || t.SnsTopicARN == "" || w.opts.Notify == nil {
		return nil
	}
	w.notify(ctx, t, refs, now)
	return nil
}

// notify announces delivered log files on the trail's topic:
// {"s3Bucket":…,"s3ObjectKey":[…]} (reference/cloudtrail.md §6.2). A
// failed notification is reported in GetTrailStatus and not retried; the
// files are delivered all the same.
func (w *Worker) notify(ctx context.Context, t *trailwatch.Trail, refs []trailfile.LogFileRef, now time.Time) {
	msg := struct {
		S3Bucket    string   `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
	}{S3Bucket: t.S3BucketName}
	for _, r := range refs {
		msg.S3ObjectKey = append(msg.S3ObjectKey, r.S3Object)
	}
	b, _ := json.Marshal(msg)
	err := w.opts.Notify(ctx, t.AccountID, t.SnsTopicARN, string(b))
	w.recordFailure(ctx, t, now, func(d *trailwatch.TrailDelivery) {
		d.LatestNotificationAttemptTime = now
		if err != nil {
			d.LatestNotificationError = deliveryError(err)
			return
		}
		d.LatestNotificationTime, d.LatestNotificationError = now, ""
	})
	if err != nil {
		w.opts.Failed(TargetTopic)
		w.opts.Logger.Warn("trail delivery notification failed", "trail", t.ARN(), "topic", t.SnsTopicARN, "err", err)
	}
}

// chain returns the chain of region, starting one at start if there is
// none.
func (s *state) chain(region string, start time.Time) *chain {
	if s.Chains == nil {
		s.Chains = map[string]*chain{}
	}
	c := s.Chains[region]
	if c == nil {
		c = &chain{Start: start.UTC().Truncate(time.Second)}
		s.Chains[region] = c
	}
	return c
}

// files reads the plan's chunks and groups what the trail selects into log
// files by region, in the order stored.
func (w *Worker) files(ctx context.Context, t *trailwatch.Trail, p *plan) ([]file, error) {
	byRegion := map[string][]int{}
	var files []file
	after := p.From
	for after < p.To {
		chunks, err := w.opts.Store.Events().ReadEventChunks(ctx, after, planChunks)
		if err != nil {
			return nil, err
		}
		if len(chunks) == 0 {
			break
		}
		for _, c := range chunks {
			if c.ID > p.To {
				after = p.To
				break
			}
			after = c.ID
			for _, raw := range c.Records {
				r, err := parseRecord(raw)
				if err != nil {
					return nil, fmt.Errorf("chunk %d: %w", c.ID, err)
				}
				if !covers(t, &r) || !selects(t, &r) || !logged(t, &r) {
					continue
				}
				idx := byRegion[r.AWSRegion]
				if len(idx) == 0 || len(files[idx[len(idx)-1]].records) >= maxFileRecords {
					files = append(files, file{region: r.AWSRegion, oldest: r.EventTime, newest: r.EventTime})
					idx = append(idx, len(files)-1)
					byRegion[r.AWSRegion] = idx
				}
				f := &files[idx[len(idx)-1]]
				f.records = append(f.records, raw)
				// eventTime is fixed-width UTC, so strings order as times.
				f.oldest = min(f.oldest, r.EventTime)
				f.newest = max(f.newest, r.EventTime)
			}
		}
	}
	return files, nil
}

// logged reports whether r happened while t was logging: from its last
// StartLogging on, and before StopLogging if it has stopped since.
func logged(t *trailwatch.Trail, r *record) bool {
	at, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return false
	}
	if at.Before(t.StartLoggingTime.Truncate(time.Second)) {
		return false
	}
	if !t.IsLogging && !t.StopLoggingTime.IsZero() && at.After(t.StopLoggingTime) {
		return false
	}
	return true
}

// digests writes every digest that is due: one per region per elapsed
// period while validation is on, and a final one for each chain when
// logging stops or validation is turned off (reference/cloudtrail.md §7.5).
func (w *Worker) digests(ctx context.Context, t *trailwatch.Trail, now time.Time) error {
	var st state
	if err := w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
		*t = *tr
		active := tr.IsLogging && tr.LogFileValidationEnabled
		if active && s.Chains[tr.HomeRegion] == nil {
			s.chain(tr.HomeRegion, now)
			st = *s
			return nil
		}
		st = *s
		return errKeep
	}); err != nil {
		return err
	}
	active := t.IsLogging && t.LogFileValidationEnabled
	regions := make([]string, 0, len(st.Chains))
	for r := range st.Chains {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, region := range regions {
		c := st.Chains[region]
		for {
			end := c.Start.Add(w.opts.DigestInterval)
			final := !active
			if final {
				end = now.Truncate(time.Second)
				if !end.After(c.Start) {
					end = c.Start.Add(time.Second)
				}
			} else if now.Before(end) {
				break
			}
			next, err := w.writeDigest(ctx, t, region, c, end)
			if err != nil {
				w.opts.Failed(TargetDigest)
				w.recordFailure(ctx, t, now, func(d *trailwatch.TrailDelivery) { d.LatestDigestDeliveryError = deliveryError(err) })
				return fmt.Errorf("digest for %s: %w", region, err)
			}
			old := *c
			if err := w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
				cur := s.Chains[region]
				if cur == nil || !cur.Start.Equal(old.Start) || len(cur.Files) != len(old.Files) {
					return errStale
				}
				if final {
					delete(s.Chains, region)
				} else {
					cur.Start, cur.Files, cur.Prev = end, nil, next
				}
				tr.Delivery.LatestDigestDeliveryTime, tr.Delivery.LatestDigestDeliveryError = now, ""
				return nil
			}); err != nil {
				return err
			}
			if final {
				break
			}
			c.Start, c.Files, c.Prev = end, nil, next
		}
	}
	return nil
}

// writeDigest signs and stores the digest of c's period ending at end and
// returns what the next digest of the chain records of it.
func (w *Worker) writeDigest(ctx context.Context, t *trailwatch.Trail, region string, c *chain, end time.Time) (*trailfile.Previous, error) {
	if w.opts.Keys == nil {
		return nil, errors.New("no signing keys configured")
	}
	key, _, err := w.opts.Keys.SigningKey(ctx, t.AccountID, t.HomeRegion, end)
	if err != nil {
		return nil, err
	}
	dkey := trailfile.DigestKey(t.S3KeyPrefix, t.AccountID, region, t.Name, t.HomeRegion, end)
	d := &trailfile.Digest{
		AWSAccountID:    t.AccountID,
		DigestStartTime: trailfile.FormatTime(c.Start),
		DigestEndTime:   trailfile.FormatTime(end),
		DigestS3Bucket:  t.S3BucketName,
		DigestS3Object:  dkey,
		LogFiles:        slices.Clone(c.Files),
	}
	d.Chain(c.Prev)
	d.SetEventTimes()
	signed, err := trailfile.Sign(d, key)
	if err != nil {
		return nil, err
	}
	b, err := w.opts.Buckets.Bucket(ctx, t.S3BucketName)
	if err != nil {
		return nil, err
	}
	if err := b.Put(ctx, dkey, signed.Gz, signed.Metadata); err != nil {
		return nil, err
	}
	return signed.Previous(t.S3BucketName, dkey), nil
}

// recordFailure records an attempt (usually a failed one) in the trail's
// status.
func (w *Worker) recordFailure(ctx context.Context, t *trailwatch.Trail, now time.Time, fn func(*trailwatch.TrailDelivery)) {
	if err := w.opts.Store.Trails().UpdateTrailDelivery(ctx, t.AccountID, t.HomeRegion, t.Name, fn); err != nil && !errors.Is(err, storage.ErrNotFound) {
		w.opts.Logger.Warn("record trail delivery failure", "trail", t.ARN(), "err", err)
	}
}

// deliveryError is the error GetTrailStatus shows: S3's error code where
// there is one, as CloudTrail reports it.
func deliveryError(err error) string {
	var ae smithy.APIError
	switch {
	case errors.Is(err, archive.ErrNoSuchBucket):
		return "NoSuchBucket"
	case errors.As(err, &ae):
		return ae.ErrorCode()
	}
	return err.Error()
}
