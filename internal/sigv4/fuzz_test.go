package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/trailwatch/trailwatch/internal/sigv4"
)

// How a generated request is signed.
const (
	modeHeader     = iota // header form, body hashed (Go SDK, JSON/query services)
	modeBotocore          // header form, content-length not signed
	modeS3Hash            // s3, X-Amz-Content-Sha256 = the body's hash
	modeS3Unsigned        // s3, UNSIGNED-PAYLOAD
	modePresign           // presigned sts GET
	modePresignS3         // presigned s3 GET
	modeCount
)

// genRequest is a request for the properties below: signed by the real SDK
// signer from fuzz-chosen parts, and seen as a server would see it. ok is
// false for parts no real client could send.
type genRequest struct {
	method, path, query, hname, hvalue string
	body                               []byte
	mode                               int
}

// skipHeaders are names a generated extra header must not take: the
// transport or the signer own them, or they are hop-by-hop.
var skipHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "trailer": true, "connection": true,
	"user-agent": true, "authorization": true, "x-amz-date": true, "x-amz-security-token": true,
	"x-amz-content-sha256": true, "expect": true, "te": true, "upgrade": true, "keep-alive": true,
	"proxy-connection": true, "proxy-authorization": true, "date": true,
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// build signs g at t0 and returns it as the server reads it.
func (g genRequest) build(tb testing.TB) (r *http.Request, body []byte, ok bool) {
	tb.Helper()
	if !validToken(g.method) || g.method == "CONNECT" || strings.ContainsAny(g.path, "?#") || !strings.HasPrefix(g.path, "/") ||
		strings.Contains(g.query, "#") || !validValue(g.path+g.query) || strings.ContainsAny(g.path+g.query, " \t") {
		return nil, nil, false
	}
	s3 := g.mode == modeS3Hash || g.mode == modeS3Unsigned || g.mode == modePresignS3
	host := "sts.eu-west-1.amazonaws.com"
	service := "sts"
	if s3 {
		host, service = "bucket.s3.eu-west-1.amazonaws.com", "s3"
	}
	u, err := url.Parse("https://" + host + g.path + "?" + g.query)
	if err != nil || u.Host != host {
		return nil, nil, false
	}
	req, err := http.NewRequest(g.method, u.String(), bytes.NewReader(g.body))
	if err != nil {
		return nil, nil, false
	}
	if len(g.body) == 0 {
		req.Body, req.GetBody = nil, nil
	}
	req.ContentLength = int64(len(g.body))
	if g.hname != "" {
		if !validToken(g.hname) || !validValue(g.hvalue) || skipHeaders[strings.ToLower(g.hname)] {
			return nil, nil, false
		}
		req.Header.Set(g.hname, g.hvalue)
	}
	var opts []func(*v4.SignerOptions)
	if s3 {
		opts = append(opts, s3Opts)
	}
	ctx := context.Background()
	signer := v4.NewSigner()
	switch g.mode {
	case modePresign, modePresignS3:
		if g.method != "GET" || len(g.body) > 0 {
			return nil, nil, false
		}
		q := req.URL.Query()
		if q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Date") ||
			q.Has("X-Amz-SignedHeaders") || q.Has("X-Amz-Security-Token") {
			return nil, nil, false
		}
		q.Set("X-Amz-Expires", "300")
		req.URL.RawQuery = q.Encode()
		hash := emptySHA256
		if s3 {
			hash = "UNSIGNED-PAYLOAD"
		}
		opts = append(opts, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
		signed, hdr, err := signer.PresignHTTP(ctx, testCreds, req, hash, service, testRegion, t0, opts...)
		if err != nil {
			tb.Fatalf("presign: %v", err)
		}
		req, err = http.NewRequest("GET", signed, nil)
		if err != nil {
			return nil, nil, false
		}
		for k, vs := range hdr {
			if !strings.EqualFold(k, "host") {
				req.Header[k] = vs
			}
		}
	default:
		hash := hashHex(g.body)
		switch g.mode {
		case modeS3Hash:
			req.Header.Set("X-Amz-Content-Sha256", hash)
		case modeS3Unsigned:
			hash = "UNSIGNED-PAYLOAD"
			req.Header.Set("X-Amz-Content-Sha256", hash)
		case modeBotocore:
			req.ContentLength = 0
		}
		if err := signer.SignHTTP(ctx, testCreds, req, hash, service, testRegion, t0, opts...); err != nil {
			tb.Fatalf("sign: %v", err)
		}
		req.ContentLength = int64(len(g.body))
		req.Header.Set("Accept-Encoding", "gzip")
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return nil, nil, false
	}
	r, err = http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		return nil, nil, false
	}
	if body, err = io.ReadAll(r.Body); err != nil {
		return nil, nil, false
	}
	return r, body, true
}

