package iam_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

var userIDPattern = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)

func TestCreateUserAndGetUser(t *testing.T) {
	e := mustEnv(t)
	got := mustUser(t, e, acctA, "/ops/", "Alice")
	if !userIDPattern.MatchString(got.UserID) {
		t.Errorf("UserId = %q, want AIDA and 17 of [A-Z2-7]", got.UserID)
	}
	want := &iam.User{
		Path: "/ops/", UserName: "Alice", UserID: got.UserID,
		ARN: "arn:aws:iam::111122223333:user/ops/Alice", CreateDate: clock.Truncate(time.Second),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateUser (-want +got):\n%s", diff)
	}
	// Names are case-insensitive: any spelling finds the user as created.
	for _, name := range []string{"Alice", "alice", "ALICE"} {
		g := mustCall[iam.GetUserOutput](t, e, root(acctA), "GetUser", &iam.GetUserInput{UserName: name})
		if diff := cmp.Diff(want, g.User); diff != "" {
			t.Errorf("GetUser(%s) (-want +got):\n%s", name, diff)
		}
	}
	// Path defaults to "/".
	bob := mustUser(t, e, acctA, "", "bob")
	if bob.Path != "/" || bob.ARN != "arn:aws:iam::111122223333:user/bob" {
		t.Errorf("default path: %+v", bob)
	}
	if bob.UserID == got.UserID {
		t.Error("two users share a UserId")
	}
}

