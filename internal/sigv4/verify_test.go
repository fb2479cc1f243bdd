package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/trailwatch/trailwatch/internal/sigv4"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func s3Opts(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }

// goJSONRequest is a CloudTrail call with the header set aws-sdk-go-v2
// sends (reference/protocols.md §0.3), signed, then given the headers the
// transport adds after signing.
func goJSONRequest(tb testing.TB, creds aws.Credentials) (*http.Request, []byte) {
	tb.Helper()
	body := []byte(`{"trailNameList":["management"],"includeShadowTrails":true}`)
	req := MustNewRequest(tb, "POST", "https://cloudtrail.eu-west-1.amazonaws.com/", body, map[string]string{
		"Content-Type":          "application/x-amz-json-1.1",
		"X-Amz-Target":          "CloudTrail_20131101.DescribeTrails",
		"Amz-Sdk-Invocation-Id": "5f0bd7c3-6e2a-4f4e-9d55-1e0b3c1f6a2b",
		"Amz-Sdk-Request":       "attempt=1; max=3",
		"User-Agent":            "aws-sdk-go-v2/1.47.7 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/cloudtrail#1.56.0",
		"X-Amz-Security-Token":  creds.SessionToken,
		"X-Amzn-Trace-Id":       "Root=1-5759e988-bd862e3fe1be46a994272793",
		"Accept":                "application/json",
	})
	if creds.SessionToken == "" {
		req.Header.Del("X-Amz-Security-Token")
	}
	MustSign(tb, req, body, creds, "cloudtrail", t0)
	req.Header.Set("Accept-Encoding", "gzip")
	return MustServerRequest(tb, req)
}

