package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
)

// timeFormat is how S3 writes times in XML documents.
const timeFormat = "2006-01-02T15:04:05.000Z"

// maxKeys is S3's default and largest page.
const maxKeys = 1000

// ListObjectsInput is ListObjects (v1).
type ListObjectsInput struct {
	Bucket       string `json:"bucketName" location:"uri" name:"Bucket"`
	Prefix       string `json:"prefix" location:"querystring" name:"prefix"`
	Delimiter    string `json:"delimiter" location:"querystring" name:"delimiter"`
	Marker       string `json:"marker" location:"querystring" name:"marker"`
	MaxKeys      *int32 `json:"max-keys" location:"querystring" name:"max-keys"`
	EncodingType string `json:"encoding-type" location:"querystring" name:"encoding-type"`
}

// ListObjectsV2Input is ListObjectsV2.
type ListObjectsV2Input struct {
	Bucket            string `json:"bucketName" location:"uri" name:"Bucket"`
	Prefix            string `json:"prefix" location:"querystring" name:"prefix"`
	Delimiter         string `json:"delimiter" location:"querystring" name:"delimiter"`
	StartAfter        string `json:"start-after" location:"querystring" name:"start-after"`
	ContinuationToken string `json:"continuation-token" location:"querystring" name:"continuation-token"`
	MaxKeys           *int32 `json:"max-keys" location:"querystring" name:"max-keys"`
	EncodingType      string `json:"encoding-type" location:"querystring" name:"encoding-type"`
	FetchOwner        *bool  `json:"fetch-owner" location:"querystring" name:"fetch-owner"`
}

// Object is one Contents entry.
type Object struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *Owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

// CommonPrefix is one rolled-up prefix.
type CommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// ListObjectsOutput is ListBucketResult (v1).
type ListObjectsOutput struct {
	XMLName        xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int32          `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []Object       `xml:"Contents"`
	CommonPrefixes []CommonPrefix `xml:"CommonPrefixes"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
}

// ListObjectsV2Output is ListBucketResult (v2).
type ListObjectsV2Output struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	MaxKeys               int32          `xml:"MaxKeys"`
	KeyCount              int            `xml:"KeyCount"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []Object       `xml:"Contents"`
	CommonPrefixes        []CommonPrefix `xml:"CommonPrefixes"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
}

// listing is one page, before it is dressed as v1 or v2.
type listing struct {
	objects   []archive.ObjectInfo
	prefixes  []string
	truncated bool
	last      string // the last key or common prefix returned
}

// list reads one page of at most limit entries (keys plus common
// prefixes) after startAfter. Keys under a common prefix are skipped in one
// step: the next read starts after prefix+"\xff", which no UTF-8 key
// continuing the prefix reaches. A common prefix at or before startAfter
// was returned by an earlier page, so it is skipped as well.
func list(ctx context.Context, b archive.Bucket, prefix, delim, startAfter string, limit int) (listing, error) {
	var l listing
	after := startAfter
	for {
		// One more than needed tells whether the page is truncated.
		want := limit - len(l.objects) - len(l.prefixes) + 1
		page, err := b.List(ctx, prefix, after, min(want, maxKeys+1))
		if err != nil {
			return l, err
		}
		for _, o := range page {
			if len(l.objects)+len(l.prefixes) == limit {
				l.truncated = true
				return l, nil
			}
			after = o.Key
			if delim != "" {
				if i := strings.Index(o.Key[len(prefix):], delim); i >= 0 {
					cp := o.Key[:len(prefix)+i+len(delim)]
					after = cp + "\xff"
					if cp <= startAfter {
						break
					}
					l.prefixes = append(l.prefixes, cp)
					l.last = cp
					break // re-list from past the prefix
				}
			}
			l.objects = append(l.objects, o)
			l.last = o.Key
		}
		if len(page) == 0 {
			return l, nil
		}
		if delim == "" && len(page) < want {
			return l, nil
		}
	}
}

