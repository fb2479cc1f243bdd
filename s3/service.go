// Package s3 is a read-only S3 API over the local trail archive, so that
// `aws cloudtrail validate-logs`, `aws s3` and other S3 tools read trail
// files from trailwatch itself (DESIGN.md decision 8): GetBucketLocation,
// HeadBucket, ListBuckets, ListObjects (v1 and v2), GetObject and
// HeadObject, path-style, SigV4 service s3. Writes are refused. Shapes carry
// their HTTP binding in tags that internal/restxml reads.
//
// A bucket is visible only to the account that owns it (the account whose
// trail first named it, archive.Claimer); within it, IAM users need
// s3:ListBucket, s3:GetObject or s3:GetBucketLocation as on AWS.
package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Store is the archive the API serves: buckets and their owners.
type Store interface {
	archive.Store
	archive.Claimer
}

// BucketLister is a Store that can list its buckets (for ListBuckets).
type BucketLister interface {
	ListBuckets(ctx context.Context) ([]string, error)
}

// Options configure a Service.
type Options struct {
	// Store is the local archive. Required.
	Store Store
}

// Service is the read-only S3 API. It holds no mutable state.
type Service struct {
	store Store
}

// New returns a Service; it panics without a store, a wiring bug.
func New(opt Options) *Service {
	if opt.Store == nil {
		panic("BUG: s3: Options.Store is nil")
	}
	return &Service{store: opt.Store}
}

// XMLNamespace is S3's document namespace.
const XMLNamespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// API returns the operation table. The routes put the more specific
// (subresource) forms first; writes are routed to names no operation has,
// so the front door answers them MethodNotAllowed and records them under
// their S3 names.
func (s *Service) API() *awsapi.Service {
	bucketRes := func(c *trailwatch.Caller, bucket string) []trailwatch.Resource {
		return []trailwatch.Resource{{ARN: "arn:" + trailwatch.Partition + ":s3:::" + bucket, Type: "AWS::S3::Bucket"}}
	}
	objectRes := func(c *trailwatch.Caller, bucket, key string) []trailwatch.Resource {
		return []trailwatch.Resource{{ARN: "arn:" + trailwatch.Partition + ":s3:::" + bucket + "/" + key, Type: "AWS::S3::Object"}}
	}
	return awsapi.NewService(awsapi.Service{
		SigningName:  "s3",
		ActionPrefix: "s3",
		EventSource:  "s3.amazonaws.com",
		APIVersion:   "2006-03-01",
		Protocols:    []awsapi.Protocol{awsapi.RESTXML},
		XMLNamespace: XMLNamespace,
		Routes: append(unsupportedReads(), []awsapi.Route{
			{Method: http.MethodGet, Path: "/", Op: "ListBuckets"},
			{Method: http.MethodGet, Path: "/{Bucket}", Query: []string{"location"}, Op: "GetBucketLocation"},
			{Method: http.MethodGet, Path: "/{Bucket}", Query: []string{"list-type=2"}, Op: "ListObjectsV2"},
			{Method: http.MethodGet, Path: "/{Bucket}", Op: "ListObjects"},
			{Method: http.MethodHead, Path: "/{Bucket}", Op: "HeadBucket"},
			{Method: http.MethodGet, Path: "/{Bucket}/{Key+}", Op: "GetObject"},
			{Method: http.MethodHead, Path: "/{Bucket}/{Key+}", Op: "HeadObject"},
			{Method: http.MethodPut, Path: "/{Bucket}/{Key+}", Op: "PutObject"},
			{Method: http.MethodPut, Path: "/{Bucket}", Op: "CreateBucket"},
			{Method: http.MethodPost, Path: "/{Bucket}", Query: []string{"delete"}, Op: "DeleteObjects"},
			{Method: http.MethodPost, Path: "/{Bucket}/{Key+}", Query: []string{"uploads"}, Op: "CreateMultipartUpload"},
			{Method: http.MethodDelete, Path: "/{Bucket}/{Key+}", Op: "DeleteObject"},
			{Method: http.MethodDelete, Path: "/{Bucket}", Op: "DeleteBucket"},
		}...),
	},
		awsapi.Op(awsapi.Def[ListBucketsInput, ListBucketsOutput]{
			Name: "ListBuckets", ReadOnly: true, IAMAction: "s3:ListAllMyBuckets", Handle: s.ListBuckets,
		}),
		awsapi.Op(awsapi.Def[BucketInput, GetBucketLocationOutput]{
			Name: "GetBucketLocation", ReadOnly: true, Handle: s.GetBucketLocation,
			Resources: func(ctx context.Context, in *BucketInput) ([]trailwatch.Resource, error) {
				return bucketRes(trailwatch.CallerFromContext(ctx), in.Bucket), nil
			},
		}),
		awsapi.Op(awsapi.Def[BucketInput, HeadBucketOutput]{
			Name: "HeadBucket", ReadOnly: true, IAMAction: "s3:ListBucket", Handle: s.HeadBucket,
			Resources: func(ctx context.Context, in *BucketInput) ([]trailwatch.Resource, error) {
				return bucketRes(trailwatch.CallerFromContext(ctx), in.Bucket), nil
			},
		}),
		awsapi.Op(awsapi.Def[ListObjectsInput, ListObjectsOutput]{
			Name: "ListObjects", ReadOnly: true, Data: true, IAMAction: "s3:ListBucket", Handle: s.ListObjects,
			Resources: func(ctx context.Context, in *ListObjectsInput) ([]trailwatch.Resource, error) {
				return bucketRes(trailwatch.CallerFromContext(ctx), in.Bucket), nil
			},
		}),
		awsapi.Op(awsapi.Def[ListObjectsV2Input, ListObjectsV2Output]{
			Name: "ListObjectsV2", ReadOnly: true, Data: true, IAMAction: "s3:ListBucket", Handle: s.ListObjectsV2,
			Resources: func(ctx context.Context, in *ListObjectsV2Input) ([]trailwatch.Resource, error) {
				return bucketRes(trailwatch.CallerFromContext(ctx), in.Bucket), nil
			},
		}),
		awsapi.Op(awsapi.Def[ObjectInput, GetObjectOutput]{
			Name: "GetObject", ReadOnly: true, Data: true, Handle: s.GetObject,
			Resources: func(ctx context.Context, in *ObjectInput) ([]trailwatch.Resource, error) {
				return objectRes(trailwatch.CallerFromContext(ctx), in.Bucket, in.Key), nil
			},
		}),
		awsapi.Op(awsapi.Def[ObjectInput, HeadObjectOutput]{
			Name: "HeadObject", ReadOnly: true, Data: true, IAMAction: "s3:GetObject", Handle: s.HeadObject,
			Resources: func(ctx context.Context, in *ObjectInput) ([]trailwatch.Resource, error) {
				return objectRes(trailwatch.CallerFromContext(ctx), in.Bucket, in.Key), nil
			},
		}),
	)
}

