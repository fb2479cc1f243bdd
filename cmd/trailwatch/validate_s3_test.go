package main

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/trailfile"
)

// fakeS3 serves a local archive directory over the part of the S3 API the
// validate command uses, path-style: ListObjectsV2 and GetObject with the
// sidecar metadata as x-amz-meta-* headers, NoSuchKey for missing keys.
func fakeS3(t *testing.T, root string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=s3key/") {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		dr := trailfile.NewDirReader(filepath.Join(root, bucket))
		if key == "" {
			q := r.URL.Query()
			limit, _ := strconv.Atoi(q.Get("max-keys"))
			objs, err := dr.List(r.Context(), q.Get("prefix"), q.Get("start-after"), limit)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			type content struct {
				Key  string
				Size int64
			}
			out := struct {
				XMLName     xml.Name `xml:"ListBucketResult"`
				Name        string
				KeyCount    int
				MaxKeys     int
				IsTruncated bool
				Contents    []content
			}{Name: bucket, KeyCount: len(objs), MaxKeys: limit, IsTruncated: len(objs) == limit}
			for _, o := range objs {
				out.Contents = append(out.Contents, content{o.Key, o.Size})
			}
			w.Header().Set("Content-Type", "application/xml")
			xml.NewEncoder(w).Encode(out)
			return
		}
		body, meta, err := dr.Get(r.Context(), key)
		if errors.Is(err, trailfile.ErrNotFound) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range meta {
			w.Header().Set("X-Amz-Meta-"+k, v)
		}
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestValidateFromS3(t *testing.T) {
	a := mustArchive(t, 3, 2, validateKey())
	s := fakeS3(t, a.dir)
	args := func() []string {
		var out []string
		for _, v := range a.args() {
			if v == "--dir" {
				out = append(out, "--s3-endpoint", s.URL, "--s3-path-style", "--s3-access-key-id", "s3key", "--s3-secret-access-key", "s3secret", "--s3-region", "us-east-1")
				continue
			}
			if v == a.dir {
				continue
			}
			out = append(out, v)
		}
		return out
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	out := runValidateT(t, args()...)
	if out.err != nil || !strings.Contains(out.stdout, "3/3 digest files valid\n6/6 log files valid\n") {
		t.Fatalf("intact over S3:\n%s", out)
	}
	mustRemove(t, a.path(a.logs[1][1]))
	// A digest whose metadata is gone no longer verifies.
	mustRemove(t, a.path(a.digests[0])+trailfile.MetaSuffix)
	out = runValidateT(t, args()...)
	for _, w := range []string{
		"Log file\ts3://audit/" + a.logs[1][1] + "\tINVALID: not found",
		"Digest file\ts3://audit/" + a.digests[0] + "\tINVALID: signature verification failed",
	} {
		if !errors.Is(out.err, errValidationFailed) || !strings.Contains(out.stderr, w) {
			t.Errorf("want %q:\n%s", w, out)
		}
	}
}
