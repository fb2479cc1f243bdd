package awsquery_test

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsquery"
)

const requestID = "11111111-2222-3333-4444-555555555555"

var created = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

func sampleUsers() *listUsersOutput {
	return &listUsersOutput{
		Users: []user{
			{Path: "/", UserName: "alice", UserID: "AIDAEXAMPLEALICE0001", Arn: "arn:aws:iam::111122223333:user/alice", CreateDate: created, PasswordLastUsed: ptr(time.Date(2024, 2, 1, 12, 30, 5, 250e6, time.UTC))},
			{Path: "/ops/", UserName: "bob", UserID: "AIDAEXAMPLEBOB000002", Arn: "arn:aws:iam::111122223333:user/ops/bob", CreateDate: created.Add(time.Hour)},
		},
		IsTruncated: true,
		Marker:      ptr("bob&<next>"),
	}
}

func TestWriteResponseGolden(t *testing.T) {
	tests := []struct {
		golden    string
		namespace string
		op        string
		out       any
	}{
		{
			golden: "create_user.golden", namespace: iamNS, op: "CreateUser",
			out: &createUserOutput{User: &user{Path: "/", UserName: "glitch", UserID: "AIDAXRMKYT5O7SKYSEJBQ", Arn: "arn:aws:iam::518371450717:user/glitch", CreateDate: created,
				Tags: []tag{{Key: "team", Value: "a&b"}}}},
		},
		{golden: "list_users.golden", namespace: iamNS, op: "ListUsers", out: sampleUsers()},
		{golden: "list_users_empty.golden", namespace: iamNS, op: "ListUsers", out: &listUsersOutput{Users: []user{}}},
		{golden: "delete_user.golden", namespace: iamNS, op: "DeleteUser", out: &deleteUserOutput{}},
		{
			golden: "get_caller_identity.golden", namespace: stsNS, op: "GetCallerIdentity",
			out: &getCallerIdentityOutput{UserID: ptr("AIDAEXAMPLEALICE0001"), Account: ptr("111122223333"), Arn: ptr("arn:aws:iam::111122223333:user/alice")},
		},
		{
			golden: "everything.golden", namespace: "urn:test", op: "Everything",
			out: &everything{S: ptr("\r\n\t\x00\uFFFE \"'"), B: ptr(false), I32: ptr(int32(-1)), I64: 1 << 40, F: ptr(math.NaN()), T: ptr(time.Date(2024, 1, 15, 9, 51, 7, 500e6, time.UTC)),
				Blob: []byte{0xff}, List: []string{"a", ""}, Attrs: map[string]string{"b": "2", "a": "1"}, Objs: map[string]*tag{"o": {Key: "k"}, "nil": nil},
				Nested: &everything{Plain: "in"}, Lists: [][]int32{{1}, nil, {}}, Deep: map[string][]string{"d": {}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := awsquery.WriteResponse(rec, tt.namespace, tt.op, tt.out, requestID); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("status %d content type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			mustWellFormed(t, rec.Body.String())
			mustGolden(t, tt.golden, rec.Body.Bytes())
		})
	}
}

func TestWriteResponseOmitsResult(t *testing.T) {
	tests := []struct {
		name       string
		out        any
		wantResult bool
	}{
		{"untyped nil", nil, false},
		{"empty output type", deleteUserOutput{}, false},
		{"typed nil with members", (*getCallerIdentityOutput)(nil), true},
		{"nothing set", &getCallerIdentityOutput{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := awsquery.WriteResponse(rec, stsNS, "Op", tt.out, requestID); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(rec.Body.String(), "<OpResult></OpResult>"); got != tt.wantResult {
				t.Errorf("empty OpResult present = %v, want %v: %s", got, tt.wantResult, rec.Body)
			}
		})
	}
}

func TestWriteResponseBadShape(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := awsquery.WriteResponse(rec, iamNS, "Op", 42, requestID); err == nil {
		t.Fatal("no error for a non-shape")
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Error("wrote something for a non-shape")
	}
}

func TestWriteErrorGolden(t *testing.T) {
	tests := []struct {
		golden     string
		namespace  string
		err        *awserr.Error
		wantStatus int
	}{
		{"error_no_such_entity.golden", iamNS, awserr.New("NoSuchEntity", 404, "The user with name %s cannot be found.", "bob"), 404},
		{"error_validation.golden", iamNS, awsapi.Validate(&createUserInput{UserName: "x y"}).(*awsapi.ValidationError).AWSError("ValidationError"), 400},
		{"error_internal.golden", stsNS, awserr.Internal(), 500},
		{"error_no_namespace.golden", "", awserr.New("InvalidAction", 400, "Could not find operation <Nope> for version 2010-05-08"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsquery.WriteError(rec, tt.namespace, tt.err, requestID)
			if rec.Code != tt.wantStatus || rec.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("status %d content type %q, want %d text/xml", rec.Code, rec.Header().Get("Content-Type"), tt.wantStatus)
			}
			mustWellFormed(t, rec.Body.String())
			mustGolden(t, tt.golden, rec.Body.Bytes())
		})
	}
}

// mustWellFormed parses doc with encoding/xml, which rejects characters
// XML cannot carry.
func mustWellFormed(tb testing.TB, doc string) {
	tb.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				tb.Fatalf("not well-formed XML (%v): %s", err, doc)
			}
			return
		}
	}
}
