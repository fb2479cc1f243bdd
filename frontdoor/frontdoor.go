package frontdoor

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/sigv4"
	"github.com/trailwatch/trailwatch/policy"
)

// ErrUnknownKey is what Options.Keys returns for an access key id that does
// not exist.
var ErrUnknownKey = errors.New("frontdoor: unknown access key")

// Options configure a Handler. Services, Keys, Users, Policies and Record
// are required.
type Options struct {
	// Services are the operation tables served.
	Services []*awsapi.Service
	// Keys finds an access key by id in any account; ErrUnknownKey (or
	// any wrapping of it) when there is none.
	Keys func(ctx context.Context, id string) (trailwatch.AccessKey, error)
	// Users finds the IAM user an access key belongs to.
	Users func(ctx context.Context, account, name string) (trailwatch.User, error)
	// Policies returns the parsed policies of a non-root caller.
	Policies func(ctx context.Context, c *trailwatch.Caller) ([]*policy.Policy, error)
	// Record stores a CloudTrail event durably (see Recorder.Record).
	Record func(ctx context.Context, ev trailwatch.Event) error
	// RecordDataEvents passes data events to Record too; without it only
	// management events are recorded, and data events SelectData chooses.
	RecordDataEvents bool
	// SelectData, when set, reports whether a data event is to be
	// recorded: a logging trail's selectors choose it.
	SelectData func(ctx context.Context, ev *trailwatch.Event) bool
	// MaxBodyBytes bounds request bodies; 0 means 16 MiB.
	MaxBodyBytes int64
	// ClockSkew is the SigV4 time window; 0 means 15 minutes.
	ClockSkew time.Duration
	// Registerer, when set, receives the request counters and latency
	// histogram (trailwatch_http_requests_total,
	// trailwatch_http_request_duration_seconds).
	Registerer prometheus.Registerer
	Now        func() time.Time
	Logger     *slog.Logger
}

// Handler is the front door. It is safe for concurrent use.
type Handler struct {
	opt      Options
	services *services
	metrics  *requestMetrics // nil without Options.Registerer
}

