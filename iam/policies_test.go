package iam_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/policy"
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// sizedDoc is a valid policy document of exactly n non-whitespace
// characters, padded in its Resource.
func sizedDoc(t testing.TB, n int) string {
	t.Helper()
	const head = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/`
	const tail = `"}]}`
	pad := n - len(head) - len(tail)
	if pad < 1 {
		t.Fatalf("sizedDoc(%d) is too small", n)
	}
	doc := head + strings.Repeat("x", pad) + tail
	if got := nonWhitespace(doc); got != n {
		t.Fatalf("sizedDoc(%d) has %d", n, got)
	}
	return doc
}

// nonWhitespace counts as IAM's policy size does, independently of the
// policy package.
func nonWhitespace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func put(t testing.TB, e *env, user, name, doc string) error {
	t.Helper()
	_, err := call[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: user, PolicyName: name, PolicyDocument: doc})
	if err == nil {
		return nil // a nil *awserr.Error is not a nil error
	}
	return err
}

func TestPutGetUserPolicy(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "Alice")
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::a~b/c+d\"}]\n}"
	if err := put(t, e, "alice", "S3", doc); err != nil {
		t.Fatal(err)
	}
	got := mustCall[iam.GetUserPolicyOutput](t, e, root(acctA), "GetUserPolicy", &iam.GetUserPolicyInput{UserName: "ALICE", PolicyName: "S3"})
	// RFC 3986: only A–Z a–z 0–9 - . _ ~ stay; space is %20, * and + are escaped.
	want := &iam.GetUserPolicyOutput{UserName: "Alice", PolicyName: "S3", PolicyDocument: "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3A%2A%22%2C%20%22Resource%22%3A%20%22arn%3Aaws%3As3%3A%3A%3Aa~b%2Fc%2Bd%22%7D%5D%0A%7D"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetUserPolicy (-want +got):\n%s", diff)
	}
	// What a client decodes is the document as put, whitespace and all.
	if dec, err := url.PathUnescape(got.PolicyDocument); err != nil || dec != doc {
		t.Errorf("decoded document = %q, %v", dec, err)
	}

	// Put replaces.
	if err := put(t, e, "alice", "S3", allowAll); err != nil {
		t.Fatal(err)
	}
	got = mustCall[iam.GetUserPolicyOutput](t, e, root(acctA), "GetUserPolicy", &iam.GetUserPolicyInput{UserName: "alice", PolicyName: "S3"})
	if dec, _ := url.PathUnescape(got.PolicyDocument); dec != allowAll {
		t.Errorf("replaced document = %q", dec)
	}
}

