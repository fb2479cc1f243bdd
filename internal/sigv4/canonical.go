package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// manualSignature computes the signature the way aws-sdk-go-v2's signer
// does (§8.2–8.3), for the requests that signer cannot reproduce (see
// sdkCanSign): the same canonical URI, query, header normalisation and
// payload hash, but over exactly the headers the client signed, with the
// request time from whichever header carried it. For any request both can
// sign, the two agree; the tests hold them to that.
func manualSignature(r *http.Request, a *auth, secret, payloadHash string, body []byte) string {
	names := slices.Clone(a.signedHeaders)
	slices.Sort(names)
	names = slices.Compact(names)

	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := uriPath(r.URL)
	if a.scope.Service != "s3" {
		path = httpbinding.EscapePath(path, false)
	}
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r, a, names))
	b.WriteByte('\n')
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		switch name {
		case "host":
			b.WriteString(collapseSpaces(r.Host))
		case "content-length":
			b.WriteString(strconv.Itoa(len(body)))
		case "x-amz-date":
			if a.scope.Presigned {
				writeValues(&b, r.Header.Values(name))
			} else {
				// The SDK writes the one date it signs with over whatever
				// was sent, repeated headers included.
				b.WriteString(a.time.Format(timeFormat))
			}
		default:
			writeValues(&b, r.Header.Values(name))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)

	creq := sha256.Sum256([]byte(b.String()))
	sts := algorithm + "\n" + a.time.Format(timeFormat) + "\n" + a.scopeString() + "\n" + hex.EncodeToString(creq[:])
	return hex.EncodeToString(hmacSHA256(signingKey(secret, a), sts))
}

// writeValues writes a header's values as the SDK does: each trimmed, inner
// runs of spaces collapsed, joined by commas.
func writeValues(b *strings.Builder, values []string) {
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.TrimSpace(collapseSpaces(v)))
	}
}

func (a *auth) scopeString() string {
	return a.time.Format(dayFormat) + "/" + a.scope.Region + "/" + a.scope.Service + "/" + terminator
}

// canonicalQuery is the SDK's: the parsed query, each name and value
// escaped (space as %20), sorted after escaping. For a presigned request the
// SDK also rewrites the auth parameters from what it signs with, and leaves
// out the signature.
func canonicalQuery(r *http.Request, a *auth, names []string) string {
	q := a.query
	if a.scope.Presigned {
		q = make(url.Values, len(a.query))
		for k, vs := range a.query {
			if k != qSignature {
				q[k] = vs
			}
		}
		q.Set(qAlgorithm, algorithm)
		q.Set(qCredential, a.scope.AccessKeyID+"/"+a.scopeString())
		q.Set(qDate, a.time.Format(timeFormat))
		q.Set(qSignedHeaders, strings.Join(names, ";"))
	} else if q == nil {
		q, _ = url.ParseQuery(r.URL.RawQuery) // bad pairs are dropped, as the SDK's URL.Query does
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		ek := escapeQuery(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, escapeQuery(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// escapeQuery escapes everything but A-Z a-z 0-9 - _ . ~, a space as %20.
// url.QueryEscape writes a space as "+" and a literal "+" as %2B, so only
// spaces change.
func escapeQuery(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// uriPath is the SDK's GetURIPath: the escaped path as sent (from Opaque
// when set), "/" when empty.
func uriPath(u *url.URL) string {
	var p string
	if u.Opaque != "" {
		o := u.Opaque
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			p = o[i:]
		}
	} else {
		p = u.EscapedPath()
	}
	if p == "" {
		return "/"
	}
	return p
}

// collapseSpaces trims spaces at both ends and collapses inner runs of
// spaces to one, as the SDK does to header values (only ' ', not tabs).
func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// signingKey derives the key of §8.3 from the secret and the scope.
func signingKey(secret string, a *auth) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), a.time.Format(dayFormat))
	k = hmacSHA256(k, a.scope.Region)
	k = hmacSHA256(k, a.scope.Service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
