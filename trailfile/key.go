package trailfile

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Time layouts of the archive (reference/cloudtrail.md §6.1, §7.1, §7.2).
const (
	// logKeyTime is a log file's delivery time in its name: minutes.
	logKeyTime = "20060102T1504Z"
	// digestKeyTime is a digest's end time in its name: seconds. The CLI
	// compares these 16 characters as strings, so the width is fixed.
	digestKeyTime = "20060102T150405Z"
	// TimeLayout is how digests write their times (digestStartTime,
	// newestEventTime, …).
	TimeLayout = "2006-01-02T15:04:05Z"
	// datePath is the YYYY/MM/DD folder of both kinds of file.
	datePath = "2006/01/02"
)

// SuffixLength is the length of the unique part of a log file name.
const SuffixLength = 16

// suffixAlphabet is what AWS's suffixes are made of (the documented example
// is Mu0KsOhtH1ar15ZZ).
const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// UniqueSuffix derives a log file name's 16-character suffix from seed. The
// same seed always gives the same suffix, so a delivery repeated after a
// crash writes the same key instead of a second copy; distinct seeds (a
// trail, region and batch identity, say) give distinct suffixes with
// overwhelming probability (about 95 bits).
func UniqueSuffix(seed string) string {
	h := sha256.Sum256([]byte(seed))
	var b [SuffixLength]byte
	for i := range b {
		// The bias of a byte modulo 62 is irrelevant here: the suffix
		// only has to differ between files.
		b[i] = suffixAlphabet[int(h[i])%len(suffixAlphabet)]
	}
	return string(b[:])
}

// withPrefix puts a trail's S3 key prefix in front of a key.
func withPrefix(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "/" + key
}

// LogFileKey is the object key of a log file delivered at delivered
// (reference/cloudtrail.md §6.1):
//
//	[prefix/]AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
//
// The date path and time are the delivery time in UTC. unique is normally
// UniqueSuffix of a seed.
func LogFileKey(prefix, account, region string, delivered time.Time, unique string) string {
	d := delivered.UTC()
	return withPrefix(prefix, fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz",
		account, region, d.Format(datePath), account, region, d.Format(logKeyTime), unique))
}

// DigestKey is the object key of the digest of trail (whose home region is
// homeRegion) for region, covering up to end (reference/cloudtrail.md
// §7.1):
//
//	[prefix/]AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ.json.gz
func DigestKey(prefix, account, region, trail, homeRegion string, end time.Time) string {
	e := end.UTC()
	return withPrefix(prefix, fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz",
		account, region, e.Format(datePath), account, region, trail, homeRegion, e.Format(digestKeyTime)))
}

// DigestPrefix is the key prefix under which every digest of account and
// region lies (what the CLI lists, reference/cloudtrail.md §7.6 step 3).
func DigestPrefix(prefix, account, region string) string {
	return withPrefix(prefix, fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/", account, region))
}

// LogPrefix is the key prefix under which every log file of account and
// region lies.
func LogPrefix(prefix, account, region string) string {
	return withPrefix(prefix, fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/", account, region))
}

// DigestKeyPattern is the regular expression the AWS CLI keeps digest keys
// with (reference/cloudtrail.md §7.1, CLI 2.9's form; backfill digests are
// not matched: trailwatch never writes them).
func DigestKeyPattern(prefix, account, region, trail, homeRegion string) *regexp.Regexp {
	q := regexp.QuoteMeta
	p := "AWSLogs/" + q(account) + `/CloudTrail\-Digest/` + q(region) + `/\d+/\d+/\d+/` + q(account) +
		`_CloudTrail\-Digest_` + q(region) + "_" + q(trail) + "_" + q(homeRegion) + `_.+\.json\.gz`
	if prefix != "" {
		p = q(prefix) + "/" + p
	}
	return regexp.MustCompile("^" + p + "$")
}

// DigestKeyTime is the end time a digest key carries: the 16 characters
// before ".json.gz", as the CLI reads them. ok is false if they do not
// parse.
func DigestKeyTime(key string) (t time.Time, ok bool) {
	if len(key) < 24 || !strings.HasSuffix(key, ".json.gz") {
		return time.Time{}, false
	}
	t, err := time.Parse(digestKeyTime, key[len(key)-24:len(key)-8])
	return t, err == nil
}

// LogFileKeyTime is the delivery time a log file key carries, to the
// minute; ok is false for a key not shaped like LogFileKey's.
func LogFileKeyTime(key string) (t time.Time, ok bool) {
	// …_YYYYMMDDTHHmmZ_UNIQUE16.json.gz
	const tail = 1 + len(logKeyTime) + 1 + SuffixLength + len(".json.gz")
	if len(key) < tail || !strings.HasSuffix(key, ".json.gz") {
		return time.Time{}, false
	}
	s := key[len(key)-tail:]
	if s[0] != '_' || s[1+len(logKeyTime)] != '_' {
		return time.Time{}, false
	}
	t, err := time.Parse(logKeyTime, s[1:1+len(logKeyTime)])
	return t, err == nil
}

// FormatTime writes t as digests do: UTC, second precision.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
