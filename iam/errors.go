package iam

import (
	"net/http"

	"github.com/trailwatch/trailwatch/internal/awserr"
)

// IAM's error table: codes and statuses from the model
// (botocore iam/2010-05-08), messages as IAM words them. Each call returns
// a fresh value, so no caller can change another's error.

// Quotas IAM enforces, with the names its messages use.
const (
	// maxKeysPerUser is IAM's AccessKeysPerUser quota; root keys count
	// against the same number per account.
	maxKeysPerUser = 2
	// maxUserPolicySize bounds the non-whitespace characters of all of a
	// user's inline policies together.
	maxUserPolicySize = 2048
)

func errNoSuchUser(name string) *awserr.Error {
	return awserr.New("NoSuchEntity", http.StatusNotFound, "The user with name %s cannot be found.", name)
}

func errNoSuchUserPolicy(name string) *awserr.Error {
	return awserr.New("NoSuchEntity", http.StatusNotFound, "The user policy with name %s cannot be found.", name)
}

func errNoSuchAccessKey(id string) *awserr.Error {
	return awserr.New("NoSuchEntity", http.StatusNotFound, "The Access Key with id %s cannot be found.", id)
}

// errBoundaryNotAttachable answers any PermissionsBoundary: trailwatch has
// no managed policies, so no policy ARN exists to attach, and IAM answers
// a missing boundary policy this way.
func errBoundaryNotAttachable(arn string) *awserr.Error {
	return awserr.New("NoSuchEntity", http.StatusNotFound, "Scope ARN: %s does not exist or is not attachable.", arn)
}

func errUserExists(name string) *awserr.Error {
	return awserr.New("EntityAlreadyExists", http.StatusConflict, "User with name %s already exists.", name)
}

// DeleteUser's conflicts, in the order IAM's user guide lists what must go
// before a user can be deleted.

func errUserHasKeys() *awserr.Error {
	return awserr.New("DeleteConflict", http.StatusConflict, "Cannot delete entity, must delete access keys first.")
}

func errUserHasPolicies() *awserr.Error {
	return awserr.New("DeleteConflict", http.StatusConflict, "Cannot delete entity, must delete policies first.")
}

// errUserReferenced is IAM's generic conflict, for when something was
// added between the checks and the delete.
func errUserReferenced() *awserr.Error {
	return awserr.New("DeleteConflict", http.StatusConflict, "Cannot delete entity, must remove referenced objects first.")
}

func errKeyQuota() *awserr.Error {
	return awserr.New("LimitExceeded", http.StatusConflict, "Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser)
}

func errPolicySize(user string) *awserr.Error {
	return awserr.New("LimitExceeded", http.StatusConflict, "Maximum policy size of %d bytes exceeded for user %s", maxUserPolicySize, user)
}

func errMalformedPolicy(msg string) *awserr.Error {
	return &awserr.Error{Code: "MalformedPolicyDocument", Status: http.StatusBadRequest, Message: msg}
}

// errInvalidMarker answers a Marker this service did not issue for this
// operation.
func errInvalidMarker() *awserr.Error {
	return awserr.New("ValidationError", http.StatusBadRequest, "Invalid Marker.")
}

// errTagsUnsupported answers CreateUser with Tags: storage has no place
// for user tags, and accepting them without keeping them would be a lie.
func errTagsUnsupported() *awserr.Error {
	return awserr.New("InvalidInput", http.StatusBadRequest, "Tags are not supported on IAM users by this server.")
}
