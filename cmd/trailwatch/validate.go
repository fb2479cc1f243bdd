package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/trailwatch/trailwatch/trailfile"
)

const validateUsage = `usage: trailwatch validate --trail-arn ARN --start-time TIME [flags]

Checks a trail's digest and log files as "aws cloudtrail validate-logs" does,
with no trailwatch server running, and also fails on breaks in the digest
chain the AWS CLI does not report (two or more consecutive digests deleted).
The exit status is 1 if any file is invalid or missing.

Files come from a local archive directory (--dir, laid out DIR/BUCKET/KEY)
or from S3 (--s3-endpoint, or the AWS SDK's configuration). Public keys come
from a file (--public-keys, as "trailwatch admin export-public-keys" writes
it) or from ListPublicKeys (--endpoint-url, or the AWS SDK's configuration).

flags:
`

// errValidationFailed is runValidate's result when the archive was read
// and found wanting: the output has said why, and the exit status is 1.
var errValidationFailed = errors.New("validation failed")

// trailARN is validate-logs' pattern (CLI assert_cloudtrail_arn_is_valid),
// with groups for the parts the walk needs.
var trailARN = regexp.MustCompile(`^arn:.+:cloudtrail:(.+):(\d{12}):trail/(.+)$`)

// validateFlags are the parsed flags of trailwatch validate.
type validateFlags struct {
	trailARN, startTime, endTime, bucket, prefix, accountID, region string
	verbose                                                         bool
	eventID                                                         string
	dir                                                             string
	s3Endpoint, s3Region, s3AccessKeyID, s3SecretAccessKey          string
	s3PathStyle                                                     bool
	endpointURL, publicKeys, profile                                string
	workers                                                         int
}

// runValidate is trailwatch validate. Output goes to stdout and stderr as
// validate-logs writes it: per-file "valid" lines on stdout with
// --verbose, every failure on stderr, the summary on stdout. The error is
// errValidationFailed when something was invalid, another error when the
// check could not be made.
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trailwatch validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, validateUsage)
		fs.PrintDefaults()
	}
	var f validateFlags
	fs.StringVar(&f.trailARN, "trail-arn", "", "ARN of the trail to validate (required)")
	fs.StringVar(&f.startTime, "start-time", "", `check log files delivered on or after this UTC time, e.g. "2024-03-01T05:00:00Z" (required)`)
	fs.StringVar(&f.endTime, "end-time", "", "check log files delivered on or before this UTC time (default now)")
	fs.StringVar(&f.bucket, "s3-bucket", "", "bucket of the digest files (default: the trail's, from DescribeTrails at --endpoint-url)")
	fs.StringVar(&f.prefix, "s3-prefix", "", "key prefix of the digest files (with --s3-bucket; default none)")
	fs.StringVar(&f.accountID, "account-id", "", "account whose files to check (default: the trail ARN's)")
	fs.StringVar(&f.region, "region", "", "region whose files to check (default: AWS_REGION, AWS_DEFAULT_REGION, else the trail's home region)")
	fs.BoolVar(&f.verbose, "verbose", false, "print a line for every valid digest and log file too")
	fs.StringVar(&f.eventID, "event-id", "", "prove that the event with this eventID is in a valid log file: print the chain of hashes")
	fs.StringVar(&f.dir, "dir", "", "read a local archive directory (DIR/BUCKET/KEY, metadata in KEY"+trailfile.MetaSuffix+") instead of S3")
	fs.StringVar(&f.s3Endpoint, "s3-endpoint", "", "S3 endpoint URL (default: the AWS SDK's, e.g. AWS_ENDPOINT_URL_S3)")
	fs.StringVar(&f.s3Region, "s3-region", "", "region S3 requests are signed for (default: the SDK's region, else us-east-1)")
	fs.BoolVar(&f.s3PathStyle, "s3-path-style", false, "address buckets in the path (http://host/bucket/key) instead of the host name")
	fs.StringVar(&f.s3AccessKeyID, "s3-access-key-id", "", "S3 access key id (default: the AWS SDK's credential chain)")
	fs.StringVar(&f.s3SecretAccessKey, "s3-secret-access-key", "", "S3 secret access key (with --s3-access-key-id)")
	fs.StringVar(&f.endpointURL, "endpoint-url", "", "trailwatch (CloudTrail) endpoint for ListPublicKeys and DescribeTrails")
	fs.StringVar(&f.publicKeys, "public-keys", "", "read the public keys from this file (JSON or PEM) instead of calling ListPublicKeys")
	fs.StringVar(&f.profile, "profile", "", "AWS shared-config profile for credentials and region")
	fs.IntVar(&f.workers, "workers", 0, "log files hashed at once (default: the number of CPUs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("validate: unexpected argument %q", fs.Arg(0))
	}
	opts, err := f.options(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Validating log files for trail %s between %s and %s\n\n", f.trailARN,
		trailfile.FormatTime(opts.Start), trailfile.FormatTime(opts.End))
	rep, err := trailfile.Verify(ctx, opts)
	if err != nil {
		return err
	}
	failed := printReport(stdout, stderr, rep, opts, f.verbose)
	if f.eventID != "" {
		if rep.Proof == nil {
			fmt.Fprintf(stderr, "Event %s: not found in any valid log file\n", f.eventID)
			failed = true
		} else {
			fmt.Fprintf(stdout, "\n%s", rep.Proof)
		}
	}
	if failed {
		return errValidationFailed
	}
	return nil
}

