package iam_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
)

// Two accounts, so every test can also check that one cannot reach the other.
const (
	acctA = "111122223333"
	acctB = "444455556666"
)

var (
	// clock is the service's fixed time; IAM dates have second precision.
	clock = time.Date(2024, 1, 15, 9, 41, 7, 500_000_000, time.UTC)
	// created is when the test accounts were created.
	created = time.Date(2023, 6, 1, 12, 0, 0, 250_000_000, time.UTC)
)

// env is an IAM service over a real SQLite store in a temporary directory.
type env struct {
	svc   *iam.Service
	api   *awsapi.Service
	store storage.Store
}

// mustEnv opens a fresh store with accounts A and B.
func mustEnv(t testing.TB) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "trailwatch.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	for _, id := range []string{acctA, acctB} {
		if err := db.Accounts().CreateAccount(context.Background(), trailwatch.Account{ID: id, Name: "test " + id, CreatedAt: created}); err != nil {
			t.Fatalf("create account: %v", err)
		}
	}
	svc := iam.New(iam.Options{Store: db.IAM(), Accounts: db.Accounts(), Now: func() time.Time { return clock }})
	return &env{svc: svc, api: svc.API(), store: db}
}

// root is a context whose caller is the account's root user.
func root(account string) context.Context {
	return trailwatch.NewContextWithCaller(context.Background(), &trailwatch.Caller{
		AccountID: account, Type: trailwatch.PrincipalRoot, PrincipalID: account,
		ARN: trailwatch.RootARN(account), AccessKeyID: "AKIAROOTKEYEXAMPLE00", Region: "eu-west-1",
	})
}

// as is a context whose caller is the IAM user u.
func as(u *iam.User, account string) context.Context {
	return trailwatch.NewContextWithCaller(context.Background(), &trailwatch.Caller{
		AccountID: account, Type: trailwatch.PrincipalIAMUser, PrincipalID: u.UserID,
		ARN: u.ARN, UserName: u.UserName, AccessKeyID: "AKIAUSERKEYEXAMPLE00", Region: "eu-west-1",
	})
}

// callAny runs an operation as the front door does: validate the input
// against its constraint tags, then call the handler. The error is nil or
// the *awserr.Error a client would see.
func callAny(t testing.TB, e *env, ctx context.Context, name string, in any) (any, *awserr.Error) {
	t.Helper()
	op := e.api.Operations[name]
	if op == nil {
		t.Fatalf("no operation %s", name)
	}
	if err := awsapi.Validate(in); err != nil {
		var ve *awsapi.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: validate: %v", name, err)
		}
		return nil, ve.AWSError(e.api.ValidationCode)
	}
	out, err := op.Call(ctx, in)
	if err != nil {
		ae := awserr.As(err)
		if ae == nil {
			t.Fatalf("%s: error a client would see as InternalFailure: %v", name, err)
		}
		return nil, ae
	}
	return out, nil
}

// call is callAny with the output typed.
func call[O any](t testing.TB, e *env, ctx context.Context, name string, in any) (*O, *awserr.Error) {
	t.Helper()
	out, err := callAny(t, e, ctx, name, in)
	if err != nil {
		return nil, err
	}
	o, ok := out.(*O)
	if !ok {
		t.Fatalf("%s returned %T", name, out)
	}
	return o, nil
}

// mustCall is call for calls that must succeed.
func mustCall[O any](t testing.TB, e *env, ctx context.Context, name string, in any) *O {
	t.Helper()
	out, err := call[O](t, e, ctx, name, in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// wantErr checks an AWS error's code, status and message.
func wantErr(t testing.TB, got *awserr.Error, code string, status int, msg string) {
	t.Helper()
	if got == nil {
		t.Fatalf("no error, want %s (%d) %q", code, status, msg)
	}
	if got.Code != code || got.HTTPStatus() != status || got.Message != msg {
		t.Errorf("error = %s (%d) %q\n want %s (%d) %q", got.Code, got.HTTPStatus(), got.Message, code, status, msg)
	}
}

// mustUser creates a user as the account's root.
func mustUser(t testing.TB, e *env, account, path, name string) *iam.User {
	t.Helper()
	return mustCall[iam.CreateUserOutput](t, e, root(account), "CreateUser", &iam.CreateUserInput{Path: path, UserName: name}).User
}

// mustKey creates an access key for name ("" = the caller).
func mustKey(t testing.TB, e *env, ctx context.Context, name string) *iam.AccessKey {
	t.Helper()
	return mustCall[iam.CreateAccessKeyOutput](t, e, ctx, "CreateAccessKey", &iam.CreateAccessKeyInput{UserName: name}).AccessKey
}

func ptr[T any](v T) *T { return &v }

// truncated reads a list's IsTruncated, which must be present: IAM always
// sends it.
func truncated(p *bool) bool {
	if p == nil {
		panic("IsTruncated absent")
	}
	return *p
}