func TestVerifyAccepts(t *testing.T) {
	tests := []struct {
		name string
		// build returns the request as the server sees it.
		build func(t *testing.T) (*http.Request, []byte)
		want  sigv4.Scope
	}{
		{
			name:  "go sdk json post",
			build: func(t *testing.T) (*http.Request, []byte) { return goJSONRequest(t, testCreds) },
			want:  sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "cloudtrail"},
		},
		{
			name: "go sdk json post with session token",
			build: func(t *testing.T) (*http.Request, []byte) {
				creds := testCreds
				creds.SessionToken = "FwoGZXIvYXdzEJr//////////wEaDH+token=="
				return goJSONRequest(t, creds)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "cloudtrail",
				SessionToken: "FwoGZXIvYXdzEJr//////////wEaDH+token=="},
		},
		{
			name: "go sdk form post",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
				req := MustNewRequest(t, "POST", "https://sts.eu-west-1.amazonaws.com/", body, map[string]string{
					"Content-Type":          "application/x-www-form-urlencoded",
					"Amz-Sdk-Invocation-Id": "0e7b1c7e-8f55-4c34-a3a4-34b5c1fd2c11",
					"Amz-Sdk-Request":       "attempt=1; max=3",
				})
				MustSign(t, req, body, testCreds, "sts", t0)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "sts"},
		},
		{
			name: "botocore header set without content-length",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte(`{"logGroupNamePrefix":"/aws/lambda"}`)
				req := MustNewRequest(t, "POST", "https://logs.eu-west-1.amazonaws.com/", body, map[string]string{
					"Content-Type": "application/x-amz-json-1.1",
					"X-Amz-Target": "Logs_20140328.DescribeLogGroups",
				})
				// botocore signs content-type;host;x-amz-date;x-amz-target;
				// the SDK signer adds content-length only for a length > 0.
				req.ContentLength = 0
				MustSign(t, req, body, testCreds, "logs", t0)
				if got := req.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=content-type;host;x-amz-date;x-amz-target,") {
					t.Fatalf("signed the wrong header set: %s", got)
				}
				req.ContentLength = int64(len(body))
				req.Header.Set("User-Agent", "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off command/logs.describe-log-groups")
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "logs"},
		},
		{
			name: "unsigned headers added after signing",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Header.Set("Via", "1.1 proxy.internal (squid/6.1)")
				r.Header.Add("X-Forwarded-For", "203.0.113.7")
				r.Header.Set("Accept-Encoding", "gzip, deflate, br")
				r.Header.Set("Connection", "keep-alive")
				r.Header.Set("User-Agent", "rewritten by a proxy")
				return r, body
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "cloudtrail"},
		},
		{
			// Java v1 clients sign user-agent, which aws-sdk-go-v2's signer
			// ignores under its canonical name only: a lower-case map key
			// gets it signed, and is renamed before sending.
			name: "signed user-agent and trace id",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte("Action=ListTopics&Version=2010-03-31")
				req := MustNewRequest(t, "POST", "https://sns.eu-west-1.amazonaws.com/", body, map[string]string{
					"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
				})
				req.Header["user-agent"] = []string{"aws-sdk-java/1.12.700 Linux/6.1 OpenJDK_64-Bit_Server_VM/17"}
				req.Header["x-amzn-trace-id"] = []string{"Root=1-67891233-abcdef012345678912345678"}
				MustSign(t, req, body, testCreds, "sns", t0)
				if got := req.Header.Get("Authorization"); !strings.Contains(got, "host;user-agent;x-amz-date;x-amzn-trace-id,") {
					t.Fatalf("signed the wrong header set: %s", got)
				}
				req.Header["User-Agent"], req.Header["X-Amzn-Trace-Id"] = req.Header["user-agent"], req.Header["x-amzn-trace-id"]
				delete(req.Header, "user-agent")
				delete(req.Header, "x-amzn-trace-id")
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "sns"},
		},
		{
			name: "host with port",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte(`{}`)
				req := MustNewRequest(t, "POST", "http://127.0.0.1:4566/", body, map[string]string{
					"Content-Type": "application/x-amz-json-1.1",
					"X-Amz-Target": "AWSEvents.ListRules",
				})
				MustSign(t, req, body, testCreds, "events", t0)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "events"},
		},
		{
			name: "query with spaces plus and unicode",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://monitoring.eu-west-1.amazonaws.com/?Action=ListMetrics&Version=2010-08-01"+
					"&Namespace=My%20App+Prod&MetricName=caf%C3%A9%E2%9C%93&Dimensions.member.1.Value=a%2Bb%2Fc&Empty=&Flag&z=%7E-._", nil, nil)
				MustSign(t, req, nil, testCreds, "monitoring", t0)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "monitoring"},
		},
		{
			name: "path escaped twice for non-s3",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte{0xbf, 0x6b, 0x6d, 0xff} // CBOR-ish bytes
				req := MustNewRequest(t, "POST", "https://monitoring.eu-west-1.amazonaws.com/service/GraniteServiceVersion20100801/operation/Get%20Metric%2FData", body, map[string]string{
					"Content-Type":    "application/cbor",
					"Smithy-Protocol": "rpc-v2-cbor",
					"Accept":          "application/cbor",
				})
				MustSign(t, req, body, testCreds, "monitoring", t0)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "monitoring"},
		},
		{
			name: "s3 header-signed with x-amz-content-sha256",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte("trail file contents\n")
				req := MustNewRequest(t, "PUT", "https://bucket.s3.eu-west-1.amazonaws.com/AWSLogs/my%20key+%E2%9C%93.json.gz", body, map[string]string{
					"X-Amz-Content-Sha256": hashHex(body),
					"Content-Type":         "application/gzip",
				})
				req.Header.Add("X-Amz-Meta-Tag", "one")
				req.Header.Add("X-Amz-Meta-Tag", "  two   words ")
				MustSign(t, req, body, testCreds, "s3", t0, s3Opts)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "s3"},
		},
		{
			name: "s3 header-signed unsigned payload",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte("not covered by the signature")
				req := MustNewRequest(t, "PUT", "https://bucket.s3.eu-west-1.amazonaws.com/key", body, map[string]string{
					"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
				})
				MustSign(t, req, body, testCreds, "s3", t0, s3Opts)
				return MustServerRequest(t, req)
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "s3"},
		},
		{
			name: "presigned sts get",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=900", nil, nil)
				u := MustPresign(t, req, emptySHA256, "sts", t0)
				return MustServerRequest(t, MustNewRequest(t, "GET", u, nil, nil))
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "sts", Presigned: true},
		},
		{
			name: "presigned s3 get with session token",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://bucket.s3.eu-west-1.amazonaws.com/AWSLogs/a%20b+c.json?X-Amz-Expires=3600&response-content-type=text%2Fplain", nil, nil)
				creds := testCreds
				creds.SessionToken = "IQoJb3JpZ2luX2Vj+/="
				u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", testRegion, t0, s3Opts)
				if err != nil {
					t.Fatal(err)
				}
				return MustServerRequest(t, MustNewRequest(t, "GET", u, nil, map[string]string{"Accept-Encoding": "identity"}))
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "s3", Presigned: true,
				SessionToken: "IQoJb3JpZ2luX2Vj+/="},
		},
		{
			name: "presigned with a signed extra header",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://bucket.s3.eu-west-1.amazonaws.com/k?X-Amz-Expires=60", nil,
					map[string]string{"Range": "bytes=0-9"})
				u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, "UNSIGNED-PAYLOAD", "s3", testRegion, t0,
					s3Opts, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
				if err != nil {
					t.Fatal(err)
				}
				if got := hdr.Get("Range"); got != "bytes=0-9" {
					t.Fatalf("range not signed: %v", hdr)
				}
				return MustServerRequest(t, MustNewRequest(t, "GET", u, nil, map[string]string{"Range": "bytes=0-9"}))
			},
			want: sigv4.Scope{AccessKeyID: testKeyID, Date: "20260501", Region: testRegion, Service: "s3", Presigned: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.build(t)
			before := r.Header.Clone()
			got, err := verifierAt(t0.Add(time.Minute)).Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scope (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, r.Header); diff != "" {
				t.Errorf("Verify changed the request's headers (-before +after):\n%s", diff)
			}
			scope, err := sigv4.ParseScope(r)
			if err != nil {
				t.Fatalf("ParseScope: %v", err)
			}
			if diff := cmp.Diff(tt.want, scope); diff != "" {
				t.Errorf("ParseScope (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	wrongSecret := testCreds
	wrongSecret.SecretAccessKey = "not the secret"
	unknown := testCreds
	unknown.AccessKeyID = "AKIAUNKNOWNKEY000000"

	tests := []struct {
		name    string
		build   func(t *testing.T) (*http.Request, []byte)
		kind    sigv4.Kind
		message string // "" = not checked
	}{
		{
			name:    "wrong secret",
			build:   func(t *testing.T) (*http.Request, []byte) { return goJSONRequest(t, wrongSecret) },
			kind:    sigv4.SignatureMismatch,
			message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		},
		{
			name:    "unknown key",
			build:   func(t *testing.T) (*http.Request, []byte) { return goJSONRequest(t, unknown) },
			kind:    sigv4.UnknownKey,
			message: "The security token included in the request is invalid.",
		},
		{
			name: "tampered body",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				return r, []byte(strings.Replace(string(body), "management", "managemenT", 1))
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "tampered signed header",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Header.Set("X-Amz-Target", "CloudTrail_20131101.DeleteTrail")
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "signed header removed",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Header.Del("Amz-Sdk-Request")
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "tampered host",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Host = "cloudtrail.us-east-1.amazonaws.com"
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "tampered method",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Method = "PUT"
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "tampered query",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://sns.eu-west-1.amazonaws.com/?Action=ListTopics&Version=2010-03-31", nil, nil)
				MustSign(t, req, nil, testCreds, "sns", t0)
				r, body := MustServerRequest(t, req)
				r.URL.RawQuery = "Action=DeleteTopic&Version=2010-03-31"
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "signature re-cased",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := goJSONRequest(t, testCreds)
				r.Header.Set("Authorization", upperSignature(r.Header.Get("Authorization")))
				return r, body
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "s3 body swapped under its signed hash",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte("original")
				req := MustNewRequest(t, "PUT", "https://bucket.s3.eu-west-1.amazonaws.com/key", body, map[string]string{
					"X-Amz-Content-Sha256": hashHex(body),
				})
				MustSign(t, req, body, testCreds, "s3", t0, s3Opts)
				r, _ := MustServerRequest(t, req)
				return r, []byte("replaced")
			},
			kind:    sigv4.PayloadHashMismatch,
			message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		},
		{
			// Only S3 leaves bodies unsigned: a logs call signed over
			// UNSIGNED-PAYLOAD would let its body be swapped freely.
			name: "unsigned payload outside s3",
			build: func(t *testing.T) (*http.Request, []byte) {
				body := []byte(`{"logGroupName":"a"}`)
				req := MustNewRequest(t, "POST", "https://logs.eu-west-1.amazonaws.com/", body, map[string]string{
					"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
					"X-Amz-Target":         "Logs_20140328.CreateLogGroup",
				})
				MustSign(t, req, body, testCreds, "logs", t0)
				r, _ := MustServerRequest(t, req)
				return r, []byte(`{"logGroupName":"b"}`)
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "presigned url used with a body",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "POST", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil, nil)
				u := MustPresign(t, req, emptySHA256, "sts", t0)
				body := []byte("Action=CreateAccessKey")
				return MustServerRequest(t, MustNewRequest(t, "POST", u, body, nil))
			},
			kind: sigv4.SignatureMismatch,
		},
		{
			name: "presigned signature tampered",
			build: func(t *testing.T) (*http.Request, []byte) {
				req := MustNewRequest(t, "GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil, nil)
				u, err := url.Parse(MustPresign(t, req, emptySHA256, "sts", t0))
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				q.Set("Action", "ListUsers")
				u.RawQuery = q.Encode()
				return MustServerRequest(t, MustNewRequest(t, "GET", u.String(), nil, nil))
			},
			kind: sigv4.SignatureMismatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.build(t)
			_, err := verifierAt(t0).Verify(context.Background(), r, body)
			if got := kindOf(err); got != tt.kind {
				t.Fatalf("Verify: got kind %v (%v), want %v", got, err, tt.kind)
			}
			if tt.message != "" && msgOf(err) != tt.message {
				t.Errorf("message:\n got %q\nwant %q", msgOf(err), tt.message)
			}
		})
	}
}

