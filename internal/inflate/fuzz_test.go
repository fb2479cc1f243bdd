package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/iotest"
)

// decoder is one configuration every test input goes through.
type decoder struct {
	name string
	run  func(d *Decoder, w io.Writer, b []byte, gz bool) error
	d    *Decoder
}

// decoders are the real decoder over bytes in memory, and one with a
// small output chunk and input buffer fed a byte per read, so that slides
// and refills happen inside small inputs. Tests and fuzz calls run one at
// a time, so they share them.
var decoders = sync.OnceValue(func() []decoder {
	return []decoder{
		{"bytes", func(d *Decoder, w io.Writer, b []byte, gz bool) error {
			if gz {
				return d.GunzipBytes(w, b)
			}
			return d.InflateBytes(w, b)
		}, NewDecoder()},
		{"small-stream", func(d *Decoder, w io.Writer, b []byte, gz bool) error {
			r := iotest.OneByteReader(bytes.NewReader(b))
			if gz {
				return d.Gunzip(w, r)
			}
			return d.Inflate(w, r)
		}, newDecoder(100, 40)},
	}
})

func compress(t testing.TB, b []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// FuzzInflate holds the decoder to compress/flate and compress/gzip: the
// fuzz input compressed at several levels must come back as it was, and
// the fuzz input read as a DEFLATE stream, or as a gzip member, must give
// what the standard library gives, or fail where it fails (but for
// reserved gzip flags, refused here). As a gzip member it must also pass
// or fail where klauspost/compress's gzip, the decoder trailfile used
// before, does.
func FuzzInflate(f *testing.F) {
	f.Add([]byte("hello, hello, hello world"))
	f.Add(bytes.Repeat([]byte("ab"), 100))
	f.Add(compress(f, []byte(`{"Records":[{"eventID":"1"},{"eventID":"2"}]}`), 6))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 0xff, 1, 0, 'x', 'n', 0, 'c', 0, 0, 0, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		levels := []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression}
		valid := make([][]byte, len(levels))
		for i, level := range levels {
			valid[i] = compress(t, data, level)
		}
		for _, dec := range decoders() {
			for i, z := range valid {
				level := levels[i]
				var got bytes.Buffer
				if err := dec.run(dec.d, &got, z, false); err != nil {
					t.Fatalf("%s: level %d: %v", dec.name, level, err)
				}
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("%s: level %d: inflated %d bytes, want %d", dec.name, level, got.Len(), len(data))
				}
			}

			want, werr := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
			var got bytes.Buffer
			gerr := dec.run(dec.d, &got, data, false)
			agree(t, dec.name+": raw", want, werr, got.Bytes(), gerr)

			var wantgz []byte
			zr, werr := gzip.NewReader(bytes.NewReader(data))
			if werr == nil {
				zr.Multistream(false)
				wantgz, werr = io.ReadAll(zr)
			}
			if werr == nil && reservedFlags(data) {
				// Refused as RFC 1952 says, and as klauspost's gzip
				// (checked below) refuses it.
				werr = errHeader
			}
			got.Reset()
			gerr = dec.run(dec.d, &got, data, true)
			agree(t, dec.name+": gzip", wantgz, werr, got.Bytes(), gerr)
			if kerr := klauspostGunzip(data); (kerr == nil) != (gerr == nil) {
				t.Fatalf("%s: klauspost/compress/gzip error %v, ours %v", dec.name, kerr, gerr)
			}
		}
	})
}

func agree(t *testing.T, what string, want []byte, werr error, got []byte, gerr error) {
	t.Helper()
	if gerr != nil && !errors.Is(gerr, ErrCorrupt) {
		t.Fatalf("%s: error %v is not ErrCorrupt", what, gerr)
	}
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: standard library error %v, ours %v", what, werr, gerr)
	}
	if werr == nil && !bytes.Equal(want, got) {
		t.Fatalf("%s: %d bytes, standard library %d", what, len(got), len(want))
	}
}
