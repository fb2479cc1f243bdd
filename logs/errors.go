package logs

import (
	"net/http"

	"github.com/trailwatch/trailwatch/filterpattern"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// CloudWatch Logs' error table (reference/cloudwatch-logs.md §9). Every
// modelled client error is a 400, ResourceNotFoundException included (§1).
// Each call returns a fresh value, so no caller can change another's error.
//
// Messages marked "observed" were recorded from AWS (LocalStack snapshots
// taken against real AWS, client bug reports quoting AWS's response); the
// others follow AWS's wording where its documentation gives one and are
// marked unverified. Clients key on the code, not the text.

const (
	codeInvalidParameter = "InvalidParameterException"
	codeResourceNotFound = "ResourceNotFoundException"
	codeAlreadyExists    = "ResourceAlreadyExistsException"
	codeLimitExceeded    = "LimitExceededException"
	codeValidation       = "ValidationException"
	codeTooManyTags      = "TooManyTagsException"
)

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(codeInvalidParameter, http.StatusBadRequest, format, args...)
}

// Not found (observed).

func errGroupNotFound() *awserr.Error {
	return awserr.New(codeResourceNotFound, http.StatusBadRequest, "The specified log group does not exist.")
}

func errStreamNotFound() *awserr.Error {
	return awserr.New(codeResourceNotFound, http.StatusBadRequest, "The specified log stream does not exist.")
}

// errMetricFilterNotFound: unverified, the wording every emulator uses.
func errMetricFilterNotFound() *awserr.Error {
	return awserr.New(codeResourceNotFound, http.StatusBadRequest, "The specified metric filter does not exist.")
}

// Already exists (observed; AWS leaves out the full stop here).

func errGroupExists() *awserr.Error {
	return awserr.New(codeAlreadyExists, http.StatusBadRequest, "The specified log group already exists")
}

func errStreamExists() *awserr.Error {
	return awserr.New(codeAlreadyExists, http.StatusBadRequest, "The specified log stream already exists")
}

// errNameTooLong is AWS's answer to a log group or stream name over 512
// characters, given instead of the generic validation message (observed
// for CreateLogGroup and DeleteMetricFilter).
func errNameTooLong() *awserr.Error {
	return invalidParameter("Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
}

// errReservedGroupName: unverified; CreateLogGroup's documentation says
// names "can't start with the string aws/".
func errReservedGroupName() *awserr.Error {
	return invalidParameter("Log group names can't start with the string aws/")
}

// errPrefixAndPattern (observed).
func errPrefixAndPattern() *awserr.Error {
	return invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
}

// errIdentifiersWithFilters: unverified; the model says logGroupIdentifiers
// combines only with includeLinkedAccounts.
func errIdentifiersWithFilters() *awserr.Error {
	return invalidParameter("logGroupIdentifiers can only be combined with includeLinkedAccounts.")
}

// errNameAndIdentifier is a ValidationException, not an
// InvalidParameterException (observed for DescribeLogStreams).
func errNameAndIdentifier() *awserr.Error {
	return awserr.New(codeValidation, http.StatusBadRequest, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
}

// errNoGroup: unverified; the model requires exactly one of the two.
func errNoGroup() *awserr.Error {
	return invalidParameter("Either logGroupName or logGroupIdentifier must be specified.")
}

// errOrderByWithPrefix: unverified (the emulators' wording).
func errOrderByWithPrefix() *awserr.Error {
	return invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
}

// errStreamNamesAndPrefix: unverified; the model documents the exception
// for logStreamNames together with logStreamNamePrefix.
func errStreamNamesAndPrefix() *awserr.Error {
	return invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
}

// errNextToken (observed for GetLogEvents and FilterLogEvents; used for
// every list operation).
func errNextToken() *awserr.Error {
	return invalidParameter("The specified nextToken is invalid.")
}

// PutLogEvents batch rules (§3.3).

// errEventTooLarge (observed, with the 256 KB limit of the time).
func errEventTooLarge(size int) *awserr.Error {
	return invalidParameter("Log event too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
}

// errBatchTooLarge: unverified, worded like errEventTooLarge.
func errBatchTooLarge(size int) *awserr.Error {
	return invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
}

// errNotChronological (observed).
func errNotChronological() *awserr.Error {
	return invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
}

// errBatchSpan: unverified; the operation's documentation words the rule
// this way.
func errBatchSpan() *awserr.Error {
	return invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
}

// errFilterPattern is FilterLogEvents' answer to a pattern it cannot use
// (see filterpattern's messages).
func errFilterPattern() *awserr.Error {
	return invalidParameter("%s", filterpattern.InvalidFilterPatternMessage)
}

// errMetricFilterPattern is the metric filter operations' answer.
func errMetricFilterPattern() *awserr.Error {
	return invalidParameter("%s", filterpattern.InvalidMetricFilterPatternMessage)
}

// Metric filter definitions (§3.6, §6): unverified wording.

func errMetricValue(v string) *awserr.Error {
	return invalidParameter("Invalid metric value %q: it must be a number or a field the filter pattern extracts.", v)
}

func errDimensionValue(name, v string) *awserr.Error {
	return invalidParameter("Invalid dimension %s=%q: a dimension value must be a field the filter pattern extracts.", name, v)
}

func errTooManyDimensions() *awserr.Error {
	return invalidParameter("A metric transformation can have at most %d dimensions.", maxDimensions)
}

func errDimensionsWithDefault() *awserr.Error {
	return invalidParameter("A metric transformation with dimensions cannot have a default value.")
}

func errMetricNameWithoutNamespace() *awserr.Error {
	return invalidParameter("If you include metricName, you must also include metricNamespace, and the reverse.")
}

// errMetricFilterLimit: unverified (the emulators' wording).
func errMetricFilterLimit() *awserr.Error {
	return awserr.New(codeLimitExceeded, http.StatusBadRequest, "Resource limit exceeded.")
}

// errTooManyTags uses TooManyTagsException's documented sentence.
func errTooManyTags() *awserr.Error {
	return awserr.New(codeTooManyTags, http.StatusBadRequest, "A resource can have no more than %d tags.", maxTags)
}

// errDeletionProtected: unverified. The model adds ValidationException to
// DeleteLogGroup and DeleteLogStream alongside deletion protection, which
// "blocks all deletion operations until it is explicitly disabled".
func errDeletionProtected() *awserr.Error {
	return awserr.New(codeValidation, http.StatusBadRequest, "The log group has deletion protection enabled; disable it before deleting.")
}

// errResourceARN answers a TagResource-family ARN that is not a log group
// of the caller's account and region: AWS reports such a resource as not
// found (unverified wording).
func errResourceARN() *awserr.Error {
	return awserr.New(codeResourceNotFound, http.StatusBadRequest, "The specified resource does not exist.")
}