func (s *Service) listCommon(ctx context.Context, bucket, prefix, delim, startAfter string, maxKeysIn *int32, encoding string) (listing, int32, error) {
	limit := int32(maxKeys)
	if maxKeysIn != nil {
		if *maxKeysIn < 0 {
			return listing{}, 0, errInvalidArgument("Provided max-keys not an integer or within integer range")
		}
		limit = min(*maxKeysIn, maxKeys)
	}
	if encoding != "" && encoding != "url" {
		return listing{}, 0, errInvalidArgument("Invalid Encoding Method specified in Request")
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return listing{}, 0, err
	}
	if limit == 0 {
		return listing{}, limit, nil
	}
	l, err := list(ctx, b, prefix, delim, startAfter, int(limit))
	return l, limit, err
}

// ListObjects is v1: Marker, and NextMarker when a delimiter is given
// (without one, clients continue from the last key, as S3 documents).
func (s *Service) ListObjects(ctx context.Context, in *ListObjectsInput) (*ListObjectsOutput, error) {
	l, limit, err := s.listCommon(ctx, in.Bucket, in.Prefix, in.Delimiter, in.Marker, in.MaxKeys, in.EncodingType)
	if err != nil {
		return nil, err
	}
	enc := encoder(in.EncodingType)
	c := callerOf(ctx)
	out := &ListObjectsOutput{
		Name: in.Bucket, Prefix: enc(in.Prefix), Marker: enc(in.Marker), MaxKeys: limit,
		Delimiter: enc(in.Delimiter), IsTruncated: l.truncated, EncodingType: in.EncodingType,
	}
	if l.truncated && in.Delimiter != "" {
		out.NextMarker = enc(l.last)
	}
	out.Contents, out.CommonPrefixes = entries(l, enc, &Owner{ID: c.AccountID})
	return out, nil
}

// ListObjectsV2 pages with an opaque continuation token: the base64 of the
// last key or prefix returned.
func (s *Service) ListObjectsV2(ctx context.Context, in *ListObjectsV2Input) (*ListObjectsV2Output, error) {
	after := in.StartAfter
	if in.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil || len(raw) == 0 {
			return nil, errInvalidArgument("The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	l, limit, err := s.listCommon(ctx, in.Bucket, in.Prefix, in.Delimiter, after, in.MaxKeys, in.EncodingType)
	if err != nil {
		return nil, err
	}
	enc := encoder(in.EncodingType)
	out := &ListObjectsV2Output{
		Name: in.Bucket, Prefix: enc(in.Prefix), Delimiter: enc(in.Delimiter), MaxKeys: limit,
		IsTruncated: l.truncated, ContinuationToken: in.ContinuationToken, StartAfter: enc(in.StartAfter),
		EncodingType: in.EncodingType,
	}
	if l.truncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(l.last))
	}
	var owner *Owner
	if in.FetchOwner != nil && *in.FetchOwner {
		owner = &Owner{ID: callerOf(ctx).AccountID}
	}
	out.Contents, out.CommonPrefixes = entries(l, enc, owner)
	out.KeyCount = len(out.Contents) + len(out.CommonPrefixes)
	return out, nil
}

func entries(l listing, enc func(string) string, owner *Owner) ([]Object, []CommonPrefix) {
	objs := make([]Object, 0, len(l.objects))
	for _, o := range l.objects {
		objs = append(objs, Object{
			Key: enc(o.Key), LastModified: o.LastModified.UTC().Format(timeFormat), ETag: o.ETag,
			Size: o.Size, Owner: owner, StorageClass: "STANDARD",
		})
	}
	var cps []CommonPrefix
	for _, p := range l.prefixes {
		cps = append(cps, CommonPrefix{Prefix: enc(p)})
	}
	return objs, cps
}

// encoder returns the identity, or for encoding-type=url S3's encoding:
// every byte but unreserved characters and "/" as %XX. No "+" is ever
// written, so decoders that turn "+" into a space (botocore's
// unquote_plus) and those that do not agree.
func encoder(encoding string) func(string) string {
	if encoding != "url" {
		return func(s string) string { return s }
	}
	return func(s string) string {
		const hex = "0123456789ABCDEF"
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		return b.String()
	}
}

func callerOf(ctx context.Context) *trailwatch.Caller {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		panic("BUG: s3: called without a caller")
	}
	return c
}
