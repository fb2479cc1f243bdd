package trailfile

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/internal/inflate"
)

// The needle is found wherever it lies, also across the boundary between
// two pieces of output the decoder hands over: the first boundary falls
// just after 32 KB of history and one chunk, within a few bytes for
// stored or literal-only data.
func TestHashInflatedNeedleAcrossPieces(t *testing.T) {
	needle := []byte(`"4d1c7a8e-0000-4000-8000-0123456789ab"`)
	boundary := 32<<10 + inflate.ChunkSize
	for _, level := range []int{gzip.NoCompression, gzip.HuffmanOnly} {
		for at := boundary - 45; at < boundary+10; at++ {
			raw := []byte(strings.Repeat("x", boundary+1000))
			copy(raw[at:], needle)
			var buf bytes.Buffer
			w, _ := gzip.NewWriterLevel(&buf, level)
			w.Write(raw)
			w.Close()
			gz := buf.Bytes()
			want := sha256.Sum256(raw)
			for name, gunzip := range map[string]func(*inflate.Decoder, io.Writer) error{
				"bytes":  func(d *inflate.Decoder, w io.Writer) error { return d.GunzipBytes(w, gz) },
				"stream": func(d *inflate.Decoder, w io.Writer) error { return d.Gunzip(w, bytes.NewReader(gz)) },
			} {
				sum, err := hashInflated(needle, gunzip)
				if err != nil || sum != hex.EncodeToString(want[:]) {
					t.Fatalf("level %d, needle at %d, %s: %s, %v", level, at, name, sum, err)
				}
			}
			copy(raw[at:], bytes.Repeat([]byte("x"), len(needle)))
			if _, err := hashInflated(needle, func(d *inflate.Decoder, w io.Writer) error {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, level)
				zw.Write(raw)
				zw.Close()
				return d.GunzipBytes(w, buf.Bytes())
			}); err != errNeedleAbsent {
				t.Fatalf("level %d: without the needle: %v", level, err)
			}
		}
	}
}
