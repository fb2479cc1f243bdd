package cloudtrail_test

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func TestListPublicKeys(t *testing.T) {
	trailsOnBothBackends(t, func(t *testing.T, s *testserver.Server) {
		c := clientIn(s, "us-east-1")
		// No digest has been signed: no key.
		out, err := c.ListPublicKeys(bg, &ct.ListPublicKeysInput{})
		if err != nil || len(out.PublicKeyList) != 0 {
			t.Fatalf("fresh account: %v, %+v", err, out)
		}
		keys := s.Server().TrailKeys
		now := time.Now()
		_, pub, err := keys.SigningKey(bg, s.Root.AccountID, "us-east-1", now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		out, err = c.ListPublicKeys(bg, &ct.ListPublicKeysInput{})
		if err != nil || len(out.PublicKeyList) != 1 {
			t.Fatalf("current key: %v, %+v", err, out)
		}
		k := out.PublicKeyList[0]
		sum := md5.Sum(k.Value)
		if aws.ToString(k.Fingerprint) != pub.Fingerprint || hex.EncodeToString(sum[:]) != pub.Fingerprint {
			t.Errorf("fingerprint %s, value hashes to %x, want %s", aws.ToString(k.Fingerprint), sum, pub.Fingerprint)
		}
		if !k.ValidityStartTime.Equal(pub.ValidityStart.Truncate(time.Millisecond)) || !k.ValidityEndTime.After(now) {
			t.Errorf("validity %v – %v", k.ValidityStartTime, k.ValidityEndTime)
		}
		// Keys are per region.
		if out, err := clientIn(s, "eu-west-1").ListPublicKeys(bg, &ct.ListPublicKeysInput{}); err != nil || len(out.PublicKeyList) != 0 {
			t.Errorf("eu-west-1: %v, %+v", err, out)
		}
		// A range before any key.
		out, err = c.ListPublicKeys(bg, &ct.ListPublicKeysInput{StartTime: aws.Time(now.Add(-48 * time.Hour)), EndTime: aws.Time(now.Add(-47 * time.Hour))})
		if err != nil || len(out.PublicKeyList) != 0 {
			t.Errorf("old range: %v, %+v", err, out)
		}
		_, err = c.ListPublicKeys(bg, &ct.ListPublicKeysInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
		wantAPIError(t, "start after end", err, "InvalidTimeRangeException", "")
		_, err = c.ListPublicKeys(bg, &ct.ListPublicKeysInput{NextToken: aws.String("x")})
		wantAPIError(t, "token", err, "InvalidTokenException", "")
	})
}
