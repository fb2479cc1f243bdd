package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

func testAccounts(t *testing.T, h *harness) {
	t.Run("CreateGetList", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Accounts()
		got, err := s.ListAccounts(ctx)
		must(t, "list empty", err)
		if len(got) != 0 {
			t.Fatalf("new store lists %d accounts, want 0", len(got))
		}
		// Created out of order: the list must come back ordered by id.
		want := []trailwatch.Account{
			{ID: "000000000001", Name: "first", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)},
			{ID: "123456789012", Name: "second", CreatedAt: time.Date(2023, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))},
			{ID: "999999999999", Name: ""},
		}
		for _, i := range []int{1, 2, 0} {
			must(t, "create "+want[i].ID, s.CreateAccount(ctx, want[i]))
		}
		for _, a := range want {
			got, err := s.GetAccount(ctx, a.ID)
			must(t, "get "+a.ID, err)
			diff(t, "get "+a.ID, a, got)
		}
		all, err := s.ListAccounts(ctx)
		must(t, "list", err)
		diff(t, "list", want, all)
	})
	t.Run("CreateExisting", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Accounts()
		must(t, "create", s.CreateAccount(ctx, trailwatch.Account{ID: acctA, Name: "one"}))
		wantErr(t, "create again", s.CreateAccount(ctx, trailwatch.Account{ID: acctA, Name: "two"}), storage.ErrExists)
		got, err := s.GetAccount(ctx, acctA)
		must(t, "get", err)
		if got.Name != "one" {
			t.Errorf("a refused create changed the account: name %q, want %q", got.Name, "one")
		}
	})
	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Accounts()
		must(t, "create", s.CreateAccount(ctx, trailwatch.Account{ID: acctA}))
		_, err := s.GetAccount(ctx, acctB)
		wantErr(t, "get unknown", err, storage.ErrNotFound)
	})
}

// user returns a user of account named name.
func user(account, name, path string) trailwatch.User {
	return trailwatch.User{
		AccountID: account, UserName: name, UserID: "AIDA" + account + name, Path: path,
		ARN: trailwatch.UserARN(account, path, name), CreatedAt: time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC),
	}
}

