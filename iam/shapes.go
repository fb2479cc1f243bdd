package iam

import "time"

// Input and output shapes, member for member as in IAM's model
// (botocore iam/2010-05-08). Constraint tags copy the model's, patterns
// as the model writes them; the front door checks them before a handler
// runs. Zero-valued members are absent on the wire (awsapi.IsSet), which is
// how IAM leaves out what is unset.

// User is IAM's User shape. For the root user GetUser fills only UserId
// (the account id), Arn and CreateDate, as IAM does.
type User struct {
	Path       string    `json:"Path"`
	UserName   string    `json:"UserName"`
	UserID     string    `json:"UserId"`
	ARN        string    `json:"Arn"`
	CreateDate time.Time `json:"CreateDate"`
}

// Tag is IAM's Tag shape.
type Tag struct {
	Key   string  `json:"Key" required:"true" min:"1" max:"128" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"`
	Value *string `json:"Value" required:"true" max:"256" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"`
}

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	Path                string `json:"Path" min:"1" max:"512" pattern:"(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"`
	UserName            string `json:"UserName" required:"true" min:"1" max:"64" pattern:"[\\w+=,.@-]+"`
	PermissionsBoundary string `json:"PermissionsBoundary" min:"20" max:"2048"`
	Tags                []Tag  `json:"Tags" max:"50"`
}

// CreateUserOutput is CreateUser's result.
type CreateUserOutput struct {
	User *User `json:"User"`
}

// GetUserInput is GetUser's request; an empty UserName means the caller.
type GetUserInput struct {
	UserName string `json:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

// GetUserOutput is GetUser's result.
type GetUserOutput struct {
	User *User `json:"User"`
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	PathPrefix string `json:"PathPrefix" min:"1" max:"512" pattern:"\\u002F[\\u0021-\\u007F]*"`
	Marker     string `json:"Marker" min:"1" max:"320" pattern:"[\\u0020-\\u00FF]+"`
	MaxItems   *int   `json:"MaxItems" min:"1" max:"1000"`
}

// ListUsersOutput is ListUsers' result. IsTruncated is always present, as
// IAM always sends it; Marker is set only when IsTruncated is true.
type ListUsersOutput struct {
	Users       []User `json:"Users"`
	IsTruncated *bool  `json:"IsTruncated"`
	Marker      string `json:"Marker"`
}

// DeleteUserInput is DeleteUser's request.
type DeleteUserInput struct {
	UserName string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

// DeleteUserOutput is DeleteUser's (empty) result.
type DeleteUserOutput struct{}

// AccessKey is IAM's AccessKey shape: a new key with its secret, returned
// by CreateAccessKey only. UserName is empty for the root user's keys.
type AccessKey struct {
	UserName        string    `json:"UserName"`
	AccessKeyID     string    `json:"AccessKeyId"`
	Status          string    `json:"Status"`
	SecretAccessKey string    `json:"SecretAccessKey" sensitive:"true"`
	CreateDate      time.Time `json:"CreateDate"`
}

// AccessKeyMetadata is IAM's AccessKeyMetadata shape: a key without its
// secret.
type AccessKeyMetadata struct {
	UserName    string    `json:"UserName"`
	AccessKeyID string    `json:"AccessKeyId"`
	Status      string    `json:"Status"`
	CreateDate  time.Time `json:"CreateDate"`
}

// CreateAccessKeyInput is CreateAccessKey's request; an empty UserName
// means the caller (root included).
type CreateAccessKeyInput struct {
	UserName string `json:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

// CreateAccessKeyOutput is CreateAccessKey's result.
type CreateAccessKeyOutput struct {
	AccessKey *AccessKey `json:"AccessKey"`
}

// ListAccessKeysInput is ListAccessKeys' request; an empty UserName means
// the caller.
type ListAccessKeysInput struct {
	UserName string `json:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	Marker   string `json:"Marker" min:"1" max:"320" pattern:"[\\u0020-\\u00FF]+"`
	MaxItems *int   `json:"MaxItems" min:"1" max:"1000"`
}

// ListAccessKeysOutput is ListAccessKeys' result.
type ListAccessKeysOutput struct {
	AccessKeyMetadata []AccessKeyMetadata `json:"AccessKeyMetadata"`
	IsTruncated       *bool               `json:"IsTruncated"`
	Marker            string              `json:"Marker"`
}

// UpdateAccessKeyInput is UpdateAccessKey's request.
type UpdateAccessKeyInput struct {
	UserName    string `json:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	AccessKeyID string `json:"AccessKeyId" required:"true" min:"16" max:"128" pattern:"[\\w]+"`
	Status      string `json:"Status" required:"true" enum:"Active|Inactive"`
}

// UpdateAccessKeyOutput is UpdateAccessKey's (empty) result.
type UpdateAccessKeyOutput struct{}

// DeleteAccessKeyInput is DeleteAccessKey's request.
type DeleteAccessKeyInput struct {
	UserName    string `json:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	AccessKeyID string `json:"AccessKeyId" required:"true" min:"16" max:"128" pattern:"[\\w]+"`
}

// DeleteAccessKeyOutput is DeleteAccessKey's (empty) result.
type DeleteAccessKeyOutput struct{}

// PutUserPolicyInput is PutUserPolicy's request.
type PutUserPolicyInput struct {
	UserName       string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyName     string `json:"PolicyName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyDocument string `json:"PolicyDocument" required:"true" min:"1" max:"131072" pattern:"[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"`
}

// PutUserPolicyOutput is PutUserPolicy's (empty) result.
type PutUserPolicyOutput struct{}

// GetUserPolicyInput is GetUserPolicy's request.
type GetUserPolicyInput struct {
	UserName   string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyName string `json:"PolicyName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

// GetUserPolicyOutput is GetUserPolicy's result. PolicyDocument is
// URL-encoded (RFC 3986), as IAM returns it.
type GetUserPolicyOutput struct {
	UserName       string `json:"UserName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

// ListUserPoliciesInput is ListUserPolicies' request.
type ListUserPoliciesInput struct {
	UserName string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	Marker   string `json:"Marker" min:"1" max:"320" pattern:"[\\u0020-\\u00FF]+"`
	MaxItems *int   `json:"MaxItems" min:"1" max:"1000"`
}

// ListUserPoliciesOutput is ListUserPolicies' result.
type ListUserPoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	IsTruncated *bool    `json:"IsTruncated"`
	Marker      string   `json:"Marker"`
}

// DeleteUserPolicyInput is DeleteUserPolicy's request.
type DeleteUserPolicyInput struct {
	UserName   string `json:"UserName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
	PolicyName string `json:"PolicyName" required:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

// DeleteUserPolicyOutput is DeleteUserPolicy's (empty) result.
type DeleteUserPolicyOutput struct{}
