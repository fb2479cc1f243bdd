// Package s3 keeps an archive in an external S3-compatible object store
// (AWS S3, MinIO, VersityGW, …) through aws-sdk-go-v2's S3 client. Buckets
// are the operator's: the store never creates one, and a bucket the server
// does not have is archive.ErrNoSuchBucket.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/trailwatch/trailwatch/archive"
)

// Options configure a Store.
type Options struct {
	// Endpoint is the server's base URL (http://127.0.0.1:9000); "" means
	// AWS S3 itself.
	Endpoint string
	// Region is the region requests are signed for; "" means us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey sign requests. Both empty means the
	// SDK's anonymous access, which S3-compatible servers refuse for writes.
	AccessKeyID, SecretAccessKey string
	// PathStyle addresses buckets as ENDPOINT/BUCKET/KEY instead of
	// BUCKET.ENDPOINT/KEY; most self-hosted servers need it.
	PathStyle bool
	// HTTPClient, when set, carries the requests (tests, custom TLS).
	HTTPClient *http.Client
}

// Store is an external S3 store. It is safe for concurrent use.
type Store struct {
	client *awss3.Client
}

var _ archive.Store = (*Store)(nil)

// New returns a Store for opt. It makes no request.
func New(opt Options) *Store {
	region := opt.Region
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.Config{
		Region: region,
		// Checksums only where an operation requires them: the SDK's
		// default adds CRC32 trailers in aws-chunked bodies, which not
		// every S3-compatible server accepts.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opt.AccessKeyID != "" || opt.SecretAccessKey != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(opt.AccessKeyID, opt.SecretAccessKey, "")
	}
	if opt.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(opt.Endpoint)
	}
	if opt.HTTPClient != nil {
		cfg.HTTPClient = opt.HTTPClient
	}
	return &Store{client: awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = opt.PathStyle })}
}

// Client is the underlying S3 client (tests make buckets with it).
func (s *Store) Client() *awss3.Client { return s.client }

// Bucket checks that the bucket exists (HeadBucket) and returns it.
func (s *Store) Bucket(ctx context.Context, name string) (archive.Bucket, error) {
	if err := s.EnsureBucket(ctx, name); err != nil {
		return nil, err
	}
	return &Bucket{c: s.client, name: name}, nil
}

// EnsureBucket answers nil when the bucket exists and ErrNoSuchBucket when
// it does not: buckets on an external store are made by its operator, with
// the policies they choose.
func (s *Store) EnsureBucket(ctx context.Context, name string) error {
	if err := archive.CheckBucketName(name); err != nil {
		return err
	}
	_, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return translate(err, name, "")
	}
	return nil
}

// Bucket is one bucket of an external store.
type Bucket struct {
	c    *awss3.Client
	name string
}

var _ archive.Bucket = (*Bucket)(nil)

// Put is one PutObject; S3 acknowledges it once the object is durable.
func (b *Bucket) Put(ctx context.Context, key string, body []byte, meta map[string]string) error {
	if err := archive.CheckKey(key); err != nil {
		return err
	}
	_, err := b.c.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(b.name), Key: aws.String(key),
		Body: bytesReader(body), ContentLength: aws.Int64(int64(len(body))),
		Metadata: meta,
	})
	if err != nil {
		return translate(err, b.name, key)
	}
	return nil
}

// Get is one GetObject.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, map[string]string, error) {
	out, err := b.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		return nil, nil, translate(err, b.name, key)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read s3://%s/%s: %w", b.name, key, err)
	}
	return body, lower(out.Metadata), nil
}

// Head is one HeadObject.
func (b *Bucket) Head(ctx context.Context, key string) (archive.ObjectInfo, map[string]string, error) {
	out, err := b.c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		return archive.ObjectInfo{}, nil, translate(err, b.name, key)
	}
	info := archive.ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag)}
	if out.LastModified != nil {
		info.LastModified = out.LastModified.UTC()
	}
	return info, lower(out.Metadata), nil
}

// List pages through ListObjectsV2 until it has limit keys or none remain.
func (b *Bucket) List(ctx context.Context, prefix, startAfter string, limit int) ([]archive.ObjectInfo, error) {
	var out []archive.ObjectInfo
	in := &awss3.ListObjectsV2Input{Bucket: aws.String(b.name), Prefix: aws.String(prefix)}
	if startAfter != "" {
		in.StartAfter = aws.String(startAfter)
	}
	for len(out) < limit {
		in.MaxKeys = aws.Int32(int32(min(limit-len(out), 1000)))
		page, err := b.c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, translate(err, b.name, "")
		}
		for _, o := range page.Contents {
			info := archive.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)}
			if o.LastModified != nil {
				info.LastModified = o.LastModified.UTC()
			}
			out = append(out, info)
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
		in.StartAfter = nil
	}
	return out, nil
}

// translate maps S3's answers to the archive's errors. HEAD responses have
// no body, so a missing bucket or key there is only a 404 "NotFound".
func translate(err error, bucket, key string) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket":
			return fmt.Errorf("%w: %s: %w", archive.ErrNoSuchBucket, bucket, err)
		case "NoSuchKey":
			return fmt.Errorf("%w: s3://%s/%s: %w", archive.ErrNoSuchKey, bucket, key, err)
		case "ExistingObjectIsDirectory", "ObjectParentIsFile", "XMinioParentIsObject", "XMinioObjectExistsAsDirectory":
			// Servers that keep objects as files (VersityGW's posix
			// backend, MinIO) cannot hold "a" and "a/b" at once either.
			return fmt.Errorf("%w: s3://%s/%s: %w", archive.ErrKeyConflict, bucket, key, err)
		case "NotFound":
			if key == "" {
				return fmt.Errorf("%w: %s: %w", archive.ErrNoSuchBucket, bucket, err)
			}
			return fmt.Errorf("%w: s3://%s/%s: %w", archive.ErrNoSuchKey, bucket, key, err)
		}
	}
	if key == "" {
		return fmt.Errorf("s3 bucket %s: %w", bucket, err)
	}
	return fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
}

// lower returns meta with lower-case names: the archive's convention, and
// what CloudTrail's readers look up (reference/cloudtrail.md §0.2).
func lower(meta map[string]string) map[string]string {
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		out[strings.ToLower(k)] = v
	}
	return out
}

// bytesReader gives the SDK a seekable body, so it can hash and retry it.
func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }
