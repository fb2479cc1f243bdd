package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/policy"
	"github.com/trailwatch/trailwatch/storage"
)

// PutUserPolicy creates or replaces an inline policy of a user. The
// document must parse (MalformedPolicyDocument with the parser's message),
// and the user's inline policies together, this one in its new form, may
// hold at most 2048 characters not counting whitespace (LimitExceeded).
//
// The size check reads the other policies and then writes, so two
// concurrent puts for one user can together pass the limit; IAM's limit
// is a quota, not a security boundary, so this is accepted.
func (s *Service) PutUserPolicy(ctx context.Context, in *PutUserPolicyInput) (*PutUserPolicyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, c.AccountID, in.UserName)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse(in.PolicyDocument); err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			return nil, errMalformedPolicy(pe.Msg)
		}
		return nil, fmt.Errorf("parse policy %s: %w", in.PolicyName, err)
	}
	others, err := s.store.ListUserPolicies(ctx, c.AccountID, u.UserName)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUser(in.UserName)
	case err != nil:
		return nil, fmt.Errorf("list policies of %s: %w", u.UserName, err)
	}
	size := policy.NonWhitespaceLen(in.PolicyDocument)
	for _, p := range others {
		if p.PolicyName != in.PolicyName { // the one being replaced does not count twice
			size += policy.NonWhitespaceLen(p.Document)
		}
	}
	if size > maxUserPolicySize {
		return nil, errPolicySize(in.UserName)
	}
	p := trailwatch.UserPolicy{AccountID: c.AccountID, UserName: u.UserName, PolicyName: in.PolicyName, Document: in.PolicyDocument}
	switch err := s.store.PutUserPolicy(ctx, p); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUser(in.UserName)
	case err != nil:
		return nil, fmt.Errorf("put policy %s: %w", in.PolicyName, err)
	}
	return &PutUserPolicyOutput{}, nil
}

// GetUserPolicy returns an inline policy. The document comes back
// URL-encoded (RFC 3986) exactly as IAM returns it; SDKs do not decode it.
func (s *Service) GetUserPolicy(ctx context.Context, in *GetUserPolicyInput) (*GetUserPolicyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, c.AccountID, in.UserName)
	if err != nil {
		return nil, err
	}
	p, err := s.store.GetUserPolicy(ctx, c.AccountID, u.UserName, in.PolicyName)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUserPolicy(in.PolicyName)
	case err != nil:
		return nil, fmt.Errorf("get policy %s: %w", in.PolicyName, err)
	}
	return &GetUserPolicyOutput{UserName: p.UserName, PolicyName: p.PolicyName, PolicyDocument: encodeDocument(p.Document)}, nil
}

// ListUserPolicies lists the names of a user's inline policies in name
// order, MaxItems (default 100) at a time.
func (s *Service) ListUserPolicies(ctx context.Context, in *ListUserPoliciesInput) (*ListUserPoliciesOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(markerPolicies, in.Marker)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, c.AccountID, in.UserName)
	if err != nil {
		return nil, err
	}
	pols, err := s.store.ListUserPolicies(ctx, c.AccountID, u.UserName)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUser(in.UserName)
	case err != nil:
		return nil, fmt.Errorf("list policies of %s: %w", u.UserName, err)
	}
	// Our own order, so the marker's position does not depend on the
	// backend's collation.
	names := make([]string, 0, len(pols))
	for _, p := range pols {
		if after == "" || policyKey(p.PolicyName) > after {
			names = append(names, p.PolicyName)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(policyKey(a), policyKey(b)) })
	n := pageSize(in.MaxItems)
	truncated := len(names) > n
	out := &ListUserPoliciesOutput{PolicyNames: names, IsTruncated: &truncated}
	if truncated {
		out.PolicyNames = names[:n]
		out.Marker = encodeMarker(markerPolicies, policyKey(names[n-1]))
	}
	return out, nil
}

// policyKey sorts policy names case-insensitively, ties broken by the exact
// name.
func policyKey(name string) string { return strings.ToLower(name) + "\x00" + name }

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *DeleteUserPolicyInput) (*DeleteUserPolicyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, c.AccountID, in.UserName)
	if err != nil {
		return nil, err
	}
	switch err := s.store.DeleteUserPolicy(ctx, c.AccountID, u.UserName, in.PolicyName); {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNoSuchUserPolicy(in.PolicyName)
	case err != nil:
		return nil, fmt.Errorf("delete policy %s: %w", in.PolicyName, err)
	}
	return &DeleteUserPolicyOutput{}, nil
}

// PoliciesFor returns the parsed inline policies of an IAM user caller, for
// the front door's authorisation; none for the root user, whom no policy
// restricts, and none for a user that no longer exists. It reads storage on
// every call (no cache), so a Put or Delete takes effect on the next
// request on every node.
func (s *Service) PoliciesFor(ctx context.Context, c *trailwatch.Caller) ([]*policy.Policy, error) {
	if c.IsRoot() {
		return nil, nil
	}
	pols, err := s.store.ListUserPolicies(ctx, c.AccountID, c.UserName)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("list policies of %s: %w", c.UserName, err)
	}
	out := make([]*policy.Policy, 0, len(pols))
	for _, p := range pols {
		parsed, err := s.parsed(p.Document)
		if err != nil {
			// PutUserPolicy parsed it before storing; failing closed here
			// denies the request rather than guessing.
			return nil, fmt.Errorf("BUG: stored policy %s of user %s does not parse: %w", p.PolicyName, c.UserName, err)
		}
		out = append(out, parsed)
	}
	return out, nil
}

// encodeDocument URL-encodes a policy document as IAM returns it: RFC 3986,
// every byte but the unreserved A–Z a–z 0–9 - . _ ~ percent-encoded, so a
// space is %20, not +.
func encodeDocument(doc string) string {
	// QueryEscape leaves exactly the unreserved set alone and writes space
	// as "+"; a literal "+" has already become %2B, so this swap is exact.
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// maxParsedPolicies bounds the parsed-policy cache; past it the cache
// starts over.
const maxParsedPolicies = 10_000

// parsed returns the parsed form of a stored policy document. Parsing costs
// far more than evaluating, and a document's meaning never changes, so the
// cache is keyed by the document itself and needs no invalidation.
func (s *Service) parsed(doc string) (*policy.Policy, error) {
	s.parseMu.Lock()
	p, ok := s.parseCache[doc]
	s.parseMu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, err
	}
	s.parseMu.Lock()
	if s.parseCache == nil || len(s.parseCache) >= maxParsedPolicies {
		s.parseCache = map[string]*policy.Policy{}
	}
	s.parseCache[doc] = p
	s.parseMu.Unlock()
	return p, nil
}
