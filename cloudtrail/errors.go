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
