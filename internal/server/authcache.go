package server

import (
	"context"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// authCacheTTL bounds how long another node's change to a key, user or
// policy can go unseen by this node. Changes made through this node are seen
// at once. AWS IAM itself documents that changes take time to propagate;
// two seconds is well inside what its clients expect.
const authCacheTTL = 2 * time.Second

// authCache is a storage.IAM that remembers what every request needs —
// the signing key, the key's user, the user's inline policies — for
// authCacheTTL, so authenticating a call costs no database round trip.
// Every write through it drops the entries it could have changed.
type authCache struct {
	storage.IAM
	now func() time.Time

	mu       sync.Mutex // guards the maps
	keys     map[string]cached[trailwatch.AccessKey]
	users    map[userKey]cached[trailwatch.User]
	policies map[userKey]cached[[]trailwatch.UserPolicy]
}

type userKey struct{ account, name string }

type cached[T any] struct {
	v       T
	expires time.Time
}

// maxCacheEntries keeps the cache from growing without bound when many
// distinct keys are tried; past it the maps simply start over.
const maxCacheEntries = 100_000

func newAuthCache(iam storage.IAM, now func() time.Time) *authCache {
	c := &authCache{IAM: iam, now: now}
	c.reset()
	return c
}

func (c *authCache) reset() {
	c.keys = map[string]cached[trailwatch.AccessKey]{}
	c.users = map[userKey]cached[trailwatch.User]{}
	c.policies = map[userKey]cached[[]trailwatch.UserPolicy]{}
}

// lowerKey is how IAM compares user names: case-insensitively.
func lowerKey(account, name string) userKey { return userKey{account, toLower(name)} }

func toLower(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

func (c *authCache) GetAccessKey(ctx context.Context, id string) (trailwatch.AccessKey, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.keys[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	k, err := c.IAM.GetAccessKey(ctx, id)
	if err != nil {
		return k, err // misses are not remembered: a new key works at once
	}
	c.mu.Lock()
	if len(c.keys) >= maxCacheEntries {
		c.reset()
	}
	c.keys[id] = cached[trailwatch.AccessKey]{k, now.Add(authCacheTTL)}
	c.mu.Unlock()
	return k, nil
}

func (c *authCache) GetUser(ctx context.Context, account, name string) (trailwatch.User, error) {
	now, uk := c.now(), lowerKey(account, name)
	c.mu.Lock()
	e, ok := c.users[uk]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	u, err := c.IAM.GetUser(ctx, account, name)
	if err != nil {
		return u, err
	}
	c.mu.Lock()
	if len(c.users) >= maxCacheEntries {
		c.reset()
	}
	c.users[uk] = cached[trailwatch.User]{u, now.Add(authCacheTTL)}
	c.mu.Unlock()
	return u, nil
}

func (c *authCache) ListUserPolicies(ctx context.Context, account, user string) ([]trailwatch.UserPolicy, error) {
	now, uk := c.now(), lowerKey(account, user)
	c.mu.Lock()
	e, ok := c.policies[uk]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	ps, err := c.IAM.ListUserPolicies(ctx, account, user)
	if err != nil {
		return ps, err
	}
	c.mu.Lock()
	if len(c.policies) >= maxCacheEntries {
		c.reset()
	}
	c.policies[uk] = cached[[]trailwatch.UserPolicy]{ps, now.Add(authCacheTTL)}
	c.mu.Unlock()
	return ps, nil
}

// forgetUser drops everything cached about a user and its keys.
func (c *authCache) forgetUser(account, name string) {
	uk := lowerKey(account, name)
	c.mu.Lock()
	delete(c.users, uk)
	delete(c.policies, uk)
	for id, e := range c.keys {
		if e.v.AccountID == account && toLower(e.v.UserName) == uk.name {
			delete(c.keys, id)
		}
	}
	c.mu.Unlock()
}

func (c *authCache) forgetKey(id string) {
	c.mu.Lock()
	delete(c.keys, id)
	c.mu.Unlock()
}

func (c *authCache) DeleteUser(ctx context.Context, account, name string) error {
	defer c.forgetUser(account, name)
	return c.IAM.DeleteUser(ctx, account, name)
}

func (c *authCache) UpdateAccessKey(ctx context.Context, account, user, id, status string) error {
	defer c.forgetKey(id)
	return c.IAM.UpdateAccessKey(ctx, account, user, id, status)
}

func (c *authCache) DeleteAccessKey(ctx context.Context, account, user, id string) error {
	defer c.forgetKey(id)
	return c.IAM.DeleteAccessKey(ctx, account, user, id)
}

func (c *authCache) PutUserPolicy(ctx context.Context, p trailwatch.UserPolicy) error {
	defer c.forgetUser(p.AccountID, p.UserName)
	return c.IAM.PutUserPolicy(ctx, p)
}

func (c *authCache) DeleteUserPolicy(ctx context.Context, account, user, name string) error {
	defer c.forgetUser(account, user)
	return c.IAM.DeleteUserPolicy(ctx, account, user, name)
}

var _ storage.IAM = (*authCache)(nil)
