package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Validation of a trail's delivery settings (reference/cloudtrail.md §5.1,
// §5.2). trailwatch delivers to buckets configured on the server, so bucket
// names are checked for form only and stored as given; the topic, key and
// role are not resolved either, as trailwatch has no SNS, KMS or IAM roles
// to resolve them against.

const (
	maxS3KeyPrefix = 200
	maxSnsTopic    = 256
)

var (
	// bucketName is S3's rule for general purpose bucket names: 3–63
	// lower-case letters, digits, dots and hyphens, starting and ending
	// with a letter or digit.
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	snsName    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	keyUUID    = regexp.MustCompile(`^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	aliasName  = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]+$`)
)

// checkBucket applies S3's naming rules to a bucket a trail delivers to.
func checkBucket(name string) *awserr.Error {
	if !bucketName.MatchString(name) || strings.Contains(name, "..") || isIPAddress(name) {
		return ctError(codeInvalidS3BucketName, "Bucket name %s is not valid: bucket names are 3-63 lower-case letters, numbers, periods and hyphens, and begin and end with a letter or number.", name)
	}
	return nil
}

// checkPrefix: emulated wording.
func checkPrefix(prefix string) *awserr.Error {
	if len(prefix) > maxS3KeyPrefix {
		return ctError(codeInvalidS3Prefix, "S3 prefix is longer than maximum length:%d", len(prefix))
	}
	return nil
}

// snsTopicARN returns the ARN of the topic SnsTopicName names: an ARN as
// given, or a name in the trail's home region.
func snsTopicARN(c *trailwatch.Caller, v string) (string, *awserr.Error) {
	bad := ctError(codeInvalidSnsTopicName, "SNS topic name %s is not valid.", v)
	if len(v) > maxSnsTopic {
		return "", bad
	}
	if strings.HasPrefix(v, "arn:") {
		a, err := trailwatch.ParseARN(v)
		if err != nil || a.Service != "sns" || a.Region == "" || !isAccountID(a.AccountID) || !snsName.MatchString(a.Resource) {
			return "", bad
		}
		return v, nil
	}
	if !snsName.MatchString(v) {
		return "", bad
	}
	return "arn:" + trailwatch.Partition + ":sns:" + c.Region + ":" + c.AccountID + ":" + v, nil
}