// New returns a Handler for opt.
func New(opt Options) *Handler {
	if opt.MaxBodyBytes == 0 {
		opt.MaxBodyBytes = 16 << 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	h := &Handler{opt: opt, services: newServices(opt.Services)}
	if opt.Registerer != nil {
		h.metrics = newRequestMetrics(opt.Registerer, opt.Services)
	}
	return h
}

// call is the state of one request as it moves through the door.
type call struct {
	r         *http.Request
	requestID string
	start     time.Time
	scope     sigv4.Scope
	rt        route
	codec     codec
	key       *trailwatch.AccessKey // the signing key, once looked up
	caller    *trailwatch.Caller
	op        *awsapi.Operation
	input     any
	resources []trailwatch.Resource // what the call acts on, once known
	output    any
	err       *awserr.Error
	// began (monotonic, whatever Options.Now says) and sw serve the
	// request metrics, when they are on.
	began time.Time
	sw    statusWriter
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_health" && r.Method == http.MethodGet {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "ok\n")
		return
	}
	c := &call{r: r, requestID: newRequestID(), start: h.opt.Now()}
	if h.metrics != nil {
		c.began = time.Now()
		c.sw.ResponseWriter = w
		w = &c.sw
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", c.requestID)
	// Clients correct their clocks from Date (reference/protocols.md §0.5).
	hdr.Set("Date", c.start.UTC().Format(http.TimeFormat))

	defer func() {
		if p := recover(); p != nil {
			h.opt.Logger.Error("panic serving request", "request_id", c.requestID, "panic", p, "stack", string(debug.Stack()))
			c.err = awserr.Internal()
			c.output = nil
			h.finish(w, c)
		}
	}()
	h.serve(c)
	h.finish(w, c)
}

// serve runs the request up to the point of answering; the outcome is in
// c.output or c.err.
func (h *Handler) serve(c *call) {
	r := c.r
	parsed := sigv4.Parse(r)
	scope, scopeErr := parsed.Scope()
	c.scope = scope
	c.rt = h.services.classify(r, scope.Service)
	c.codec = codecFor(c.rt)

	body, err := io.ReadAll(io.LimitReader(r.Body, h.opt.MaxBodyBytes+1))
	if err != nil {
		c.err = awserr.New(pick(c.rt.protocol, "MalformedInput", "SerializationException"), http.StatusBadRequest, "Could not read the request body.")
		return
	}
	if int64(len(body)) > h.opt.MaxBodyBytes {
		c.err = tooLarge(c.rt.protocol, h.opt.MaxBodyBytes)
		return
	}
	if scopeErr != nil {
		c.err = authError(c.rt.protocol, scopeErr)
		return
	}

	var form url.Values
	if c.rt.protocol == awsapi.Query {
		form, err = queryForm(r, body)
		if err != nil {
			c.err = awserr.New("MalformedQueryString", http.StatusBadRequest, "%s", err.Error())
			return
		}
		c.rt.opName = form.Get("Action")
	}

	// Authenticate before saying anything about operations.
	v := sigv4.Verifier{Lookup: h.lookupSecret(c), Now: h.opt.Now, Skew: h.opt.ClockSkew}
	if _, err := v.VerifyParsed(r.Context(), r, parsed, body); err != nil {
		c.err = authError(c.rt.protocol, err)
		return
	}
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		// SDKs compress large bodies of operations with the
		// requestcompression trait (CloudWatch's PutMetricData); the
		// signature covers the compressed bytes, so this comes after it.
		if body, err = gunzip(body, h.opt.MaxBodyBytes); err != nil {
			c.err = err.(*awserr.Error)
			return
		}
		if c.rt.protocol == awsapi.Query {
			if form, err = queryForm(r, body); err != nil {
				c.err = awserr.New("MalformedQueryString", http.StatusBadRequest, "%s", err.Error())
				return
			}
			c.rt.opName = form.Get("Action")
		}
	}
	if scope.SessionToken != "" {
		// trailwatch issues no temporary credentials, so no session token
		// can be valid; AWS answers an unknown token this way.
		c.err = authError(c.rt.protocol, &sigv4.Error{Kind: sigv4.UnknownKey})
		c.caller = nil
		return
	}
	if err := h.identify(c, scope); err != nil {
		c.err = err
		return
	}
	if c.rt.svc == nil || c.rt.svc.Operations[c.rt.opName] == nil {
		c.err = unknownOperation(c.rt.protocol, c.rt.svc, c.rt.opName, r.Method)
		return
	}
	if c.rt.svc.SigningName != scope.Service {
		c.err = wrongService(c.rt.protocol, c.rt.svc.SigningName)
		return
	}
	c.op = c.rt.svc.Operations[c.rt.opName]

	in := c.op.NewInput()
	if err := c.codec.decode(r, body, form, in); err != nil {
		c.err = asAWSError(h, c, err)
		return
	}
	c.input = in
	if err := awsapi.Validate(in); err != nil {
		c.err = validationError(c.rt.svc, c.rt.protocol, err)
		return
	}

	ctx := trailwatch.NewContextWithCaller(r.Context(), c.caller)
	ctx = trailwatch.NewContextWithRequestID(ctx, c.requestID)
	rs, err := c.op.Resources(ctx, in)
	if err != nil {
		// Authorising against a guessed resource could let a Deny miss.
		c.err = asAWSError(h, c, err)
		return
	}
	for i := range rs {
		if rs[i].AccountID == "" {
			rs[i].AccountID = c.caller.AccountID
		}
	}
	c.resources = rs
	if e := h.authorize(ctx, c); e != nil {
		c.err = e
		return
	}
	out, err := c.op.Call(ctx, in)
	if err != nil {
		c.err = asAWSError(h, c, err)
		return
	}
	c.output = out
}

// lookupSecret returns the SigV4 key lookup for this call; it remembers the
// key so the caller can be identified without a second lookup.
func (h *Handler) lookupSecret(c *call) sigv4.KeyLookup {
	return func(ctx context.Context, id string) (string, error) {
		k, err := h.opt.Keys(ctx, id)
		if errors.Is(err, ErrUnknownKey) {
			return "", sigv4.ErrUnknownKey
		}
		if err != nil {
			return "", err
		}
		c.key = &k
		if k.Status != trailwatch.KeyActive {
			// An inactive key is refused exactly like an unknown one.
			return "", sigv4.ErrUnknownKey
		}
		return k.SecretAccessKey, nil
	}
}

// identify turns the verified key into the caller.
func (h *Handler) identify(c *call, scope sigv4.Scope) *awserr.Error {
	k := c.key
	caller := &trailwatch.Caller{AccountID: k.AccountID, AccessKeyID: k.AccessKeyID, Region: scope.Region}
	if k.UserName == "" {
		caller.Type = trailwatch.PrincipalRoot
		caller.PrincipalID = k.AccountID
		caller.ARN = trailwatch.RootARN(k.AccountID)
	} else {
		u, err := h.opt.Users(c.r.Context(), k.AccountID, k.UserName)
		if err != nil {
			h.opt.Logger.Error("resolve key owner", "request_id", c.requestID, "key", k.AccessKeyID, "err", err)
			return awserr.Internal()
		}
		caller.Type = trailwatch.PrincipalIAMUser
		caller.PrincipalID = u.UserID
		caller.ARN = u.ARN
		caller.UserName = u.UserName
	}
	c.caller = caller
	return nil
}

