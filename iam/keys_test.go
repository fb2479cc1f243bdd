package iam_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

var (
	keyIDPattern  = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

func TestCreateAccessKey(t *testing.T) {
	e := mustEnv(t)
	alice := mustUser(t, e, acctA, "/", "Alice")

	k := mustKey(t, e, root(acctA), "alice")
	if !keyIDPattern.MatchString(k.AccessKeyID) {
		t.Errorf("AccessKeyId = %q, want AKIA and 16 of [A-Z2-7]", k.AccessKeyID)
	}
	if !secretPattern.MatchString(k.SecretAccessKey) {
		t.Errorf("SecretAccessKey = %q, want 40 base64 characters", k.SecretAccessKey)
	}
	want := &iam.AccessKey{UserName: "Alice", AccessKeyID: k.AccessKeyID, Status: "Active",
		SecretAccessKey: k.SecretAccessKey, CreateDate: clock.Truncate(time.Second)}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("CreateAccessKey (-want +got):\n%s", diff)
	}

	// The stored key is what SigV4 will find: same secret, same owner.
	stored, err := e.store.IAM().GetAccessKey(t.Context(), k.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SecretAccessKey != k.SecretAccessKey || stored.AccountID != acctA || stored.UserName != "Alice" || stored.Status != "Active" {
		t.Errorf("stored key = %+v", stored)
	}

	// A user without UserName makes its own key.
	own := mustKey(t, e, as(alice, acctA), "")
	if own.UserName != "Alice" || own.AccessKeyID == k.AccessKeyID || own.SecretAccessKey == k.SecretAccessKey {
		t.Errorf("self-created key = %+v", own)
	}

	// Two per user.
	_, aerr := call[iam.CreateAccessKeyOutput](t, e, root(acctA), "CreateAccessKey", &iam.CreateAccessKeyInput{UserName: "ALICE"})
	wantErr(t, aerr, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")

	_, aerr = call[iam.CreateAccessKeyOutput](t, e, root(acctA), "CreateAccessKey", &iam.CreateAccessKeyInput{UserName: "nobody"})
	wantErr(t, aerr, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
}

func TestRootAccessKeys(t *testing.T) {
	e := mustEnv(t)
	k := mustKey(t, e, root(acctA), "")
	if k.UserName != "" {
		t.Errorf("root key UserName = %q, want none", k.UserName)
	}
	stored, err := e.store.IAM().GetAccessKey(t.Context(), k.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.UserName != "" || stored.AccountID != acctA {
		t.Errorf("stored root key = %+v", stored)
	}
	mustKey(t, e, root(acctA), "")
	_, aerr := call[iam.CreateAccessKeyOutput](t, e, root(acctA), "CreateAccessKey", &iam.CreateAccessKeyInput{})
	wantErr(t, aerr, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")

	// Root's keys are root's: a user's list does not show them.
	mustUser(t, e, acctA, "/", "alice")
	l := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice"})
	if len(l.AccessKeyMetadata) != 0 {
		t.Errorf("alice's keys = %+v", l.AccessKeyMetadata)
	}
	l = mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{})
	if len(l.AccessKeyMetadata) != 2 {
		t.Errorf("root's keys = %+v", l.AccessKeyMetadata)
	}
	mustCall[iam.UpdateAccessKeyOutput](t, e, root(acctA), "UpdateAccessKey", &iam.UpdateAccessKeyInput{AccessKeyID: k.AccessKeyID, Status: "Inactive"})
	mustCall[iam.DeleteAccessKeyOutput](t, e, root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{AccessKeyID: k.AccessKeyID})
	if _, err := e.store.IAM().GetAccessKey(t.Context(), k.AccessKeyID); err == nil {
		t.Error("deleted root key still stored")
	}
}

func TestListUpdateDeleteAccessKeys(t *testing.T) {
	e := mustEnv(t)
	alice := mustUser(t, e, acctA, "/", "alice")
	mustUser(t, e, acctA, "/", "bob")
	k1 := mustKey(t, e, root(acctA), "alice")
	k2 := mustKey(t, e, as(alice, acctA), "")

	// Keys of one creation second come back in id order; a page of one
	// leads to the other.
	first, second := k1, k2
	if second.AccessKeyID < first.AccessKeyID {
		first, second = second, first
	}
	meta := func(k *iam.AccessKey, status string) iam.AccessKeyMetadata {
		return iam.AccessKeyMetadata{UserName: "alice", AccessKeyID: k.AccessKeyID, Status: status, CreateDate: k.CreateDate}
	}
	p1 := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice", MaxItems: ptr(1)})
	if diff := cmp.Diff([]iam.AccessKeyMetadata{meta(first, "Active")}, p1.AccessKeyMetadata); diff != "" || !truncated(p1.IsTruncated) {
		t.Fatalf("first page (truncated %v) (-want +got):\n%s", truncated(p1.IsTruncated), diff)
	}
	p2 := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice", MaxItems: ptr(1), Marker: p1.Marker})
	if diff := cmp.Diff([]iam.AccessKeyMetadata{meta(second, "Active")}, p2.AccessKeyMetadata); diff != "" || truncated(p2.IsTruncated) || p2.Marker != "" {
		t.Fatalf("second page (truncated %v, marker %q) (-want +got):\n%s", truncated(p2.IsTruncated), p2.Marker, diff)
	}
	_, aerr := call[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice", Marker: "garbage"})
	wantErr(t, aerr, "ValidationError", 400, "Invalid Marker.")

	// Update, as root for a named user and as the user itself.
	mustCall[iam.UpdateAccessKeyOutput](t, e, root(acctA), "UpdateAccessKey", &iam.UpdateAccessKeyInput{UserName: "ALICE", AccessKeyID: k1.AccessKeyID, Status: "Inactive"})
	mustCall[iam.UpdateAccessKeyOutput](t, e, as(alice, acctA), "UpdateAccessKey", &iam.UpdateAccessKeyInput{AccessKeyID: k2.AccessKeyID, Status: "Inactive"})
	l := mustCall[iam.ListAccessKeysOutput](t, e, as(alice, acctA), "ListAccessKeys", &iam.ListAccessKeysInput{})
	for _, m := range l.AccessKeyMetadata {
		if m.Status != "Inactive" {
			t.Errorf("key %s status %s after update", m.AccessKeyID, m.Status)
		}
	}
	if len(l.AccessKeyMetadata) != 2 {
		t.Errorf("self list = %+v", l.AccessKeyMetadata)
	}

	tests := []struct {
		name   string
		op     string
		in     any
		code   string
		status int
		msg    string
	}{
		{"update: key of another user", "UpdateAccessKey", &iam.UpdateAccessKeyInput{UserName: "bob", AccessKeyID: k1.AccessKeyID, Status: "Active"},
			"NoSuchEntity", 404, "The Access Key with id " + k1.AccessKeyID + " cannot be found."},
		{"update: root's own keys do not include a user's", "UpdateAccessKey", &iam.UpdateAccessKeyInput{AccessKeyID: k1.AccessKeyID, Status: "Active"},
			"NoSuchEntity", 404, "The Access Key with id " + k1.AccessKeyID + " cannot be found."},
		{"update: unknown user", "UpdateAccessKey", &iam.UpdateAccessKeyInput{UserName: "nobody", AccessKeyID: k1.AccessKeyID, Status: "Active"},
			"NoSuchEntity", 404, "The user with name nobody cannot be found."},
		{"update: bad status", "UpdateAccessKey", &iam.UpdateAccessKeyInput{AccessKeyID: k1.AccessKeyID, Status: "Expired"},
			"ValidationError", 400, "1 validation error detected: Value 'Expired' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
		{"update: short id", "UpdateAccessKey", &iam.UpdateAccessKeyInput{AccessKeyID: "AKIA", Status: "Active"},
			"ValidationError", 400, "1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"},
		{"delete: key of another user", "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "bob", AccessKeyID: k1.AccessKeyID},
			"NoSuchEntity", 404, "The Access Key with id " + k1.AccessKeyID + " cannot be found."},
		{"delete: unknown key", "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: "AKIAAAAAAAAAAAAAAAAA"},
			"NoSuchEntity", 404, "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"delete: unknown user", "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "nobody", AccessKeyID: k1.AccessKeyID},
			"NoSuchEntity", 404, "The user with name nobody cannot be found."},
		{"list: unknown user", "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "nobody"},
			"NoSuchEntity", 404, "The user with name nobody cannot be found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := callAny(t, e, root(acctA), tt.op, tt.in)
			wantErr(t, err, tt.code, tt.status, tt.msg)
		})
	}

	mustCall[iam.DeleteAccessKeyOutput](t, e, root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: k1.AccessKeyID})
	mustCall[iam.DeleteAccessKeyOutput](t, e, as(alice, acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{AccessKeyID: k2.AccessKeyID})
	_, aerr = call[iam.DeleteAccessKeyOutput](t, e, root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: k1.AccessKeyID})
	wantErr(t, aerr, "NoSuchEntity", 404, "The Access Key with id "+k1.AccessKeyID+" cannot be found.")
	if l := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice"}); l.AccessKeyMetadata == nil || len(l.AccessKeyMetadata) != 0 {
		t.Errorf("keys after deleting both = %#v", l.AccessKeyMetadata)
	}
}

func TestAccessKeyMarkerSurvivesDeletion(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	a, b := mustKey(t, e, root(acctA), "alice"), mustKey(t, e, root(acctA), "alice")
	first, second := a, b
	if second.AccessKeyID < first.AccessKeyID {
		first, second = second, first
	}
	p1 := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice", MaxItems: ptr(1)})
	mustCall[iam.DeleteAccessKeyOutput](t, e, root(acctA), "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: first.AccessKeyID})
	p2 := mustCall[iam.ListAccessKeysOutput](t, e, root(acctA), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice", MaxItems: ptr(1), Marker: p1.Marker})
	if len(p2.AccessKeyMetadata) != 1 || p2.AccessKeyMetadata[0].AccessKeyID != second.AccessKeyID {
		t.Errorf("page after deleting the marker's key = %+v", p2.AccessKeyMetadata)
	}
}

func TestAccountIsolationKeys(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	mustUser(t, e, acctB, "/", "alice") // same name, other account
	aKey := mustKey(t, e, root(acctA), "alice")
	aRoot := mustKey(t, e, root(acctA), "")
	notFound := "The Access Key with id " + aKey.AccessKeyID + " cannot be found."

	_, err := call[iam.UpdateAccessKeyOutput](t, e, root(acctB), "UpdateAccessKey", &iam.UpdateAccessKeyInput{UserName: "alice", AccessKeyID: aKey.AccessKeyID, Status: "Inactive"})
	wantErr(t, err, "NoSuchEntity", 404, notFound)
	_, err = call[iam.DeleteAccessKeyOutput](t, e, root(acctB), "DeleteAccessKey", &iam.DeleteAccessKeyInput{UserName: "alice", AccessKeyID: aKey.AccessKeyID})
	wantErr(t, err, "NoSuchEntity", 404, notFound)
	_, err = call[iam.DeleteAccessKeyOutput](t, e, root(acctB), "DeleteAccessKey", &iam.DeleteAccessKeyInput{AccessKeyID: aRoot.AccessKeyID})
	wantErr(t, err, "NoSuchEntity", 404, "The Access Key with id "+aRoot.AccessKeyID+" cannot be found.")
	if l := mustCall[iam.ListAccessKeysOutput](t, e, root(acctB), "ListAccessKeys", &iam.ListAccessKeysInput{UserName: "alice"}); len(l.AccessKeyMetadata) != 0 {
		t.Errorf("B sees keys %+v", l.AccessKeyMetadata)
	}
	if l := mustCall[iam.ListAccessKeysOutput](t, e, root(acctB), "ListAccessKeys", &iam.ListAccessKeysInput{}); len(l.AccessKeyMetadata) != 0 {
		t.Errorf("B's root sees keys %+v", l.AccessKeyMetadata)
	}
	// A's keys are untouched.
	for _, id := range []string{aKey.AccessKeyID, aRoot.AccessKeyID} {
		k, err := e.store.IAM().GetAccessKey(t.Context(), id)
		if err != nil || k.Status != "Active" {
			t.Errorf("A's key %s after B's attempts: %+v, %v", id, k, err)
		}
	}
}

// The secret is in the response and nowhere in what CloudTrail records.
func TestSecretNeverRecorded(t *testing.T) {
	e := mustEnv(t)
	mustUser(t, e, acctA, "/", "alice")
	k := mustKey(t, e, root(acctA), "alice")
	rec := string(awsapi.RecordJSON(&iam.CreateAccessKeyOutput{AccessKey: k}))
	if strings.Contains(rec, k.SecretAccessKey) || strings.Contains(strings.ToLower(rec), "secret") {
		t.Errorf("record shows the secret: %s", rec)
	}
	for _, want := range []string{`"accessKeyId":"` + k.AccessKeyID + `"`, `"userName":"alice"`, `"status":"Active"`} {
		if !strings.Contains(rec, want) {
			t.Errorf("record %s lacks %s", rec, want)
		}
	}
}
