package awscbor_test

import (
	"strings"
	"time"

	"encoding/hex"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"testing"

	"github.com/trailwatch/trailwatch/internal/awscbor"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, and every
// failure must be a SerializationException the client can be shown. What
// decodes must encode again and decode to the same encoding.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{
		"bf6a416c61726d4e616d65739f626131ffff",
		"a1694e616d657370616365636170706a4d65747269634461746181a36a4d65747269634e616d65616d6556616c7565f93e006954696d657374616d70c11a6553f100",
		"a0", "", "ff", "9f", "c11b7fffffffffffffff",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in input
		err := awscbor.Decode(body, &in)
		if err != nil {
			if e := awserr.As(err); e == nil || e.Code != awscbor.SerializationCode {
				t.Fatalf("err = %v", err)
			}
			return
		}
		enc, err := awscbor.Marshal(&in)
		if err != nil {
			t.Fatal(err)
		}
		var again input
		if err := awscbor.Decode(enc, &again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		enc2, err := awscbor.Marshal(&again)
		if err != nil {
			t.Fatal(err)
		}
		if string(enc) != string(enc2) {
			t.Fatalf("encoding not stable: %x vs %x", enc, enc2)
		}
	})
}

// FuzzDecodeReference holds Decode to the map-based decoder it replaced:
// whatever that one decodes, Decode decodes to the same value, and the two
// agree on which bodies fail.
func FuzzDecodeReference(f *testing.F) {
	for _, h := range []string{
		"bf6a416c61726d4e616d65739f626131ffff",
		"a1694e616d657370616365636170706a4d65747269634461746181a36a4d65747269634e616d65616d6556616c7565f93e006954696d657374616d70c11a6553f100",
		"a0", "", "ff", "9f", "c11b7fffffffffffffff", "f6", "a2614161416141",
		"a16a4d657472696344617461819f6454616773a2616b6176616b6177ff",
		"a16a4d65747269634461746181a16954696d657374616d70c1fb41d954fc4000000",
		"a16a4d65747269634461746181a1695469 6d657374616d70c074323032332d31312d31345432323a31333a32305a",
		"a16a4d65747269634461746181a16556616c7565f97c00",
		"a16a4d65747269634461746181a165436f756e743b8000000000000000",
	} {
		b, _ := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got, want input
		err := awscbor.Decode(body, &got)
		refErr := awscbor.DecodeReference(body, &want)
		// Decode is deliberately stricter about timestamp members: an
		// epoch that is not a finite number of seconds up to year 9999
		// is refused, where the reference made a zero or distant time.
		stricter := err != nil && refErr == nil && strings.HasPrefix(awserr.As(err).Message, "Expected a timestamp at ")
		if (err == nil) != (refErr == nil) && !stricter {
			t.Fatalf("Decode: %v; reference: %v", err, refErr)
		}
		if err != nil {
			if e := awserr.As(err); e == nil || e.Code != awscbor.SerializationCode {
				t.Fatalf("err = %v", err)
			}
			return
		}
		// The reference kept tag 1 times below the millisecond, which
		// the protocol does not carry; Decode rounds them.
		ms := cmp.Comparer(func(a, b time.Time) bool { d := a.Sub(b); return d > -time.Millisecond && d < time.Millisecond })
		if diff := cmp.Diff(want, got, cmpopts.EquateNaNs(), ms); diff != "" {
			t.Fatalf("Decode differs from the reference (-reference +Decode):\n%s", diff)
		}
	})
}
