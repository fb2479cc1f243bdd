package s3_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/archive/archivetest"
	"github.com/trailwatch/trailwatch/archive/s3"
	"github.com/trailwatch/trailwatch/internal/testenv"
)

// TestConformance runs the archive suite against a real S3-compatible
// server, addressed both ways.
func TestConformance(t *testing.T) {
	srv := testenv.S3Server(t)
	for _, pathStyle := range []bool{true, false} {
		t.Run(fmt.Sprintf("PathStyle=%v", pathStyle), func(t *testing.T) {
			if !pathStyle {
				// Virtual-host addressing needs BUCKET.HOST to resolve to
				// the server; *.localhost does on this machine's resolver
				// only when it says so.
				if _, err := lookupLocalhost(); err != nil {
					t.Skipf("virtual-host addressing: %v", err)
				}
			}
			st := s3.New(s3.Options{Endpoint: endpointFor(srv.Endpoint, pathStyle), AccessKeyID: srv.AccessKeyID,
				SecretAccessKey: srv.SecretAccessKey, PathStyle: pathStyle})
			var n atomic.Int64
			archivetest.Run(t, archivetest.Harness{
				Store: st,
				MakeBucket: func(t *testing.T) string {
					name := fmt.Sprintf("conf-%v-%d", pathStyle, n.Add(1))
					if _, err := st.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
						t.Fatalf("CreateBucket(%s): %v", name, err)
					}
					return name
				},
				MissingBucket: "no-such-bucket",
			})
		})
	}
}

func TestEnsureBucketMissing(t *testing.T) {
	srv := testenv.S3Server(t)
	st := s3.New(s3.Options{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKeyID, SecretAccessKey: srv.SecretAccessKey, PathStyle: true})
	ctx := context.Background()
	if err := st.EnsureBucket(ctx, "not-there"); !errors.Is(err, archive.ErrNoSuchBucket) {
		t.Errorf("EnsureBucket(missing) = %v, want ErrNoSuchBucket", err)
	}
	// Wrong credentials are not a missing bucket.
	bad := s3.New(s3.Options{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKeyID, SecretAccessKey: "wrong", PathStyle: true})
	if _, err := st.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("there")}); err != nil {
		t.Fatal(err)
	}
	if err := bad.EnsureBucket(ctx, "there"); err == nil || errors.Is(err, archive.ErrNoSuchBucket) {
		t.Errorf("EnsureBucket with a wrong secret = %v, want an error other than ErrNoSuchBucket", err)
	}
}
