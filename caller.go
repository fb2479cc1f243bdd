package trailwatch

import "context"

// Principal types, as CloudTrail's userIdentity.type spells them.
const (
	PrincipalRoot    = "Root"
	PrincipalIAMUser = "IAMUser"
)

// Caller is the authenticated identity behind one request.
type Caller struct {
	AccountID   string
	Type        string // PrincipalRoot or PrincipalIAMUser
	PrincipalID string // the account id for root, the user id (AIDA…) for users
	ARN         string
	UserName    string // "" for root
	AccessKeyID string
	Region      string // from the SigV4 credential scope
}

// IsRoot reports whether the caller is the account's root user, which every
// policy check allows.
func (c *Caller) IsRoot() bool { return c.Type == PrincipalRoot }

type contextKey int

const (
	callerKey contextKey = iota
	requestIDKey
)

// NewContextWithCaller returns a context carrying the request's caller.
func NewContextWithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey, c)
}

// CallerFromContext returns the caller, or nil for an unauthenticated context.
func CallerFromContext(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey).(*Caller)
	return c
}

// NewContextWithRequestID returns a context carrying the request id.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
