package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkIgnored are the headers aws-sdk-go-v2's signer never signs (its
// IgnoredHeaders). A request that signed one of them cannot be reproduced
// with the SDK signer.
var sdkIgnored = map[string]bool{
	"authorization":     true,
	"user-agent":        true,
	"x-amzn-trace-id":   true,
	"expect":            true,
	"transfer-encoding": true,
}

// sdkCanSign reports whether the SDK signer can reproduce a's signature: it
// always signs X-Amz-Date (so not Date-header requests), never signs the
// headers in sdkIgnored, and signs content-length only when it is non-zero.
func sdkCanSign(a *auth, body []byte) bool {
	if a.dateHeader {
		return false
	}
	for _, name := range a.signedHeaders {
		if sdkIgnored[name] || name == "content-length" && len(body) == 0 {
			return false
		}
	}
	return true
}

// sdkSignature recomputes the signature with aws-sdk-go-v2's signer, by the
// recipe of reference/protocols.md §8.7: a fresh request holding only the
// headers the client signed, because the signer signs every header it sees
// and clients and proxies add unsigned ones (Accept-Encoding, Via …).
func sdkSignature(r *http.Request, a *auth, secret, payloadHash string, body []byte) (string, error) {
	u := *r.URL
	// No scheme: the signer would strip a default port from Host for a
	// known scheme, but the client signed the Host it sent.
	u.Scheme, u.Host, u.User, u.Fragment, u.RawFragment = "", "", nil, "", ""
	clone := &http.Request{
		Method: r.Method,
		URL:    &u,
		Host:   r.Host,
		Header: make(http.Header, len(a.signedHeaders)+2),
	}
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
			// The signer takes host from Request.Host.
		case "content-length":
			// The signer adds content-length by itself whenever
			// ContentLength > 0, so it is set only when it was signed.
			clone.ContentLength = int64(len(body))
		default:
			// A copy: the signer writes X-Amz-Date into its slice in place.
			clone.Header[textproto.CanonicalMIMEHeaderKey(name)] = slices.Clone(r.Header.Values(name))
		}
	}

	signer := signerFor(a.scope.AccessKeyID, secret)
	creds := aws.Credentials{AccessKeyID: a.scope.AccessKeyID, SecretAccessKey: secret}
	s3 := a.scope.Service == "s3"
	ctx := context.Background() // the signer uses it only for logging
	if a.scope.Presigned {
		q := make(url.Values, len(a.query))
		for k, vs := range a.query {
			if k != qSignature {
				q[k] = vs
			}
		}
		u.RawQuery = q.Encode()
		signed, _, err := signer.PresignHTTP(ctx, creds, clone, payloadHash, a.scope.Service, a.scope.Region, a.time,
			func(o *v4.SignerOptions) {
				o.DisableURIPathEscaping = s3
				o.DisableHeaderHoisting = true
			})
		if err != nil {
			return "", err
		}
		i := strings.LastIndex(signed, qSignature+"=")
		if i < 0 {
			return "", errors.New("no X-Amz-Signature in the presigned URL")
		}
		return signed[i+len(qSignature)+1:], nil
	}
	err := signer.SignHTTP(ctx, creds, clone, payloadHash, a.scope.Service, a.scope.Region, a.time,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 })
	if err != nil {
		return "", err
	}
	h := clone.Header.Get("Authorization")
	i := strings.LastIndex(h, "Signature=")
	if i < 0 {
		return "", errors.New("no Signature in the Authorization header")
	}
	return h[i+len("Signature="):], nil
}

// maxSigners bounds the signer cache; past it the cache starts over.
const maxSigners = 4096

// signers holds one SDK signer per credential pair. The signer caches the
// derived signing key (four HMACs per region, service and day), but its
// cache checks the access key id and not the secret, so a signer is never
// shared between two secrets: a changed secret gets a signer of its own.
var signers = struct {
	sync.Mutex
	m map[string]*v4.Signer
}{m: map[string]*v4.Signer{}}

func signerFor(accessKeyID, secret string) *v4.Signer {
	k := accessKeyID + "\x00" + secret
	signers.Lock()
	defer signers.Unlock()
	s, ok := signers.m[k]
	if !ok {
		if len(signers.m) >= maxSigners {
			clear(signers.m)
		}
		s = v4.NewSigner()
		signers.m[k] = s
	}
	return s
}
