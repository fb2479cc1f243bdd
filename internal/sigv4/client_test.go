package sigv4_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/trailwatch/trailwatch/internal/sigv4"
)

// verifyServer answers STS GetCallerIdentity and CloudTrail DescribeTrails
// for requests that verify, and remembers each verification.
type verifyServer struct {
	*httptest.Server
	v *sigv4.Verifier

	mu      sync.Mutex
	results []verifyResult // guarded by mu
}

type verifyResult struct {
	scope sigv4.Scope
	err   error
}

func MustStartVerifyServer(tb testing.TB) *verifyServer {
	tb.Helper()
	s := &verifyServer{v: &sigv4.Verifier{Lookup: keys{testKeyID: testSecret}.lookup}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *verifyServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	scope, err := s.v.Verify(r.Context(), r, body)
	s.mu.Lock()
	s.results = append(s.results, verifyResult{scope, err})
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	switch scope.Service {
	case "sts":
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLEUSERID0001</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	case "cloudtrail":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"trailList":[]}`)
	default:
		http.Error(w, "unexpected service "+scope.Service, http.StatusBadRequest)
	}
}

// last returns the most recent verification.
func (s *verifyServer) last(tb testing.TB) verifyResult {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.results) == 0 {
		tb.Fatal("the server saw no request")
	}
	return s.results[len(s.results)-1]
}

func staticCreds(id, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, token)
}

// TestSDKClients drives the server with the real aws-sdk-go-v2 clients: the
// whole request as the SDK builds, signs and sends it.
func TestSDKClients(t *testing.T) {
	srv := MustStartVerifyServer(t)
	ctx := context.Background()
	ctClient := func(creds aws.CredentialsProvider) *cloudtrail.Client {
		return cloudtrail.New(cloudtrail.Options{Region: testRegion, Credentials: creds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	}
	stsClient := func(creds aws.CredentialsProvider) *sts.Client {
		return sts.New(sts.Options{Region: testRegion, Credentials: creds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	}

	t.Run("cloudtrail json", func(t *testing.T) {
		_, err := ctClient(staticCreds(testKeyID, testSecret, "")).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{"a b", "ü"}})
		if err != nil {
			t.Fatalf("DescribeTrails: %v (server: %v)", err, srv.last(t).err)
		}
		got := srv.last(t).scope
		// The client signs with its own clock; allow for midnight passing.
		if now := time.Now().UTC(); got.Date != now.Format("20060102") && got.Date != now.Add(-time.Minute).Format("20060102") {
			t.Errorf("scope date %q, want today's", got.Date)
		}
		got.Date = ""
		want := sigv4.Scope{AccessKeyID: testKeyID, Region: testRegion, Service: "cloudtrail"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("scope (-want +got):\n%s", diff)
		}
	})
	t.Run("cloudtrail json with session token", func(t *testing.T) {
		_, err := ctClient(staticCreds(testKeyID, testSecret, "session/token+=")).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
		if err != nil {
			t.Fatalf("DescribeTrails: %v (server: %v)", err, srv.last(t).err)
		}
		if got := srv.last(t).scope.SessionToken; got != "session/token+=" {
			t.Errorf("SessionToken = %q, want the client's", got)
		}
	})
	t.Run("sts query", func(t *testing.T) {
		out, err := stsClient(staticCreds(testKeyID, testSecret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v (server: %v)", err, srv.last(t).err)
		}
		if aws.ToString(out.Account) != "123456789012" {
			t.Errorf("Account = %q", aws.ToString(out.Account))
		}
	})
	t.Run("sts presigned", func(t *testing.T) {
		p, err := sts.NewPresignClient(stsClient(staticCreds(testKeyID, testSecret, ""))).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("PresignGetCallerIdentity: %v", err)
		}
		req, err := http.NewRequest(p.Method, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range p.SignedHeader {
			if k != "Host" {
				req.Header[k] = vs
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d (server: %v)", resp.StatusCode, srv.last(t).err)
		}
		if !srv.last(t).scope.Presigned {
			t.Errorf("scope not marked presigned: %+v", srv.last(t).scope)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := stsClient(staticCreds(testKeyID, "wrong", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			t.Fatal("GetCallerIdentity with the wrong secret succeeded")
		}
		if k := kindOf(srv.last(t).err); k != sigv4.SignatureMismatch {
			t.Errorf("server: got %v, want SignatureMismatch", srv.last(t).err)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := ctClient(staticCreds("AKIANOSUCHKEY0000000", testSecret, "")).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
		if err == nil {
			t.Fatal("DescribeTrails with an unknown key succeeded")
		}
		if k := kindOf(srv.last(t).err); k != sigv4.UnknownKey {
			t.Errorf("server: got %v, want UnknownKey", srv.last(t).err)
		}
	})
}
