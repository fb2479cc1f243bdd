// Package storage is the seam between services and the databases that hold
// their state. Services see only these narrow interfaces; the sqlite and
// postgres subpackages implement them, and storagetest is the conformance
// suite both must pass.
//
// Every method that writes returns only after the write is durable
// (committed with the backend's full-sync setting): a service may acknowledge
// a client as soon as the call returns nil.
package storage

import (
	"context"
	"errors"
	"time"

	"github.com/trailwatch/trailwatch"
)

// Sentinel errors. Backends return them (possibly wrapped); services map them
// to their own AWS errors.
var (
	ErrNotFound      = errors.New("storage: not found")
	ErrExists        = errors.New("storage: already exists")
	ErrLimitExceeded = errors.New("storage: limit exceeded")
	// ErrConflict: the object is still referenced (an IAM user that still
	// has access keys or policies).
	ErrConflict = errors.New("storage: conflict")
)

// Store is an open backend.
type Store interface {
	Accounts() Accounts
	IAM() IAM
	Events() Events
	Leases() Leases
	Logs() Logs
	Trails() Trails
	TrailKeys() TrailKeys
	Channels() Channels
	Metrics() Metrics
	SNS() SNS
	Alarms() Alarms
	// Close waits for in-flight writes and releases the database.
	Close() error
}

// Accounts holds tenants.
type Accounts interface {
	// CreateAccount returns ErrExists if the id is taken.
	CreateAccount(ctx context.Context, a trailwatch.Account) error
	// GetAccount returns ErrNotFound for an unknown id.
	GetAccount(ctx context.Context, id string) (trailwatch.Account, error)
	// ListAccounts returns every account ordered by id.
	ListAccounts(ctx context.Context) ([]trailwatch.Account, error)
}

// IAM holds users, access keys and inline user policies. Everything is
// scoped by account; only GetAccessKey looks across accounts, because SigV4
// finds the account from the key.
type IAM interface {
	// CreateUser returns ErrExists if the name is taken in the account
	// (names compare case-insensitively, as IAM's do).
	CreateUser(ctx context.Context, u trailwatch.User) error
	// GetUser returns ErrNotFound.
	GetUser(ctx context.Context, account, name string) (trailwatch.User, error)
	// ListUsers returns up to limit users whose path starts with pathPrefix
	// and whose name sorts after the name `after` ("" = from the start), in
	// name order.
	ListUsers(ctx context.Context, account, pathPrefix, after string, limit int) ([]trailwatch.User, error)
	// DeleteUser returns ErrNotFound, or ErrConflict while the user still
	// has access keys or inline policies.
	DeleteUser(ctx context.Context, account, name string) error

	// CreateAccessKey stores k; ErrNotFound if k.UserName is set and no such
	// user exists, ErrLimitExceeded if the owner already has maxPerOwner
	// keys (root keys count per account), ErrExists on an id collision.
	CreateAccessKey(ctx context.Context, k trailwatch.AccessKey, maxPerOwner int) error
	// GetAccessKey finds a key by id in any account; ErrNotFound.
	GetAccessKey(ctx context.Context, id string) (trailwatch.AccessKey, error)
	// ListAccessKeys lists a user's keys ("" = root's) by creation time.
	ListAccessKeys(ctx context.Context, account, user string) ([]trailwatch.AccessKey, error)
	// UpdateAccessKey sets the status; ErrNotFound unless the key exists and
	// belongs to that user of that account.
	UpdateAccessKey(ctx context.Context, account, user, id, status string) error
	// DeleteAccessKey removes a key; ErrNotFound as for UpdateAccessKey.
	DeleteAccessKey(ctx context.Context, account, user, id string) error

	// PutUserPolicy creates or replaces an inline policy; ErrNotFound if the
	// user does not exist.
	PutUserPolicy(ctx context.Context, p trailwatch.UserPolicy) error
	// GetUserPolicy returns ErrNotFound for an unknown user or policy.
	GetUserPolicy(ctx context.Context, account, user, name string) (trailwatch.UserPolicy, error)
	// ListUserPolicies returns the user's inline policies in name order;
	// ErrNotFound for an unknown user.
	ListUserPolicies(ctx context.Context, account, user string) ([]trailwatch.UserPolicy, error)
	// DeleteUserPolicy returns ErrNotFound.
	DeleteUserPolicy(ctx context.Context, account, user, name string) error
}

// StoredEvent is a CloudTrail record as kept: its position in the history
// and its JSON exactly as recorded.
type StoredEvent struct {
	Seq  int64 // storage-assigned, increasing in insertion order
	Time time.Time
	JSON []byte
}

// EventQuery selects events for LookupEvents. Results are newest first:
// by Time descending, then Seq descending.
type EventQuery struct {
	AccountID string
	Region    string
	// Category is "" for management events, or trailwatch.CategoryInsight.
	Category string
	// AttributeKey and AttributeValue, when set, select events having that
	// lookup attribute (trailwatch.Event.LookupAttributes), matched exactly.
	AttributeKey   string
	AttributeValue string
	// Start and End bound Time inclusively; zero means unbounded.
	Start, End time.Time
	// After, when non-nil, resumes strictly after this position in the
	// newest-first order (the last event of the previous page).
	After *StoredEvent
	Limit int
}

// Events holds CloudTrail event history.
type Events interface {
	// PutEvents stores events atomically and durably. Each event is indexed
	// by its account (RecipientAccountID), AWSRegion, EventCategory, time
	// and LookupAttributes.
	PutEvents(ctx context.Context, events []trailwatch.Event) error
	// LookupEvents returns up to q.Limit events matching q.
	LookupEvents(ctx context.Context, q EventQuery) ([]StoredEvent, error)
	// DeleteEventsBefore removes events older than t and returns how many
	// it removed; it deletes in bounded batches so it never blocks writers
	// for long.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error)
	// ReadEventChunks returns up to limit chunks of stored records with
	// ids after after, in id order: every stored event, of every account,
	// in the order stored, for trail delivery. Ids increase in the order
	// batches are stored, but on PostgreSQL a batch can become visible
	// after one stored later (ids are taken before the commit), and ids of
	// failed batches are never used; a reader that must see everything
	// waits a while for missing ids.
	ReadEventChunks(ctx context.Context, after int64, limit int) ([]EventChunk, error)
}

// EventChunk is a stored chunk of event records (JSON, as PutEvents
// encoded them).
type EventChunk struct {
	ID      int64
	Records [][]byte
}

// Leases let background jobs on several nodes agree that one node runs a
// job at a time.
type Leases interface {
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl. It reports false if another holder has an unexpired lease.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
}
