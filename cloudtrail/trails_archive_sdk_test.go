package cloudtrail_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailwatch/trailwatch/archive/s3"
	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// TestTrailBucketLocal: CreateTrail and UpdateTrail make the bucket a
// directory of the local archive, owned by the caller's account; another
// account cannot deliver into it.
func TestTrailBucketLocal(t *testing.T) {
	s := testserver.Start(t)
	c := clientIn(s, "us-east-1")
	must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("audit-local")}))
	archive := filepath.Join(s.DataDir, "archive")
	if fi, err := os.Stat(filepath.Join(archive, "audit-local")); err != nil || !fi.IsDir() {
		t.Fatalf("bucket directory after CreateTrail: %v", err)
	}
	must[*ct.UpdateTrailOutput](t, "UpdateTrail")(c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("audit-two")}))
	if _, err := os.Stat(filepath.Join(archive, "audit-two")); err != nil {
		t.Fatalf("bucket directory after UpdateTrail: %v", err)
	}

	other := s.NewAccount(t)
	oc := ct.NewFromConfig(s.Config(other.AccessKeyID, other.SecretAccessKey))
	_, err := oc.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("audit-local")})
	wantAPIError(t, "CreateTrail into another account's bucket", err, "InsufficientS3BucketPolicyException",
		"Incorrect S3 bucket policy is detected for bucket: audit-local")
	must[*ct.CreateTrailOutput](t, "CreateTrail own bucket")(oc.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("audit-other")}))
	_, err = oc.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("audit-two")})
	wantAPIError(t, "UpdateTrail into another account's bucket", err, "InsufficientS3BucketPolicyException", "")
}

// TestTrailBucketExternal: with an external S3 store, a bucket it does not
// have is S3BucketDoesNotExistException; one it has is accepted and not
// made locally. A bucket placed locally by name stays local.
func TestTrailBucketExternal(t *testing.T) {
	srv := testenv.S3Server(t)
	s := testserver.Start(t, testserver.WithConfig(func(c *server.Config) {
		c.S3 = server.S3Config{Endpoint: srv.Endpoint, PathStyle: true, AccessKeyID: srv.AccessKeyID, SecretAccessKey: srv.SecretAccessKey}
		c.S3Buckets = map[string]server.S3Config{"kept-local": {Endpoint: server.LocalEndpoint}}
	}))
	c := clientIn(s, "us-east-1")
	_, err := c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("not-on-s3")})
	wantAPIError(t, "CreateTrail into a missing bucket", err, "S3BucketDoesNotExistException", "S3 bucket not-on-s3 does not exist!")
	_, err = c.GetTrail(bg, &ct.GetTrailInput{Name: aws.String("trail-1")})
	wantAPIError(t, "GetTrail after the refused create", err, "TrailNotFoundException", "")

	ext := s3.New(s3.Options{Endpoint: srv.Endpoint, PathStyle: true, AccessKeyID: srv.AccessKeyID, SecretAccessKey: srv.SecretAccessKey})
	if _, err := ext.Client().CreateBucket(bg, &awss3.CreateBucketInput{Bucket: aws.String("on-s3")}); err != nil {
		t.Fatal(err)
	}
	must[*ct.CreateTrailOutput](t, "CreateTrail")(c.CreateTrail(bg, &ct.CreateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("on-s3")}))
	if _, err := os.Stat(filepath.Join(s.DataDir, "archive", "on-s3")); !os.IsNotExist(err) {
		t.Errorf("external bucket made locally too: %v", err)
	}
	_, err = c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("gone-bucket")})
	wantAPIError(t, "UpdateTrail to a missing bucket", err, "S3BucketDoesNotExistException", "S3 bucket gone-bucket does not exist!")
	must[*ct.UpdateTrailOutput](t, "UpdateTrail to a local bucket")(c.UpdateTrail(bg, &ct.UpdateTrailInput{Name: aws.String("trail-1"), S3BucketName: aws.String("kept-local")}))
	if _, err := os.Stat(filepath.Join(s.DataDir, "archive", "kept-local")); err != nil {
		t.Errorf("bucket placed locally: %v", err)
	}
}
