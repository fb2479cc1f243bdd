package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// Resource types as CloudTrail's LookupEvents shows them.
const (
	typeUser      = "AWS::IAM::User"
	typeAccessKey = "AWS::IAM::AccessKey"
)

// newUserResources names the user CreateUser is about to create: its ARN
// from the requested path ("/" when none), so a policy can scope
// iam:CreateUser by path.
func (s *Service) newUserResources(ctx context.Context, path, name string) ([]trailwatch.Resource, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, nil
	}
	return []trailwatch.Resource{{ARN: trailwatch.UserARN(c.AccountID, path, name), AccountID: c.AccountID, Type: typeUser, Name: name}}, nil
}

// userResources names the user an operation acts on: the named user, or the
// caller itself when name is empty (IAM's "defaults to the caller" rule).
// The root user is not an IAM user, so a root caller acting on itself yields
// no user resource; root is allowed everything anyway.
//
// The ARN carries the stored path and spelling of the user so that policies
// such as arn:aws:iam::*:user/admins/* match what IAM would match. A user
// that does not exist (the call will fail with NoSuchEntity) gets path "/".
// A storage failure is returned, so the front door fails the call closed
// instead of authorising against a guessed path.
func (s *Service) userResources(ctx context.Context, name string) ([]trailwatch.Resource, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, nil
	}
	arn, name, err := s.targetARN(ctx, c, name)
	if err != nil || name == "" {
		return nil, err
	}
	return []trailwatch.Resource{{ARN: arn, AccountID: c.AccountID, Type: typeUser, Name: name}}, nil
}

// keyResources names the owning user (as userResources) and the access key.
// The key has no ARN of its own; IAM authorises key actions against the
// owning user's ARN, so the key resource carries that ARN too.
func (s *Service) keyResources(ctx context.Context, user, keyID string) ([]trailwatch.Resource, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, nil
	}
	arn, name, err := s.targetARN(ctx, c, user)
	if err != nil {
		return nil, err
	}
	var rs []trailwatch.Resource
	if name != "" {
		rs = append(rs, trailwatch.Resource{ARN: arn, AccountID: c.AccountID, Type: typeUser, Name: name})
	}
	return append(rs, trailwatch.Resource{ARN: arn, AccountID: c.AccountID, Type: typeAccessKey, Name: keyID}), nil
}

// targetARN returns the ARN and stored name of the user an operation names,
// or of the caller when name is empty; the name is empty for root itself.
func (s *Service) targetARN(ctx context.Context, c *trailwatch.Caller, name string) (arn, userName string, err error) {
	if name == "" {
		if c.IsRoot() {
			return trailwatch.RootARN(c.AccountID), "", nil
		}
		return c.ARN, c.UserName, nil
	}
	u, err := s.store.GetUser(ctx, c.AccountID, name)
	switch {
	case err == nil:
		return trailwatch.UserARN(c.AccountID, u.Path, u.UserName), u.UserName, nil
	case errors.Is(err, storage.ErrNotFound):
		return trailwatch.UserARN(c.AccountID, "/", name), name, nil
	}
	return "", "", fmt.Errorf("find user %s for authorisation: %w", name, err)
}
