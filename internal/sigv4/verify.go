package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultSkew is how far a request's date may be from the server's clock in
// either direction: AWS's 15 minutes (§8.5).
const DefaultSkew = 15 * time.Minute

const unsignedPayload = "UNSIGNED-PAYLOAD"

// KeyLookup returns the secret access key for an access key id. It returns
// ErrUnknownKey (possibly wrapped) when the key does not exist or is
// inactive; any other error is treated as a server fault. It is called on
// every request, so a deleted or deactivated key stops working at once.
type KeyLookup func(ctx context.Context, accessKeyID string) (secret string, err error)

// Verifier checks SigV4 signatures. Its fields are read-only once it is in
// use, and one Verifier may serve any number of goroutines: Verify takes no
// locks of its own and caches nothing between calls.
type Verifier struct {
	// Lookup finds the secret for an access key; required.
	Lookup KeyLookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Skew is the allowed distance between a request's date and Now, in
	// either direction; zero or negative means DefaultSkew.
	Skew time.Duration
}

// Verify checks that r, whose complete body is body, carries a valid SigV4
// signature by a known key inside the time window, and returns the scope it
// was signed with. r is not modified.
//
// Refusals are *Error values (see Kind). A lookup failure other than
// ErrUnknownKey is returned wrapped and is not an *Error: the front door
// answers it as an internal failure.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Scope, error) {
	return v.VerifyParsed(ctx, r, Parse(r), body)
}

// VerifyParsed is Verify for a request already parsed with Parse.
func (v *Verifier) VerifyParsed(ctx context.Context, r *http.Request, parsed *Parsed, body []byte) (Scope, error) {
	if v.Lookup == nil {
		return Scope{}, errors.New("sigv4: verifier has no key lookup")
	}
	if parsed.err != nil {
		return Scope{}, parsed.err
	}
	a := parsed.a
	if err := v.checkTime(a); err != nil {
		return Scope{}, err
	}
	if err := a.validate(); err != nil {
		return Scope{}, err
	}
	p, err := newPayload(r, a, body)
	if err != nil {
		return Scope{}, err
	}

	secret, err := v.Lookup(ctx, a.scope.AccessKeyID)
	if errors.Is(err, ErrUnknownKey) {
		return Scope{}, errorf(UnknownKey, msgUnknownKey)
	}
	if err != nil {
		return Scope{}, fmt.Errorf("look up access key %s: %w", a.scope.AccessKeyID, err)
	}

	// A header the client says it signed but did not send cannot have been
	// signed with any value we could reproduce.
	for _, name := range a.signedHeaders {
		if name != "host" && name != "content-length" && len(r.Header.Values(name)) == 0 {
			return Scope{}, errorf(SignatureMismatch, msgSignatureMismatch)
		}
	}
	var want string
	if sdkCanSign(a, body) {
		want, err = sdkSignature(r, a, secret, p.hash, body)
		if err != nil {
			return Scope{}, fmt.Errorf("recompute signature: %w", err)
		}
	} else {
		want = manualSignature(r, a, secret, p.hash, body)
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return Scope{}, errorf(SignatureMismatch, msgSignatureMismatch)
	}
	// The signature covers the hash the client sent, not the body; a body
	// swapped under an unchanged X-Amz-Content-Sha256 is caught here.
	if p.check && !strings.EqualFold(p.hash, p.bodyHash(body)) {
		return Scope{}, errorf(PayloadHashMismatch, msgPayloadHash)
	}
	return a.scope, nil
}

// checkTime applies the time window (§8.5) and, for presigned requests with
// X-Amz-Expires, the expiry.
func (v *Verifier) checkTime(a *auth) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	// Whole seconds, as the request's date is, so that the limits in the
	// messages read exactly.
	t := now().UTC().Truncate(time.Second)
	skew := v.Skew
	if skew <= 0 {
		skew = DefaultSkew
	}
	if limit := t.Add(skew); a.time.After(limit) {
		return errorf(TimeSkew, "Signature not yet current: "+a.time.Format(timeFormat)+" is still later than "+
			limit.Format(timeFormat)+" ("+t.Format(timeFormat)+" + "+minutes(skew)+" min.)")
	}
	if a.expires >= 0 {
		if t.After(a.time.Add(time.Duration(a.expires) * time.Second)) {
			return errorf(PresignExpired, msgPresignExpired)
		}
		return nil
	}
	if limit := t.Add(-skew); a.time.Before(limit) {
		return errorf(TimeSkew, "Signature expired: "+a.time.Format(timeFormat)+" is now earlier than "+
			limit.Format(timeFormat)+" ("+t.Format(timeFormat)+" - "+minutes(skew)+" min.)")
	}
	return nil
}

func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10)
	}
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
}

// payload is the hashed payload of the canonical request (§8.2).
type payload struct {
	hash string
	// check: hash is a client-sent SHA-256 that the body must match.
	check bool
	// sum is the body's hex SHA-256 once computed.
	sum string
}

func newPayload(r *http.Request, a *auth, body []byte) (payload, error) {
	if a.scope.Presigned {
		if a.scope.Service == "s3" {
			return payload{hash: unsignedPayload}, nil
		}
		// botocore's presigner hashes the (empty) body; hashing the body
		// received keeps a body appended to a presigned URL from riding on
		// its signature.
		var p payload
		p.hash = p.bodyHash(body)
		return p, nil
	}
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		switch {
		case h == unsignedPayload && a.scope.Service == "s3":
			return payload{hash: h}, nil
		case h == unsignedPayload:
			// Only S3 lets a client leave its body out of the signature;
			// for every other service the body is what was signed, so a
			// request signed over UNSIGNED-PAYLOAD cannot verify.
			var p payload
			p.hash = p.bodyHash(body)
			return p, nil
		case isSHA256Hex(h):
			return payload{hash: h, check: true}, nil
		default:
			// The STREAMING-* forms sign the body chunk by chunk, which
			// this package does not verify, so they are refused.
			return payload{}, errorf(Incomplete, msgBadPayloadHash)
		}
	}
	var p payload
	p.hash = p.bodyHash(body)
	return p, nil
}

func (p *payload) bodyHash(body []byte) string {
	if p.sum == "" {
		sum := sha256.Sum256(body)
		p.sum = hex.EncodeToString(sum[:])
	}
	return p.sum
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
