// Package sts is the STS service. trailwatch issues no temporary
// credentials, so STS is GetCallerIdentity alone: the "who am I" call that
// the AWS CLI, Terraform and SDKs use to check credentials and learn the
// account id (reference/protocols.md §9).
package sts

import (
	"context"
	"errors"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// Options configures a Service. STS keeps no state; the caller the front
// door authenticated is all GetCallerIdentity reports.
type Options struct{}

// Service implements the STS operations; safe for concurrent use.
type Service struct{}

// New returns a Service.
func New(Options) *Service { return &Service{} }

// API returns STS's operation table for the front door.
func (s *Service) API() *awsapi.Service {
	return awsapi.NewService(awsapi.Service{
		SigningName:    "sts",
		ActionPrefix:   "sts",
		EventSource:    "sts.amazonaws.com",
		APIVersion:     "2011-06-15",
		Protocols:      []awsapi.Protocol{awsapi.Query},
		XMLNamespace:   "https://sts.amazonaws.com/doc/2011-06-15/",
		ValidationCode: "ValidationError",
	},
		// Public: GetCallerIdentity needs no permission, and an explicit
		// deny does not block it (reference/protocols.md §9).
		awsapi.Op(awsapi.Def[GetCallerIdentityInput, GetCallerIdentityOutput]{
			Name: "GetCallerIdentity", ReadOnly: true, Public: true, Handle: s.GetCallerIdentity,
		}),
	)
}

// GetCallerIdentityInput is GetCallerIdentity's (empty) request.
type GetCallerIdentityInput struct{}

// GetCallerIdentityOutput is GetCallerIdentity's result.
type GetCallerIdentityOutput struct {
	// UserID is the caller's aws:userid: the account id for the root user,
	// the user id (AIDA…) for an IAM user.
	UserID  string `json:"UserId"`
	Account string `json:"Account"`
	ARN     string `json:"Arn"`
}

// errNoCaller means the front door called without authenticating: a wiring
// bug, answered as InternalFailure.
var errNoCaller = errors.New("sts: no caller in context")

// GetCallerIdentity reports who signed the request.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errNoCaller
	}
	out := &GetCallerIdentityOutput{UserID: c.PrincipalID, Account: c.AccountID, ARN: c.ARN}
	// Root's identity follows from the account id alone; deriving it
	// keeps the answer IAM's even if the caller was filled sparsely.
	if c.IsRoot() {
		out.UserID, out.ARN = c.AccountID, trailwatch.RootARN(c.AccountID)
	}
	return out, nil
}
