package iam_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// These tests drive the whole server through aws-sdk-go-v2's IAM client:
// the query codec must produce what the SDK's deserializers parse, and the
// front door must authorise against the resources this package names.

// sdkErr checks that err is the SDK's typed error T with AWS's code and
// message.
func sdkErr[T smithy.APIError](t *testing.T, err error, code, msg string) {
	t.Helper()
	var typed T
	if !errors.As(err, &typed) {
		t.Fatalf("error = %v (%T), want %T", err, err, typed)
	}
	if typed.ErrorCode() != code || typed.ErrorMessage() != msg {
		t.Errorf("error = %s %q, want %s %q", typed.ErrorCode(), typed.ErrorMessage(), code, msg)
	}
}

func TestSDKUsers(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	c := awsiam.NewFromConfig(ts.RootConfig())
	acct := ts.Root.AccountID

	before := time.Now().Add(-2 * time.Second)
	cu, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("Alice"), Path: aws.String("/ops/")})
	if err != nil {
		t.Fatal(err)
	}
	u := cu.User
	if aws.ToString(u.UserName) != "Alice" || aws.ToString(u.Path) != "/ops/" || !userIDPattern.MatchString(aws.ToString(u.UserId)) ||
		aws.ToString(u.Arn) != "arn:aws:iam::"+acct+":user/ops/Alice" || u.CreateDate == nil || u.CreateDate.Before(before) {
		t.Errorf("CreateUser = %+v", u)
	}
	got, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got.User, cmp.AllowUnexported(iamtypes.User{})); diff != "" {
		t.Errorf("GetUser (-create +get):\n%s", diff)
	}
	self, err := c.GetUser(ctx, &awsiam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(self.User.UserId) != acct || aws.ToString(self.User.Arn) != "arn:aws:iam::"+acct+":root" || self.User.UserName != nil || self.User.CreateDate == nil {
		t.Errorf("root GetUser = %+v", self.User)
	}

	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ALICE")})
	sdkErr[*iamtypes.EntityAlreadyExistsException](t, err, "EntityAlreadyExists", "User with name ALICE already exists.")
	_, err = c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	sdkErr[*iamtypes.InvalidInputException](t, err, "InvalidInput", "Tags are not supported on IAM users by this server.")
	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("a b")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
		t.Errorf("bad name: %v", err)
	}

	// Pagination through the SDK's own paginator, markers round-tripping.
	for i := range 5 {
		if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	p := awsiam.NewListUsersPaginator(c, &awsiam.ListUsersInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if diff := cmp.Diff([]string{"Alice", "user0", "user1", "user2", "user3", "user4"}, names); diff != "" || pages != 3 {
		t.Errorf("%d pages (-want +got):\n%s", pages, diff)
	}

	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("user0")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("user0")})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The user with name user0 cannot be found.")
}

func TestSDKKeysAndPolicies(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	admin := awsiam.NewFromConfig(ts.RootConfig())
	for _, name := range []string{"alice", "bob"} {
		if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	ck, err := admin.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	k := ck.AccessKey
	if aws.ToString(k.UserName) != "alice" || !keyIDPattern.MatchString(aws.ToString(k.AccessKeyId)) ||
		!secretPattern.MatchString(aws.ToString(k.SecretAccessKey)) || k.Status != iamtypes.StatusTypeActive || k.CreateDate == nil {
		t.Errorf("CreateAccessKey = %+v", k)
	}
	alice := awsiam.NewFromConfig(ts.Config(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey)))

	// No policy yet: alice may do nothing, not even look at herself.
	_, err = alice.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("alice without a policy: %v", err)
	}

	// Manage your own keys, the classic self-service policy.
	doc := `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:GetUser"],
    "Resource": "arn:aws:iam::*:user/${aws:username}"
  }]
}`
	if _, err := admin.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	gp, err := admin.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); err != nil || dec != doc {
		t.Errorf("GetUserPolicy document decodes to %q, %v", dec, err)
	}
	lp, err := admin.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("alice")})
	if err != nil || len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "self" || lp.IsTruncated {
		t.Errorf("ListUserPolicies = %+v, %v", lp, err)
	}

	lk, err := alice.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	if err != nil {
		t.Fatalf("alice lists her keys: %v", err)
	}
	if len(lk.AccessKeyMetadata) != 1 || aws.ToString(lk.AccessKeyMetadata[0].AccessKeyId) != aws.ToString(k.AccessKeyId) {
		t.Errorf("alice's keys = %+v", lk.AccessKeyMetadata)
	}
	second, err := alice.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatalf("alice creates her second key: %v", err)
	}
	_, err = alice.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	sdkErr[*iamtypes.LimitExceededException](t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	if _, err := alice.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{AccessKeyId: second.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	// Bob is not ${aws:username}.
	_, err = alice.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("bob")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("alice lists bob's keys: %v", err)
	}
	if _, err := alice.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: second.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: second.AccessKey.AccessKeyId})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The Access Key with id "+aws.ToString(second.AccessKey.AccessKeyId)+" cannot be found.")

	_, err = admin.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	sdkErr[*iamtypes.DeleteConflictException](t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	_, err = admin.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("bad"), PolicyDocument: aws.String("{")})
	sdkErr[*iamtypes.MalformedPolicyDocumentException](t, err, "MalformedPolicyDocument", "Syntax errors in policy.")
	_, err = admin.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("nope")})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The user policy with name nope cannot be found.")
	if _, err := admin.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self")}); err != nil {
		t.Fatal(err)
	}
	// With the policy gone, so is alice's permission, at once.
	_, err = alice.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("alice after her policy was deleted: %v", err)
	}
}

// An account's root sees nothing of another account.
func TestSDKAccountIsolation(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	a := awsiam.NewFromConfig(ts.RootConfig())
	other := ts.NewAccount(t)
	b := awsiam.NewFromConfig(ts.Config(other.AccessKeyID, other.SecretAccessKey))
	if _, err := a.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	k, err := a.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The user with name alice cannot be found.")
	_, err = b.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: k.AccessKey.AccessKeyId})
	sdkErr[*iamtypes.NoSuchEntityException](t, err, "NoSuchEntity", "The Access Key with id "+aws.ToString(k.AccessKey.AccessKeyId)+" cannot be found.")
	l, err := b.ListUsers(ctx, &awsiam.ListUsersInput{})
	if err != nil || len(l.Users) != 0 {
		t.Errorf("B's ListUsers = %+v, %v", l, err)
	}
}