// upperSignature returns the Authorization header with its signature in
// upper-case hex: AWS signatures are lower-case and compared exactly.
func upperSignature(h string) string {
	i := strings.LastIndex(h, "Signature=") + len("Signature=")
	return h[:i] + strings.ToUpper(h[i:])
}

func TestVerifyLookupFailure(t *testing.T) {
	cause := errors.New("database is locked")
	v := &sigv4.Verifier{
		Lookup: func(context.Context, string) (string, error) { return "", cause },
		Now:    func() time.Time { return t0 },
	}
	r, body := goJSONRequest(t, testCreds)
	_, err := v.Verify(context.Background(), r, body)
	if !errors.Is(err, cause) {
		t.Fatalf("Verify: got %v, want it to wrap %v", err, cause)
	}
	if kindOf(err) != 0 {
		t.Errorf("a lookup failure must not be a client error, got %v", err)
	}

	// A wrapped ErrUnknownKey is still an unknown key.
	v.Lookup = func(context.Context, string) (string, error) {
		return "", errors.Join(errors.New("no such key"), sigv4.ErrUnknownKey)
	}
	if _, err := v.Verify(context.Background(), r, body); kindOf(err) != sigv4.UnknownKey {
		t.Errorf("wrapped ErrUnknownKey: got %v, want UnknownKey", err)
	}
}

