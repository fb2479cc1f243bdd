package sns

import (
	"net/http"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// SNS's error table: codes and statuses from the model
// (botocore sns/2010-03-31), messages as SNS words them. Each call returns
// a fresh value.

// maxTopicsPerAccount is SNS's standard-topic quota per account and region.
const maxTopicsPerAccount = 100000

func errInvalidParameter(what string) *awserr.Error {
	return &awserr.Error{Code: "InvalidParameter", Status: http.StatusBadRequest, Message: "Invalid parameter: " + what}
}

// errParameterValueInvalid is the InvalidParameterValueException shape,
// which SNS uses for message attributes.
func errParameterValueInvalid(msg string) *awserr.Error {
	return &awserr.Error{Code: "ParameterValueInvalid", Status: http.StatusBadRequest, Message: msg}
}

func errTopicNotFound() *awserr.Error {
	return awserr.New("NotFound", http.StatusNotFound, "Topic does not exist")
}

func errSubscriptionNotFound() *awserr.Error {
	return awserr.New("NotFound", http.StatusNotFound, "Subscription does not exist")
}

func errTopicLimit() *awserr.Error {
	return awserr.New("TopicLimitExceeded", http.StatusForbidden, "Topic limit exceeded")
}

// errNotAuthorized answers a call on another account's topic: topics
// here have no resource policy that could grant another account access.
func errNotAuthorized(callerARN, action, resource string) *awserr.Error {
	return awserr.New("AuthorizationError", http.StatusForbidden,
		"User: %s is not authorized to perform: SNS:%s on resource: %s because no resource-based policy allows the SNS:%s action",
		callerARN, action, resource, action)
}

func errTooManyEntries() *awserr.Error {
	return awserr.New("TooManyEntriesInBatchRequest", http.StatusBadRequest, "The batch request contains more entries than permissible.")
}

func errEmptyBatch() *awserr.Error {
	return awserr.New("EmptyBatchRequest", http.StatusBadRequest, "The batch request doesn't contain any entries.")
}

func errBatchIDsNotDistinct() *awserr.Error {
	return awserr.New("BatchEntryIdsNotDistinct", http.StatusBadRequest, "Two or more batch entries in the request have the same Id.")
}

func errInvalidBatchID() *awserr.Error {
	return awserr.New("InvalidBatchEntryId", http.StatusBadRequest, "The Id of a batch entry in a batch request doesn't abide by the specification.")
}

func errBatchTooLong() *awserr.Error {
	return awserr.New("BatchRequestTooLong", http.StatusBadRequest, "The length of all the messages put together is more than the limit.")
}