// authorize evaluates the caller's policies for the operation's action on
// each resource it names (or "*"). Root and public operations pass.
func (h *Handler) authorize(ctx context.Context, c *call) *awserr.Error {
	if c.op.Public || c.caller.IsRoot() {
		return nil
	}
	pols, err := h.opt.Policies(ctx, c.caller)
	if err != nil {
		h.opt.Logger.Error("load policies", "request_id", c.requestID, "err", err)
		return awserr.Internal()
	}
	action := c.rt.svc.Action(c.op)
	resources := []string{"*"}
	if len(c.resources) > 0 {
		resources = resources[:0]
		for _, res := range c.resources {
			resources = append(resources, res.ARN)
		}
	}
	condCtx := h.conditionContext(c)
	needs := append([][]string{{action}}, c.op.AlsoRequires(c.input)...)
	for _, res := range resources {
		for _, anyOf := range needs {
			if e := h.authorizeAnyOf(c, pols, anyOf, res, condCtx); e != nil {
				return e
			}
		}
	}
	return nil
}

// authorizeAnyOf passes when the policies allow one of actions on res; the
// refusal names the first action.
func (h *Handler) authorizeAnyOf(c *call, pols []*policy.Policy, actions []string, res string, condCtx map[string][]string) *awserr.Error {
	explicit := false
	for _, a := range actions {
		switch policy.Evaluate(pols, policy.Request{Action: a, Resource: res, Context: condCtx}) {
		case policy.Allow:
			return nil
		case policy.ExplicitDeny:
			explicit = explicit || a == actions[0]
		}
	}
	return accessDenied(c.rt.protocol, c.caller.ARN, actions[0], res, explicit)
}

// conditionContext holds the global condition keys a policy may test.
func (h *Handler) conditionContext(c *call) map[string][]string {
	secure := "false"
	if c.r.TLS != nil {
		secure = "true"
	}
	return map[string][]string{
		"aws:sourceip":         {sourceIP(c.r)},
		"aws:currenttime":      {c.start.UTC().Format(time.RFC3339)},
		"aws:epochtime":        {fmt.Sprint(c.start.Unix())},
		"aws:securetransport":  {secure},
		"aws:requestedregion":  {c.caller.Region},
		"aws:username":         {c.caller.UserName},
		"aws:userid":           {c.caller.PrincipalID},
		"aws:principalaccount": {c.caller.AccountID},
		"aws:principalarn":     {c.caller.ARN},
		"aws:principaltype":    {principalType(c.caller)},
		"aws:useragent":        {c.r.UserAgent()},
	}
}

func principalType(c *trailwatch.Caller) string {
	if c.IsRoot() {
		return "Account"
	}
	return "User"
}

// asAWSError turns a handler or codec error into what the client sees;
// anything that is not an *awserr.Error is a fault of ours, logged here.
func asAWSError(h *Handler, c *call, err error) *awserr.Error {
	if e := awserr.As(err); e != nil {
		return e
	}
	h.opt.Logger.Error("internal error", "request_id", c.requestID, "operation", c.rt.opName, "err", err)
	return awserr.Internal()
}

// finish records the call and writes the response. The record is durable
// before the client hears anything, so a 200 always has its event.
func (h *Handler) finish(w http.ResponseWriter, c *call) {
	// Data events (PutLogEvents, GetLogEvents, …) are never part of event
	// history; they are recorded only for trails whose selectors ask for
	// them (DESIGN.md decision 5).
	isData := c.op != nil && c.op.Category == trailwatch.CategoryData
	always := !isData || h.opt.RecordDataEvents
	if c.caller != nil && (always || h.opt.SelectData != nil) {
		ev := h.event(c)
		if always || h.opt.SelectData(c.r.Context(), &ev) {
			addParameters(&ev, c)
			if err := h.opt.Record(c.r.Context(), ev); err != nil {
				h.opt.Logger.Error("record event", "request_id", c.requestID, "err", err)
				c.err = awserr.Internal()
			}
		}
	}
	if c.err != nil {
		if c.err.HTTPStatus() >= 500 {
			h.opt.Logger.Warn("request failed", "request_id", c.requestID, "code", c.err.Code)
		}
		c.codec.error(w, c.rt.svc, c.err, c.requestID)
	} else {
		c.codec.output(w, c.rt.svc, c.rt.opName, c.output, c.requestID)
	}
	if h.metrics != nil {
		h.metrics.observe(c, c.sw.status, time.Since(c.began))
	}
}

// gunzip decompresses a gzip request body, bounded by limit.
func gunzip(body []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, awserr.New("SerializationException", http.StatusBadRequest, "The request body is not valid gzip.")
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, awserr.New("SerializationException", http.StatusBadRequest, "The request body is not valid gzip.")
	}
	if int64(len(out)) > limit {
		return nil, awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "Request body exceeds the maximum allowed size of %d bytes.", limit)
	}
	return out, nil
}

// queryForm collects query-protocol parameters from the URL and, for form
// POSTs, the body.
func queryForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		b, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range b {
			form[k] = append(form[k], v...)
		}
	}
	return form, nil
}

func sourceIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// newRequestID returns a random UUID (version 4), the form AWS request ids
// and CloudTrail event ids take.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// formatUUID writes b in the 8-4-4-4-12 hex form.
func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
