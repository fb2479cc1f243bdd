package s3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/trailwatch/trailwatch/internal/testserver"
)

var bg = context.Background()

func s3Client(s *testserver.Server, id, secret string) *awss3.Client {
	return awss3.NewFromConfig(s.Config(id, secret), func(o *awss3.Options) { o.UsePathStyle = true })
}

// archiveWith starts a server whose default account owns bucket "audit"
// (through a trail, as in real use) holding keys.
func archiveWith(t *testing.T, keys map[string]string, meta map[string]map[string]string) *testserver.Server {
	t.Helper()
	s := testserver.Start(t)
	c := ct.NewFromConfig(s.RootConfig())
	if _, err := c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Server().LocalArchive().Bucket(bg, "audit")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range keys {
		if err := b.Put(bg, k, []byte(v), meta[k]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
		return
	}
	var re interface{ HTTPStatusCode() int }
	if status != 0 && errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("%s: status %d, want %d", what, re.HTTPStatusCode(), status)
	}
}

const digestKey = "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/21/d.json.gz"

func TestObjects(t *testing.T) {
	meta := map[string]string{"signature": "abcdef0123", "signature-algorithm": "SHA256withRSA"}
	s := archiveWith(t, map[string]string{digestKey: "0123456789"}, map[string]map[string]string{digestKey: meta})
	c := s3Client(s, s.Root.AccessKeyID, s.Root.SecretAccessKey)

	loc, err := c.GetBucketLocation(bg, &awss3.GetBucketLocationInput{Bucket: aws.String("audit")})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("GetBucketLocation = %+v, %v; want an empty constraint (us-east-1)", loc, err)
	}
	if _, err := c.HeadBucket(bg, &awss3.HeadBucketInput{Bucket: aws.String("audit")}); err != nil {
		t.Errorf("HeadBucket: %v", err)
	}

	got, err := c.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String(digestKey)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	if string(body) != "0123456789" || got.Metadata["signature"] != "abcdef0123" || got.Metadata["signature-algorithm"] != "SHA256withRSA" ||
		aws.ToString(got.ETag) != `"781e5e245d69b566979b86e28d23f2c7"` || aws.ToInt64(got.ContentLength) != 10 {
		t.Errorf("GetObject = %q, meta %v, etag %s, length %d", body, got.Metadata, aws.ToString(got.ETag), aws.ToInt64(got.ContentLength))
	}
	for _, tc := range []struct{ rng, want, contentRange string }{
		{"bytes=2-4", "234", "bytes 2-4/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-2", "89", "bytes 8-9/10"},
		{"bytes=5-100", "56789", "bytes 5-9/10"},
	} {
		r, err := c.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String(digestKey), Range: aws.String(tc.rng)})
		if err != nil {
			t.Errorf("GetObject Range %s: %v", tc.rng, err)
			continue
		}
		b, _ := io.ReadAll(r.Body)
		if string(b) != tc.want || aws.ToString(r.ContentRange) != tc.contentRange {
			t.Errorf("Range %s = %q (%s), want %q (%s)", tc.rng, b, aws.ToString(r.ContentRange), tc.want, tc.contentRange)
		}
	}
	_, err = c.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String(digestKey), Range: aws.String("bytes=10-")})
	wantCode(t, "Range past the end", err, "InvalidRange", 416)

	head, err := c.HeadObject(bg, &awss3.HeadObjectInput{Bucket: aws.String("audit"), Key: aws.String(digestKey)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != 10 || head.Metadata["signature"] != "abcdef0123" || aws.ToString(head.ETag) != `"781e5e245d69b566979b86e28d23f2c7"` ||
		head.LastModified == nil || time.Since(*head.LastModified) > time.Minute {
		t.Errorf("HeadObject = length %d, meta %v, etag %s, modified %v", aws.ToInt64(head.ContentLength), head.Metadata, aws.ToString(head.ETag), head.LastModified)
	}

	// Metadata names arrive lower case on the wire, which botocore keeps
	// (reference/cloudtrail.md §0.2).
	req, _ := http.NewRequest(http.MethodHead, s.URL+"/audit/"+digestKey, nil)
	signer := v4.NewSigner()
	creds, _ := s.RootConfig().Credentials.Retrieve(bg)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := signer.SignHTTP(bg, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	// The recorder keeps header names as the handler wrote them; an HTTP
	// client would canonicalise them.
	rec := httptest.NewRecorder()
	req.RemoteAddr, req.Body = "127.0.0.1:1", http.NoBody
	s.Server().Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header()["x-amz-meta-signature"] == nil || rec.Header()["x-amz-meta-signature-algorithm"] == nil || rec.Header().Get("x-amz-request-id") == "" {
		t.Errorf("raw HEAD with UNSIGNED-PAYLOAD: %d, headers %v", rec.Code, rec.Header())
	}
	var resp *http.Response

	// Presigned GET (UNSIGNED-PAYLOAD in the query form).
	pre, err := awss3.NewPresignClient(c).PresignGetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String(digestKey)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(pre.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "0123456789" {
		t.Errorf("presigned GET = %d %q", resp.StatusCode, b)
	}
}

func TestErrors(t *testing.T) {
	s := archiveWith(t, map[string]string{"k": "v"}, nil)
	c := s3Client(s, s.Root.AccessKeyID, s.Root.SecretAccessKey)

	_, err := c.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("missing")})
	wantCode(t, "GetObject missing key", err, "NoSuchKey", 404)
	_, err = c.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("k.s3meta.json")})
	wantCode(t, "GetObject of a metadata file", err, "NoSuchKey", 404)
	_, err = c.HeadObject(bg, &awss3.HeadObjectInput{Bucket: aws.String("audit"), Key: aws.String("missing")})
	wantCode(t, "HeadObject missing key", err, "NotFound", 404)
	_, err = c.ListObjects(bg, &awss3.ListObjectsInput{Bucket: aws.String("nobucket")})
	wantCode(t, "ListObjects missing bucket", err, "NoSuchBucket", 404)
	_, err = c.GetBucketLocation(bg, &awss3.GetBucketLocationInput{Bucket: aws.String("nobucket")})
	wantCode(t, "GetBucketLocation missing bucket", err, "NoSuchBucket", 404)
	_, err = c.PutObject(bg, &awss3.PutObjectInput{Bucket: aws.String("audit"), Key: aws.String("new"), Body: strings.NewReader("x")})
	wantCode(t, "PutObject", err, "MethodNotAllowed", 405)
	_, err = c.DeleteObject(bg, &awss3.DeleteObjectInput{Bucket: aws.String("audit"), Key: aws.String("k")})
	wantCode(t, "DeleteObject", err, "MethodNotAllowed", 405)
	_, err = c.CreateBucket(bg, &awss3.CreateBucketInput{Bucket: aws.String("fresh")})
	wantCode(t, "CreateBucket", err, "MethodNotAllowed", 405)
	_, err = c.GetBucketAcl(bg, &awss3.GetBucketAclInput{Bucket: aws.String("audit")})
	wantCode(t, "GetBucketAcl", err, "NotImplemented", 501)
	_, err = c.ListObjects(bg, &awss3.ListObjectsInput{Bucket: aws.String("audit"), MaxKeys: aws.Int32(-1)})
	wantCode(t, "negative max-keys", err, "InvalidArgument", 400)
	_, err = c.ListObjectsV2(bg, &awss3.ListObjectsV2Input{Bucket: aws.String("audit"), ContinuationToken: aws.String("!!")})
	wantCode(t, "bad continuation token", err, "InvalidArgument", 400)

	_, err = s3Client(s, s.Root.AccessKeyID, "wrong-secret").GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("k")})
	wantCode(t, "wrong secret", err, "SignatureDoesNotMatch", 403)
	_, err = s3Client(s, "AKIAUNKNOWNKEY000000", "x").GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("k")})
	wantCode(t, "unknown key", err, "InvalidAccessKeyId", 403)

	// Another account's root sees neither the bucket nor its objects.
	other := s.NewAccount(t)
	oc := s3Client(s, other.AccessKeyID, other.SecretAccessKey)
	_, err = oc.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("k")})
	wantCode(t, "other account GetObject", err, "AccessDenied", 403)
	_, err = oc.ListObjectsV2(bg, &awss3.ListObjectsV2Input{Bucket: aws.String("audit")})
	wantCode(t, "other account ListObjectsV2", err, "AccessDenied", 403)
	lb, err := oc.ListBuckets(bg, &awss3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 0 {
		t.Errorf("other account ListBuckets = %+v, %v; want none", lb, err)
	}
	lb, err = c.ListBuckets(bg, &awss3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "audit" {
		t.Errorf("owner ListBuckets = %+v, %v", lb, err)
	}
}

// TestIAM: users need s3:GetObject on the object ARN and s3:ListBucket on
// the bucket ARN.
func TestIAM(t *testing.T) {
	s := archiveWith(t, map[string]string{"AWSLogs/a": "1", "private/b": "2"}, nil)
	ic := iam.NewFromConfig(s.RootConfig())
	if _, err := ic.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("auditor")}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	uc := s3Client(s, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	_, err = uc.ListObjectsV2(bg, &awss3.ListObjectsV2Input{Bucket: aws.String("audit")})
	wantCode(t, "user without policy", err, "AccessDenied", 403)
	var ae smithy.APIError
	if errors.As(err, &ae) && !strings.Contains(ae.ErrorMessage(), "s3:ListBucket on resource: arn:aws:s3:::audit") {
		t.Errorf("AccessDenied message %q does not name s3:ListBucket on the bucket", ae.ErrorMessage())
	}
	pol := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::audit"},
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::audit/AWSLogs/*"}]}`
	if _, err := ic.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("read"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.ListObjectsV2(bg, &awss3.ListObjectsV2Input{Bucket: aws.String("audit")}); err != nil {
		t.Errorf("ListObjectsV2 with s3:ListBucket: %v", err)
	}
	if _, err := uc.GetBucketLocation(bg, &awss3.GetBucketLocationInput{Bucket: aws.String("audit")}); err != nil {
		t.Errorf("GetBucketLocation with s3:GetBucketLocation: %v", err)
	}
	if _, err := uc.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("AWSLogs/a")}); err != nil {
		t.Errorf("GetObject allowed: %v", err)
	}
	if _, err := uc.HeadObject(bg, &awss3.HeadObjectInput{Bucket: aws.String("audit"), Key: aws.String("AWSLogs/a")}); err != nil {
		t.Errorf("HeadObject allowed: %v", err)
	}
	_, err = uc.GetObject(bg, &awss3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String("private/b")})
	wantCode(t, "GetObject outside the allowed prefix", err, "AccessDenied", 403)

	// GetBucketLocation is a management event, in event history with its
	// bucket.
	ev, err := ct.NewFromConfig(s.RootConfig()).LookupEvents(bg, &ct.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetBucketLocation")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 1 || aws.ToString(ev.Events[0].EventSource) != "s3.amazonaws.com" || !strings.Contains(aws.ToString(ev.Events[0].CloudTrailEvent), `"bucketName":"audit"`) {
		t.Errorf("GetBucketLocation events = %+v", ev.Events)
	}
}

func TestList(t *testing.T) {
	keys := []string{"a", "a-b", "b/1", "b/2", "b/c/3", "c d+e", "d/x/1", "d/y/2", "e"}
	m := map[string]string{}
	for _, k := range keys {
		m[k] = k
	}
	s := archiveWith(t, m, nil)
	c := s3Client(s, s.Root.AccessKeyID, s.Root.SecretAccessKey)

	// v1, paged by hand the way validate-logs does: Marker = last key.
	var got []string
	marker := ""
	for {
		out, err := c.ListObjects(bg, &awss3.ListObjectsInput{Bucket: aws.String("audit"), Marker: aws.String(marker), MaxKeys: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
			if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) || o.StorageClass != types.ObjectStorageClassStandard {
				t.Errorf("entry %+v", o)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = got[len(got)-1]
	}
	if !slices.Equal(got, keys) {
		t.Errorf("ListObjects pages = %q, want %q", got, keys)
	}

	// Delimiter with NextMarker.
	var items []string
	marker = ""
	for {
		out, err := c.ListObjects(bg, &awss3.ListObjectsInput{Bucket: aws.String("audit"), Delimiter: aws.String("/"), Marker: aws.String(marker), MaxKeys: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			items = append(items, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			items = append(items, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = aws.ToString(out.NextMarker)
		if marker == "" {
			t.Fatal("truncated delimited listing without NextMarker")
		}
	}
	slices.Sort(items)
	if want := []string{"a", "a-b", "b/", "c d+e", "d/", "e"}; !slices.Equal(items, want) {
		t.Errorf("delimited pages = %q, want %q", items, want)
	}

	// v2 with the SDK's paginator, prefix and delimiter.
	p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String("audit"), Prefix: aws.String("d/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	var cps []string
	for p.HasMorePages() {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
			t.Errorf("KeyCount %d", aws.ToInt32(out.KeyCount))
		}
		for _, cp := range out.CommonPrefixes {
			cps = append(cps, aws.ToString(cp.Prefix))
		}
	}
	if want := []string{"d/x/", "d/y/"}; !slices.Equal(cps, want) {
		t.Errorf("v2 common prefixes = %q, want %q", cps, want)
	}
	out, err := c.ListObjectsV2(bg, &awss3.ListObjectsV2Input{Bucket: aws.String("audit"), StartAfter: aws.String("b/c/3")})
	if err != nil || len(out.Contents) != 4 || aws.ToString(out.Contents[0].Key) != "c d+e" {
		t.Errorf("StartAfter b/c/3 = %+v, %v", out.Contents, err)
	}

	// encoding-type=url: keys arrive %-encoded and say so.
	v1, err := c.ListObjects(bg, &awss3.ListObjectsInput{Bucket: aws.String("audit"), Prefix: aws.String("c"), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(v1.Contents) != 1 || v1.EncodingType != types.EncodingTypeUrl {
		t.Fatalf("encoded listing = %+v, %v", v1, err)
	}
	if k := aws.ToString(v1.Contents[0].Key); k != "c%20d%2Be" && k != "c d+e" {
		t.Errorf("encoded key = %q", k)
	}
}