func testUsers(t *testing.T, h *harness) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		bob := user(acctA, "Bob", "/eng/")
		must(t, "create", s.CreateUser(ctx, bob))
		for _, name := range []string{"Bob", "bob", "BOB"} {
			got, err := s.GetUser(ctx, acctA, name)
			must(t, "get "+name, err)
			diff(t, "get "+name, bob, got)
		}
		_, err := s.GetUser(ctx, acctA, "alice")
		wantErr(t, "get unknown", err, storage.ErrNotFound)
	})
	t.Run("NamesUniqueIgnoringCase", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create Bob", s.CreateUser(ctx, user(acctA, "Bob", "/")))
		for _, name := range []string{"Bob", "bob", "BOB"} {
			wantErr(t, "create "+name, s.CreateUser(ctx, user(acctA, name, "/other/")), storage.ErrExists)
		}
		got, err := s.GetUser(ctx, acctA, "bob")
		must(t, "get", err)
		if got.UserName != "Bob" || got.Path != "/" {
			t.Errorf("a refused create changed the user: %+v", got)
		}
	})
	t.Run("AccountIsolation", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create in A", s.CreateUser(ctx, user(acctA, "bob", "/")))
		_, err := s.GetUser(ctx, acctB, "bob")
		wantErr(t, "get through B", err, storage.ErrNotFound)
		must(t, "same name in B", s.CreateUser(ctx, user(acctB, "bob", "/b/")))
		list, err := s.ListUsers(ctx, acctB, "", "", 100)
		must(t, "list B", err)
		diff(t, "list B", []trailwatch.User{user(acctB, "bob", "/b/")}, list)
		wantErr(t, "delete B's bob", s.DeleteUser(ctx, acctB, "bob"), nil)
		if _, err := s.GetUser(ctx, acctA, "bob"); err != nil {
			t.Errorf("deleting B's bob touched A's: %v", err)
		}
	})
	t.Run("List", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		users := []trailwatch.User{
			user(acctA, "carol", "/eng/"),
			user(acctA, "Alice", "/"),
			user(acctA, "bob", "/eng/backend/"),
			user(acctA, "dave", "/ops/"),
			user(acctA, "Eve", "/engineering/"),
			user(acctB, "aaron", "/eng/"),
		}
		for _, u := range users {
			must(t, "create "+u.UserName, s.CreateUser(ctx, u))
		}
		names := func(us []trailwatch.User) []string {
			var out []string
			for _, u := range us {
				out = append(out, u.UserName)
			}
			return out
		}
		tests := []struct {
			name          string
			prefix, after string
			limit         int
			want          []string
		}{
			{"all", "", "", 100, []string{"Alice", "bob", "carol", "dave", "Eve"}},
			{"root path prefix matches all", "/", "", 100, []string{"Alice", "bob", "carol", "dave", "Eve"}},
			{"limit", "", "", 2, []string{"Alice", "bob"}},
			{"after", "", "bob", 100, []string{"carol", "dave", "Eve"}},
			{"after ignores case", "", "BOB", 100, []string{"carol", "dave", "Eve"}},
			{"after a name that does not exist", "", "c", 2, []string{"carol", "dave"}},
			{"after the last", "", "eve", 100, nil},
			{"prefix", "/eng/", "", 100, []string{"bob", "carol"}},
			{"prefix without trailing slash", "/eng", "", 100, []string{"bob", "carol", "Eve"}},
			{"prefix and after", "/eng", "bob", 1, []string{"carol"}},
			{"prefix matching nothing", "/sales/", "", 100, nil},
			{"prefix is not a pattern", "/e%", "", 100, nil},
			{"zero limit", "", "", 0, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListUsers(ctx, acctA, tt.prefix, tt.after, tt.limit)
				must(t, "list", err)
				diff(t, "names", tt.want, names(got))
			})
		}
		t.Run("pages", func(t *testing.T) {
			var all []string
			after := ""
			for range 10 {
				page, err := s.ListUsers(ctx, acctA, "", after, 2)
				must(t, "list page", err)
				if len(page) == 0 {
					break
				}
				all = append(all, names(page)...)
				after = page[len(page)-1].UserName
			}
			diff(t, "all pages", []string{"Alice", "bob", "carol", "dave", "Eve"}, all)
		})
		t.Run("full records", func(t *testing.T) {
			got, err := s.ListUsers(ctx, acctB, "", "", 10)
			must(t, "list", err)
			diff(t, "list B", []trailwatch.User{users[5]}, got)
		})
	})
	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		wantErr(t, "delete unknown", s.DeleteUser(ctx, acctA, "bob"), storage.ErrNotFound)
		must(t, "create", s.CreateUser(ctx, user(acctA, "Bob", "/")))
		must(t, "delete by other case", s.DeleteUser(ctx, acctA, "BOB"))
		_, err := s.GetUser(ctx, acctA, "Bob")
		wantErr(t, "get deleted", err, storage.ErrNotFound)
		wantErr(t, "delete again", s.DeleteUser(ctx, acctA, "bob"), storage.ErrNotFound)
		must(t, "create again with new case", s.CreateUser(ctx, user(acctA, "bOb", "/")))
		got, err := s.GetUser(ctx, acctA, "bob")
		must(t, "get recreated", err)
		if got.UserName != "bOb" {
			t.Errorf("recreated user is named %q, want %q", got.UserName, "bOb")
		}
	})
	t.Run("DeleteWhileReferenced", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create", s.CreateUser(ctx, user(acctA, "bob", "/")))
		must(t, "create key", s.CreateAccessKey(ctx, key(acctA, "bob", "AKIAKEY1"), 2))
		must(t, "put policy", s.PutUserPolicy(ctx, policy(acctA, "bob", "p1")))
		wantErr(t, "delete with key and policy", s.DeleteUser(ctx, acctA, "bob"), storage.ErrConflict)
		must(t, "delete key", s.DeleteAccessKey(ctx, acctA, "bob", "AKIAKEY1"))
		wantErr(t, "delete with policy", s.DeleteUser(ctx, acctA, "bob"), storage.ErrConflict)
		must(t, "create key", s.CreateAccessKey(ctx, key(acctA, "bob", "AKIAKEY2"), 2))
		must(t, "delete policy", s.DeleteUserPolicy(ctx, acctA, "bob", "p1"))
		wantErr(t, "delete with key", s.DeleteUser(ctx, acctA, "bob"), storage.ErrConflict)
		if _, err := s.GetUser(ctx, acctA, "bob"); err != nil {
			t.Fatalf("refused delete removed the user: %v", err)
		}
		must(t, "delete key", s.DeleteAccessKey(ctx, acctA, "bob", "AKIAKEY2"))
		must(t, "delete", s.DeleteUser(ctx, acctA, "bob"))
	})
}

