package trailfile_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/trailwatch/trailwatch/trailfile"
)

// FuzzParseDigestJSON: any bytes either parse into a digest with the
// required members or fail with ErrFormat, never panic.
func FuzzParseDigestJSON(f *testing.F) {
	f.Add([]byte(`{"digestStartTime":"2024-03-01T10:00:00Z","digestEndTime":"2024-03-01T11:00:00Z","digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f","previousDigestSignature":null,"logFiles":[]}`))
	f.Add([]byte(`{"digestStartTime":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := trailfile.ParseDigestJSON(b)
		if err != nil {
			if !errors.Is(err, trailfile.ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		if d.StartTime().IsZero() || d.EndTime().IsZero() {
			t.Fatalf("accepted digest without parseable times: %+v", d)
		}
	})
}

// FuzzReadLogFile: gzip bodies from anywhere either yield records whose
// hash HashLogFile agrees with, or fail with ErrFormat.
func FuzzReadLogFile(f *testing.F) {
	good, _ := trailfile.Gzip([]byte(`{"Records":[{"eventID":"x"}]}`))
	f.Add(good)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	empty, _ := trailfile.Gzip([]byte(`{"Records":null}`))
	f.Add(empty)
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, sum, err := trailfile.ReadLogFile(b)
		h, herr := trailfile.HashLogFile(b)
		if err != nil {
			if !errors.Is(err, trailfile.ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		if herr != nil || h != sum {
			t.Fatalf("ReadLogFile hash %s, HashLogFile %s, %v", sum, h, herr)
		}
		for _, r := range recs {
			if len(bytes.TrimSpace(r)) == 0 {
				t.Fatalf("empty record")
			}
		}
	})
}

// FuzzParseDigest: the gzip layer of a digest.
func FuzzParseDigest(f *testing.F) {
	g, _ := trailfile.Gzip([]byte(`{"digestStartTime":"2024-03-01T10:00:00Z","digestEndTime":"2024-03-01T11:00:00Z","digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f","previousDigestSignature":"ab"}`))
	f.Add(g)
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, err := trailfile.ParseDigest(b); err != nil && !errors.Is(err, trailfile.ErrFormat) {
			t.Fatalf("error %v is not ErrFormat", err)
		}
	})
}
