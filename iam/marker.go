package iam

import (
	"encoding/base64"
	"strings"
)

// Pagination markers are opaque to clients, as IAM's are: base64url of the
// list's kind and the position of the last item returned. The kind stops a
// marker of one list being replayed on another (a ListUsers marker sent to
// ListAccessKeys is rejected, as IAM rejects it).
const (
	markerUsers    = "users"
	markerKeys     = "keys"
	markerPolicies = "policies"
)

// defaultMaxItems is the page size when a request sets no MaxItems, and
// maxMaxItems the model's upper bound.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

func encodeMarker(kind, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + pos))
}

// decodeMarker returns the position in a marker issued by encodeMarker for
// kind; an empty marker is the start.
func decodeMarker(kind, m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", errInvalidMarker()
	}
	k, pos, ok := strings.Cut(string(b), "\x00")
	if !ok || k != kind || pos == "" {
		return "", errInvalidMarker()
	}
	return pos, nil
}

// pageSize is the page size a request asks for. The front door rejects
// values outside 1–1000 before a handler runs; the clamp keeps a direct
// caller from asking storage for an unbounded page.
func pageSize(maxItems *int) int {
	switch {
	case maxItems == nil:
		return defaultMaxItems
	case *maxItems < 1:
		return 1
	case *maxItems > maxMaxItems:
		return maxMaxItems
	}
	return *maxItems
}
