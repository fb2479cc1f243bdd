package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// CreateUser creates an IAM user in the caller's account. Names are unique
// case-insensitively: EntityAlreadyExists. Tags are refused with
// InvalidInput because storage cannot keep them, and a PermissionsBoundary
// with NoSuchEntity because no managed policy exists to be a boundary.
func (s *Service) CreateUser(ctx context.Context, in *CreateUserInput) (*CreateUserOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		return nil, errTagsUnsupported()
	}
	if in.PermissionsBoundary != "" {
		return nil, errBoundaryNotAttachable(in.PermissionsBoundary)
	}
	path := in.Path
	if path == "" {
		path = "/"
	}
	u := trailwatch.User{
		AccountID: c.AccountID,
		UserName:  in.UserName,
		UserID:    newUserID(),
		Path:      path,
		ARN:       trailwatch.UserARN(c.AccountID, path, in.UserName),
		// IAM's dates have second precision; truncating here makes what
		// CreateUser returns equal what GetUser later reads back.
		CreatedAt: iamTime(s.now()),
	}
	switch err := s.store.CreateUser(ctx, u); {
	case errors.Is(err, storage.ErrExists):
		return nil, errUserExists(in.UserName)
	case err != nil:
		return nil, fmt.Errorf("create user: %w", err)
	}
	return &CreateUserOutput{User: userShape(u)}, nil
}

// GetUser returns the named user, or the caller when UserName is empty.
// The root user gets its own identity as IAM returns it: UserId is the
// account id, Arn the root ARN, CreateDate the account's creation time,
// and no UserName or Path.
func (s *Service) GetUser(ctx context.Context, in *GetUserInput) (*GetUserOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.UserName == "" && c.IsRoot() {
		a, err := s.accounts.GetAccount(ctx, c.AccountID)
		if err != nil {
			return nil, fmt.Errorf("get account %s: %w", c.AccountID, err)
		}
		return &GetUserOutput{User: &User{
			UserID:     c.AccountID,
			ARN:        trailwatch.RootARN(c.AccountID),
			CreateDate: iamTime(a.CreatedAt),
		}}, nil
	}
	name := in.UserName
	if name == "" {
		name = c.UserName
	}
	u, err := s.user(ctx, c.AccountID, name)
	if err != nil {
		return nil, err
	}
	return &GetUserOutput{User: userShape(u)}, nil
}

// ListUsers lists the account's users whose path starts with PathPrefix
// ("/" when unset), in name order, MaxItems (default 100) at a time.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersInput) (*ListUsersOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(markerUsers, in.Marker)
	if err != nil {
		return nil, err
	}
	prefix := in.PathPrefix
	if prefix == "" {
		prefix = "/"
	}
	n := pageSize(in.MaxItems)
	// One more than a page tells whether another page follows.
	users, err := s.store.ListUsers(ctx, c.AccountID, prefix, after, n+1)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	truncated := len(users) > n
	out := &ListUsersOutput{Users: make([]User, 0, min(len(users), n)), IsTruncated: &truncated}
	if truncated {
		users = users[:n]
		out.Marker = encodeMarker(markerUsers, users[n-1].UserName)
	}
	for _, u := range users {
		out.Users = append(out.Users, *userShape(u))
	}
	return out, nil
}

// DeleteUser deletes a user that has no access keys and no inline
// policies left; otherwise DeleteConflict says which must go first.
func (s *Service) DeleteUser(ctx context.Context, in *DeleteUserInput) (*DeleteUserOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, c.AccountID, in.UserName)
	if err != nil {
		return nil, err
	}
	// Storage refuses the delete with a bare ErrConflict; these checks
	// pick IAM's message for what is still attached.
	keys, err := s.store.ListAccessKeys(ctx, c.AccountID, u.UserName)
	if err != nil {
		return nil, fmt.Errorf("list access keys of %s: %w", u.UserName, err)
	}
	if len(keys) > 0 {
		return nil, errUserHasKeys()
	}
	switch pols, err := s.store.ListUserPolicies(ctx, c.AccountID, u.UserName); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUser(in.UserName)
	case err != nil:
		return nil, fmt.Errorf("list policies of %s: %w", u.UserName, err)
	case len(pols) > 0:
		return nil, errUserHasPolicies()
	}
	switch err := s.store.DeleteUser(ctx, c.AccountID, u.UserName); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUser(in.UserName)
	case errors.Is(err, storage.ErrConflict):
		return nil, errUserReferenced()
	case err != nil:
		return nil, fmt.Errorf("delete user %s: %w", u.UserName, err)
	}
	return &DeleteUserOutput{}, nil
}

// user reads a user of the account; NoSuchEntity names the user as the
// request spelled it.
func (s *Service) user(ctx context.Context, account, name string) (trailwatch.User, error) {
	u, err := s.store.GetUser(ctx, account, name)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return u, errNoSuchUser(name)
	case err != nil:
		return u, fmt.Errorf("get user %s: %w", name, err)
	}
	return u, nil
}

// userShape is the User shape of a stored user.
func userShape(u trailwatch.User) *User {
	path := u.Path
	if path == "" {
		path = "/"
	}
	return &User{
		Path:       path,
		UserName:   u.UserName,
		UserID:     u.UserID,
		ARN:        trailwatch.UserARN(u.AccountID, path, u.UserName),
		CreateDate: iamTime(u.CreatedAt),
	}
}

// iamTime is t as IAM reports dates: UTC, whole seconds.
func iamTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
