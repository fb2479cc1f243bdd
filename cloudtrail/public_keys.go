package cloudtrail

import (
	"context"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/trailfile"
)

// PublicKeysFunc lists the digest-signing public keys of account and
// region whose validity overlaps [start, end], oldest first.
type PublicKeysFunc func(ctx context.Context, account, region string, start, end time.Time) ([]trailfile.PublicKey, error)

// ListPublicKeysInput is ListPublicKeysRequest.
type ListPublicKeysInput struct {
	// StartTime and EndTime default to now: the current key
	// (reference/cloudtrail.md §5.2).
	StartTime *time.Time `json:"StartTime,omitempty"`
	EndTime   *time.Time `json:"EndTime,omitempty"`
	// NextToken is reserved: CloudTrail never issues one.
	NextToken string `json:"NextToken,omitempty"`
}

// ListPublicKeysOutput is ListPublicKeysResponse.
type ListPublicKeysOutput struct {
	PublicKeyList []PublicKey `json:"PublicKeyList"`
}

// PublicKey is one key: Value is the PKCS#1 DER (a blob, base64 on the
// wire), Fingerprint the hex MD5 of it (reference/cloudtrail.md §7.4).
type PublicKey struct {
	Value             []byte     `json:"Value,omitempty"`
	ValidityStartTime *time.Time `json:"ValidityStartTime,omitempty"`
	ValidityEndTime   *time.Time `json:"ValidityEndTime,omitempty"`
	Fingerprint       string     `json:"Fingerprint,omitempty"`
}

func errInvalidToken() *awserr.Error {
	return awserr.New("InvalidTokenException", 400, "Reserved for future use.")
}

// ListPublicKeys lists the keys of the caller's account and region that
// signed, or may sign, digests in the range. Keys are per region
// (reference/cloudtrail.md §7.4): validate-logs asks the trail's home
// region.
func (s *Service) ListPublicKeys(ctx context.Context, in *ListPublicKeysInput) (*ListPublicKeysOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	if in.NextToken != "" {
		// No token is ever issued, so none can be valid.
		return nil, errInvalidToken()
	}
	now := s.now()
	start, end := now, now
	if in.EndTime != nil {
		end = *in.EndTime
	}
	if in.StartTime != nil {
		start = *in.StartTime
	}
	if start.After(end) {
		return nil, errTimeRange()
	}
	keys, err := s.publicKeys(ctx, c.AccountID, c.Region, start, end)
	if err != nil {
		return nil, err
	}
	out := &ListPublicKeysOutput{PublicKeyList: []PublicKey{}}
	for _, k := range keys {
		from, until := k.ValidityStart, k.ValidityEnd
		out.PublicKeyList = append(out.PublicKeyList, PublicKey{Value: k.DER, ValidityStartTime: &from, ValidityEndTime: &until, Fingerprint: k.Fingerprint})
	}
	return out, nil
}