func TestVerifyCallsLookupEveryTime(t *testing.T) {
	active := true
	calls := 0
	v := &sigv4.Verifier{
		Lookup: func(_ context.Context, id string) (string, error) {
			calls++
			if !active {
				return "", sigv4.ErrUnknownKey
			}
			return testSecret, nil
		},
		Now: func() time.Time { return t0 },
	}
	r, body := goJSONRequest(t, testCreds)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatalf("Verify with the key active: %v", err)
	}
	active = false
	if _, err := v.Verify(context.Background(), r, body); kindOf(err) != sigv4.UnknownKey {
		t.Fatalf("Verify after the key was deactivated: got %v, want UnknownKey", err)
	}
	if calls != 2 {
		t.Errorf("Lookup called %d times, want 2", calls)
	}
}

// TestVerifySecretChange: a new secret for the same key id takes effect at
// once (the SDK signer's derived-key cache would keep the old one for the day).
func TestVerifySecretChange(t *testing.T) {
	secret := testSecret
	v := &sigv4.Verifier{
		Lookup: func(context.Context, string) (string, error) { return secret, nil },
		Now:    func() time.Time { return t0 },
	}
	r, body := goJSONRequest(t, testCreds)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	secret = "rotated"
	if _, err := v.Verify(context.Background(), r, body); kindOf(err) != sigv4.SignatureMismatch {
		t.Fatalf("Verify after the secret changed: got %v, want SignatureMismatch", err)
	}
}

