package cloudtrail

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
)

func testKey() pageKey {
	start := time.Date(2024, 1, 15, 0, 0, 0, 500, time.UTC)
	return pageKey{account: "111122223333", region: "us-east-1", attrKey: "EventName", attrValue: "ListUsers", start: &start}
}

func TestTokenRoundTrip(t *testing.T) {
	last := storage.StoredEvent{Seq: 1<<40 + 7, Time: time.Date(2024, 1, 15, 9, 41, 7, 0, time.UTC)}
	tok := encodeToken(testKey(), last)
	got, ok := decodeToken(testKey(), tok)
	if !ok {
		t.Fatalf("decodeToken rejected its own token %q", tok)
	}
	if diff := cmp.Diff(last, got); diff != "" {
		t.Errorf("position (-want +got):\n%s", diff)
	}
}

func TestTokenDigestSeparatesFields(t *testing.T) {
	// Moving text between adjacent fields must change the digest.
	a := pageKey{attrKey: "EventName", attrValue: "x"}
	b := pageKey{attrKey: "EventNam", attrValue: "ex"}
	if a.digest() == b.digest() {
		t.Error("fields run together in the digest")
	}
	zero := time.Unix(0, 0)
	if (pageKey{}).digest() == (pageKey{start: &zero}).digest() {
		t.Error("an absent StartTime digests like StartTime 0")
	}
	if (pageKey{start: &zero}).digest() == (pageKey{end: &zero}).digest() {
		t.Error("StartTime and EndTime digest alike")
	}
}

// FuzzDecodeToken feeds arbitrary strings to the token decoder, which sees
// whatever a client sends. It must never panic, and anything it accepts must
// be exactly the token encodeToken would issue for that position, so no two
// spellings of one position are accepted.
func FuzzDecodeToken(f *testing.F) {
	k := testKey()
	f.Add(encodeToken(k, storage.StoredEvent{Seq: 1, Time: time.Unix(1705309200, 0)}))
	f.Add(encodeToken(k, storage.StoredEvent{}))
	f.Add("")
	f.Add("garbage")
	f.Add("AQ")
	f.Add("=====")
	f.Fuzz(func(t *testing.T, tok string) {
		pos, ok := decodeToken(k, tok)
		if !ok {
			return
		}
		if again := encodeToken(k, pos); again != tok {
			t.Errorf("accepted %q, which encodes back as %q", tok, again)
		}
	})
}

func TestAttributeValueLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"a_b", 4},
		{"a b,c\n", 9},
		{"\t", 1},
		{"é", 1},
		{"日本", 2},
	}
	for _, tt := range tests {
		if got := attributeValueLen(tt.in); got != tt.want {
			t.Errorf("attributeValueLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestResourceName(t *testing.T) {
	tests := map[string]string{
		"arn:aws:iam::111122223333:user/alice":                         "alice",
		"arn:aws:iam::111122223333:user/division/eng/alice":            "alice",
		"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit":        "audit",
		"arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn": "/aws/lambda/fn",
		"arn:aws:sns:us-east-1:111122223333:alerts":                    "alerts",
		"arn:aws:cloudwatch:us-east-1:111122223333:alarm:cpu-high":     "cpu-high",
		"arn:aws:s3:::my-bucket":                                       "my-bucket",
		"arn:aws:iam::111122223333:user/":                              "user/",
		"arn:aws:cloudwatch:us-east-1:111122223333:alarm:":             "alarm:",
		"not-an-arn": "not-an-arn",
		"":           "",
	}
	for arn, want := range tests {
		if got := resourceName(arn); got != want {
			t.Errorf("resourceName(%q) = %q, want %q", arn, got, want)
		}
	}
}
