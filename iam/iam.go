// Package iam is the IAM service: users, access keys and inline user
// policies, with IAM's shapes, validation, semantics and errors. It speaks
// neither HTTP nor SQL: the front door decodes requests into the input
// shapes here, and storage.IAM keeps the state.
//
// Every operation acts inside the caller's account (trailwatch.Caller in the
// context); no input can name another account's user or key.
package iam

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/policy"
	"github.com/trailwatch/trailwatch/storage"
)

// Options configures a Service.
type Options struct {
	// Store holds users, keys and policies. Required.
	Store storage.IAM
	// Accounts supplies the account's creation time, which GetUser reports
	// as the root user's CreateDate. Required.
	Accounts storage.Accounts
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Service implements the IAM operations. It holds no state of its own, so
// one Service may serve any number of goroutines.
type Service struct {
	store    storage.IAM
	accounts storage.Accounts
	now      func() time.Time

	parseMu    sync.Mutex                // guards parseCache
	parseCache map[string]*policy.Policy // policy document → parsed
}

// New returns a Service. It panics if a required option is missing, which
// is a wiring bug in main.
func New(opts Options) *Service {
	if opts.Store == nil || opts.Accounts == nil {
		panic("BUG: iam.New needs Options.Store and Options.Accounts")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: opts.Store, accounts: opts.Accounts, now: opts.Now}
}

// API returns IAM's operation table for the front door.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:    "iam",
		ActionPrefix:   "iam",
		EventSource:    "iam.amazonaws.com",
		APIVersion:     "2010-05-08",
		Protocols:      []awsapi.Protocol{awsapi.Query},
		XMLNamespace:   "https://iam.amazonaws.com/doc/2010-05-08/",
		ValidationCode: "ValidationError",
		GlobalRegion:   "us-east-1",
	},
		awsapi.Op(awsapi.Def[CreateUserInput, CreateUserOutput]{
			Name: "CreateUser", Handle: s.CreateUser,
			Resources: func(ctx context.Context, in *CreateUserInput) ([]trailwatch.Resource, error) {
				return s.newUserResources(ctx, in.Path, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[GetUserInput, GetUserOutput]{
			Name: "GetUser", ReadOnly: true, Handle: s.GetUser,
			Resources: func(ctx context.Context, in *GetUserInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[ListUsersInput, ListUsersOutput]{
			Name: "ListUsers", ReadOnly: true, Handle: s.ListUsers,
		}),
		awsapi.Op(awsapi.Def[DeleteUserInput, DeleteUserOutput]{
			Name: "DeleteUser", Handle: s.DeleteUser,
			Resources: func(ctx context.Context, in *DeleteUserInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[CreateAccessKeyInput, CreateAccessKeyOutput]{
			Name: "CreateAccessKey", Handle: s.CreateAccessKey,
			Resources: func(ctx context.Context, in *CreateAccessKeyInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[ListAccessKeysInput, ListAccessKeysOutput]{
			Name: "ListAccessKeys", ReadOnly: true, Handle: s.ListAccessKeys,
			Resources: func(ctx context.Context, in *ListAccessKeysInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[UpdateAccessKeyInput, UpdateAccessKeyOutput]{
			Name: "UpdateAccessKey", Handle: s.UpdateAccessKey,
			Resources: func(ctx context.Context, in *UpdateAccessKeyInput) ([]trailwatch.Resource, error) {
				return s.keyResources(ctx, in.UserName, in.AccessKeyID)
			},
		}),
		awsapi.Op(awsapi.Def[DeleteAccessKeyInput, DeleteAccessKeyOutput]{
			Name: "DeleteAccessKey", Handle: s.DeleteAccessKey,
			Resources: func(ctx context.Context, in *DeleteAccessKeyInput) ([]trailwatch.Resource, error) {
				return s.keyResources(ctx, in.UserName, in.AccessKeyID)
			},
		}),
		awsapi.Op(awsapi.Def[PutUserPolicyInput, PutUserPolicyOutput]{
			Name: "PutUserPolicy", Handle: s.PutUserPolicy,
			Resources: func(ctx context.Context, in *PutUserPolicyInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[GetUserPolicyInput, GetUserPolicyOutput]{
			Name: "GetUserPolicy", ReadOnly: true, Handle: s.GetUserPolicy,
			Resources: func(ctx context.Context, in *GetUserPolicyInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[ListUserPoliciesInput, ListUserPoliciesOutput]{
			Name: "ListUserPolicies", ReadOnly: true, Handle: s.ListUserPolicies,
			Resources: func(ctx context.Context, in *ListUserPoliciesInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
		awsapi.Op(awsapi.Def[DeleteUserPolicyInput, DeleteUserPolicyOutput]{
			Name: "DeleteUserPolicy", Handle: s.DeleteUserPolicy,
			Resources: func(ctx context.Context, in *DeleteUserPolicyInput) ([]trailwatch.Resource, error) {
				return s.userResources(ctx, in.UserName)
			},
		}),
	)
}

// errNoCaller means the front door called an operation without
// authenticating first: a wiring bug, answered as InternalFailure.
var errNoCaller = errors.New("iam: no caller in context")

// callerOf returns the request's caller.
func callerOf(ctx context.Context) (*trailwatch.Caller, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errNoCaller
	}
	return c, nil
}
