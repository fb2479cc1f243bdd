package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/trailwatch/trailwatch/internal/sigv4"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "eu-west-1"
)

// t0 is when the test requests are signed.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

var testCreds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}

// keys is a KeyLookup over a map.
type keys map[string]string

func (k keys) lookup(_ context.Context, id string) (string, error) {
	s, ok := k[id]
	if !ok {
		return "", sigv4.ErrUnknownKey
	}
	return s, nil
}

// verifierAt is a Verifier whose clock reads now and which knows the test key.
func verifierAt(now time.Time) *sigv4.Verifier {
	return &sigv4.Verifier{
		Lookup: keys{testKeyID: testSecret}.lookup,
		Now:    func() time.Time { return now },
	}
}

// MustNewRequest builds a client-side request with a body and headers.
func MustNewRequest(tb testing.TB, method, url string, body []byte, header map[string]string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	if len(body) == 0 {
		req.Body, req.GetBody, req.ContentLength = nil, nil, 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MustSign signs req with the real aws-sdk-go-v2 signer, as a client does:
// the payload hash is X-Amz-Content-Sha256 when set, else the body's.
func MustSign(tb testing.TB, req *http.Request, body []byte, creds aws.Credentials, service string, at time.Time, opts ...func(*v4.SignerOptions)) {
	tb.Helper()
	hash := req.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		hash = hashHex(body)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, service, testRegion, at, opts...); err != nil {
		tb.Fatalf("sign: %v", err)
	}
}

// MustPresign presigns req with the real signer and returns the URL.
func MustPresign(tb testing.TB, req *http.Request, payloadHash, service string, at time.Time, opts ...func(*v4.SignerOptions)) string {
	tb.Helper()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, payloadHash, service, testRegion, at, opts...)
	if err != nil {
		tb.Fatalf("presign: %v", err)
	}
	return u
}

// MustServerRequest returns req as a server handler sees it, by writing it
// in HTTP/1.1 wire form and reading it back, and its body.
func MustServerRequest(tb testing.TB, req *http.Request) (*http.Request, []byte) {
	tb.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		tb.Fatalf("write request: %v", err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		tb.Fatalf("read request: %v", err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return r, body
}

// kindOf is the Kind of err, or 0 when err is not an *Error.
func kindOf(err error) sigv4.Kind {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func msgOf(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}
