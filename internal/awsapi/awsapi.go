// Package awsapi describes AWS services the way the front door needs them:
// which protocols a service speaks, how its operations are addressed, and for
// each operation its input shape, handler, read-only flag and resources.
// Services build these tables; the front door routes, decodes, authorises,
// calls and records through them without knowing any service.
package awsapi

import (
	"context"

	"github.com/trailwatch/trailwatch"
)

// Protocol is an AWS wire protocol (reference/protocols.md §1).
type Protocol string

// The protocols trailwatch serves.
const (
	JSON10    Protocol = "awsJson1_0"
	JSON11    Protocol = "awsJson1_1"
	Query     Protocol = "awsQuery"
	RPCv2CBOR Protocol = "rpcv2Cbor"
	RESTJSON  Protocol = "restJson1"
	RESTXML   Protocol = "restXml"
)

// Service is one AWS service's operation table.
type Service struct {
	// SigningName is the SigV4 credential-scope service (iam, sts,
	// cloudtrail, logs, monitoring, …); requests are routed by it.
	SigningName string
	// ActionPrefix is the IAM action prefix (iam, cloudtrail, cloudwatch…).
	ActionPrefix string
	// EventSource is CloudTrail's eventSource for the service's calls.
	EventSource string
	// APIVersion is the Version parameter (query) and the record's apiVersion.
	APIVersion string
	// Protocols lists the protocols the service answers on.
	Protocols []Protocol
	// TargetPrefixes are the accepted X-Amz-Target prefixes (JSON protocols).
	TargetPrefixes []string
	// XMLNamespace is the query protocol's response namespace.
	XMLNamespace string
	// ValidationCode is the error code for input that breaks the model's
	// constraints: ValidationError for query services, ValidationException
	// for JSON ones.
	ValidationCode string
	// ErrorMessageKey is the JSON error body's message member: "message"
	// unless the service writes another ("Message" for CloudTrail).
	ErrorMessageKey string
	// ErrorMessageKeyOf, when set, names the message member per error
	// code, for services whose error shapes differ (CloudWatch's
	// ResourceNotFoundException has "Message", InvalidParameterValue
	// "message"); "" falls back to ErrorMessageKey.
	ErrorMessageKeyOf func(code string) string
	// QueryCompatible marks an awsQueryCompatible service (CloudWatch):
	// its JSON and CBOR errors carry x-amzn-query-error with the query
	// code, from which clients take the error code.
	QueryCompatible bool
	// ErrorType, when set, maps an error code to the __type a JSON or
	// CBOR error body carries (a Smithy shape id).
	ErrorType func(code string) string
	// GlobalRegion, when set, is the region the service's events are recorded
	// in whatever region the caller signed for (IAM: us-east-1).
	GlobalRegion string
	// Routes bind operations to HTTP requests, for REST protocols: the
	// first route a request matches names its operation.
	Routes []Route
	// Operations lists the operations by name.
	Operations map[string]*Operation
}

// Route binds an operation to requests, in the manner of Smithy's http
// trait: a method, a path pattern whose {Label} segments (and one final
// greedy {Label+}) fill the input's location:"uri" members, and query
// parameters that must be present.
type Route struct {
	Method string // GET, HEAD, PUT, …
	// Path is the pattern: "/", "/{Bucket}", "/{Bucket}/{Key+}".
	Path string
	// Query lists parameters the request must carry: "location" (present,
	// any value) or "list-type=2" (that value).
	Query []string
	Op    string
}

// NewService returns s with its operations indexed by name.
func NewService(s Service, ops ...*Operation) *Service {
	s.Operations = make(map[string]*Operation, len(ops))
	for _, op := range ops {
		if _, dup := s.Operations[op.Name]; dup {
			panic("BUG: duplicate operation " + op.Name)
		}
		s.Operations[op.Name] = op
	}
	return &s
}

// Operation is one API operation.
type Operation struct {
	Name string
	// ReadOnly is CloudTrail's readOnly for the operation.
	ReadOnly bool
	// Category is trailwatch.CategoryManagement or trailwatch.CategoryData.
	Category string
	// Public operations need no permission (sts:GetCallerIdentity).
	Public bool
	// IAMAction, when set, is the IAM action authorised instead of
	// prefix:Name (S3's ListObjectsV2 is s3:ListBucket).
	IAMAction string

	newInput  func() any
	call      func(context.Context, any) (any, error)
	resources func(context.Context, any) ([]trailwatch.Resource, error)
	also      func(any) [][]string
}

// Def defines an operation with input type I and output type O. Shapes are
// plain structs whose json tags carry the AWS member names; constraint tags
// (required, min, max, pattern, enum) are checked by Validate before Handle
// runs.
type Def[I, O any] struct {
	Name     string
	ReadOnly bool
	Data     bool // a data event (data-plane call) rather than management
	Public   bool
	// IAMAction overrides the IAM action (see Operation.IAMAction).
	IAMAction string
	Handle    func(ctx context.Context, in *I) (*O, error)
	// Resources names what the call acts on, for authorisation and for the
	// record's resources. Nil or empty means the action is checked against "*".
	// An error (a storage failure while finding a resource's ARN) fails the
	// call closed: authorisation never guesses.
	Resources func(ctx context.Context, in *I) ([]trailwatch.Resource, error)
	// Also lists the further IAM actions this input needs on the same
	// resources, each entry satisfied by any one of its actions: AWS
	// asks for cloudwatch:TagResource as well when PutMetricAlarm carries
	// tags, and for logs:TagResource or logs:TagLogGroup when
	// CreateLogGroup does.
	Also func(in *I) [][]string
}

// Op builds an Operation from a typed definition.
func Op[I, O any](d Def[I, O]) *Operation {
	op := &Operation{
		Name:      d.Name,
		ReadOnly:  d.ReadOnly,
		Category:  trailwatch.CategoryManagement,
		Public:    d.Public,
		IAMAction: d.IAMAction,
		newInput:  func() any { return new(I) },
		call: func(ctx context.Context, in any) (any, error) {
			out, err := d.Handle(ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = new(O)
			}
			return out, nil
		},
	}
	if d.Data {
		op.Category = trailwatch.CategoryData
	}
	if d.Resources != nil {
		op.resources = func(ctx context.Context, in any) ([]trailwatch.Resource, error) { return d.Resources(ctx, in.(*I)) }
	}
	if d.Also != nil {
		op.also = func(in any) [][]string { return d.Also(in.(*I)) }
	}
	return op
}

// NewInput returns a pointer to a zero input struct for decoding into.
func (op *Operation) NewInput() any { return op.newInput() }

// Call runs the handler on a decoded, validated input. The error is an
// *awserr.Error for anything the client should see.
func (op *Operation) Call(ctx context.Context, in any) (any, error) { return op.call(ctx, in) }

// Resources returns the resources the call acts on.
func (op *Operation) Resources(ctx context.Context, in any) ([]trailwatch.Resource, error) {
	if op.resources == nil {
		return nil, nil
	}
	return op.resources(ctx, in)
}

// AlsoRequires returns the further IAM actions the call needs (see
// Def.Also), nil for most calls.
func (op *Operation) AlsoRequires(in any) [][]string {
	if op.also == nil {
		return nil
	}
	return op.also(in)
}

// Action is the IAM action name, prefix:Operation.
func (s *Service) Action(op *Operation) string {
	if op.IAMAction != "" {
		return op.IAMAction
	}
	return s.ActionPrefix + ":" + op.Name
}