func TestCreateUserErrors(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "", "Alice")
	tests := []struct {
		name   string
		in     *iam.CreateUserInput
		code   string
		status int
		msg    string
	}{
		{"exists", &iam.CreateUserInput{UserName: "Alice"},
			"EntityAlreadyExists", 409, "User with name Alice already exists."},
		{"exists in another case", &iam.CreateUserInput{UserName: "aLiCe"},
			"EntityAlreadyExists", 409, "User with name aLiCe already exists."},
		{"tags", &iam.CreateUserInput{UserName: "carol", Tags: []iam.Tag{{Key: "team", Value: ptr("ops")}}},
			"InvalidInput", 400, "Tags are not supported on IAM users by this server."},
		{"permissions boundary", &iam.CreateUserInput{UserName: "carol", PermissionsBoundary: "arn:aws:iam::111122223333:policy/Boundary"},
			"NoSuchEntity", 404, "Scope ARN: arn:aws:iam::111122223333:policy/Boundary does not exist or is not attachable."},
		{"no name", &iam.CreateUserInput{},
			"ValidationError", 400, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"bad name", &iam.CreateUserInput{UserName: "a b"},
			"ValidationError", 400, `1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"long name", &iam.CreateUserInput{UserName: string(make65())},
			"ValidationError", 400, "1 validation error detected: Value '" + string(make65()) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bad path", &iam.CreateUserInput{UserName: "carol", Path: "ops"},
			"ValidationError", 400, `1 validation error detected: Value 'ops' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
		{"path without trailing slash", &iam.CreateUserInput{UserName: "carol", Path: "/ops"},
			"ValidationError", 400, `1 validation error detected: Value '/ops' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call[iam.CreateUserOutput](t, e, root(acctA), "CreateUser", tt.in)
			wantErr(t, err, tt.code, tt.status, tt.msg)
		})
	}
	// None of the refused calls created anything.
	l := mustCall[iam.ListUsersOutput](t, e, root(acctA), "ListUsers", &iam.ListUsersInput{})
	if len(l.Users) != 1 {
		t.Errorf("users after refused creates: %+v", l.Users)
	}
}

func make65() []byte {
	b := make([]byte, 65)
	for i := range b {
		b[i] = 'n'
	}
	return b
}

func TestGetUserSelf(t *testing.T) {
	e := mustEnv(t)
	alice := mustUser(t, e, acctA, "/ops/", "alice")

	// Root asking about itself gets its identity as IAM returns it.
	got := mustCall[iam.GetUserOutput](t, e, root(acctA), "GetUser", &iam.GetUserInput{}).User
	want := &iam.User{UserID: acctA, ARN: "arn:aws:iam::111122223333:root", CreateDate: created.Truncate(time.Second)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("root GetUser (-want +got):\n%s", diff)
	}

	// A user asking about itself gets its own user.
	got = mustCall[iam.GetUserOutput](t, e, as(alice, acctA), "GetUser", &iam.GetUserInput{}).User
	if diff := cmp.Diff(alice, got); diff != "" {
		t.Errorf("self GetUser (-want +got):\n%s", diff)
	}

	// A caller whose user is gone gets NoSuchEntity naming it.
	ghost := &iam.User{UserName: "ghost", UserID: "AIDAGHOSTGHOSTGHOST2", ARN: "arn:aws:iam::111122223333:user/ghost"}
	_, err := call[iam.GetUserOutput](t, e, as(ghost, acctA), "GetUser", &iam.GetUserInput{})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name ghost cannot be found.")

	_, err = call[iam.GetUserOutput](t, e, root(acctA), "GetUser", &iam.GetUserInput{UserName: "nobody"})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
}

func TestListUsersPagination(t *testing.T) {
	e := mustEnv(t)
	var names []string
	for i := range 7 {
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		// Mixed case: the order is by name, case-insensitively.
		name := fmt.Sprintf("user%d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("USER%d", i)
		}
		mustUser(t, e, acctA, path, name)
		names = append(names, name)
	}
	mustUser(t, e, acctB, "/", "other")

	list := func(prefix string, maxItems int) (got []string, pages int) {
		marker := ""
		for {
			out := mustCall[iam.ListUsersOutput](t, e, root(acctA), "ListUsers",
				&iam.ListUsersInput{PathPrefix: prefix, Marker: marker, MaxItems: &maxItems})
			pages++
			if len(out.Users) > maxItems {
				t.Fatalf("page of %d users, MaxItems %d", len(out.Users), maxItems)
			}
			for _, u := range out.Users {
				got = append(got, u.UserName)
			}
			if truncated(out.IsTruncated) != (out.Marker != "") {
				t.Fatalf("IsTruncated %v with Marker %q", truncated(out.IsTruncated), out.Marker)
			}
			if !truncated(out.IsTruncated) {
				return got, pages
			}
			marker = out.Marker
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
		}
	}

	got, pages := list("", 3)
	if diff := cmp.Diff(names, got); diff != "" {
		t.Errorf("all users over pages (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("7 users in pages of 3 took %d pages", pages)
	}
	// Exactly a page: no empty trailing page.
	if _, pages := list("", 7); pages != 1 {
		t.Errorf("7 users with MaxItems 7 took %d pages", pages)
	}
	got, _ = list("/odd/", 2)
	if diff := cmp.Diff([]string{"user1", "USER3", "user5"}, got); diff != "" {
		t.Errorf("PathPrefix /odd/ (-want +got):\n%s", diff)
	}
	if got, _ := list("/nothing/", 5); len(got) != 0 {
		t.Errorf("PathPrefix /nothing/ = %v", got)
	}

	// An empty list is present and empty, not absent.
	out := mustCall[iam.ListUsersOutput](t, e, root(acctA), "ListUsers", &iam.ListUsersInput{PathPrefix: "/none/"})
	if out.Users == nil || truncated(out.IsTruncated) {
		t.Errorf("empty list = %+v", out)
	}
}

func TestListUsersDefaultPageSize(t *testing.T) {
	e := mustEnv(t)
	for i := range 101 {
		mustUser(t, e, acctA, "/", fmt.Sprintf("u%03d", i))
	}
	out := mustCall[iam.ListUsersOutput](t, e, root(acctA), "ListUsers", &iam.ListUsersInput{})
	if len(out.Users) != 100 || !truncated(out.IsTruncated) || out.Marker == "" {
		t.Fatalf("default page: %d users, truncated %v", len(out.Users), truncated(out.IsTruncated))
	}
	out = mustCall[iam.ListUsersOutput](t, e, root(acctA), "ListUsers", &iam.ListUsersInput{Marker: out.Marker})
	if len(out.Users) != 1 || out.Users[0].UserName != "u100" || truncated(out.IsTruncated) {
		t.Errorf("second page: %+v", out)
	}
}

func TestListUsersBadInput(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	mustCall[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "a", PolicyDocument: allowAll})
	mustCall[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "b", PolicyDocument: allowAll})
	policies := mustCall[iam.ListUserPoliciesOutput](t, e, root(acctA), "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice", MaxItems: ptr(1)})
	if policies.Marker == "" {
		t.Fatal("no marker from a truncated ListUserPolicies")
	}
	tests := []struct {
		name string
		in   *iam.ListUsersInput
		msg  string
	}{
		{"garbage marker", &iam.ListUsersInput{Marker: "not a marker"}, "Invalid Marker."},
		{"marker of another list", &iam.ListUsersInput{Marker: policies.Marker}, "Invalid Marker."},
		{"MaxItems 0", &iam.ListUsersInput{MaxItems: ptr(0)},
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"MaxItems 1001", &iam.ListUsersInput{MaxItems: ptr(1001)},
			"1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"PathPrefix without slash", &iam.ListUsersInput{PathPrefix: "ops"},
			`1 validation error detected: Value 'ops' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call[iam.ListUsersOutput](t, e, root(acctA), "ListUsers", tt.in)
			wantErr(t, err, "ValidationError", 400, tt.msg)
		})
	}
}

