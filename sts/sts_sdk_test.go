package sts_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// GetCallerIdentity through aws-sdk-go-v2's STS client, for root and for an
// IAM user whose only policy denies everything: the call needs no
// permission and no deny blocks it.
func TestSDKGetCallerIdentity(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	acct := ts.Root.AccountID

	out, err := awssts.NewFromConfig(ts.RootConfig()).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != acct || aws.ToString(out.UserId) != acct || aws.ToString(out.Arn) != "arn:aws:iam::"+acct+":root" {
		t.Errorf("root identity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
	}

	admin := awsiam.NewFromConfig(ts.RootConfig())
	u, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("Alice"), Path: aws.String("/ops/")})
	if err != nil {
		t.Fatal(err)
	}
	denyAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	if _, err := admin.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("deny"), PolicyDocument: aws.String(denyAll)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	out, err = awssts.NewFromConfig(ts.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))).
		GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != acct || aws.ToString(out.UserId) != aws.ToString(u.User.UserId) ||
		aws.ToString(out.Arn) != "arn:aws:iam::"+acct+":user/ops/Alice" {
		t.Errorf("alice's identity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
	}
}
