package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/archive"
)

// BucketInput names a bucket. json tags are CloudTrail's requestParameters
// names for S3 calls.
type BucketInput struct {
	Bucket string `json:"bucketName" location:"uri" name:"Bucket"`
}

// ObjectInput names an object; Range is the HTTP Range header.
type ObjectInput struct {
	Bucket string `json:"bucketName" location:"uri" name:"Bucket"`
	Key    string `json:"key" location:"uri" name:"Key"`
	Range  string `json:"Range" location:"header" name:"Range"`
}

// ListBucketsInput has no members.
type ListBucketsInput struct{}

// GetBucketLocationOutput is an empty LocationConstraint: us-east-1, where
// the archive answers whatever region a client signs for.
type GetBucketLocationOutput struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	LocationConstraint string   `xml:",chardata"`
}

// HeadBucketOutput is an empty 200.
type HeadBucketOutput struct {
	Payload []byte `payload:"true"`
}

// ListBucketsOutput is ListAllMyBucketsResult.
type ListBucketsOutput struct {
	XMLName xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   Owner        `xml:"Owner"`
	Buckets []BucketItem `xml:"Buckets>Bucket"`
}

// Owner is a bucket or object owner: the account.
type Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// BucketItem is one bucket of a listing.
type BucketItem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

// GetObjectOutput is the object's bytes (or the requested range) with its
// headers and user metadata.
type GetObjectOutput struct {
	Status        int               `location:"statusCode"`
	ContentLength int64             `location:"header" name:"Content-Length"`
	ContentType   string            `location:"header" name:"Content-Type"`
	ContentRange  string            `location:"header" name:"Content-Range"`
	AcceptRanges  string            `location:"header" name:"Accept-Ranges"`
	ETag          string            `location:"header" name:"ETag"`
	LastModified  time.Time         `location:"header" name:"Last-Modified"`
	Metadata      map[string]string `location:"headers" name:"x-amz-meta-"`
	Body          []byte            `payload:"true"`
}

// HeadObjectOutput is GetObjectOutput without the body; Content-Length is
// still the object's size.
type HeadObjectOutput struct {
	ContentLength int64             `location:"header" name:"Content-Length"`
	ContentType   string            `location:"header" name:"Content-Type"`
	AcceptRanges  string            `location:"header" name:"Accept-Ranges"`
	ETag          string            `location:"header" name:"ETag"`
	LastModified  time.Time         `location:"header" name:"Last-Modified"`
	Metadata      map[string]string `location:"headers" name:"x-amz-meta-"`
	Body          []byte            `payload:"true"`
}

// contentType is what S3 answers for an object stored without one.
const contentType = "binary/octet-stream"

// ListBuckets lists the buckets of the local archive the caller's account
// owns.
func (s *Service) ListBuckets(ctx context.Context, _ *ListBucketsInput) (*ListBucketsOutput, error) {
	c := callerOf(ctx)
	out := &ListBucketsOutput{Owner: Owner{ID: c.AccountID}, Buckets: []BucketItem{}}
	bl, ok := s.store.(BucketLister)
	if !ok {
		return out, nil
	}
	names, err := bl.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		owner, err := s.store.BucketOwner(ctx, n)
		if errors.Is(err, archive.ErrNoSuchBucket) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if owner == c.AccountID {
			// The archive keeps no creation time; the Unix epoch says so
			// rather than inventing one.
			out.Buckets = append(out.Buckets, BucketItem{Name: n, CreationDate: time.Unix(0, 0).UTC().Format(timeFormat)})
		}
	}
	return out, nil
}

// GetBucketLocation answers us-east-1 (an empty constraint) for a bucket
// the caller owns.
func (s *Service) GetBucketLocation(ctx context.Context, in *BucketInput) (*GetBucketLocationOutput, error) {
	if _, err := s.bucket(ctx, in.Bucket); err != nil {
		return nil, err
	}
	return &GetBucketLocationOutput{}, nil
}

// HeadBucket answers 200 for a bucket the caller owns.
func (s *Service) HeadBucket(ctx context.Context, in *BucketInput) (*HeadBucketOutput, error) {
	if _, err := s.bucket(ctx, in.Bucket); err != nil {
		return nil, err
	}
	return &HeadBucketOutput{}, nil
}

// GetObject returns the object, or the byte range its Range header asks
// for (206 with Content-Range). A Range that is not a single bytes range is
// ignored, as S3 ignores it; one that starts past the end is InvalidRange.
func (s *Service) GetObject(ctx context.Context, in *ObjectInput) (*GetObjectOutput, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	info, _, err := b.Head(ctx, in.Key)
	if errors.Is(err, archive.ErrNoSuchKey) {
		return nil, errNoSuchKey()
	}
	if err != nil {
		return nil, err
	}
	body, meta, err := b.Get(ctx, in.Key)
	if errors.Is(err, archive.ErrNoSuchKey) {
		return nil, errNoSuchKey()
	}
	if err != nil {
		return nil, err
	}
	out := &GetObjectOutput{
		ContentType: contentType, AcceptRanges: "bytes", ETag: info.ETag,
		LastModified: info.LastModified, Metadata: meta, Body: body,
	}
	size := int64(len(body))
	if first, last, ok, err := parseRange(in.Range, size); err != nil {
		return nil, err
	} else if ok {
		out.Status = http.StatusPartialContent
		out.ContentRange = fmt.Sprintf("bytes %d-%d/%d", first, last, size)
		out.Body = body[first : last+1]
	}
	out.ContentLength = int64(len(out.Body))
	return out, nil
}

// HeadObject returns GetObject's headers.
func (s *Service) HeadObject(ctx context.Context, in *ObjectInput) (*HeadObjectOutput, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	info, meta, err := b.Head(ctx, in.Key)
	if errors.Is(err, archive.ErrNoSuchKey) {
		return nil, errNoSuchKey()
	}
	if err != nil {
		return nil, err
	}
	return &HeadObjectOutput{
		ContentLength: info.Size, ContentType: contentType, AcceptRanges: "bytes",
		ETag: info.ETag, LastModified: info.LastModified, Metadata: meta,
	}, nil
}

// parseRange reads "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX"
// (RFC 9110 §14.1.2) against an object of size bytes. ok is false when
// the whole object is to be sent.
func parseRange(h string, size int64) (first, last int64, ok bool, err error) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	if a == "" { // suffix: the last b bytes
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errInvalidRange()
		}
		return max(size-n, 0), size - 1, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, 0, false, nil
	}
	last = size - 1
	if b != "" {
		if last, perr = strconv.ParseInt(b, 10, 64); perr != nil || last < first {
			return 0, 0, false, nil
		}
		last = min(last, size-1)
	}
	if first >= size {
		return 0, 0, false, errInvalidRange()
	}
	return first, last, true, nil
}