func TestVerifyTimeWindow(t *testing.T) {
	tests := []struct {
		name    string
		now     time.Time
		skew    time.Duration
		kind    sigv4.Kind // 0 = accepted
		message string
	}{
		{name: "now", now: t0},
		{name: "15 minutes later", now: t0.Add(15 * time.Minute)},
		{name: "15 minutes earlier", now: t0.Add(-15 * time.Minute)},
		{name: "sub-second past the limit still within", now: t0.Add(15*time.Minute + 999*time.Millisecond)},
		{
			name: "too old", now: t0.Add(16 * time.Minute), kind: sigv4.TimeSkew,
			message: "Signature expired: 20260501T120000Z is now earlier than 20260501T120100Z (20260501T121600Z - 15 min.)",
		},
		{
			name: "in the future", now: t0.Add(-16 * time.Minute), kind: sigv4.TimeSkew,
			message: "Signature not yet current: 20260501T120000Z is still later than 20260501T115900Z (20260501T114400Z + 15 min.)",
		},
		{
			name: "one second too old", now: t0.Add(15*time.Minute + time.Second), kind: sigv4.TimeSkew,
			message: "Signature expired: 20260501T120000Z is now earlier than 20260501T120001Z (20260501T121501Z - 15 min.)",
		},
		{
			name: "custom window", now: t0.Add(6 * time.Minute), skew: 5 * time.Minute, kind: sigv4.TimeSkew,
			message: "Signature expired: 20260501T120000Z is now earlier than 20260501T120100Z (20260501T120600Z - 5 min.)",
		},
		{
			name: "clock in another zone", now: t0.Add(20 * time.Minute).In(time.FixedZone("CEST", 2*60*60)), kind: sigv4.TimeSkew,
			message: "Signature expired: 20260501T120000Z is now earlier than 20260501T120500Z (20260501T122000Z - 15 min.)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := goJSONRequest(t, testCreds)
			v := verifierAt(tt.now)
			v.Skew = tt.skew
			_, err := v.Verify(context.Background(), r, body)
			if got := kindOf(err); got != tt.kind {
				t.Fatalf("Verify: got kind %v (%v), want %v", got, err, tt.kind)
			}
			if tt.kind != 0 && msgOf(err) != tt.message {
				t.Errorf("message:\n got %q\nwant %q", msgOf(err), tt.message)
			}
		})
	}
}

func TestVerifyPresignExpiry(t *testing.T) {
	presigned := func(t *testing.T, expires string) (*http.Request, []byte) {
		raw := "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
		if expires != "" {
			raw += "&X-Amz-Expires=" + expires
		}
		u := MustPresign(t, MustNewRequest(t, "GET", raw, nil, nil), emptySHA256, "sts", t0)
		return MustServerRequest(t, MustNewRequest(t, "GET", u, nil, nil))
	}
	tests := []struct {
		name    string
		expires string
		now     time.Time
		kind    sigv4.Kind
		message string
	}{
		{name: "within expiry", expires: "60", now: t0.Add(60 * time.Second)},
		{name: "past expiry", expires: "60", now: t0.Add(61 * time.Second), kind: sigv4.PresignExpired, message: "Request has expired"},
		{name: "long expiry outlives the skew window", expires: "604800", now: t0.Add(6 * 24 * time.Hour)},
		{name: "zero expiry", expires: "0", now: t0.Add(time.Second), kind: sigv4.PresignExpired},
		{name: "no expiry uses the window", now: t0.Add(14 * time.Minute)},
		{name: "no expiry too old", now: t0.Add(16 * time.Minute), kind: sigv4.TimeSkew},
		{name: "signed in the future", expires: "3600", now: t0.Add(-16 * time.Minute), kind: sigv4.TimeSkew,
			message: "Signature not yet current: 20260501T120000Z is still later than 20260501T115900Z (20260501T114400Z + 15 min.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := presigned(t, tt.expires)
			_, err := verifierAt(tt.now).Verify(context.Background(), r, body)
			if got := kindOf(err); got != tt.kind {
				t.Fatalf("Verify: got kind %v (%v), want %v", got, err, tt.kind)
			}
			if tt.message != "" && msgOf(err) != tt.message {
				t.Errorf("message:\n got %q\nwant %q", msgOf(err), tt.message)
			}
		})
	}
}

func TestVerifyWithoutLookup(t *testing.T) {
	r, body := goJSONRequest(t, testCreds)
	_, err := (&sigv4.Verifier{}).Verify(context.Background(), r, body)
	if err == nil || kindOf(err) != 0 {
		t.Fatalf("Verify without Lookup: got %v, want a configuration error", err)
	}
}
