package sigv4_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trailwatch/trailwatch/internal/sigv4"
)

const (
	goodCred = testKeyID + "/20260501/eu-west-1/sts/aws4_request"
	goodSig  = "c0ffee" + "0000000000000000000000000000000000000000000000000000000000"
	goodAuth = "AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host;x-amz-date, Signature=" + goodSig
	goodDate = "20260501T120000Z"
)

// serverRequest is a request as a handler sees it, with headers set;
// a header set to "" is left out.
func serverRequest(target string, header map[string]string) *http.Request {
	r := httptest.NewRequest("POST", target, strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	r.Host = "sts.eu-west-1.amazonaws.com"
	for k, v := range header {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	return r
}

func headerAuth(auth, date string) *http.Request {
	return serverRequest("/", map[string]string{"Authorization": auth, "X-Amz-Date": date})
}

func TestMalformed(t *testing.T) {
	presign := func(drop string, set ...string) *http.Request {
		q := map[string]string{
			"X-Amz-Algorithm":     "AWS4-HMAC-SHA256",
			"X-Amz-Credential":    goodCred,
			"X-Amz-Date":          goodDate,
			"X-Amz-SignedHeaders": "host",
			"X-Amz-Signature":     goodSig,
		}
		delete(q, drop)
		for i := 0; i+1 < len(set); i += 2 {
			q[set[i]] = set[i+1]
		}
		var b strings.Builder
		b.WriteString("/?Action=GetCallerIdentity&Version=2011-06-15")
		for k, v := range q {
			b.WriteString("&" + k + "=" + strings.ReplaceAll(v, "/", "%2F"))
		}
		return serverRequest(b.String(), nil)
	}
	tests := []struct {
		name    string
		req     *http.Request
		kind    sigv4.Kind
		message string // "" = not checked
	}{
		{name: "nothing", req: serverRequest("/", nil), kind: sigv4.MissingAuth, message: "Request is missing Authentication Token"},
		{name: "blank header", req: headerAuth("  \t ", goodDate), kind: sigv4.MissingAuth},
		{name: "x-amz-date alone", req: serverRequest("/?X-Amz-Date="+goodDate, nil), kind: sigv4.MissingAuth},
		{
			name: "bearer token", req: headerAuth("Bearer eyJhbGciOi", goodDate), kind: sigv4.Incomplete,
			message: "'eyJhbGciOi' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer eyJhbGciOi'.",
		},
		{
			name: "bare token", req: headerAuth("eyJ0eXAi.eyJzdWIi.c2ln", goodDate), kind: sigv4.Incomplete,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=eyJ0eXAi.eyJzdWIi.c2ln",
		},
		{
			name: "sigv2", req: headerAuth("AWS AKIAIOSFODNN7EXAMPLE:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=", ""), kind: sigv4.Incomplete,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS AKIAIOSFODNN7EXAMPLE:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=",
		},
		{name: "only separators", req: headerAuth(",, ,", goodDate), kind: sigv4.Incomplete},
		{name: "algorithm only", req: headerAuth("AWS4-HMAC-SHA256", goodDate), kind: sigv4.Incomplete},
		{
			name: "credential only", req: headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred, goodDate), kind: sigv4.Incomplete,
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=" + goodCred,
		},
		{name: "empty credential", req: headerAuth("AWS4-HMAC-SHA256 Credential=, SignedHeaders=host;x-amz-date, Signature="+goodSig, goodDate), kind: sigv4.Incomplete},
		{name: "empty signature", req: headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=host;x-amz-date, Signature=", goodDate), kind: sigv4.Incomplete},
		{
			name: "space inside credential", req: headerAuth("AWS4-HMAC-SHA256 Credential="+testKeyID+" /20260501/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="+goodSig, goodDate),
			kind:    sigv4.Incomplete,
			message: "'/20260501/eu-west-1/sts/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=" + testKeyID + " /20260501/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + goodSig + "'.",
		},
		{
			name: "no date at all", req: headerAuth(goodAuth, ""), kind: sigv4.Incomplete,
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + goodAuth,
		},
		{
			name: "extended iso date", req: headerAuth(goodAuth, "2026-05-01T12:00:00Z"), kind: sigv4.Incomplete,
			message: "Date must be in ISO-8601 'basic format'. Got '2026-05-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{name: "date with milliseconds", req: headerAuth(goodAuth, "20260501T120000.000Z"), kind: sigv4.Incomplete},
		{name: "date without zone", req: headerAuth(goodAuth, "20260501T120000"), kind: sigv4.Incomplete},
		{name: "date out of range", req: headerAuth(goodAuth, "20260532T120000Z"), kind: sigv4.Incomplete},
		{name: "date lower case", req: headerAuth(goodAuth, "20260501t120000z"), kind: sigv4.Incomplete},
		{name: "date header unparsable", req: serverRequest("/", map[string]string{"Authorization": goodAuth, "Date": "yesterday"}), kind: sigv4.Incomplete},
		{
			name: "host not signed", req: headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=x-amz-date, Signature="+goodSig, goodDate),
			kind: sigv4.Incomplete, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "empty signed headers", req: headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=, Signature="+goodSig, goodDate),
			kind: sigv4.Incomplete, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "x-amz-date not signed", req: headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=host, Signature="+goodSig, goodDate),
			kind: sigv4.Incomplete, message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "date header not signed",
			req: serverRequest("/", map[string]string{
				"Authorization": "AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host, Signature=" + goodSig,
				"Date":          "Fri, 01 May 2026 12:00:00 GMT",
			}),
			kind: sigv4.Incomplete, message: "'Date' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "sha512", req: headerAuth(strings.Replace(goodAuth, "SHA256", "SHA512", 1), goodDate), kind: sigv4.Incomplete,
			message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
		},
		{name: "sigv4a", req: headerAuth(strings.Replace(goodAuth, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1), goodDate), kind: sigv4.Incomplete},
		{name: "algorithm lower case", req: headerAuth(strings.ToLower(goodAuth[:16])+goodAuth[16:], goodDate), kind: sigv4.Incomplete},
		{
			name: "credential with four parts", req: headerAuth(strings.Replace(goodAuth, "/aws4_request", "", 1), goodDate), kind: sigv4.Incomplete,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + testKeyID + "/20260501/eu-west-1/sts'",
		},
		{name: "credential with six parts", req: headerAuth(strings.Replace(goodAuth, "/aws4_request", "/aws4_request/", 1), goodDate), kind: sigv4.Incomplete},
		{name: "credential without slashes", req: headerAuth(strings.Replace(goodAuth, goodCred, testKeyID, 1), goodDate), kind: sigv4.Incomplete},
		{
			name: "bad terminator", req: headerAuth(strings.Replace(goodAuth, "aws4_request", "aws4_reques", 1), goodDate), kind: sigv4.Incomplete,
			message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'.",
		},
		{
			name: "upper-case region", req: headerAuth(strings.Replace(goodAuth, "eu-west-1", "EU-WEST-1", 1), goodDate), kind: sigv4.Incomplete,
			message: "Credential should be scoped to a valid region, not 'EU-WEST-1'.",
		},
		{name: "empty region", req: headerAuth(strings.Replace(goodAuth, "eu-west-1", "", 1), goodDate), kind: sigv4.Incomplete},
		{name: "region with a space", req: headerAuth(strings.Replace(goodAuth, "eu-west-1", "eu%20west", 1), goodDate), kind: sigv4.Incomplete},
		{
			name: "empty service", req: headerAuth(strings.Replace(goodAuth, "/sts/", "//", 1), goodDate), kind: sigv4.Incomplete,
			message: "Credential should be scoped to a valid service, not ''.",
		},
		{name: "service with a dot", req: headerAuth(strings.Replace(goodAuth, "/sts/", "/sts.amazonaws.com/", 1), goodDate), kind: sigv4.Incomplete},
		{
			name: "scope date is not the request's day", req: headerAuth(strings.Replace(goodAuth, "/20260501/", "/20260430/", 1), goodDate), kind: sigv4.Incomplete,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260430' != '20260501', from '20260501T120000Z'.",
		},
		{
			name: "every scope problem at once",
			req:  headerAuth("AWS4-HMAC-SHA256 Credential=AKID/foobar/Wrong_Region/Wrong-Service/aws5_request, SignedHeaders=host;x-amz-date, Signature="+goodSig, goodDate),
			kind: sigv4.Incomplete,
			message: "Credential should be scoped to a valid region, not 'Wrong_Region'. Credential should be scoped to a valid service, not 'Wrong-Service'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'foobar' != '20260501', from '20260501T120000Z'.",
		},
		{
			name: "control and invalid utf-8 bytes",
			req:  headerAuth("AWS4-HMAC-SHA256 Credential=\xff\xfe/\x01/\x7f/\x00/aws4_request, SignedHeaders=host;x-amz-date, Signature=\xff", goodDate),
			kind: sigv4.Incomplete,
		},
		{
			name: "header and query both",
			req: func() *http.Request {
				r := presign("")
				r.Header.Set("Authorization", goodAuth)
				r.Header.Set("X-Amz-Date", goodDate)
				return r
			}(),
			kind: sigv4.Incomplete, message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
		},
		{
			name: "presigned without signature", req: presign("X-Amz-Signature"), kind: sigv4.Incomplete,
			message: "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.",
		},
		{
			name: "presigned with signature only", req: serverRequest("/?X-Amz-Signature="+goodSig, nil), kind: sigv4.Incomplete,
			message: "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. " +
				"Re-examine the query-string parameters.",
		},
		{name: "presigned without date", req: presign("X-Amz-Date"), kind: sigv4.Incomplete},
		{name: "presigned bad date", req: presign("", "X-Amz-Date", "20260501"), kind: sigv4.Incomplete},
		{name: "presigned bad algorithm", req: presign("", "X-Amz-Algorithm", "AWS4-HMAC-SHA1"), kind: sigv4.Incomplete},
		{name: "presigned host not signed", req: presign("", "X-Amz-SignedHeaders", "range"), kind: sigv4.Incomplete},
		{name: "expires not a number", req: presign("", "X-Amz-Expires", "abc"), kind: sigv4.Incomplete, message: "X-Amz-Expires should be a number"},
		{name: "expires empty", req: presign("", "X-Amz-Expires", ""), kind: sigv4.Incomplete, message: "X-Amz-Expires should be a number"},
		{name: "expires with plus sign", req: presign("", "X-Amz-Expires", "%2B60"), kind: sigv4.Incomplete, message: "X-Amz-Expires should be a number"},
		{name: "expires negative", req: presign("", "X-Amz-Expires", "-1"), kind: sigv4.Incomplete, message: "X-Amz-Expires must be non-negative"},
		{name: "expires bare minus", req: presign("", "X-Amz-Expires", "-"), kind: sigv4.Incomplete, message: "X-Amz-Expires should be a number"},
		{
			name: "expires over a week", req: presign("", "X-Amz-Expires", "604801"), kind: sigv4.Incomplete,
			message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
		},
		{name: "expires overflows", req: presign("", "X-Amz-Expires", "99999999999999999999999"), kind: sigv4.Incomplete},
		{
			name: "s3 presigned without expires",
			req:  presign("", "X-Amz-Credential", testKeyID+"/20260501/eu-west-1/s3/aws4_request"),
			kind: sigv4.Incomplete, message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sigv4.ParseScope(tt.req)
			if got := kindOf(err); got != tt.kind {
				t.Fatalf("ParseScope: got kind %v (%v), want %v", got, err, tt.kind)
			}
			if tt.message != "" && msgOf(err) != tt.message {
				t.Errorf("ParseScope message:\n got %q\nwant %q", msgOf(err), tt.message)
			}
			// Verify reports the same, before it looks at time or keys.
			_, verr := verifierAt(t0).Verify(context.Background(), tt.req, nil)
			if msgOf(verr) != msgOf(err) || kindOf(verr) != kindOf(err) {
				t.Errorf("Verify: got %v, ParseScope got %v", verr, err)
			}
		})
	}
}

func TestVerifyRefusesStreamingPayload(t *testing.T) {
	for _, h := range []string{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "e3b0c442", "unsigned-payload"} {
		t.Run(h, func(t *testing.T) {
			body := []byte("5;chunk-signature=abc\r\nhello\r\n0;chunk-signature=def\r\n\r\n")
			req := MustNewRequest(t, "PUT", "https://bucket.s3.eu-west-1.amazonaws.com/key", body, map[string]string{"X-Amz-Content-Sha256": h})
			MustSign(t, req, body, testCreds, "s3", t0, s3Opts)
			r, body := MustServerRequest(t, req)
			_, err := verifierAt(t0).Verify(context.Background(), r, body)
			if kindOf(err) != sigv4.Incomplete {
				t.Fatalf("Verify: got %v, want Incomplete", err)
			}
		})
	}
}

func TestParseScopeForms(t *testing.T) {
	tests := []struct {
		name string
		req  *http.Request
		want sigv4.Scope
	}{
		{
			name: "comma without space",
			req:  headerAuth("AWS4-HMAC-SHA256 Credential="+goodCred+",SignedHeaders=host;x-amz-date,Signature="+goodSig, goodDate),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts"},
		},
		{
			name: "spaces only and parameters reordered",
			req:  headerAuth("AWS4-HMAC-SHA256  Signature="+goodSig+" SignedHeaders=Host;X-Amz-Date\tCredential="+goodCred, goodDate),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts"},
		},
		{
			name: "comma after the algorithm",
			req:  headerAuth("AWS4-HMAC-SHA256, Credential="+goodCred+", SignedHeaders=host;x-amz-date, Signature="+goodSig, goodDate),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts"},
		},
		{
			name: "unknown parameters ignored",
			req:  headerAuth(goodAuth+", Extra=1", goodDate),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts"},
		},
		{
			name: "date header",
			req: serverRequest("/", map[string]string{
				"Authorization": "AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=date;host, Signature=" + goodSig,
				"Date":          "Fri, 01 May 2026 23:59:59 GMT",
			}),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts"},
		},
		{
			name: "session token",
			req: serverRequest("/", map[string]string{
				"Authorization": goodAuth, "X-Amz-Date": goodDate, "X-Amz-Security-Token": "tok",
			}),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts", SessionToken: "tok"},
		},
		{
			name: "any well-formed region",
			req:  headerAuth(strings.Replace(goodAuth, "eu-west-1", "local", 1), goodDate),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "local", Service: "sts"},
		},
		{
			name: "presigned",
			req: serverRequest("/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+strings.ReplaceAll(goodCred, "/", "%2F")+
				"&X-Amz-Date="+goodDate+"&X-Amz-SignedHeaders=host&X-Amz-Signature="+goodSig+"&X-Amz-Security-Token=a%2Bb", nil),
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: "eu-west-1", Service: "sts", Presigned: true, SessionToken: "a+b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sigv4.ParseScope(tt.req)
			if err != nil {
				t.Fatalf("ParseScope: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scope (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[sigv4.Kind]string{
		sigv4.MissingAuth: "MissingAuth", sigv4.Incomplete: "Incomplete", sigv4.UnknownKey: "UnknownKey",
		sigv4.SignatureMismatch: "SignatureMismatch", sigv4.TimeSkew: "TimeSkew", sigv4.PresignExpired: "PresignExpired",
		sigv4.PayloadHashMismatch: "PayloadHashMismatch", 0: "Kind(0)", 99: "Kind(99)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
	err := &sigv4.Error{Kind: sigv4.TimeSkew, Msg: "Signature expired"}
	if got, want := err.Error(), "sigv4: TimeSkew: Signature expired"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