// key returns an active access key of user ("" = root) in account.
func key(account, userName, id string) trailwatch.AccessKey {
	return trailwatch.AccessKey{
		AccessKeyID: id, SecretAccessKey: "secret-" + id, AccountID: account, UserName: userName,
		Status: trailwatch.KeyActive, CreatedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

func testAccessKeys(t *testing.T, h *harness) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "Bob", "/")))
		root := key(acctA, "", "AKIAROOT")
		must(t, "create root key", s.CreateAccessKey(ctx, root, 2))
		// The key is created under another spelling of the name; it must
		// come back under the user's own.
		k := key(acctA, "bob", "AKIABOB")
		must(t, "create user key", s.CreateAccessKey(ctx, k, 2))
		k.UserName = "Bob"
		for _, want := range []trailwatch.AccessKey{root, k} {
			got, err := s.GetAccessKey(ctx, want.AccessKeyID)
			must(t, "get "+want.AccessKeyID, err)
			diff(t, "get "+want.AccessKeyID, want, got)
		}
		_, err := s.GetAccessKey(ctx, "AKIANONE")
		wantErr(t, "get unknown", err, storage.ErrNotFound)
	})
	t.Run("UnknownUser", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user in B", s.CreateUser(ctx, user(acctB, "bob", "/")))
		wantErr(t, "create for a user of another account", s.CreateAccessKey(ctx, key(acctA, "bob", "AKIA1"), 2), storage.ErrNotFound)
		_, err := s.GetAccessKey(ctx, "AKIA1")
		wantErr(t, "refused key stored", err, storage.ErrNotFound)
	})
	t.Run("IDsUniqueAcrossAccounts", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create", s.CreateAccessKey(ctx, key(acctA, "", "AKIASAME"), 2))
		wantErr(t, "same id, same account", s.CreateAccessKey(ctx, key(acctA, "", "AKIASAME"), 2), storage.ErrExists)
		wantErr(t, "same id, other account", s.CreateAccessKey(ctx, key(acctB, "", "AKIASAME"), 2), storage.ErrExists)
		got, err := s.GetAccessKey(ctx, "AKIASAME")
		must(t, "get", err)
		if got.AccountID != acctA {
			t.Errorf("key now belongs to %s, want %s", got.AccountID, acctA)
		}
	})
	t.Run("LimitPerOwner", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "bob", "/")))
		must(t, "create user", s.CreateUser(ctx, user(acctA, "carol", "/")))
		for i, id := range []string{"AKIAB1", "AKIAB2"} {
			must(t, fmt.Sprint("bob key ", i), s.CreateAccessKey(ctx, key(acctA, "bob", id), 2))
		}
		wantErr(t, "bob's third key", s.CreateAccessKey(ctx, key(acctA, "Bob", "AKIAB3"), 2), storage.ErrLimitExceeded)
		must(t, "bob's third key under a higher limit", s.CreateAccessKey(ctx, key(acctA, "bob", "AKIAB3"), 3))
		must(t, "carol's key", s.CreateAccessKey(ctx, key(acctA, "carol", "AKIAC1"), 1))
		wantErr(t, "carol's second key", s.CreateAccessKey(ctx, key(acctA, "carol", "AKIAC2"), 1), storage.ErrLimitExceeded)
		// Root keys count per account, apart from users' keys.
		must(t, "A root key", s.CreateAccessKey(ctx, key(acctA, "", "AKIAR1"), 1))
		wantErr(t, "A's second root key", s.CreateAccessKey(ctx, key(acctA, "", "AKIAR2"), 1), storage.ErrLimitExceeded)
		must(t, "B root key", s.CreateAccessKey(ctx, key(acctB, "", "AKIAR3"), 1))
		// Deleting frees a slot.
		must(t, "delete carol's key", s.DeleteAccessKey(ctx, acctA, "carol", "AKIAC1"))
		must(t, "carol's key after delete", s.CreateAccessKey(ctx, key(acctA, "carol", "AKIAC2"), 1))
		_, err := s.GetAccessKey(ctx, "AKIAR2")
		wantErr(t, "refused key stored", err, storage.ErrNotFound)
	})
	t.Run("LimitUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "bob", "/")))
		const tries, limit = 8, 2
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() { errs[i] = s.CreateAccessKey(ctx, key(acctA, "bob", fmt.Sprintf("AKIACONC%d", i)), limit) })
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, storage.ErrLimitExceeded):
				t.Errorf("create %d: %v", i, err)
			}
		}
		keys, err := s.ListAccessKeys(ctx, acctA, "bob")
		must(t, "list", err)
		if ok != limit || len(keys) != limit {
			t.Errorf("%d concurrent creates with limit %d: %d succeeded, %d stored", tries, limit, ok, len(keys))
		}
	})
	t.Run("List", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "Bob", "/")))
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		mk := func(account, userName, id string, at int) trailwatch.AccessKey {
			k := key(account, userName, id)
			k.CreatedAt = base.Add(time.Duration(at) * time.Second)
			return k
		}
		// Created out of creation-time order.
		keys := []trailwatch.AccessKey{
			mk(acctA, "Bob", "AKIAZZZ", 2), mk(acctA, "Bob", "AKIAAAA", 1), mk(acctA, "Bob", "AKIAMMM", 3),
			mk(acctA, "", "AKIAROOT", 0), mk(acctB, "", "AKIABROOT", 0),
		}
		for _, k := range keys {
			must(t, "create "+k.AccessKeyID, s.CreateAccessKey(ctx, k, 10))
		}
		got, err := s.ListAccessKeys(ctx, acctA, "bob")
		must(t, "list bob", err)
		diff(t, "bob's keys", []trailwatch.AccessKey{keys[1], keys[0], keys[2]}, got)
		got, err = s.ListAccessKeys(ctx, acctA, "")
		must(t, "list root", err)
		diff(t, "A's root keys", []trailwatch.AccessKey{keys[3]}, got)
		got, err = s.ListAccessKeys(ctx, acctB, "")
		must(t, "list B root", err)
		diff(t, "B's root keys", []trailwatch.AccessKey{keys[4]}, got)
		got, err = s.ListAccessKeys(ctx, acctB, "bob")
		must(t, "list bob through B", err)
		if len(got) != 0 {
			t.Errorf("B sees %d keys of A's bob", len(got))
		}
	})
	t.Run("UpdateDelete", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "bob", "/")))
		must(t, "create user", s.CreateUser(ctx, user(acctA, "carol", "/")))
		must(t, "create user in B", s.CreateUser(ctx, user(acctB, "bob", "/")))
		must(t, "bob's key", s.CreateAccessKey(ctx, key(acctA, "bob", "AKIABOB"), 2))
		must(t, "root key", s.CreateAccessKey(ctx, key(acctA, "", "AKIAROOT"), 2))
		// Each of these names the key through the wrong owner.
		wrong := []struct{ name, account, user, id string }{
			{"other user", acctA, "carol", "AKIABOB"},
			{"root for a user's key", acctA, "", "AKIABOB"},
			{"user for a root key", acctA, "bob", "AKIAROOT"},
			{"other account", acctB, "bob", "AKIABOB"},
			{"other account's root", acctB, "", "AKIAROOT"},
			{"unknown id", acctA, "bob", "AKIANONE"},
		}
		for _, w := range wrong {
			wantErr(t, "update via "+w.name, s.UpdateAccessKey(ctx, w.account, w.user, w.id, trailwatch.KeyInactive), storage.ErrNotFound)
			wantErr(t, "delete via "+w.name, s.DeleteAccessKey(ctx, w.account, w.user, w.id), storage.ErrNotFound)
		}
		for _, id := range []string{"AKIABOB", "AKIAROOT"} {
			k, err := s.GetAccessKey(ctx, id)
			must(t, "get "+id, err)
			if k.Status != trailwatch.KeyActive {
				t.Errorf("refused update changed %s to %s", id, k.Status)
			}
		}
		must(t, "deactivate bob's key", s.UpdateAccessKey(ctx, acctA, "BOB", "AKIABOB", trailwatch.KeyInactive))
		must(t, "deactivate root key", s.UpdateAccessKey(ctx, acctA, "", "AKIAROOT", trailwatch.KeyInactive))
		for _, id := range []string{"AKIABOB", "AKIAROOT"} {
			k, err := s.GetAccessKey(ctx, id)
			must(t, "get "+id, err)
			if k.Status != trailwatch.KeyInactive {
				t.Errorf("%s status %s, want %s", id, k.Status, trailwatch.KeyInactive)
			}
		}
		must(t, "reactivate", s.UpdateAccessKey(ctx, acctA, "bob", "AKIABOB", trailwatch.KeyActive))
		must(t, "delete bob's key", s.DeleteAccessKey(ctx, acctA, "Bob", "AKIABOB"))
		must(t, "delete root key", s.DeleteAccessKey(ctx, acctA, "", "AKIAROOT"))
		for _, id := range []string{"AKIABOB", "AKIAROOT"} {
			_, err := s.GetAccessKey(ctx, id)
			wantErr(t, "get deleted "+id, err, storage.ErrNotFound)
			wantErr(t, "delete again "+id, s.DeleteAccessKey(ctx, acctA, "", id), storage.ErrNotFound)
		}
	})
}

