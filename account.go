package trailwatch

import (
	"regexp"
	"time"
)

// Account is an isolated tenant, as an AWS account is: every resource and
// every event belongs to exactly one account, and no key of one account can
// reach another's data.
type Account struct {
	ID        string // 12 decimal digits
	Name      string
	CreatedAt time.Time
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether id has the 12-digit form AWS uses.
func ValidAccountID(id string) bool { return accountIDPattern.MatchString(id) }

// User is an IAM user.
type User struct {
	AccountID string
	UserName  string
	UserID    string // AIDA… as AWS issues them
	Path      string // "/" unless set
	ARN       string
	CreatedAt time.Time
}

// Access key statuses, as IAM spells them.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a SigV4 credential. Root keys have an empty UserName.
type AccessKey struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
	UserName        string // "" for the account's root
	Status          string // KeyActive or KeyInactive
	CreatedAt       time.Time
}

// UserPolicy is an inline policy attached to an IAM user.
type UserPolicy struct {
	AccountID  string
	UserName   string
	PolicyName string
	Document   string // the JSON document as the caller sent it
}
