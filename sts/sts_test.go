package sts_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/sts"
)

func TestGetCallerIdentity(t *testing.T) {
	tests := []struct {
		name   string
		caller *trailwatch.Caller
		want   *sts.GetCallerIdentityOutput
	}{
		{
			name: "root",
			caller: &trailwatch.Caller{AccountID: "111122223333", Type: trailwatch.PrincipalRoot,
				PrincipalID: "111122223333", ARN: "arn:aws:iam::111122223333:root", AccessKeyID: "AKIAROOTROOTROOTROOT"},
			want: &sts.GetCallerIdentityOutput{UserID: "111122223333", Account: "111122223333", ARN: "arn:aws:iam::111122223333:root"},
		},
		{
			name:   "root filled sparsely",
			caller: &trailwatch.Caller{AccountID: "111122223333", Type: trailwatch.PrincipalRoot},
			want:   &sts.GetCallerIdentityOutput{UserID: "111122223333", Account: "111122223333", ARN: "arn:aws:iam::111122223333:root"},
		},
		{
			name: "IAM user",
			caller: &trailwatch.Caller{AccountID: "444455556666", Type: trailwatch.PrincipalIAMUser,
				PrincipalID: "AIDAEXAMPLEEXAMPLE7", ARN: "arn:aws:iam::444455556666:user/ops/alice", UserName: "alice"},
			want: &sts.GetCallerIdentityOutput{UserID: "AIDAEXAMPLEEXAMPLE7", Account: "444455556666", ARN: "arn:aws:iam::444455556666:user/ops/alice"},
		},
	}
	op := sts.New(sts.Options{}).API().Operations["GetCallerIdentity"]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := trailwatch.NewContextWithCaller(context.Background(), tt.caller)
			got, err := op.Call(ctx, op.NewInput())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GetCallerIdentity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetCallerIdentityNoCaller(t *testing.T) {
	op := sts.New(sts.Options{}).API().Operations["GetCallerIdentity"]
	if _, err := op.Call(context.Background(), op.NewInput()); err == nil {
		t.Fatal("no error without a caller")
	}
}

func TestAPI(t *testing.T) {
	api := sts.New(sts.Options{}).API()
	op := api.Operations["GetCallerIdentity"]
	if op == nil || !op.Public || !op.ReadOnly {
		t.Fatalf("GetCallerIdentity must be public and read-only: %+v", op)
	}
	if rs, err := op.Resources(context.Background(), op.NewInput()); err != nil || len(rs) != 0 {
		t.Error("GetCallerIdentity acts on no resource")
	}
	if got := api.Action(op); got != "sts:GetCallerIdentity" {
		t.Errorf("action = %q", got)
	}
	if api.SigningName != "sts" || api.XMLNamespace != "https://sts.amazonaws.com/doc/2011-06-15/" || api.APIVersion != "2011-06-15" {
		t.Errorf("service table = %+v", api)
	}
}