// options turns the flags into Verify's options: the trail's coordinates,
// the time range, where files are read and the public keys.
func (f *validateFlags) options(ctx context.Context) (trailfile.Options, error) {
	var o trailfile.Options
	if f.trailARN == "" || f.startTime == "" {
		return o, errors.New("validate: --trail-arn and --start-time are required")
	}
	m := trailARN.FindStringSubmatch(f.trailARN)
	if m == nil {
		return o, fmt.Errorf("Invalid trail ARN provided: %s", f.trailARN)
	}
	o.HomeRegion, o.AccountID, o.TrailName = m[1], m[2], m[3]
	if f.accountID != "" {
		o.AccountID = f.accountID
	}
	o.Region = f.region
	if o.Region == "" {
		o.Region = envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", o.HomeRegion))
	}
	var err error
	if o.Start, err = parseDate(f.startTime); err != nil {
		return o, err
	}
	o.End = time.Now().UTC().Truncate(time.Second)
	if f.endTime != "" {
		if o.End, err = parseDate(f.endTime); err != nil {
			return o, err
		}
	}
	if o.Start.After(o.End) {
		return o, errors.New("Invalid time range specified: start-time must occur before end-time")
	}
	o.EventID, o.Workers = f.eventID, f.workers
	if f.dir != "" && (f.s3Endpoint != "" || f.s3PathStyle || f.s3AccessKeyID != "") {
		return o, errors.New("validate: --dir reads a local archive; the --s3-* flags do not apply")
	}
	if (f.s3AccessKeyID == "") != (f.s3SecretAccessKey == "") {
		return o, errors.New("validate: --s3-access-key-id and --s3-secret-access-key go together")
	}

	// The CloudTrail API is needed for keys without --public-keys, and for
	// the trail's bucket without --s3-bucket, as validate-logs uses it.
	var ct *cloudtrail.Client
	if f.publicKeys == "" || f.bucket == "" {
		cfg, err := f.awsConfig(ctx, o.HomeRegion)
		if err != nil {
			return o, err
		}
		ct = cloudtrail.NewFromConfig(cfg, func(co *cloudtrail.Options) {
			if f.endpointURL != "" {
				co.BaseEndpoint = aws.String(f.endpointURL)
			}
		})
	}
	o.Bucket, o.Prefix = f.bucket, f.prefix
	if o.Bucket == "" {
		if f.prefix != "" {
			return o, errors.New("validate: --s3-prefix needs --s3-bucket")
		}
		if o.Bucket, o.Prefix, err = trailBucket(ctx, ct, f.trailARN); err != nil {
			return o, err
		}
	}
	if f.publicKeys != "" {
		b, err := os.ReadFile(f.publicKeys)
		if err != nil {
			return o, err
		}
		entries, err := trailfile.ParseKeyFile(b)
		if err != nil {
			return o, fmt.Errorf("%s: %w", f.publicKeys, err)
		}
		o.Keys = trailfile.KeysFor(entries, o.AccountID, o.HomeRegion)
	} else {
		// CLI1 asks for [start, end+2h], which holds the key of the last
		// digest the walk reads (end+1h) whichever CLI wrote the range.
		out, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(o.Start), EndTime: aws.Time(o.End.Add(2 * time.Hour))})
		if err != nil {
			return o, fmt.Errorf("ListPublicKeys: %w", err)
		}
		for _, k := range out.PublicKeyList {
			o.Keys = append(o.Keys, trailfile.PublicKey{Fingerprint: aws.ToString(k.Fingerprint), DER: k.Value,
				ValidityStart: aws.ToTime(k.ValidityStartTime), ValidityEnd: aws.ToTime(k.ValidityEndTime)})
		}
	}
	if len(o.Keys) == 0 {
		// validate-logs aborts here too (reference/cloudtrail.md §7.4).
		return o, fmt.Errorf("No public keys found between %s and %s", trailfile.FormatTime(o.Start), trailfile.FormatTime(o.End))
	}

	if f.dir != "" {
		if st, err := os.Stat(f.dir); err != nil || !st.IsDir() {
			return o, fmt.Errorf("validate: --dir %s is not a directory", f.dir)
		}
		o.Open = func(bucket string) (trailfile.Reader, error) {
			return trailfile.NewDirReader(filepath.Join(f.dir, bucket)), nil
		}
		return o, nil
	}
	s3c, err := f.s3Client(ctx)
	if err != nil {
		return o, err
	}
	o.Open = func(bucket string) (trailfile.Reader, error) { return &s3Reader{c: s3c, bucket: bucket}, nil }
	return o, nil
}

