package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/trailwatch/trailwatch/trailfile"
)

// s3Client is the S3 client of trailwatch validate: the SDK's
// configuration, with --s3-* flags over it.
func (f *validateFlags) s3Client(ctx context.Context) (*s3.Client, error) {
	cfg, err := f.awsConfig(ctx, "")
	if err != nil {
		return nil, err
	}
	region := f.s3Region
	if region == "" {
		region = cfg.Region
	}
	if region == "" {
		// S3-compatible servers take us-east-1 when they care at all.
		region = "us-east-1"
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.Region = region
		if f.s3Endpoint != "" {
			o.BaseEndpoint = aws.String(f.s3Endpoint)
		}
		o.UsePathStyle = f.s3PathStyle
		if f.s3AccessKeyID != "" {
			o.Credentials = credentials.NewStaticCredentialsProvider(f.s3AccessKeyID, f.s3SecretAccessKey, "")
		}
		// Servers that send no checksum would make the SDK log a warning
		// for every object read; the digests' hashes are the check here.
		o.DisableLogOutputChecksumValidationSkipped = true
	}), nil
}

// s3Reader reads one bucket through the S3 API.
type s3Reader struct {
	c      *s3.Client
	bucket string
}

var (
	_ trailfile.Reader = (*s3Reader)(nil)
	_ trailfile.Opener = (*s3Reader)(nil)
)

func (r *s3Reader) List(ctx context.Context, prefix, startAfter string, limit int) ([]trailfile.ObjectInfo, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(r.bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(int32(limit))}
	if startAfter != "" {
		in.StartAfter = aws.String(startAfter)
	}
	out, err := r.c.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, err
	}
	objs := make([]trailfile.ObjectInfo, 0, len(out.Contents))
	for _, o := range out.Contents {
		objs = append(objs, trailfile.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
	}
	if len(objs) < limit && aws.ToBool(out.IsTruncated) {
		// Verify takes a short page for the last one; a server that
		// returns fewer keys than asked while more remain must not end
		// the listing early.
		return nil, fmt.Errorf("list s3://%s/%s: the server returned %d of %d keys and more remain", r.bucket, prefix, len(objs), limit)
	}
	return objs, nil
}

func (r *s3Reader) Get(ctx context.Context, key string) ([]byte, map[string]string, error) {
	out, err := r.get(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read s3://%s/%s: %w", r.bucket, key, err)
	}
	meta := make(map[string]string, len(out.Metadata))
	for k, v := range out.Metadata {
		// Metadata names are case-insensitive on the wire; Reader's are
		// lower case.
		meta[strings.ToLower(k)] = v
	}
	return body, meta, nil
}

func (r *s3Reader) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := r.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return out.Body, nil
}

func (r *s3Reader) get(ctx context.Context, key string) (*s3.GetObjectOutput, error) {
	out, err := r.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey" {
		return nil, fmt.Errorf("s3://%s/%s: %w", r.bucket, key, trailfile.ErrNotFound)
	}
	return out, err
}
