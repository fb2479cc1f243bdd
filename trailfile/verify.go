package trailfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch/internal/inflate"
)

// ObjectInfo is one object of a listing.
type ObjectInfo struct {
	Key  string
	Size int64
}

// Reader reads one bucket of an archive. The archive stores (a local
// directory, an external S3 bucket) satisfy it.
type Reader interface {
	// List returns up to limit objects whose keys start with prefix and
	// sort after startAfter ("" = from the start), in key order.
	List(ctx context.Context, prefix, startAfter string, limit int) ([]ObjectInfo, error)
	// Get returns an object's body and metadata (lower-case names without
	// the x-amz-meta- prefix). A missing object is an error for which
	// errors.Is(err, ErrNotFound) holds.
	Get(ctx context.Context, key string) (body []byte, meta map[string]string, err error)
}

// Opener is a Reader that can also stream an object's body. Verify reads
// log files through it when a Reader has it, so a file is inflated and
// hashed as it arrives instead of being held whole first.
type Opener interface {
	// Open returns the object's body; a missing object is an error for
	// which errors.Is(err, ErrNotFound) holds.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// ErrNotFound is what a Reader's Get wraps for a missing object. It is
// fs.ErrNotExist, so the errors of a missing file qualify as they are.
var ErrNotFound = fs.ErrNotExist

// PublicKey is a public key as ListPublicKeys reports it
// (reference/cloudtrail.md §7.4).
type PublicKey struct {
	Fingerprint string
	DER         []byte // PKCS#1 RSAPublicKey
	// ValidityStart and ValidityEnd bound when the private half signed.
	ValidityStart, ValidityEnd time.Time
}

// Options say what Verify checks.
type Options struct {
	// Bucket and Prefix are where the digests are (the trail's
	// S3BucketName and S3KeyPrefix).
	Bucket, Prefix string
	// AccountID is the account whose files are checked; Region the region
	// that produced them; HomeRegion and TrailName the trail's (as its ARN
	// says).
	AccountID, Region, HomeRegion, TrailName string
	// Start and End bound the digests checked as validate-logs bounds them:
	// digest keys with end times from Start to End plus one hour, walked
	// back while the digest started at or after Start.
	Start, End time.Time
	// Keys are the public keys digests may be signed with: those
	// ListPublicKeys returns for the home region.
	Keys []PublicKey
	// Open returns the Reader of a bucket; Verify opens each bucket once.
	Open func(bucket string) (Reader, error)
	// Workers is how many log files are hashed at once; 0 means
	// GOMAXPROCS.
	Workers int
	// EventID, when set, makes Verify look for the event in the valid log
	// files and fill Report.Proof.
	EventID string
	// SkipUncovered leaves out the listing of log files that no digest
	// names (Problem NotDigested).
	SkipUncovered bool
}

// Kind is what a Result is about.
type Kind string

// Kinds of Result.
const (
	KindDigest Kind = "digest"
	KindLog    Kind = "log"
	// KindChain is a break in the digest chain: a span no valid digest
	// accounts for.
	KindChain Kind = "chain"
)

// Problem is why a file is invalid; "" is valid.
type Problem string

// Problems. The first group are validate-logs' own verdicts, worded as it
// words them; the rest are checks it does not make.
const (
	NotFound        Problem = "not found"
	InvalidFormat   Problem = "invalid format"
	SignatureFailed Problem = "signature verification failed"
	Moved           Problem = "has been moved from its original location"
	KeyNotFound     Problem = "public key not found"
	KeyUnloadable   Problem = "Unable to load PKCS #1 key"
	HashMismatch    Problem = "hash value doesn't match"

	// ChainMismatch: a digest that verifies on its own is not the one the
	// next digest of the chain recorded (previousDigestHashValue or
	// previousDigestSignature differ).
	ChainMismatch Problem = "does not match the previous digest recorded by the next digest"
	// ChainGap: digests named by the chain are missing or invalid, so a
	// span of time is covered by no valid digest.
	ChainGap Problem = "chain broken"
	// NotDigested: a log file lies where a valid digest or a broken part
	// of the chain should have listed it, and none does.
	NotDigested Problem = "not listed by any digest"
)

// Result is the verdict on one file (or, for KindChain, one span).
type Result struct {
	Kind    Kind
	Bucket  string
	Key     string
	Problem Problem // "" when valid
	// Detail adds to Problem: the fingerprint, the span of a gap, …
	Detail string
	// Digest is the parsed digest of a valid digest result.
	Digest *Digest
	// Hash is a valid digest's SHA-256, or a log file's SHA-256 as
	// computed (when it could be).
	Hash string
	// Signature is a valid digest's hex signature, as its metadata has it.
	Signature string
	// ListedIn is the digest key a log file result comes from.
	ListedIn string
	// From and To are the span of a chain break.
	From, To time.Time
}

// Valid reports whether r is not a failure.
func (r *Result) Valid() bool { return r.Problem == "" }

// String is r as validate-logs prints it ("Digest file\ts3://b/k\tvalid",
// "Log file\ts3://b/k\tINVALID: not found"); chain breaks and files the
// CLI would not report use the same shape.
func (r *Result) String() string {
	what := map[Kind]string{KindDigest: "Digest file", KindLog: "Log file", KindChain: "Digest chain"}[r.Kind]
	verdict := "valid"
	if r.Problem != "" {
		verdict = "INVALID: " + string(r.Problem)
		if r.Detail != "" {
			verdict += " " + r.Detail
		}
	}
	return what + "\ts3://" + r.Bucket + "/" + r.Key + "\t" + verdict
}

// Report is the outcome of Verify.
type Report struct {
	// Digests are in the order they were walked: newest first. Chain
	// breaks are among them, where the walk found them.
	Digests []Result
	// Logs are in the order of the digests that list them, then of
	// their lists; log files no digest lists come last.
	Logs []Result
	// Notices are validate-logs' gap lines ("No log files were delivered
	// by CloudTrail between … and …"): a chain that restarted, which is
	// not a failure.
	Notices []string
	// FoundStart and FoundEnd are the span the valid digests cover,
	// clipped to the requested range; zero when none is valid.
	FoundStart, FoundEnd time.Time
	// Proof is filled when Options.EventID is set and the event is in a
	// valid log file.
	Proof *Proof
}

// OK reports whether every digest and log file is valid and the chain is
// unbroken. Notices do not count.
func (r *Report) OK() bool {
	for _, l := range [][]Result{r.Digests, r.Logs} {
		for i := range l {
			if !l[i].Valid() {
				return false
			}
		}
	}
	return true
}

// Counts returns how many digests and log files are valid and invalid;
// chain breaks count as invalid digests.
func (r *Report) Counts() (validDigests, invalidDigests, validLogs, invalidLogs int) {
	for _, d := range r.Digests {
		if d.Valid() {
			validDigests++
		} else {
			invalidDigests++
		}
	}
	for _, l := range r.Logs {
		if l.Valid() {
			validLogs++
		} else {
			invalidLogs++
		}
	}
	return
}

// listPage is how many keys one List call asks for.
const listPage = 1000

// verifier holds one Verify run's state.
type verifier struct {
	ctx     context.Context
	opts    Options
	keys    map[string]PublicKey
	readers map[string]Reader // by bucket
	report  Report
}

// Verify checks the digests of a trail for one region and the log files
// they list, as validate-logs does (reference/cloudtrail.md §7.6), and
// beyond it: each digest reached through the chain must hash and sign to
// what the newer digest recorded; a broken chain is a failure (KindChain)
// with the span no valid digest covers, which catches two or more
// consecutive digests deleted; log files that no digest lists inside the
// covered span are reported. The error is for a failure to read the
// archive, not for what was found in it.
func Verify(ctx context.Context, opts Options) (*Report, error) {
	if opts.Open == nil {
		return nil, errors.New("trailfile: Options.Open is nil")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	v := &verifier{ctx: ctx, opts: opts, keys: map[string]PublicKey{}, readers: map[string]Reader{}}
	for _, k := range opts.Keys {
		v.keys[k.Fingerprint] = k
	}
	refs, err := v.walk()
	if err != nil {
		return nil, err
	}
	if err := v.checkLogs(refs); err != nil {
		return nil, err
	}
	if !opts.SkipUncovered {
		if err := v.findUncovered(refs); err != nil {
			return nil, err
		}
	}
	return &v.report, nil
}

func (v *verifier) reader(bucket string) (Reader, error) {
	if r, ok := v.readers[bucket]; ok {
		return r, nil
	}
	r, err := v.opts.Open(bucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	v.readers[bucket] = r
	return r, nil
}

// listDigests returns the digest keys of the trail in bucket that the CLI
// would consider, oldest first (reference/cloudtrail.md §7.6 step 3).
func (v *verifier) listDigests(bucket string) ([]string, error) {
	r, err := v.reader(bucket)
	if err != nil {
		return nil, err
	}
	o := v.opts
	pattern := DigestKeyPattern(o.Prefix, o.AccountID, o.Region, o.TrailName, o.HomeRegion)
	from := o.Start.UTC().Format(digestKeyTime)
	until := o.End.Add(time.Hour).UTC().Format(digestKeyTime)
	// The CLI's marker: the key the trail would have written a minute
	// before Start.
	after := DigestKey(o.Prefix, o.AccountID, o.Region, o.TrailName, o.HomeRegion, o.Start.Add(-time.Minute))
	prefix := strings.TrimSuffix(DigestPrefix(o.Prefix, o.AccountID, o.Region), "/")
	var keys []string
	for {
		page, err := r.List(v.ctx, prefix, after, listPage)
		if err != nil {
			return nil, fmt.Errorf("list digests in %s: %w", bucket, err)
		}
		for _, obj := range page {
			if !pattern.MatchString(obj.Key) {
				continue
			}
			t := obj.Key[len(obj.Key)-24 : len(obj.Key)-8]
			if t > until {
				return keys, nil
			}
			if t >= from {
				keys = append(keys, obj.Key)
			}
		}
		if len(page) < listPage {
			return keys, nil
		}
		after = page[len(page)-1].Key
	}
}

// olderListed pops keys until one whose time is before key's, as the CLI's
// _get_last_digest does.
func olderListed(keys *[]string, key string) string {
	kt := key[len(key)-24 : len(key)-8]
	for len(*keys) > 0 {
		k := (*keys)[len(*keys)-1]
		*keys = (*keys)[:len(*keys)-1]
		if k[len(k)-24:len(k)-8] < kt {
			return k
		}
	}
	return ""
}

// logRef is a log file a valid digest lists.
type logRef struct {
	LogFileRef
	digestKey string
}

// link is what a valid digest says of the digest before it.
type link struct {
	from      Result // the newer, valid digest
	bucket    string
	key       string
	hash, sig string
}

func (v *verifier) walk() ([]logRef, error) {
	o := v.opts
	bucket := o.Bucket
	listed, err := v.listDigests(bucket)
	if err != nil {
		return nil, err
	}
	if len(listed) == 0 {
		return nil, nil
	}
	key := listed[len(listed)-1]
	listed = listed[:len(listed)-1]
	lastStart, _ := DigestKeyTime(key)
	var (
		refs []logRef
		// expect is what the last valid digest recorded of its
		// predecessor, while the walk follows that pointer.
		expect *link
		// broken is the newest valid digest below which the chain broke:
		// its predecessor was missing or invalid. lost counts the
		// digests missing or invalid since.
		broken *Result
		lost   int
	)
	for key != "" && !o.Start.After(lastStart) {
		res, err := v.checkDigest(bucket, key)
		if err != nil {
			return nil, err
		}
		if res.Valid() && expect != nil && expect.key == key && expect.bucket == bucket {
			if res.Hash != expect.hash || res.Signature != strings.ToLower(expect.sig) {
				res.Problem, res.Detail = ChainMismatch, "s3://"+expect.from.Bucket+"/"+expect.from.Key
				res.Digest = nil
			}
		}
		if !res.Valid() {
			v.report.Digests = append(v.report.Digests, res)
			if expect != nil && broken == nil {
				f := expect.from
				broken = &f
			}
			if broken != nil {
				lost++
			}
			expect = nil
			key = olderListed(&listed, key)
			continue
		}
		d := res.Digest
		if broken != nil {
			v.report.Digests = append(v.report.Digests, v.gap(&res, broken, lost))
			broken, lost = nil, 0
		}
		v.report.Digests = append(v.report.Digests, res)
		v.trackFound(d)
		for _, l := range d.LogFiles {
			refs = append(refs, logRef{LogFileRef: l, digestKey: key})
		}
		lastStart = d.StartTime()
		if d.PreviousDigestS3Bucket == nil || d.PreviousDigestS3Object == nil {
			expect = nil
			next := olderListed(&listed, key)
			if next != "" {
				nt, _ := DigestKeyTime(next)
				v.report.Notices = append(v.report.Notices, fmt.Sprintf(
					"No log files were delivered by CloudTrail between %s and %s", FormatTime(nt), d.DigestStartTime))
			}
			key = next
			continue
		}
		expect = &link{from: res, bucket: *d.PreviousDigestS3Bucket, key: *d.PreviousDigestS3Object}
		if d.PreviousDigestHashValue != nil {
			expect.hash = *d.PreviousDigestHashValue
		}
		if d.PreviousDigestSignature != nil {
			expect.sig = *d.PreviousDigestSignature
		}
		key = *d.PreviousDigestS3Object
		if *d.PreviousDigestS3Bucket != bucket {
			// The chain crosses buckets: list the new one, as the CLI does.
			bucket = *d.PreviousDigestS3Bucket
			if listed, err = v.listDigests(bucket); err != nil {
				return nil, err
			}
		}
	}
	if broken != nil {
		// The chain broke and no older valid digest was found in range:
		// the span down to the requested start is unaccounted for.
		v.report.Digests = append(v.report.Digests, v.gap(nil, broken, lost))
	}
	return refs, nil
}

// gap is the KindChain result for a chain broken between older (nil when
// the walk ran out) and newer, with lost digests missing or invalid.
func (v *verifier) gap(older, newer *Result, lost int) Result {
	from := v.opts.Start
	key := "…"
	if older != nil {
		from, key = older.Digest.EndTime(), older.Key
	}
	to := newer.Digest.StartTime()
	detail := fmt.Sprintf("between %s and %s: no valid digest covers this span (%d digest file(s) of the chain missing or invalid",
		FormatTime(from), FormatTime(to), lost)
	// How many digests the span held, judged by the chain's own period:
	// the validate-logs CLI names only the first missing digest, so two
	// deleted in a row look like one.
	period := newer.Digest.EndTime().Sub(newer.Digest.StartTime())
	if older != nil {
		period = max(period, older.Digest.EndTime().Sub(older.Digest.StartTime()))
	}
	if period > 0 {
		if n := int((to.Sub(from) + period/2) / period); n > lost {
			detail += fmt.Sprintf("; the span holds about %d digest periods of %s", n, period)
		}
	}
	detail += ")"
	return Result{Kind: KindChain, Bucket: newer.Bucket, Key: key + " .. " + newer.Key, Problem: ChainGap, Detail: detail, From: from, To: to}
}

func (v *verifier) trackFound(d *Digest) {
	s := d.StartTime()
	if s.Before(v.opts.Start) {
		s = v.opts.Start
	}
	e := d.EndTime()
	if e.After(v.opts.End) {
		e = v.opts.End
	}
	if v.report.FoundStart.IsZero() || s.Before(v.report.FoundStart) {
		v.report.FoundStart = s
	}
	if e.After(v.report.FoundEnd) {
		v.report.FoundEnd = e
	}
}

// checkDigest fetches and verifies one digest on its own. A valid result
// carries the parsed digest, its hash and its signature.
func (v *verifier) checkDigest(bucket, key string) (Result, error) {
	res := Result{Kind: KindDigest, Bucket: bucket, Key: key}
	r, err := v.reader(bucket)
	if err != nil {
		return res, err
	}
	body, meta, err := r.Get(v.ctx, key)
	if errors.Is(err, ErrNotFound) {
		res.Problem = NotFound
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("get digest s3://%s/%s: %w", bucket, key, err)
	}
	d, raw, err := ParseDigest(body)
	if err != nil {
		res.Problem = InvalidFormat
		return res, nil
	}
	sig, ok1 := meta[MetaSignature]
	_, ok2 := meta[MetaSignatureAlgorithm]
	if !ok1 || !ok2 {
		res.Problem = SignatureFailed
		return res, nil
	}
	if d.DigestS3Bucket != bucket || d.DigestS3Object != key {
		res.Problem = Moved
		return res, nil
	}
	pk, ok := v.keys[d.DigestPublicKeyFingerprint]
	if !ok {
		res.Problem = KeyNotFound
		res.Detail = fmt.Sprintf("in region %s for fingerprint %s", v.opts.HomeRegion, d.DigestPublicKeyFingerprint)
		return res, nil
	}
	switch err := VerifySignature(d, raw, sig, pk.DER); {
	case errors.Is(err, ErrKeyFormat):
		res.Problem = KeyUnloadable
		res.Detail = "with fingerprint " + d.DigestPublicKeyFingerprint
		return res, nil
	case err != nil:
		res.Problem = SignatureFailed
		return res, nil
	}
	res.Digest = d
	res.Hash = sha256Hex(raw)
	res.Signature = strings.ToLower(sig)
	return res, nil
}

// checkLogs fetches and hashes every listed log file, opts.Workers at a
// time, and records the results in list order.
func (v *verifier) checkLogs(refs []logRef) error {
	results := make([]Result, len(refs))
	// Readers are opened here, before the workers start, so the map needs
	// no lock.
	for _, ref := range refs {
		if _, err := v.reader(ref.S3Bucket); err != nil {
			return err
		}
	}
	var needle []byte
	if v.opts.EventID != "" {
		needle = []byte(`"` + v.opts.EventID + `"`)
	}
	var (
		wg       sync.WaitGroup
		next     = make(chan int)
		mu       sync.Mutex // guards firstErr and candidates
		firstErr error
		// candidates are the valid log files whose inflated bytes hold
		// the event ID, in list order once sorted.
		candidates []int
	)
	for range min(v.opts.Workers, max(len(refs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ref := refs[i]
				res := Result{Kind: KindLog, Bucket: ref.S3Bucket, Key: ref.S3Object, ListedIn: ref.digestKey}
				sum, err := v.hashLog(ref, needle)
				res.Hash = sum
				switch {
				case errors.Is(err, ErrNotFound):
					res.Problem = NotFound
				case errors.Is(err, ErrFormat):
					res.Problem = InvalidFormat
				case err != nil && err != errNeedleAbsent:
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("get log file s3://%s/%s: %w", ref.S3Bucket, ref.S3Object, err)
					}
					mu.Unlock()
				case sum != ref.HashValue:
					res.Problem = HashMismatch
				case err == nil && needle != nil:
					mu.Lock()
					candidates = append(candidates, i)
					mu.Unlock()
				}
				results[i] = res
			}
		}()
	}
	for i := range refs {
		if v.ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := v.ctx.Err(); err != nil {
		return err
	}
	v.report.Logs = results
	if needle != nil {
		sort.Ints(candidates)
		return v.prove(refs, candidates)
	}
	return nil
}

// hashLog reads one log file, streaming it when its Reader is an Opener,
// and returns the SHA-256 of its inflated bytes (hashInflated's errors, or
// the Reader's). A streamed file is read in pieces of a few hundred
// kilobytes, so a worker holds no more than that of it, however large.
func (v *verifier) hashLog(ref logRef, needle []byte) (string, error) {
	r := v.readers[ref.S3Bucket]
	if o, ok := r.(Opener); ok {
		rc, err := o.Open(v.ctx, ref.S3Object)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		return hashInflated(needle, func(d *inflate.Decoder, w io.Writer) error { return d.Gunzip(w, rc) })
	}
	body, _, err := r.Get(v.ctx, ref.S3Object)
	if err != nil {
		return "", err
	}
	return hashInflated(needle, func(d *inflate.Decoder, w io.Writer) error { return d.GunzipBytes(w, body) })
}

// findUncovered lists the log files delivered inside the span the walk
// covered and reports those no digest lists. Spans between two chains (a
// restart: validation or logging was off) are left out, as digests are not
// written for them.
func (v *verifier) findUncovered(refs []logRef) error {
	type span struct{ from, to time.Time }
	var covered []span
	for _, d := range v.report.Digests {
		if d.Kind == KindDigest && d.Valid() {
			covered = append(covered, span{d.Digest.StartTime(), d.Digest.EndTime()})
		}
	}
	for _, d := range v.report.Digests {
		if d.Kind == KindChain {
			covered = append(covered, span{d.From, d.To})
		}
	}
	if len(covered) == 0 {
		return nil
	}
	lo, hi := covered[0].from, covered[0].to
	for _, s := range covered {
		lo, hi = minTime(lo, s.from), maxTime(hi, s.to)
	}
	listedKeys := map[string]bool{}
	for _, r := range refs {
		listedKeys[r.S3Bucket+"/"+r.S3Object] = true
	}
	for _, r := range v.report.Digests {
		if r.Kind == KindDigest && r.Valid() {
			for _, l := range r.Digest.LogFiles {
				listedKeys[l.S3Bucket+"/"+l.S3Object] = true
			}
		}
	}
	o := v.opts
	r, err := v.reader(o.Bucket)
	if err != nil {
		return err
	}
	// Log keys carry their delivery time to the minute, so a file written
	// in the digest's last minute may sort at its end time: only whole
	// minutes strictly inside a covered span count.
	inside := func(t time.Time) bool {
		for _, s := range covered {
			if !t.Before(s.from.Truncate(time.Minute).Add(time.Minute)) && t.Add(time.Minute).Before(s.to) {
				return true
			}
		}
		return false
	}
	for day := lo.UTC().Truncate(24 * time.Hour); !day.After(hi); day = day.Add(24 * time.Hour) {
		prefix := LogPrefix(o.Prefix, o.AccountID, o.Region) + day.Format(datePath) + "/"
		after := ""
		for {
			page, err := r.List(v.ctx, prefix, after, listPage)
			if err != nil {
				return fmt.Errorf("list log files in %s: %w", o.Bucket, err)
			}
			for _, obj := range page {
				t, ok := LogFileKeyTime(obj.Key)
				if !ok || listedKeys[o.Bucket+"/"+obj.Key] || !inside(t) {
					continue
				}
				v.report.Logs = append(v.report.Logs, Result{Kind: KindLog, Bucket: o.Bucket, Key: obj.Key, Problem: NotDigested})
			}
			if len(page) < listPage {
				break
			}
			after = page[len(page)-1].Key
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
