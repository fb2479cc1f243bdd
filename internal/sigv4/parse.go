package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	timeFormat = "20060102T150405Z"
	dayFormat  = "20060102"
	// maxExpires is the longest X-Amz-Expires AWS accepts: one week.
	maxExpires = 7 * 24 * 60 * 60
)

// Query parameters of the presigned form (§8.4).
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
)

// Scope is what the credential scope and the authentication parameters say,
// read without any key lookup.
type Scope struct {
	// AccessKeyID is the key the request claims; ParseScope has not
	// looked it up.
	AccessKeyID string
	// Date is the scope's day, YYYYMMDD, equal to the request date's day.
	Date string
	// Region is the scope's region: any well-formed name (lower-case
	// letters, digits, hyphens); trailwatch serves every region.
	Region string
	// Service is the signing name the front door routes on (sts, logs,
	// monitoring …), well-formed but not checked against any list.
	Service string
	// Presigned: the signature came in the query string (§8.4).
	Presigned bool
	// SessionToken is X-Amz-Security-Token (header or query), "" if absent.
	// The signature covers it only if the client signed it; the front door
	// decides whether a token is acceptable.
	SessionToken string
}

// auth is a parsed request: everything the checks and the signature need.
type auth struct {
	scope      Scope
	header     string // the Authorization header; "" for presigned
	algorithm  string
	credential string
	terminator string
	// signedHeaders are the names from SignedHeaders, lower-cased, in the
	// order sent.
	signedHeaders []string
	signature     string
	time          time.Time // signing time, second precision, UTC
	dateHeader    bool      // time came from Date (no X-Amz-Date)
	expires       int64     // X-Amz-Expires in seconds; -1 when absent
	query         url.Values
}

// ParseScope reads the credential scope of r without looking up the key,
// checking the time or the signature. It returns an *Error of Kind
// MissingAuth or Incomplete when the authentication parameters are absent or
// malformed.
func ParseScope(r *http.Request) (Scope, error) { return Parse(r).Scope() }

// Parsed is a request's signature parameters, parsed once: the front door
// reads the scope to route a request and then verifies the same request,
// and parsing the Authorization header was half of verification's cost.
type Parsed struct {
	a   *auth
	err error
}

// Parse parses r's signature, in the header or presigned form.
func Parse(r *http.Request) *Parsed {
	a, err := parse(r)
	return &Parsed{a: a, err: err}
}

// Scope checks the parameters as ParseScope does and returns the scope.
func (p *Parsed) Scope() (Scope, error) {
	if p.err != nil {
		return Scope{}, p.err
	}
	if err := p.a.validate(); err != nil {
		return Scope{}, err
	}
	return p.a.scope, nil
}

// parse is the first half of the checks, in the order AWS makes them
// (dynalite's notes on AWS's answers): which form, the parameters being
// there, the date's format. The time window comes next (Verify), then
// validate.
func parse(r *http.Request) (*auth, error) {
	if r == nil || r.URL == nil {
		return nil, errorf(MissingAuth, msgMissingAuth)
	}
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	var q url.Values
	presigned := false
	// Parsing the query only when it can hold presign parameters keeps
	// header-signed POSTs, the common case, from paying for it.
	if strings.Contains(r.URL.RawQuery, "X-Amz-") {
		q = r.URL.Query()
		presigned = q.Has(qAlgorithm) || q.Has(qCredential) || q.Has(qSignature)
	}
	switch {
	case hdr != "" && presigned:
		return nil, errorf(Incomplete, msgBothForms)
	case presigned:
		return parseQuery(r, q)
	case hdr != "":
		return parseHeader(r, hdr)
	default:
		return nil, errorf(MissingAuth, msgMissingAuth)
	}
}

// parseHeader reads the header form (§8.1). The parameters may be separated
// by commas, spaces or both, as AWS accepts.
func parseHeader(r *http.Request, hdr string) (*auth, error) {
	a := &auth{header: hdr, expires: -1}
	fields := strings.FieldsFunc(hdr, func(c rune) bool { return c == ' ' || c == ',' || c == '\t' })
	if len(fields) == 0 { // only separators
		fields = []string{""}
	}
	a.algorithm = fields[0]
	hasSignedHeaders := false
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, errorf(Incomplete, "'"+f+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+hdr+"'.")
		}
		switch k {
		case "Credential":
			a.credential = v
		case "SignedHeaders":
			a.signedHeaders = splitSignedHeaders(v)
			hasSignedHeaders = true
		case "Signature":
			a.signature = v
		}
	}

	xdate, date := r.Header.Get("X-Amz-Date"), r.Header.Get("Date")
	var msg strings.Builder
	if a.credential == "" {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !hasSignedHeaders {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if xdate == "" && date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + hdr)
		return nil, errorf(Incomplete, msg.String())
	}

	var ok bool
	if xdate != "" {
		a.time, ok = parseAmzDate(xdate)
	} else {
		// AWS falls back to Date when X-Amz-Date is absent (§8.1); the
		// string to sign then carries the same instant in ISO 8601 basic.
		a.time, ok = parseHTTPDate(date)
		a.dateHeader = true
		xdate = date
	}
	if !ok {
		return nil, badDate(xdate)
	}
	a.scope.SessionToken = r.Header.Get("X-Amz-Security-Token")
	return a, nil
}