func TestPutUserPolicyErrors(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	malformed := `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`
	var pe *policy.ParseError
	if _, err := policy.Parse(malformed); !errors.As(err, &pe) {
		t.Fatalf("policy.Parse(%s) = %v, want a *ParseError", malformed, err)
	}
	tests := []struct {
		name   string
		in     *iam.PutUserPolicyInput
		code   string
		status int
		msg    string
	}{
		{"malformed", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: malformed},
			"MalformedPolicyDocument", 400, pe.Msg},
		{"not JSON", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: "{"},
			"MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"unknown user", &iam.PutUserPolicyInput{UserName: "nobody", PolicyName: "p", PolicyDocument: allowAll},
			"NoSuchEntity", 404, "The user with name nobody cannot be found."},
		{"too big alone", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: sizedDoc(t, 2049)},
			"LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user alice"},
		{"bad policy name", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "a/b", PolicyDocument: allowAll},
			"ValidationError", 400, `1 validation error detected: Value 'a/b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"no document", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p"},
			"ValidationError", 400, "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", tt.in)
			wantErr(t, err, tt.code, tt.status, tt.msg)
		})
	}
	if l := mustCall[iam.ListUserPoliciesOutput](t, e, root(acctA), "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice"}); len(l.PolicyNames) != 0 {
		t.Errorf("refused puts stored %v", l.PolicyNames)
	}
}

func TestUserPolicySizeLimit(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	mustUser(t, e, acctA, "/", "bob")
	if err := put(t, e, "alice", "a", sizedDoc(t, 1000)); err != nil {
		t.Fatal(err)
	}
	// Exactly at the limit, together.
	if err := put(t, e, "alice", "b", sizedDoc(t, 1048)); err != nil {
		t.Fatalf("2048 in total: %v", err)
	}
	// Whitespace does not count: a pretty-printed replacement of the same
	// size fits.
	pretty := strings.ReplaceAll(sizedDoc(t, 1048), ",", ",\n    ")
	if err := put(t, e, "alice", "b", pretty); err != nil {
		t.Fatalf("whitespace counted: %v", err)
	}
	// Replacing a policy counts its new size only, not old plus new.
	if err := put(t, e, "alice", "a", sizedDoc(t, 1000)); err != nil {
		t.Fatalf("replacement counted twice: %v", err)
	}
	_, err := call[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "ALICE", PolicyName: "a", PolicyDocument: sizedDoc(t, 1001)})
	wantErr(t, err, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user ALICE")
	_, err = call[iam.PutUserPolicyOutput](t, e, root(acctA), "PutUserPolicy", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "c", PolicyDocument: allowAll})
	wantErr(t, err, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user alice")
	// The limit is per user.
	if err := put(t, e, "bob", "a", sizedDoc(t, 2048)); err != nil {
		t.Fatalf("bob's own budget: %v", err)
	}
}

func TestListDeleteUserPolicies(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	for _, name := range []string{"delta", "Alpha", "charlie", "Echo", "bravo"} {
		if err := put(t, e, "alice", name, allowAll); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	marker, pages := "", 0
	for {
		out := mustCall[iam.ListUserPoliciesOutput](t, e, root(acctA), "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice", MaxItems: ptr(2), Marker: marker})
		pages++
		got = append(got, out.PolicyNames...)
		if truncated(out.IsTruncated) != (out.Marker != "") || len(out.PolicyNames) > 2 {
			t.Fatalf("page %d = %+v", pages, out)
		}
		if !truncated(out.IsTruncated) || pages > 5 {
			break
		}
		marker = out.Marker
	}
	if diff := cmp.Diff([]string{"Alpha", "bravo", "charlie", "delta", "Echo"}, got); diff != "" || pages != 3 {
		t.Errorf("%d pages (-want +got):\n%s", pages, diff)
	}
	_, err := call[iam.ListUserPoliciesOutput](t, e, root(acctA), "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice", Marker: "bm9wZQ"})
	wantErr(t, err, "ValidationError", 400, "Invalid Marker.")

	mustCall[iam.DeleteUserPolicyOutput](t, e, root(acctA), "DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "ALICE", PolicyName: "charlie"})
	l := mustCall[iam.ListUserPoliciesOutput](t, e, root(acctA), "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice"})
	if diff := cmp.Diff([]string{"Alpha", "bravo", "delta", "Echo"}, l.PolicyNames); diff != "" || truncated(l.IsTruncated) {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		op   string
		in   any
		msg  string
	}{
		{"delete again", "DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "alice", PolicyName: "charlie"}, "The user policy with name charlie cannot be found."},
		{"get deleted", "GetUserPolicy", &iam.GetUserPolicyInput{UserName: "alice", PolicyName: "charlie"}, "The user policy with name charlie cannot be found."},
		{"get: unknown user", "GetUserPolicy", &iam.GetUserPolicyInput{UserName: "nobody", PolicyName: "Alpha"}, "The user with name nobody cannot be found."},
		{"delete: unknown user", "DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "nobody", PolicyName: "Alpha"}, "The user with name nobody cannot be found."},
		{"list: unknown user", "ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "nobody"}, "The user with name nobody cannot be found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := callAny(t, e, root(acctA), tt.op, tt.in)
			wantErr(t, err, "NoSuchEntity", 404, tt.msg)
		})
	}
}

func TestAccountIsolationPolicies(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	if err := put(t, e, "alice", "p", allowAll); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		op string
		in any
	}{
		{"GetUserPolicy", &iam.GetUserPolicyInput{UserName: "alice", PolicyName: "p"}},
		{"DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "alice", PolicyName: "p"}},
		{"ListUserPolicies", &iam.ListUserPoliciesInput{UserName: "alice"}},
		{"PutUserPolicy", &iam.PutUserPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: allowAll}},
	} {
		_, err := callAny(t, e, root(acctB), tt.op, tt.in)
		wantErr(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
	}
	mustCall[iam.GetUserPolicyOutput](t, e, root(acctA), "GetUserPolicy", &iam.GetUserPolicyInput{UserName: "alice", PolicyName: "p"})
}

func TestPoliciesFor(t *testing.T) {
	e := mustEnv(t)
	alice := mustUser(t, e, acctA, "/", "alice")
	bAlice := mustUser(t, e, acctB, "/", "alice")
	for i := range 3 {
		if err := put(t, e, "alice", fmt.Sprintf("p%d", i), allowAll); err != nil {
			t.Fatal(err)
		}
	}
	callerOf := func(u *iam.User, account string) *trailwatch.Caller {
		return trailwatch.CallerFromContext(as(u, account))
	}
	count := func(c *trailwatch.Caller) int {
		t.Helper()
		ps, err := e.svc.PoliciesFor(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p == nil {
				t.Fatal("nil policy")
			}
		}
		return len(ps)
	}
	if n := count(callerOf(alice, acctA)); n != 3 {
		t.Errorf("alice has %d policies, want 3", n)
	}
	// What comes back is what was put, ready to decide with.
	ps, err := e.svc.PoliciesFor(t.Context(), callerOf(alice, acctA))
	if err != nil {
		t.Fatal(err)
	}
	req := policy.Request{Action: "iam:GetUser", Resource: "arn:aws:iam::111122223333:user/bob"}
	if d := policy.Evaluate(ps, req); d != policy.Allow {
		t.Errorf("alice's policies decide %v on %+v, want Allow", d, req)
	}
	// Same name, other account: none of A's policies.
	if n := count(callerOf(bAlice, acctB)); n != 0 {
		t.Errorf("B's alice has %d policies, want 0", n)
	}
	if n := count(trailwatch.CallerFromContext(root(acctA))); n != 0 {
		t.Errorf("root has %d policies, want 0", n)
	}
	ghost := &iam.User{UserName: "ghost", UserID: "AIDAGHOSTGHOSTGHOST2", ARN: "arn:aws:iam::111122223333:user/ghost"}
	if n := count(callerOf(ghost, acctA)); n != 0 {
		t.Errorf("a vanished user has %d policies, want 0", n)
	}
	// A delete takes effect on the next call.
	mustCall[iam.DeleteUserPolicyOutput](t, e, root(acctA), "DeleteUserPolicy", &iam.DeleteUserPolicyInput{UserName: "alice", PolicyName: "p1"})
	if n := count(callerOf(alice, acctA)); n != 2 {
		t.Errorf("after delete alice has %d policies, want 2", n)
	}
}

// BenchmarkPoliciesFor measures what an IAM user's every request costs the
// front door here: one storage read and a parse per policy, with no cache.
func BenchmarkPoliciesFor(b *testing.B) {
	e := mustEnv(b)
	alice := mustUser(b, e, acctA, "/", "alice")
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:user/${aws:username}"},` +
		`{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},` +
		`{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"}]}`
	for i := range 3 {
		if err := put(b, e, "alice", fmt.Sprintf("p%d", i), doc); err != nil {
			b.Fatal(err)
		}
	}
	c := trailwatch.CallerFromContext(as(alice, acctA))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		ps, err := e.svc.PoliciesFor(ctx, c)
		if err != nil || len(ps) != 3 {
			b.Fatalf("PoliciesFor = %d, %v", len(ps), err)
		}
	}
}