// unsupportedReads route GETs of subresources this API does not serve
// (?acl, ?tagging …) to their S3 names, ahead of the plain GET routes they
// would otherwise match, so that they are NotImplemented rather than
// answered as a listing or a download.
func unsupportedReads() []awsapi.Route {
	var rs []awsapi.Route
	for _, sub := range []struct{ query, op string }{
		{"acl", "GetBucketAcl"}, {"policy", "GetBucketPolicy"}, {"policyStatus", "GetBucketPolicyStatus"},
		{"tagging", "GetBucketTagging"}, {"versioning", "GetBucketVersioning"}, {"versions", "ListObjectVersions"},
		{"lifecycle", "GetBucketLifecycleConfiguration"}, {"cors", "GetBucketCors"}, {"website", "GetBucketWebsite"},
		{"logging", "GetBucketLogging"}, {"notification", "GetBucketNotificationConfiguration"},
		{"encryption", "GetBucketEncryption"}, {"uploads", "ListMultipartUploads"}, {"replication", "GetBucketReplication"},
		{"ownershipControls", "GetBucketOwnershipControls"}, {"object-lock", "GetObjectLockConfiguration"},
		{"accelerate", "GetBucketAccelerateConfiguration"}, {"requestPayment", "GetBucketRequestPayment"},
		{"analytics", "GetBucketAnalyticsConfiguration"}, {"metrics", "GetBucketMetricsConfiguration"},
		{"inventory", "GetBucketInventoryConfiguration"}, {"intelligent-tiering", "GetBucketIntelligentTieringConfiguration"},
		{"publicAccessBlock", "GetPublicAccessBlock"},
	} {
		rs = append(rs, awsapi.Route{Method: http.MethodGet, Path: "/{Bucket}", Query: []string{sub.query}, Op: sub.op})
	}
	for _, sub := range []struct{ query, op string }{
		{"acl", "GetObjectAcl"}, {"tagging", "GetObjectTagging"}, {"attributes", "GetObjectAttributes"},
		{"retention", "GetObjectRetention"}, {"legal-hold", "GetObjectLegalHold"}, {"torrent", "GetObjectTorrent"},
		{"uploadId", "ListParts"},
	} {
		rs = append(rs, awsapi.Route{Method: http.MethodGet, Path: "/{Bucket}/{Key+}", Query: []string{sub.query}, Op: sub.op})
	}
	return rs
}

// bucket opens a bucket the caller's account owns. Buckets of other
// accounts, and buckets nobody claimed (made by hand in the archive
// directory), are AccessDenied, as another owner's bucket is on S3.
func (s *Service) bucket(ctx context.Context, name string) (archive.Bucket, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errors.New("s3: called without a caller")
	}
	b, err := s.store.Bucket(ctx, name)
	if errors.Is(err, archive.ErrNoSuchBucket) {
		return nil, errNoSuchBucket()
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	owner, err := s.store.BucketOwner(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("owner of bucket %s: %w", name, err)
	}
	if owner != c.AccountID {
		return nil, errAccessDenied()
	}
	return b, nil
}

// S3's errors (S3 API reference, "Error responses"; the sentences are S3's).

func errNoSuchBucket() *awserr.Error {
	return awserr.New("NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist")
}

func errNoSuchKey() *awserr.Error {
	return awserr.New("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
}

func errAccessDenied() *awserr.Error {
	return awserr.New("AccessDenied", http.StatusForbidden, "Access Denied")
}

func errInvalidArgument(format string, args ...any) *awserr.Error {
	return awserr.New("InvalidArgument", http.StatusBadRequest, format, args...)
}

func errInvalidRange() *awserr.Error {
	return awserr.New("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable")
}