// checkSigned holds the properties of a correctly signed request: it
// verifies, the SDK signer and our own canonical request agree on its
// signature, and changing what the signature covers makes it fail.
// It reports whether g made a request at all.
func checkSigned(t *testing.T, g genRequest) bool {
	r, body, ok := g.build(t)
	if !ok {
		return false
	}
	v := verifierAt(t0)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatalf("Verify(%+v): %v\nrequest: %s %s %v", g, err, r.Method, r.URL.RequestURI(), r.Header)
	}
	sdk, manual, err := sigv4.Signatures(r, body, testSecret)
	if err != nil {
		t.Fatalf("Signatures: %v", err)
	}
	if sdk != manual {
		t.Fatalf("SDK signature %s, our canonical request's %s, for %+v", sdk, manual, g)
	}

	// A different method is always covered.
	r.Method += "X"
	if _, err := v.Verify(context.Background(), r, body); kindOf(err) != sigv4.SignatureMismatch {
		t.Fatalf("Verify with the method changed: got %v, want SignatureMismatch", err)
	}
	r.Method = strings.TrimSuffix(r.Method, "X")
	// So is the body, unless it is unsigned.
	if g.mode != modeS3Unsigned && g.mode != modePresignS3 {
		if _, err := v.Verify(context.Background(), r, append(bytes.Clone(body), '!')); err == nil {
			t.Fatalf("Verify with the body changed succeeded for %+v", g)
		}
	}
	return true
}

