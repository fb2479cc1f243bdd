package awsquery_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

const (
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Mirrors of IAM and STS shapes (botocore iam 2010-05-08, sts 2011-06-15).

type tag struct {
	Key   string `json:"Key" required:"true" min:"1" max:"128"`
	Value string `json:"Value" max:"256"`
}

type createUserInput struct {
	Path                *string `json:"Path" min:"1" max:"512" pattern:"(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"`
	UserName            string  `json:"UserName" required:"true" min:"1" max:"64" pattern:"[\\w+=,.@-]+"`
	PermissionsBoundary *string `json:"PermissionsBoundary" min:"20" max:"2048"`
	Tags                []tag   `json:"Tags" max:"50"`
}

type attachedPermissionsBoundary struct {
	PermissionsBoundaryType *string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  *string `json:"PermissionsBoundaryArn"`
}

type user struct {
	Path                string                       `json:"Path" required:"true"`
	UserName            string                       `json:"UserName" required:"true"`
	UserID              string                       `json:"UserId" required:"true"`
	Arn                 string                       `json:"Arn" required:"true"`
	CreateDate          time.Time                    `json:"CreateDate" required:"true"`
	PasswordLastUsed    *time.Time                   `json:"PasswordLastUsed"`
	PermissionsBoundary *attachedPermissionsBoundary `json:"PermissionsBoundary"`
	Tags                []tag                        `json:"Tags"`
}

type createUserOutput struct {
	User *user `json:"User"`
}

type listUsersInput struct {
	PathPrefix *string `json:"PathPrefix" min:"1" max:"512"`
	Marker     *string `json:"Marker" min:"1" max:"320"`
	MaxItems   *int32  `json:"MaxItems" min:"1" max:"1000"`
}

type listUsersOutput struct {
	Users       []user  `json:"Users" required:"true"`
	IsTruncated bool    `json:"IsTruncated"`
	Marker      *string `json:"Marker"`
}

type createAccessKeyInput struct {
	UserName *string `json:"UserName" min:"1" max:"128"`
}

type accessKey struct {
	UserName        string     `json:"UserName" required:"true"`
	AccessKeyID     string     `json:"AccessKeyId" required:"true"`
	Status          string     `json:"Status" required:"true" enum:"Active|Inactive|Expired"`
	SecretAccessKey string     `json:"SecretAccessKey" required:"true" sensitive:"true"`
	CreateDate      *time.Time `json:"CreateDate"`
}

type createAccessKeyOutput struct {
	AccessKey accessKey `json:"AccessKey" required:"true"`
}

type putUserPolicyInput struct {
	UserName       string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyName     string `json:"PolicyName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyDocument string `json:"PolicyDocument" required:"true" min:"1" max:"131072" pattern:"[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"`
}

type deleteUserInput struct {
	UserName string `json:"UserName" required:"true"`
}

type deleteUserOutput struct{}

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	UserID  *string `json:"UserId"`
	Account *string `json:"Account"`
	Arn     *string `json:"Arn"`
}

// everything has one member of every kind the codec knows.
type everything struct {
	S      *string             `json:"S"`
	Plain  string              `json:"Plain"`
	B      *bool               `json:"B"`
	I32    *int32              `json:"I32"`
	I64    int64               `json:"I64"`
	F      *float64            `json:"F"`
	T      *time.Time          `json:"T"`
	Blob   []byte              `json:"Blob"`
	List   []string            `json:"List"`
	Tags   []tag               `json:"Tags"`
	Attrs  map[string]string   `json:"Attrs"`
	Objs   map[string]*tag     `json:"Objs"`
	Nested *everything         `json:"Nested"`
	Lists  [][]int32           `json:"Lists"`
	Times  []time.Time         `json:"Times"`
	Deep   map[string][]string `json:"Deep"`
}

func ptr[T any](v T) *T { return &v }

// mustGolden compares got with testdata/name, or rewrites it with -update.
func mustGolden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		tb.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}