// awsConfig is the SDK's configuration (environment, shared files,
// --profile) with region as the default region.
func (f *validateFlags) awsConfig(ctx context.Context, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// trailBucket finds the trail's bucket and prefix as validate-logs does
// without --s3-bucket: DescribeTrails with no parameters, then the entry
// with that ARN.
func trailBucket(ctx context.Context, ct *cloudtrail.Client, arn string) (bucket, prefix string, err error) {
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		return "", "", fmt.Errorf("DescribeTrails: %w", err)
	}
	for _, t := range out.TrailList {
		if aws.ToString(t.TrailARN) == arn {
			return aws.ToString(t.S3BucketName), aws.ToString(t.S3KeyPrefix), nil
		}
	}
	return "", "", fmt.Errorf("A trail could not be found for %s", arn)
}

// dateLayouts are the time forms --start-time and --end-time take; a time
// without a zone is UTC, as validate-logs reads it.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			// validate-logs drops sub-second parts (normalize_date).
			return t.UTC().Truncate(time.Second), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("Unable to parse date value: %s", s)
}

// statusWriter writes validate-logs' status lines: failures on stderr,
// each followed by a blank line (and preceded by one after verbose
// output), valid files on stdout with --verbose only.
type statusWriter struct {
	stdout, stderr io.Writer
	verbose        bool
	// doubleSpaced is whether the last line written ended a blank-line
	// pair, so the next failure needs no blank line before it.
	doubleSpaced bool
}

func (w *statusWriter) write(line string, failure bool) {
	switch {
	case failure && w.doubleSpaced:
		fmt.Fprintf(w.stderr, "%s\n\n", line)
	case failure:
		fmt.Fprintf(w.stderr, "\n%s\n\n", line)
		w.doubleSpaced = true
	case w.verbose:
		fmt.Fprintf(w.stdout, "%s\n", line)
		w.doubleSpaced = false
	}
}

// printReport writes the report in validate-logs' order — each digest,
// newest first, followed by the log files it lists — then the files no
// digest lists, the gap notices and the summary. It reports whether
// anything failed.
func printReport(stdout, stderr io.Writer, rep *trailfile.Report, o trailfile.Options, verbose bool) (failed bool) {
	w := &statusWriter{stdout: stdout, stderr: stderr, verbose: verbose, doubleSpaced: true}
	var validDigests, invalidDigests, breaks, validLogs, invalidLogs int
	logs := rep.Logs
	printLog := func(l trailfile.Result) {
		if l.Valid() {
			validLogs++
		} else {
			invalidLogs++
		}
		w.write(l.String(), !l.Valid())
	}
	for _, d := range rep.Digests {
		switch {
		case d.Kind == trailfile.KindChain:
			breaks++
		case d.Valid():
			validDigests++
		default:
			invalidDigests++
		}
		w.write(d.String(), !d.Valid())
		if d.Kind != trailfile.KindDigest || !d.Valid() {
			continue
		}
		// Logs are in the order of the digests that list them.
		for len(logs) > 0 && logs[0].ListedIn == d.Key {
			printLog(logs[0])
			logs = logs[1:]
		}
	}
	for _, l := range logs {
		printLog(l)
	}
	for _, n := range rep.Notices {
		w.write(n, true)
	}

	if !w.doubleSpaced {
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "Results requested for %s to %s\n", trailfile.FormatTime(o.Start), trailfile.FormatTime(o.End))
	if validDigests+invalidDigests+breaks == 0 {
		fmt.Fprintln(stdout, "No digests found")
		return invalidLogs > 0
	}
	if rep.FoundEnd.IsZero() {
		fmt.Fprintln(stdout, "No valid digests found in range")
	} else {
		fmt.Fprintf(stdout, "Results found for %s to %s:\n", trailfile.FormatTime(rep.FoundStart), trailfile.FormatTime(rep.FoundEnd))
	}
	ratio := func(valid, invalid int, name string) {
		if total := valid + invalid; total > 0 {
			fmt.Fprintf(stdout, "\n%d/%d %s files valid", valid, total, name)
			if invalid > 0 {
				fmt.Fprintf(stdout, ", %d/%d %s files INVALID", invalid, total, name)
			}
		}
	}
	ratio(validDigests, invalidDigests, "digest")
	ratio(validLogs, invalidLogs, "log")
	if breaks > 0 {
		fmt.Fprintf(stdout, "\n%d %s in the digest chain", breaks, plural(breaks, "break", "breaks"))
	}
	fmt.Fprintln(stdout)
	return invalidDigests+breaks+invalidLogs > 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