// policy returns an inline policy of user in account.
func policy(account, userName, name string) trailwatch.UserPolicy {
	return trailwatch.UserPolicy{
		AccountID: account, UserName: userName, PolicyName: name,
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:` + name + `","Resource":"*"}]}`,
	}
}

func testUserPolicies(t *testing.T, h *harness) {
	t.Run("PutGetReplace", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "Bob", "/")))
		p := policy(acctA, "bob", "read")
		must(t, "put", s.PutUserPolicy(ctx, p))
		p.UserName = "Bob"
		got, err := s.GetUserPolicy(ctx, acctA, "BOB", "read")
		must(t, "get", err)
		diff(t, "get", p, got)
		p.Document = `{"Version":"2012-10-17","Statement":[]}`
		must(t, "replace", s.PutUserPolicy(ctx, p))
		got, err = s.GetUserPolicy(ctx, acctA, "bob", "read")
		must(t, "get replaced", err)
		diff(t, "get replaced", p, got)
		list, err := s.ListUserPolicies(ctx, acctA, "bob")
		must(t, "list", err)
		diff(t, "list after replace", []trailwatch.UserPolicy{p}, list)
	})
	t.Run("UnknownUser", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user in B", s.CreateUser(ctx, user(acctB, "bob", "/")))
		wantErr(t, "put", s.PutUserPolicy(ctx, policy(acctA, "bob", "p")), storage.ErrNotFound)
		_, err := s.GetUserPolicy(ctx, acctA, "bob", "p")
		wantErr(t, "get", err, storage.ErrNotFound)
		_, err = s.ListUserPolicies(ctx, acctA, "bob")
		wantErr(t, "list", err, storage.ErrNotFound)
		wantErr(t, "delete", s.DeleteUserPolicy(ctx, acctA, "bob", "p"), storage.ErrNotFound)
	})
	t.Run("UnknownPolicy", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "bob", "/")))
		must(t, "create user", s.CreateUser(ctx, user(acctA, "carol", "/")))
		must(t, "put carol's", s.PutUserPolicy(ctx, policy(acctA, "carol", "p")))
		_, err := s.GetUserPolicy(ctx, acctA, "bob", "p")
		wantErr(t, "get carol's policy through bob", err, storage.ErrNotFound)
		wantErr(t, "delete carol's policy through bob", s.DeleteUserPolicy(ctx, acctA, "bob", "p"), storage.ErrNotFound)
		list, err := s.ListUserPolicies(ctx, acctA, "bob")
		must(t, "list", err)
		if len(list) != 0 {
			t.Errorf("bob lists %d policies, want 0", len(list))
		}
	})
	t.Run("ListDelete", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).IAM()
		must(t, "create user", s.CreateUser(ctx, user(acctA, "bob", "/")))
		must(t, "create user in B", s.CreateUser(ctx, user(acctB, "bob", "/")))
		for _, name := range []string{"zeta", "alpha", "Mid"} {
			must(t, "put "+name, s.PutUserPolicy(ctx, policy(acctA, "bob", name)))
		}
		must(t, "put in B", s.PutUserPolicy(ctx, policy(acctB, "bob", "other")))
		list, err := s.ListUserPolicies(ctx, acctA, "bob")
		must(t, "list", err)
		diff(t, "list", []trailwatch.UserPolicy{policy(acctA, "bob", "Mid"), policy(acctA, "bob", "alpha"), policy(acctA, "bob", "zeta")}, list)
		must(t, "delete", s.DeleteUserPolicy(ctx, acctA, "bob", "alpha"))
		wantErr(t, "delete again", s.DeleteUserPolicy(ctx, acctA, "bob", "alpha"), storage.ErrNotFound)
		_, err = s.GetUserPolicy(ctx, acctA, "bob", "alpha")
		wantErr(t, "get deleted", err, storage.ErrNotFound)
		list, err = s.ListUserPolicies(ctx, acctA, "bob")
		must(t, "list", err)
		diff(t, "list after delete", []trailwatch.UserPolicy{policy(acctA, "bob", "Mid"), policy(acctA, "bob", "zeta")}, list)
		list, err = s.ListUserPolicies(ctx, acctB, "bob")
		must(t, "list B", err)
		diff(t, "list B", []trailwatch.UserPolicy{policy(acctB, "bob", "other")}, list)
	})
}