// TestSignedRequests runs the properties over a fixed set of generated
// requests, every signing mode with awkward paths, queries and headers.
func TestSignedRequests(t *testing.T) {
	paths := []string{"/", "/service/GraniteServiceVersion20100801/operation/GetMetricData", "/a%2Fb/c%20d", "/~user/%E2%9C%93/x+y",
		"/./a/../b", "//double", "/%25percent", "/trailing/"}
	queries := []string{"", "Action=GetCallerIdentity&Version=2011-06-15", "b=2&a=1&a=0&A=3", "x=1+2&y=%20&z=%2B",
		"flag&empty=&k=v", "u=%C3%A9%E2%9C%93", "a;b=1", "list-type=2&prefix=AWSLogs%2F", "X-Amz-Expires=60&x=%7E"}
	headers := [][2]string{{"", ""}, {"X-Amz-Target", "CloudTrail_20131101.ListTrails"}, {"X-Amz-Meta-Note", "  spaced   out  "},
		{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Range", "bytes=0-9"}, {"X-Custom", "tab\tinside"}}
	bodies := [][]byte{nil, []byte(`{"a":1}`), []byte("Action=ListTopics&Version=2010-03-31"), {0, 0xff, 0x80}}
	methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD"}

	rng := rand.New(rand.NewPCG(1, 2))
	built := 0
	for i := 0; i < 300; i++ {
		h := headers[rng.IntN(len(headers))]
		g := genRequest{
			method: methods[rng.IntN(len(methods))], path: paths[rng.IntN(len(paths))], query: queries[rng.IntN(len(queries))],
			hname: h[0], hvalue: h[1], body: bodies[rng.IntN(len(bodies))], mode: rng.IntN(modeCount),
		}
		if checkSigned(t, g) {
			built++
		}
	}
	// Presigning skips non-GET requests; the rest must all have run.
	if built < 200 {
		t.Fatalf("only %d of 300 generated requests were usable", built)
	}
	t.Logf("%d requests checked", built)
}

// FuzzVerify: requests signed by the SDK from fuzzed parts must verify and
// stop verifying when changed; fuzzed Authorization headers and bodies must
// never panic.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", "", "X-Amz-Target", "Logs_20140328.PutLogEvents", []byte(`{"logEvents":[]}`), uint8(modeHeader), goodAuth)
	f.Add("GET", "/", "Action=ListMetrics&Namespace=a%20b+c", "", "", []byte(nil), uint8(modePresign), "AWS4-HMAC-SHA256 Credential=/")
	f.Add("PUT", "/bucket/a%2Fb", "uploads", "X-Amz-Meta-A", "b", []byte("x"), uint8(modeS3Hash), ",")
	f.Add("GET", "/k%20ey", "", "Range", "bytes=1-2", []byte(nil), uint8(modePresignS3), "AWS4-HMAC-SHA256 Credential==,Signature=,SignedHeaders=")
	f.Add("POST", "/service/x/operation/y", "", "Smithy-Protocol", "rpc-v2-cbor", []byte{0xbf, 0xff}, uint8(modeBotocore), "x y=z")
	f.Add("DELETE", "/", "a=1&a=2", "Content-Type", "text/plain", []byte(nil), uint8(modeS3Unsigned), "")
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue string, body []byte, mode uint8, auth string) {
		g := genRequest{method: method, path: path, query: query, hname: hname, hvalue: hvalue, body: body, mode: int(mode % modeCount)}
		checkSigned(t, g)

		// Anything in the Authorization header, the date and the body.
		r := rawServerRequest(method, path, query)
		if r == nil {
			return
		}
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", hvalue)
		r.Header.Set(hname, hvalue)
		if _, err := verifierAt(t0).Verify(context.Background(), r, body); err == nil {
			t.Fatalf("Verify accepted a made-up request: %q", auth)
		}
		_, _ = sigv4.ParseScope(r)
	})
}

// rawServerRequest builds a server-side request from raw parts, or nil
// when they do not make one. (httptest.NewRequest panics on bad input.)
func rawServerRequest(method, path, query string) *http.Request {
	if !validToken(method) || !validValue(path+query) || strings.ContainsAny(path+query, " \t") {
		return nil
	}
	target := "/" + strings.TrimPrefix(path, "/")
	if query != "" {
		target += "?" + query
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\nHost: sts.eu-west-1.amazonaws.com\r\n\r\n")))
	if err != nil {
		return nil
	}
	return r
}

// FuzzParseScope: any Authorization header, date and query parse without
// panicking, and a scope that parses is well formed.
func FuzzParseScope(f *testing.F) {
	f.Add(goodAuth, goodDate, "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;date, Signature=x", "", "Fri, 01 May 2026 12:00:00 GMT", "")
	f.Add("", "", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=k%2F20260501%2Fr%2Fs%2Faws4_request&X-Amz-Date=20260501T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=0&X-Amz-Expires=9")
	f.Add("AWS4-HMAC-SHA256 Credential=\x00=, ,,=", "20260501T120000Z", "", "X-Amz-Signature")
	f.Fuzz(func(t *testing.T, auth, xdate, date, query string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: query}, Host: "h", Header: http.Header{}}
		for k, v := range map[string]string{"Authorization": auth, "X-Amz-Date": xdate, "Date": date} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		s, err := sigv4.ParseScope(r)
		if err != nil {
			if k := kindOf(err); k != sigv4.MissingAuth && k != sigv4.Incomplete {
				t.Fatalf("ParseScope: got %v, want MissingAuth or Incomplete", err)
			}
			return
		}
		if len(s.Date) != 8 || strings.Trim(s.Date, "0123456789") != "" || s.Region == "" || s.Service == "" ||
			strings.ContainsAny(s.Region+s.Service, "/ ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("ParseScope accepted a malformed scope: %+v", s)
		}
		if _, err := time.Parse("20060102", s.Date); err != nil {
			t.Fatalf("ParseScope accepted scope date %q", s.Date)
		}
	})
}
