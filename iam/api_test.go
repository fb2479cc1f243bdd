package iam_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

func TestAPITable(t *testing.T) {
	e := mustEnv(t)
	api := e.api
	want := awsapi.Service{
		SigningName: "iam", ActionPrefix: "iam", EventSource: "iam.amazonaws.com", APIVersion: "2010-05-08",
		Protocols: []awsapi.Protocol{awsapi.Query}, XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
		ValidationCode: "ValidationError", GlobalRegion: "us-east-1",
	}
	got := *api
	got.Operations = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("service table (-want +got):\n%s", diff)
	}
	readOnly := map[string]bool{
		"CreateUser": false, "GetUser": true, "ListUsers": true, "DeleteUser": false,
		"CreateAccessKey": false, "ListAccessKeys": true, "UpdateAccessKey": false, "DeleteAccessKey": false,
		"PutUserPolicy": false, "GetUserPolicy": true, "ListUserPolicies": true, "DeleteUserPolicy": false,
	}
	var names []string
	for name, op := range api.Operations {
		names = append(names, name)
		ro, ok := readOnly[name]
		if !ok {
			t.Errorf("unexpected operation %s", name)
			continue
		}
		if op.ReadOnly != ro || op.Public || op.Category != trailwatch.CategoryManagement {
			t.Errorf("%s: ReadOnly %v Public %v Category %s", name, op.ReadOnly, op.Public, op.Category)
		}
		// Every shape must be one the codecs can read and write.
		in := op.NewInput()
		if _, err := awsapi.ShapeOf(reflect.TypeOf(in)); err != nil {
			t.Errorf("%s input: %v", name, err)
		}
	}
	if len(names) != len(readOnly) {
		slices.Sort(names)
		t.Errorf("operations = %v", names)
	}
	for _, out := range []any{
		iam.CreateUserOutput{}, iam.GetUserOutput{}, iam.ListUsersOutput{}, iam.DeleteUserOutput{},
		iam.CreateAccessKeyOutput{}, iam.ListAccessKeysOutput{}, iam.UpdateAccessKeyOutput{}, iam.DeleteAccessKeyOutput{},
		iam.PutUserPolicyOutput{}, iam.GetUserPolicyOutput{}, iam.ListUserPoliciesOutput{}, iam.DeleteUserPolicyOutput{},
	} {
		if _, err := awsapi.ShapeOf(reflect.TypeOf(out)); err != nil {
			t.Errorf("%T: %v", out, err)
		}
	}
}

func TestResources(t *testing.T) {
	e := mustEnv(t)
	alice := mustUser(t, e, acctA, "/admins/", "Alice")
	user := func(account, arn, name string) trailwatch.Resource {
		return trailwatch.Resource{ARN: arn, AccountID: account, Type: "AWS::IAM::User", Name: name}
	}
	key := func(account, arn, id string) trailwatch.Resource {
		return trailwatch.Resource{ARN: arn, AccountID: account, Type: "AWS::IAM::AccessKey", Name: id}
	}
	const aliceARN = "arn:aws:iam::111122223333:user/admins/Alice"
	tests := []struct {
		name string
		ctx  context.Context
		op   string
		in   any
		want []trailwatch.Resource
	}{
		{"create: requested path", root(acctA), "CreateUser", &iam.CreateUserInput{Path: "/ops/", UserName: "bob"},
			[]trailwatch.Resource{user(acctA, "arn:aws:iam::111122223333:user/ops/bob", "bob")}},
		{"create: default path", root(acctA), "CreateUser", &iam.CreateUserInput{UserName: "bob"},
			[]trailwatch.Resource{user(acctA, "arn:aws:iam::111122223333:user/bob", "bob")}},
		// An existing user is named by its stored path and spelling, so a
		// policy on user/admins/* covers it however the request spells it.
		{"existing user", root(acctA), "DeleteUser", &iam.DeleteUserInput{UserName: "alice"},
			[]trailwatch.Resource{user(acctA, aliceARN, "Alice")}},
		{"unknown user", root(acctA), "GetUser", &iam.GetUserInput{UserName: "nobody"},
			[]trailwatch.Resource{user(acctA, "arn:aws:iam::111122223333:user/nobody", "nobody")}},
		{"other account's user is unknown", root(acctB), "GetUser", &iam.GetUserInput{UserName: "alice"},
			[]trailwatch.Resource{user(acctB, "arn:aws:iam::444455556666:user/alice", "alice")}},
		{"self", as(alice, acctA), "CreateAccessKey", &iam.CreateAccessKeyInput{},
			[]trailwatch.Resource{user(acctA, aliceARN, "Alice")}},
		{"root self", root(acctA), "CreateAccessKey", &iam.CreateAccessKeyInput{}, nil},
		{"policy", root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "ALICE", PolicyName: "p", PolicyDocument: allowAll},
			[]trailwatch.Resource{user(acctA, aliceARN, "Alice")}},
		{"key of a user", root(acctA), "UpdateAccessKey", &iam.UpdateAccessKeyInput{UserName: "alice", AccessKeyID: "AKIAEXAMPLEEXAMPLE22", Status: "Inactive"},
			[]trailwatch.Resource{user(acctA, aliceARN, "Alice"), key(acctA, aliceARN, "AKIAEXAMPLEEXAMPLE22")}},
		{"own key", as(alice, acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{AccessKeyID: "AKIAEXAMPLEEXAMPLE22"},
			[]trailwatch.Resource{user(acctA, aliceARN, "Alice"), key(acctA, aliceARN, "AKIAEXAMPLEEXAMPLE22")}},
		{"root's own key", root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{AccessKeyID: "AKIAEXAMPLEEXAMPLE22"},
			[]trailwatch.Resource{key(acctA, "arn:aws:iam::111122223333:root", "AKIAEXAMPLEEXAMPLE22")}},
		{"list users: any", root(acctA), "ListUsers", &iam.ListUsersInput{}, nil},
		{"no caller", context.Background(), "GetUser", &iam.GetUserInput{UserName: "alice"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.api.Operations[tt.op].Resources(tt.ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s resources (-want +got):\n%s", tt.op, diff)
			}
		})
	}
}