// snsTopicName is the deprecated SnsTopicName output: the topic's name.
func snsTopicName(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// kmsKeyARN accepts the four forms KmsKeyId takes and returns an ARN:
// responses show the key as an ARN (§5.1). A bare key id or alias name
// becomes an ARN in the caller's account and region; an alias is not
// resolved to its key, there being no KMS to ask.
func kmsKeyARN(c *trailwatch.Caller, v string) (string, *awserr.Error) {
	prefix := "arn:" + trailwatch.Partition + ":kms:" + c.Region + ":" + c.AccountID + ":"
	switch {
	case keyUUID.MatchString(v):
		return prefix + "key/" + v, nil
	case aliasName.MatchString(v):
		return prefix + v, nil
	case strings.HasPrefix(v, "arn:"):
		a, err := trailwatch.ParseARN(v)
		if err == nil && a.Service == "kms" && a.Region != "" && isAccountID(a.AccountID) {
			if id, ok := strings.CutPrefix(a.Resource, "key/"); ok && keyUUID.MatchString(id) {
				return v, nil
			}
			if aliasName.MatchString(a.Resource) {
				return v, nil
			}
		}
	}
	return "", ctError(codeInvalidKmsKeyID, "Invalid KmsKeyId %s", v)
}

// checkCloudWatchLogs validates a trail's CloudWatch Logs pair as it will
// be stored (both empty, or both set): the log group must exist in the
// caller's account and region, the role must be an IAM role ARN of the
// account. CloudTrail needs the role to write to the group, so one without
// the other is refused.
func (s *Service) checkCloudWatchLogs(ctx context.Context, c *trailwatch.Caller, groupARN, roleARN string) error {
	switch {
	case groupARN == "" && roleARN == "":
		return nil
	case groupARN == "":
		return ctError(codeInvalidLogGroupARN, "You must specify a log group ARN with the role ARN.")
	case roleARN == "":
		return ctError(codeInvalidRoleARN, "You must specify a role ARN with the log group ARN.")
	}
	r, err := trailwatch.ParseARN(roleARN)
	if err != nil || r.Service != "iam" || r.AccountID != c.AccountID || !strings.HasPrefix(r.Resource, "role/") || len(r.Resource) == len("role/") {
		return ctError(codeInvalidRoleARN, "Invalid CloudWatch Logs role ARN %s", roleARN)
	}
	g, err := trailwatch.ParseARN(groupARN)
	if err != nil || g.Service != "logs" || g.Region != c.Region || g.AccountID != c.AccountID {
		return errLogGroupARN()
	}
	name, ok := strings.CutPrefix(g.Resource, "log-group:")
	name = strings.TrimSuffix(name, ":*")
	if !ok || name == "" || strings.Contains(name, ":") {
		return errLogGroupARN()
	}
	if s.logs == nil {
		return nil
	}
	_, err = s.logs.GetLogGroup(ctx, c.AccountID, c.Region, name)
	if errors.Is(err, storage.ErrNotFound) {
		return errLogGroupARN()
	}
	if err != nil {
		return fmt.Errorf("get log group: %w", err)
	}
	return nil
}

// checkCombination applies the rules that span members, on the settings a
// trail will have.
func checkCombination(t *trailwatch.Trail) *awserr.Error {
	if t.IsMultiRegionTrail && !t.IncludeGlobalServiceEvents {
		return errMultiRegionGlobal()
	}
	return nil
}

// errOrganizations: trailwatch accounts belong to no organization, so an
// organization trail cannot exist (unverified wording).
func errOrganizations() *awserr.Error {
	return ctError(codeOrganizationsNotInUse, "This account is not a member of an organization.")
}

// ensureBucket makes sure the bucket a trail is given can take its files:
// it exists in the archive, made there if the archive may make it, and, in
// an archive that records owners (the local one), belongs to the caller's
// account. A bucket missing from an external store is
// S3BucketDoesNotExistException; one another account claimed is refused as
// AWS refuses a bucket whose policy does not let CloudTrail write
// (reference/cloudtrail.md §5.2).
func (s *Service) ensureBucket(ctx context.Context, c *trailwatch.Caller, name string) error {
	if s.buckets == nil {
		return nil
	}
	if e := checkBucket(name); e != nil {
		return e
	}
	err := s.buckets.EnsureBucket(ctx, name)
	if errors.Is(err, archive.ErrNoSuchBucket) {
		return errBucketMissing(name)
	}
	if err != nil {
		return fmt.Errorf("ensure bucket %s: %w", name, err)
	}
	if cl, ok := s.buckets.(archive.Claimer); ok {
		err := cl.ClaimBucket(ctx, name, c.AccountID)
		if errors.Is(err, archive.ErrBucketOwned) {
			return errBucketPolicy(name)
		}
		if err != nil {
			return fmt.Errorf("claim bucket %s: %w", name, err)
		}
	}
	return nil
}

// errBucketMissing: the model documents only "the specified S3 bucket does
// not exist"; the sentence is the one CloudTrail emulators send
// (unverified).
func errBucketMissing(name string) *awserr.Error {
	return ctError(codeS3BucketDoesNotExist, "S3 bucket %s does not exist!", name)
}

// errBucketPolicy (observed: hashicorp/terraform#29991, aws-cli docs issue
// awsdocs/aws-cloudtrail-user-guide#24).
func errBucketPolicy(name string) *awserr.Error {
	return ctError(codeInsufficientS3BucketPolicy, "Incorrect S3 bucket policy is detected for bucket: %s", name)
}