func TestDeleteUser(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "Alice")
	key := mustKey(t, e, root(acctA), "alice")
	mustCall[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: allowAll})

	// Keys must go first, then policies, as IAM says one at a time.
	_, err := call[iam.DeleteUserOutput](t, e, root(acctA), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"})
	wantErr(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
	mustCall[iam.DeleteAccessKeyOutput](t, e, root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: key.AccessKeyID})
	_, err = call[iam.DeleteUserOutput](t, e, root(acctA), "DeleteUser", &iam.DeleteUserInput{UserName: "ALICE"})
	wantErr(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
	mustCall[iam.DeleteUserPolicyOutput](t, e, root(acctA), "DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "alice", PolicyName: "p"})
	mustCall[iam.DeleteUserOutput](t, e, root(acctA), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"})
	_, err = call[iam.DeleteUserOutput](t, e, root(acctA), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
	_, err = call[iam.GetUserOutput](t, e, root(acctA), "GetUser", &iam.GetUserInput{UserName: "Alice"})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name Alice cannot be found.")
	// The name is free again.
	mustUser(t, e, acctA, "/", "alice")
}

func TestAccountIsolationUsers(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")

	_, err := call[iam.GetUserOutput](t, e, root(acctB), "GetUser", &iam.GetUserInput{UserName: "alice"})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
	_, err = call[iam.DeleteUserOutput](t, e, root(acctB), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"})
	wantErr(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
	if l := mustCall[iam.ListUsersOutput](t, e, root(acctB), "ListUsers", &iam.ListUsersInput{}); len(l.Users) != 0 {
		t.Errorf("account B lists A's users: %+v", l.Users)
	}
	// B may have its own alice; A's is untouched by anything B does.
	bAlice := mustUser(t, e, acctB, "/", "alice")
	if bAlice.ARN != "arn:aws:iam::444455556666:user/alice" {
		t.Errorf("B's alice ARN = %s", bAlice.ARN)
	}
	mustCall[iam.DeleteUserOutput](t, e, root(acctB), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"})
	mustCall[iam.GetUserOutput](t, e, root(acctA), "GetUser", &iam.GetUserInput{UserName: "alice"})
}

// An operation without a caller is a front-door bug: it must fail, and as
// an internal error rather than an AWS error a client could act on.
func TestNoCaller(t *testing.T) {
	e := mustEnv(t)
	for name, op := range e.api.Operations {
		_, err := op.Call(context.Background(), op.NewInput())
		if err == nil || awserr.As(err) != nil {
			t.Errorf("%s without a caller: %v", name, err)
		}
	}
}