// parseQuery reads the presigned form (§8.4).
func parseQuery(r *http.Request, q url.Values) (*auth, error) {
	var msg strings.Builder
	for _, p := range [...]string{qAlgorithm, qCredential, qSignature, qSignedHeaders, qDate} {
		if q.Get(p) == "" {
			msg.WriteString("AWS query-string parameters must include '" + p + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return nil, errorf(Incomplete, msg.String())
	}
	a := &auth{
		algorithm:     q.Get(qAlgorithm),
		credential:    q.Get(qCredential),
		signedHeaders: splitSignedHeaders(q.Get(qSignedHeaders)),
		signature:     q.Get(qSignature),
		expires:       -1,
		query:         q,
	}
	a.scope.Presigned = true
	a.scope.SessionToken = q.Get(qSecurityToken)
	var ok bool
	if a.time, ok = parseAmzDate(q.Get(qDate)); !ok {
		return nil, badDate(q.Get(qDate))
	}
	if q.Has(qExpires) {
		n, err := parseExpires(q.Get(qExpires))
		if err != nil {
			return nil, err
		}
		a.expires = n
	}
	return a, nil
}

func parseExpires(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, errorf(Incomplete, msgExpiresNumber)
	}
	if len(digits) != len(s) {
		return 0, errorf(Incomplete, msgExpiresNegative)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		// Only overflow is left, and that is more than a week too.
		return 0, errorf(Incomplete, msgExpiresTooLarge)
	}
	if n > maxExpires {
		return 0, errorf(Incomplete, msgExpiresTooLarge)
	}
	return n, nil
}

// validate is the second half of the checks: host and the date signed, the
// algorithm, the credential and its scope.
func (a *auth) validate() error {
	if !a.signs("host") {
		return errorf(Incomplete, msgHostNotSigned)
	}
	if !a.scope.Presigned {
		// AWS: a date or x-amz-date header that is sent must be signed;
		// otherwise the time window could be moved by anyone. The messages
		// are modelled on the Host one; AWS's own were not found.
		if a.dateHeader && !a.signs("date") {
			return errorf(Incomplete, "'Date' must be a 'SignedHeader' in the AWS Authorization.")
		}
		if !a.dateHeader && !a.signs("x-amz-date") {
			return errorf(Incomplete, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
		}
	}
	if a.algorithm != algorithm {
		return errorf(Incomplete, "Unsupported AWS 'algorithm': '"+a.algorithm+"' (only AWS4-HMAC-SHA256 for now). ")
	}
	parts := strings.Split(a.credential, "/")
	if len(parts) != 5 {
		return errorf(Incomplete, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+a.credential+"'")
	}
	a.scope.AccessKeyID, a.scope.Date, a.scope.Region, a.scope.Service, a.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]

	// AWS reports every scope problem at once, in this order.
	var msgs []string
	if !validName(a.scope.Region) {
		msgs = append(msgs, "Credential should be scoped to a valid region, not '"+a.scope.Region+"'.")
	}
	if !validName(a.scope.Service) {
		// AWS names the expected service here; which services exist is the
		// front door's business, so this only refuses what cannot be one.
		msgs = append(msgs, "Credential should be scoped to a valid service, not '"+a.scope.Service+"'.")
	}
	if a.terminator != terminator {
		msgs = append(msgs, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+a.terminator+"'.")
	}
	if day := a.time.Format(dayFormat); a.scope.Date != day {
		msgs = append(msgs, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			a.scope.Date+"' != '"+day+"', from '"+a.time.Format(timeFormat)+"'.")
	}
	if len(msgs) > 0 {
		return errorf(Incomplete, strings.Join(msgs, " "))
	}
	if a.scope.Presigned && a.expires < 0 && a.scope.Service == "s3" {
		return errorf(Incomplete, msgS3PresignParams)
	}
	return nil
}

func (a *auth) signs(name string) bool {
	for _, h := range a.signedHeaders {
		if h == name {
			return true
		}
	}
	return false
}

func splitSignedHeaders(s string) []string {
	names := strings.Split(s, ";")
	for i, n := range names {
		names[i] = strings.ToLower(n)
	}
	return names
}

// validName reports whether s can be a region or a service signing name:
// lower-case letters, digits and inner hyphens (us-east-1, cloudtrail-data).
// Any such region is accepted; trailwatch serves every region.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// parseAmzDate parses ISO 8601 basic format, second precision, UTC
// (20060102T150405Z), and nothing looser: the string must format back to
// itself, as the client's string to sign used it.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(timeFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil || t.Format(timeFormat) != s {
		return time.Time{}, false
	}
	return t, true
}

// parseHTTPDate parses a Date header: the HTTP formats (RFC 1123 and the
// older two) or ISO 8601 basic.
func parseHTTPDate(s string) (time.Time, bool) {
	if t, ok := parseAmzDate(s); ok {
		return t, true
	}
	t, err := http.ParseTime(s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Second), true
}

func badDate(s string) *Error {
	return errorf(Incomplete, "Date must be in ISO-8601 'basic format'. Got '"+s+"'. See http://en.wikipedia.org/wiki/ISO_8601")
}
