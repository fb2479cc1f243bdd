package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// keyIDAttempts bounds retries on an access key id collision, which with
// 80 random bits happens about never; the bound keeps a broken store from
// looping.
const keyIDAttempts = 3

// CreateAccessKey creates an active key for the named user, or for the
// caller when UserName is empty (the root user included). The secret is in
// this response only; its output member is sensitive, so it never reaches
// a CloudTrail record. LimitExceeded when the owner already has two keys.
func (s *Service) CreateAccessKey(ctx context.Context, in *CreateAccessKeyInput) (*CreateAccessKeyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	k := trailwatch.AccessKey{
		SecretAccessKey: NewSecretAccessKey(),
		AccountID:       c.AccountID,
		UserName:        owner,
		Status:          trailwatch.KeyActive,
		CreatedAt:       iamTime(s.now()),
	}
	for range keyIDAttempts {
		k.AccessKeyID = NewAccessKeyID()
		switch err := s.store.CreateAccessKey(ctx, k, maxKeysPerUser); {
		case errors.Is(err, storage.ErrExists):
			continue
		case errors.Is(err, storage.ErrNotFound):
			// The user went away since keyOwner looked.
			return nil, errNoSuchUser(owner)
		case errors.Is(err, storage.ErrLimitExceeded):
			return nil, errKeyQuota()
		case err != nil:
			return nil, fmt.Errorf("create access key: %w", err)
		}
		return &CreateAccessKeyOutput{AccessKey: &AccessKey{
			UserName:        k.UserName,
			AccessKeyID:     k.AccessKeyID,
			Status:          k.Status,
			SecretAccessKey: k.SecretAccessKey,
			CreateDate:      k.CreatedAt,
		}}, nil
	}
	return nil, fmt.Errorf("create access key: %d id collisions in a row", keyIDAttempts)
}

// ListAccessKeys lists the keys (without secrets) of the named user, or of
// the caller when UserName is empty, oldest first.
func (s *Service) ListAccessKeys(ctx context.Context, in *ListAccessKeysInput) (*ListAccessKeysOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	pos, err := decodeMarker(markerKeys, in.Marker)
	if err != nil {
		return nil, err
	}
	var after keyPosition
	if pos != "" {
		if after, err = parseKeyPosition(pos); err != nil {
			return nil, err
		}
	}
	owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, c.AccountID, owner)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	// A total order of our own makes the marker a position that stays
	// meaningful when keys are added or deleted between pages.
	slices.SortFunc(keys, func(a, b trailwatch.AccessKey) int { return positionOf(a).compare(positionOf(b)) })
	if pos != "" {
		i := 0
		for i < len(keys) && positionOf(keys[i]).compare(after) <= 0 {
			i++
		}
		keys = keys[i:]
	}
	n := pageSize(in.MaxItems)
	truncated := len(keys) > n
	out := &ListAccessKeysOutput{AccessKeyMetadata: make([]AccessKeyMetadata, 0, min(len(keys), n)), IsTruncated: &truncated}
	if truncated {
		keys = keys[:n]
		out.Marker = encodeMarker(markerKeys, positionOf(keys[n-1]).String())
	}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, AccessKeyMetadata{
			UserName:    k.UserName,
			AccessKeyID: k.AccessKeyID,
			Status:      k.Status,
			CreateDate:  iamTime(k.CreatedAt),
		})
	}
	return out, nil
}

// UpdateAccessKey sets a key Active or Inactive. The key must belong to the
// named user (the caller when UserName is empty) in the caller's account;
// anything else is NoSuchEntity, so no one learns of other accounts' keys.
func (s *Service) UpdateAccessKey(ctx context.Context, in *UpdateAccessKeyInput) (*UpdateAccessKeyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	switch err := s.store.UpdateAccessKey(ctx, c.AccountID, owner, in.AccessKeyID, in.Status); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchAccessKey(in.AccessKeyID)
	case err != nil:
		return nil, fmt.Errorf("update access key: %w", err)
	}
	return &UpdateAccessKeyOutput{}, nil
}

// DeleteAccessKey deletes a key of the named user (the caller when
// UserName is empty); NoSuchEntity as for UpdateAccessKey.
func (s *Service) DeleteAccessKey(ctx context.Context, in *DeleteAccessKeyInput) (*DeleteAccessKeyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	switch err := s.store.DeleteAccessKey(ctx, c.AccountID, owner, in.AccessKeyID); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchAccessKey(in.AccessKeyID)
	case err != nil:
		return nil, fmt.Errorf("delete access key: %w", err)
	}
	return &DeleteAccessKeyOutput{}, nil
}

// keyOwner resolves the user whose keys an operation acts on to its stored
// name: the named user, else the calling user, else "" for the root user.
func (s *Service) keyOwner(ctx context.Context, c *trailwatch.Caller, name string) (string, error) {
	if name == "" {
		if c.IsRoot() {
			return "", nil
		}
		name = c.UserName
	}
	u, err := s.user(ctx, c.AccountID, name)
	if err != nil {
		return "", err
	}
	return u.UserName, nil
}

// keyPosition orders keys by creation time, then id.
type keyPosition struct {
	nanos int64
	id    string
}

func positionOf(k trailwatch.AccessKey) keyPosition {
	return keyPosition{k.CreatedAt.UnixNano(), k.AccessKeyID}
}

func (p keyPosition) compare(q keyPosition) int {
	return cmp.Or(cmp.Compare(p.nanos, q.nanos), strings.Compare(p.id, q.id))
}

func (p keyPosition) String() string { return strconv.FormatInt(p.nanos, 10) + " " + p.id }

func parseKeyPosition(s string) (keyPosition, error) {
	ns, id, ok := strings.Cut(s, " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return keyPosition{}, errInvalidMarker()
	}
	return keyPosition{n, id}, nil
}
