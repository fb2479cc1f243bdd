package cloudtrail

import (
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// CloudTrail's error table for the operations this package serves. Codes are
// the model's error shapes (reference/cloudtrail.md §4); none carries an
// HTTP status, so every one is a 400 sender fault (§1).
//
// Messages: CloudTrail's exact sentences are not published and were not
// found in any transcript of a real response, except the MaxResults text,
// which a CloudTrail-compatible service documents alongside other sentences
// that match AWS's word for word. The rest say what AWS's documentation of
// each shape says, in its style. Clients key on the code, never the text.

const (
	codeInvalidLookupAttributes = "InvalidLookupAttributesException"
	codeInvalidTimeRange        = "InvalidTimeRangeException"
	codeInvalidMaxResults       = "InvalidMaxResultsException"
	codeInvalidNextToken        = "InvalidNextTokenException"
	codeInvalidEventCategory    = "InvalidEventCategoryException"
)

func errTooManyLookupAttributes() *awserr.Error {
	return awserr.New(codeInvalidLookupAttributes, 400, "You cannot specify more than one lookup attribute.")
}

func errLookupAttributeKey(key string) *awserr.Error {
	return awserr.New(codeInvalidLookupAttributes, 400, "Lookup attribute key %q is not valid. Valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.", key)
}

func errLookupAttributeValue() *awserr.Error {
	return awserr.New(codeInvalidLookupAttributes, 400, "Lookup attribute value must be between 1 and 2000 characters long.")
}

func errInsightLookupAttribute(key string) *awserr.Error {
	return awserr.New(codeInvalidLookupAttributes, 400, "Lookup attribute key %q is not supported for Insights events. Valid keys are EventId, EventName and EventSource.", key)
}

func errTimeRange() *awserr.Error {
	return awserr.New(codeInvalidTimeRange, 400, "Start time must not be after end time.")
}

func errMaxResults(n int32) *awserr.Error {
	return awserr.New(codeInvalidMaxResults, 400, "A max results value of %d is invalid. Specify max results between 1 and 50.", n)
}

func errNextToken() *awserr.Error {
	return awserr.New(codeInvalidNextToken, 400, "Invalid NextToken. The token is not valid or was issued for a request with different parameters.")
}

func errEventCategory(c string) *awserr.Error {
	return awserr.New(codeInvalidEventCategory, 400, "Event category %q is not valid. The only valid value is insight.", c)
}

// The trail control plane's errors (reference/cloudtrail.md §5). Sources of
// the messages: "observed" were quoted from real responses in public bug
// reports (TrailNotFoundException, MaximumNumberOfTrailsExceededException,
// the blank-name and DataResources.Values sentences, the log group ARN
// sentence, "Region in ARN is wrong", "Multi-Region trail must include
// global service events."); "emulated" are the sentences CloudTrail
// emulators reproduce (grammar included) and are unverified; the rest are
// unverified and follow the shape's documentation.

const (
	codeTrailNotFound               = "TrailNotFoundException"
	codeTrailAlreadyExists          = "TrailAlreadyExistsException"
	codeInvalidTrailName            = "InvalidTrailNameException"
	codeMaximumNumberOfTrails       = "MaximumNumberOfTrailsExceededException"
	codeInvalidEventSelectors       = "InvalidEventSelectorsException"
	codeInvalidHomeRegion           = "InvalidHomeRegionException"
	codeARNInvalid                  = "CloudTrailARNInvalidException"
	codeInvalidS3BucketName         = "InvalidS3BucketNameException"
	codeS3BucketDoesNotExist        = "S3BucketDoesNotExistException"
	codeInsufficientS3BucketPolicy  = "InsufficientS3BucketPolicyException"
	codeInvalidS3Prefix             = "InvalidS3PrefixException"
	codeInvalidSnsTopicName         = "InvalidSnsTopicNameException"
	codeInvalidKmsKeyID             = "InvalidKmsKeyIdException"
	codeInvalidParameterCombination = "InvalidParameterCombinationException"
	codeInvalidParameter            = "InvalidParameterException"
	codeInvalidLogGroupARN          = "InvalidCloudWatchLogsLogGroupArnException"
	codeInvalidRoleARN              = "InvalidCloudWatchLogsRoleArnException"
	codeTagsLimitExceeded           = "TagsLimitExceededException"
	codeInvalidTagParameter         = "InvalidTagParameterException"
	codeResourceNotFound            = "ResourceNotFoundException"
	codeOrganizationsNotInUse       = "OrganizationsNotInUseException"
)

func ctError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, 400, format, args...)
}

// errTrailNotFound names the trail as the caller gave it, name or ARN
// (observed both ways).
func errTrailNotFound(given, account string) *awserr.Error {
	return ctError(codeTrailNotFound, "Unknown trail: %s for the user: %s", given, account)
}

// errTrailExists (emulated).
func errTrailExists(name, account string) *awserr.Error {
	return ctError(codeTrailAlreadyExists, "Trail %s already exists for customer: %s", name, account)
}

// errTooManyTrails (observed).
func errTooManyTrails(account, region string) *awserr.Error {
	return ctError(codeMaximumNumberOfTrails, "User: %s already has %d trails in %s.", account, MaxTrailsPerRegion, region)
}

func errInvalidTrailName(format string, args ...any) *awserr.Error {
	return ctError(codeInvalidTrailName, format, args...)
}

func errHomeRegion(arn, home string) *awserr.Error {
	return ctError(codeInvalidHomeRegion, "The trail %s can only be changed from its home region, %s.", arn, home)
}

func errTrailARN(arn string) *awserr.Error {
	return ctError(codeARNInvalid, "Invalid trail ARN: %s", arn)
}

// errARNRegion (observed).
func errARNRegion(region string) *awserr.Error {
	return ctError(codeARNInvalid, "Region in ARN is wrong, you can only access resources in region %s.", region)
}

func errEventSelectors(format string, args ...any) *awserr.Error {
	return ctError(codeInvalidEventSelectors, format, args...)
}

// errMultiRegionGlobal (observed).
func errMultiRegionGlobal() *awserr.Error {
	return ctError(codeInvalidParameterCombination, "Multi-Region trail must include global service events.")
}

// errLogGroupARN (observed for a log group CloudTrail could not find).
func errLogGroupARN() *awserr.Error {
	return ctError(codeInvalidLogGroupARN, "CloudTrail cannot validate the specified log group ARN.")
}
