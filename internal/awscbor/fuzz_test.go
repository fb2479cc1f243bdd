package awscbor_test

import (
	"encoding/hex"
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
