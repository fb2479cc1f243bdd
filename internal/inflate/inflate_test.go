package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	kgzip "github.com/klauspost/compress/gzip"
)

// inflateAll decodes b with every decoder configuration and checks they
// agree; it returns the output and error of the first.
func inflateAll(t *testing.T, b []byte, gz bool) ([]byte, error) {
	t.Helper()
	var first []byte
	var firstErr error
	for i, dec := range decoders() {
		var got bytes.Buffer
		err := dec.run(dec.d, &got, b, gz)
		if i == 0 {
			first, firstErr = got.Bytes(), err
			continue
		}
		if (err == nil) != (firstErr == nil) || err == nil && !bytes.Equal(got.Bytes(), first) {
			t.Fatalf("%s: %d bytes, %v; bytes decoder: %d bytes, %v", dec.name, got.Len(), err, len(first), firstErr)
		}
	}
	return first, firstErr
}

// stdInflate is what compress/flate makes of b.
func stdInflate(b []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(b)))
}

// longRandom is n bytes no match can shorten.
func longRandom(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestInflateValid(t *testing.T) {
	hist := longRandom(40000)
	big := longRandom(65535)
	lc, dc := canonical(fixedLitLens()), canonical(fixedDistLens())
	tests := []struct {
		name   string
		stream []byte
		want   []byte
	}{
		{"empty stored", new(bitWriter).stored(true, nil).bytes(), nil},
		{"stored", new(bitWriter).stored(false, []byte("hello ")).stored(true, []byte("world")).bytes(), []byte("hello world")},
		{"stored 65535", new(bitWriter).stored(true, big).bytes(), big},
		{"stored after bits", new(bitWriter).fixed(false, lit("ab")...).stored(true, []byte("cd")).bytes(), []byte("abcd")},
		{"fixed literals", new(bitWriter).fixed(true, lit("fixed")...).bytes(), []byte("fixed")},
		{"fixed empty", new(bitWriter).fixed(true).bytes(), nil},
		{"fixed high literals", new(bitWriter).fixed(true, lit("\x00\x8f\x90\xff")...).bytes(), []byte("\x00\x8f\x90\xff")},
		{"distance 1", new(bitWriter).fixed(true, append(lit("a"), match(258, 1))...).bytes(), bytes.Repeat([]byte("a"), 259)},
		{"length 258 by code 284", new(bitWriter).bits(1, 1).bits(1, 2).code(lc['a'], 8).code(lc[284], 8).bits(31, 5).code(dc[0], 5).code(lc[256], 7).bytes(), bytes.Repeat([]byte("a"), 259)},
		{"distance 2 overlap", new(bitWriter).fixed(true, append(lit("ab"), match(9, 2))...).bytes(), []byte("abababababa")},
		{"distance 3 overlap", new(bitWriter).fixed(true, append(lit("abc"), match(100, 3))...).bytes(), []byte(strings.Repeat("abc", 35)[:103])},
		{"distance 7 overlap", new(bitWriter).fixed(true, append(lit("abcdefg"), match(20, 7))...).bytes(), []byte(strings.Repeat("abcdefg", 4)[:27])},
		{"distance 8 overlap", new(bitWriter).fixed(true, append(lit("abcdefgh"), match(30, 8))...).bytes(), []byte(strings.Repeat("abcdefgh", 5)[:38])},
		{"distance 9 overlap", new(bitWriter).fixed(true, append(lit("abcdefghi"), match(258, 9))...).bytes(), []byte(strings.Repeat("abcdefghi", 30)[:267])},
		{"distance 20 overlap", new(bitWriter).fixed(true, append(lit("abcdefghijklmnopqrst"), match(50, 20))...).bytes(), []byte(strings.Repeat("abcdefghijklmnopqrst", 4)[:70])},
		{"length 3", new(bitWriter).fixed(true, append(lit("xyz"), match(3, 3))...).bytes(), []byte("xyzxyz")},
		{"distance 32768", new(bitWriter).stored(false, hist[:32768]).fixed(true, match(258, 32768)).bytes(), append(append([]byte(nil), hist[:32768]...), hist[:258]...)},
		{"distance 32768 later", new(bitWriter).stored(false, hist).fixed(true, match(258, 32768), match(3, 32768)).bytes(),
			append(append(append([]byte(nil), hist...), hist[40000-32768:40000-32768+258]...), hist[40000-32768+258:40000-32768+261]...)},
		{"match across blocks", new(bitWriter).fixed(false, lit("abcd")...).fixed(true, match(8, 4)).bytes(), []byte("abcdabcdabcd")},
		{"dynamic", new(bitWriter).dynamic(true, dynLits(), dynDists(), append(lit("dynamic "), match(10, 8))...).bytes(), []byte("dynamic dynamic dy")},
		{"dynamic one distance code of length 1", new(bitWriter).dynamic(true, dynLits(), oneDist(), append(lit("a"), match(5, 1))...).bytes(), []byte("aaaaaa")},
		{"dynamic no distance codes", new(bitWriter).dynamic(true, dynLits(), make([]uint8, 1), lit("only literals")...).bytes(), []byte("only literals")},
		{"dynamic 15-bit codes", new(bitWriter).dynamic(true, deepLits(), dynDists(), lit("\x00\x01\x02zz\xff")...).bytes(), []byte("\x00\x01\x02zz\xff")},
		{"trailing bytes ignored", append(new(bitWriter).fixed(true, lit("end")...).bytes(), "garbage"...), []byte("end")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inflateAll(t, tt.stream, false)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", trunc(got), trunc(tt.want))
			}
			std, err := stdInflate(tt.stream)
			if err != nil || !bytes.Equal(std, tt.want) {
				t.Fatalf("compress/flate disagrees: %q, %v", trunc(std), err)
			}
		})
	}
}

func trunc(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// dynLits is a complete literal/length code of all 286 symbols: 226 at 8
// bits and 60 at 9 (452/512 + 60/512).
func dynLits() []uint8 {
	l := make([]uint8, 286)
	for i := range l {
		l[i] = 8
		if i >= 226 {
			l[i] = 9
		}
	}
	return l
}

// deepLits is a complete code whose first codes run to 15 bits, so
// decoding needs subtables.
func deepLits() []uint8 {
	l := make([]uint8, 286)
	// Symbols 0, 1, 2 at 15, 15, 14 bits, and so on up: a code with
	// lengths 15,15,14,13,...,2,1 is complete (like a chain).
	n := uint8(15)
	l[0] = 15
	for s := 1; n >= 1; s++ {
		l[s] = n
		n--
	}
	// That chain used symbols 0..15; the last code (length 1) goes to
	// 'z', and the end of block takes symbol 15's place.
	l['z'], l[15] = l[15], 0
	l[256], l[14] = l[14], 0
	l[0xff], l[13] = l[13], 0
	return l
}

func dynDists() []uint8 {
	l := make([]uint8, 30)
	for i := range l {
		l[i] = 5
	}
	// 30 codes of 5 bits leave 2 unassigned; two of them at 4 bits fill
	// the code: 28/32 + 2/16 = 1.
	l[0], l[1] = 4, 4
	return l
}

func oneDist() []uint8 {
	l := make([]uint8, 1)
	l[0] = 1
	return l
}

func TestInflateCorrupt(t *testing.T) {
	overLits := dynLits()
	overLits[300%len(overLits)] = 1
	underLits := dynLits()
	underLits[0] = 9
	twoDists := []uint8{2, 2}
	fixedLits, fixedDists := fixedLitLens(), fixedDistLens()
	lc, dc := canonical(fixedLits), canonical(fixedDists)
	noEOB := dynLits()
	noEOB[256], noEOB[257] = 0, 8 // still complete
	tests := []struct {
		name   string
		stream []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0x01}},
		{"block type 3", new(bitWriter).bits(1, 1).bits(3, 2).bits(0, 16).bytes()},
		{"stored length complement", new(bitWriter).bits(1, 1).bits(0, 2).raw(5, 0, 0xfa, 0xfe, 'h', 'e', 'l', 'l', 'o').bytes()},
		{"stored truncated", new(bitWriter).bits(1, 1).bits(0, 2).raw(5, 0, 0xfa, 0xff, 'h', 'e').bytes()},
		{"no final block", new(bitWriter).fixed(false, lit("abc")...).bytes()},
		{"HLIT 287", new(bitWriter).bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(15, 4).bits(0, 64).bytes()},
		{"HDIST 31", new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(30, 5).bits(15, 4).bits(0, 64).bytes()},
		{"code-length code over-subscribed", new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4).bits(0x249249249249, 57).bits(0, 64).bytes()},
		{"code-length code incomplete", new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4).bits(2<<9|2<<6|2<<3|0, 12).bits(0, 64).bytes()},
		{"repeat with nothing to repeat", repeatFirst()},
		{"repeat past the end", repeatPast()},
		{"literal code over-subscribed", new(bitWriter).dynamicHeader(true, overLits, dynDists()).bits(0, 64).bytes()},
		{"literal code incomplete", new(bitWriter).dynamicHeader(true, underLits, dynDists()).bits(0, 64).bytes()},
		{"distance code incomplete", new(bitWriter).dynamicHeader(true, dynLits(), []uint8{2, 2, 2}).bits(0, 64).bytes()},
		{"distance code over-subscribed", new(bitWriter).dynamicHeader(true, dynLits(), []uint8{1, 1, 1}).bits(0, 64).bytes()},
		{"literal code of one length-2 code", new(bitWriter).dynamicHeader(true, append(make([]uint8, 256), 2), twoDists).bits(0, 64).bytes()},
		{"unassigned distance code", new(bitWriter).dynamicHeader(true, dynLits(), oneDist()).symbols(dynLits(), []uint8{1, 1}, append(lit("a"), match(3, 2))).bytes()},
		{"no distance code", new(bitWriter).dynamicHeader(true, dynLits(), make([]uint8, 1)).symbols(dynLits(), []uint8{1, 1}, append(lit("a"), match(3, 1))).bytes()},
		{"no end of block code", new(bitWriter).dynamicHeader(true, noEOB, dynDists()).bits(0, 64).bytes()},
		{"distance before the start", new(bitWriter).fixed(true, append(lit("a"), match(3, 2))...).bytes()},
		{"distance 32768 with 32767 bytes", new(bitWriter).stored(false, longRandom(32767)).fixed(true, match(3, 32768)).bytes()},
		{"literal/length 286", new(bitWriter).bits(1, 1).bits(1, 2).code(lc[286], 8).bits(0, 32).bytes()},
		{"literal/length 287", new(bitWriter).bits(1, 1).bits(1, 2).code(lc[287], 8).bits(0, 32).bytes()},
		{"distance 30", new(bitWriter).bits(1, 1).bits(1, 2).code(lc['a'], 8).code(lc[257], 7).code(dc[30], 5).bits(0, 32).bytes()},
		{"distance 31", new(bitWriter).bits(1, 1).bits(1, 2).code(lc['a'], 8).code(lc[257], 7).code(dc[31], 5).bits(0, 32).bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inflateAll(t, tt.stream, false)
			if err == nil {
				t.Fatalf("accepted, inflating to %q", trunc(got))
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			if std, err := stdInflate(tt.stream); err == nil {
				t.Fatalf("compress/flate accepts it: %q", trunc(std))
			}
		})
	}
}

// repeatFirst is a dynamic header whose first code length is a repeat of
// the one before.
func repeatFirst() []byte {
	w := new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4)
	for _, s := range clenOrder {
		w.bits(uint64(clenLens[s]), 3)
	}
	cc := canonical(clenLens)
	return w.code(cc[16], clenLens[16]).bits(0, 2).bits(0, 64).bytes()
}

// repeatPast is a dynamic header whose zero runs go past HLIT+HDIST.
func repeatPast() []byte {
	w := new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4)
	for _, s := range clenOrder {
		w.bits(uint64(clenLens[s]), 3)
	}
	cc := canonical(clenLens)
	// 257 + 1 lengths; two runs of 138 zeros are 276.
	return w.code(cc[18], clenLens[18]).bits(127, 7).code(cc[18], clenLens[18]).bits(127, 7).bits(0, 64).bytes()
}

// Every proper prefix of a valid stream is truncated.
func TestInflateTruncated(t *testing.T) {
	data := []byte(strings.Repeat("truncated streams fail, ", 50) + string(longRandom(300)))
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.BestCompression} {
		z := compress(t, data, level)
		for n := range len(z) {
			if got, err := inflateAll(t, z[:n], false); err == nil {
				t.Fatalf("level %d: %d of %d bytes accepted, inflating to %d bytes", level, n, len(z), len(got))
			} else if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("level %d: %d bytes: error %v is not ErrCorrupt", level, n, err)
			}
		}
		if got, err := inflateAll(t, z, false); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("level %d: whole stream: %d bytes, %v", level, len(got), err)
		}
	}
}

// Outputs many times the output buffer, so the buffer slides often, in
// every kind of block.
func TestInflateLarge(t *testing.T) {
	var src bytes.Buffer
	r := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("eventID eventName userIdentity requestParameters responseElements sourceIPAddress 0 1 2 a b")
	for src.Len() < 3*ChunkSize+12345 {
		src.WriteString(words[r.IntN(len(words))])
		src.WriteByte(" ,:{}\n"[r.IntN(6)])
		if r.IntN(50) == 0 {
			src.Write(longRandom(r.IntN(2000)))
		}
	}
	data := src.Bytes()
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
		z := compress(t, data, level)
		got, err := inflateAll(t, z, false)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("level %d: %d bytes of %d, %v", level, len(got), len(data), err)
		}
	}
}

// gzipMember builds a gzip member of data with the given flags and
// fields, as RFC 1952 §2.3 lays it out.
func gzipMember(flg byte, extra []byte, name, comment string, hcrc bool, deflate []byte, crc, size uint32) []byte {
	b := []byte{0x1f, 0x8b, 8, flg, 1, 2, 3, 4, 0, 3}
	if extra != nil {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(extra)))
		b = append(b, extra...)
	}
	if name != "" {
		b = append(append(b, name...), 0)
	}
	if comment != "" {
		b = append(append(b, comment...), 0)
	}
	if hcrc {
		b = binary.LittleEndian.AppendUint16(b, uint16(crc32.ChecksumIEEE(b)))
	}
	b = append(b, deflate...)
	b = binary.LittleEndian.AppendUint32(b, crc)
	return binary.LittleEndian.AppendUint32(b, size)
}

func TestGunzip(t *testing.T) {
	data := []byte(strings.Repeat(`{"eventID":"x"},`, 100))
	z := compress(t, data, flate.DefaultCompression)
	crc, size := crc32.ChecksumIEEE(data), uint32(len(data))
	all := byte(gzipFEXTRA | gzipFNAME | gzipFCOMMENT | gzipFHCRC)
	badHCRC := gzipMember(gzipFHCRC, nil, "", "", true, z, crc, size)
	badHCRC[10] ^= 1
	second, _ := gzipBytes([]byte("second member"))
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"plain", gzipMember(0, nil, "", "", false, z, crc, size), true},
		{"every header field", gzipMember(all, []byte("extra field"), "name.json", "comment", true, z, crc, size), true},
		{"empty extra field", gzipMember(gzipFEXTRA, []byte{}, "", "", false, z, crc, size), true},
		{"FTEXT", gzipMember(1, nil, "", "", false, z, crc, size), true},
		{"name of 511 bytes", gzipMember(gzipFNAME, nil, strings.Repeat("n", 511), "", false, z, crc, size), true},
		{"name of 512 bytes", gzipMember(gzipFNAME, nil, strings.Repeat("n", 512), "", false, z, crc, size), false},
		{"comment of 512 bytes", gzipMember(gzipFCOMMENT, nil, "", strings.Repeat("c", 512), false, z, crc, size), false},
		{"header CRC wrong", badHCRC, false},
		// RFC 1952 §2.3.1.2: reserved bits must be zero. klauspost's gzip
		// checks it; compress/gzip does not.
		{"reserved flag", gzipMember(0x20, nil, "", "", false, z, crc, size), false},
		{"second member ignored", append(gzipMember(0, nil, "", "", false, z, crc, size), second...), true},
		{"garbage after the member ignored", append(gzipMember(0, nil, "", "", false, z, crc, size), "garbage"...), true},
		{"CRC wrong", gzipMember(0, nil, "", "", false, z, crc^1, size), false},
		{"size wrong", gzipMember(0, nil, "", "", false, z, crc, size+1), false},
		{"trailer truncated", gzipMember(0, nil, "", "", false, z, crc, size)[:len(z)+10+7], false},
		{"no trailer", gzipMember(0, nil, "", "", false, z, crc, size)[:len(z)+10], false},
		{"bad magic", append([]byte{0x1f, 0x8c}, gzipMember(0, nil, "", "", false, z, crc, size)[2:]...), false},
		{"method 7", append([]byte{0x1f, 0x8b, 7}, gzipMember(0, nil, "", "", false, z, crc, size)[3:]...), false},
		{"header truncated", []byte{0x1f, 0x8b, 8, 0, 0}, false},
		{"empty", nil, false},
		{"extra field truncated", gzipMember(gzipFEXTRA, []byte("extra"), "", "", false, nil, 0, 0)[:14], false},
		{"name unterminated", []byte{0x1f, 0x8b, 8, gzipFNAME, 0, 0, 0, 0, 0, 0, 'a', 'b'}, false},
		{"corrupt data", gzipMember(0, nil, "", "", false, []byte{7, 0, 0}, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inflateAll(t, tt.in, true)
			if tt.ok && (err != nil || !bytes.Equal(got, data)) {
				t.Fatalf("%d bytes, %v", len(got), err)
			}
			if !tt.ok && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
			if err := stdGunzip(tt.in); (err == nil) != tt.ok && !reservedFlags(tt.in) {
				t.Fatalf("compress/gzip disagrees: %v", err)
			}
			if err := klauspostGunzip(tt.in); (err == nil) != tt.ok {
				t.Fatalf("klauspost/compress/gzip disagrees: %v", err)
			}
		})
	}
}

func stdGunzip(b []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err == nil {
		zr.Multistream(false)
		_, err = io.Copy(io.Discard, zr)
	}
	return err
}

func klauspostGunzip(b []byte) error {
	zr, err := kgzip.NewReader(bytes.NewReader(b))
	if err == nil {
		zr.Multistream(false)
		_, err = io.Copy(io.Discard, zr)
	}
	return err
}

// reservedFlags reports whether b starts with a gzip header with
// reserved flags set, which compress/gzip lets through.
func reservedFlags(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 && b[3]&gzipReserved != 0
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	err := w.Close()
	return buf.Bytes(), err
}

// An error from the reader is returned as it is, also when the input
// then looks truncated; an error after the whole member is not seen.
func TestReaderErrors(t *testing.T) {
	data := longRandom(100000)
	gz, _ := gzipBytes(data)
	boom := errors.New("boom")
	d := NewDecoder()
	for _, n := range []int{0, 5, 10, 100, len(gz) / 2, len(gz) - 1} {
		r := io.MultiReader(bytes.NewReader(gz[:n]), iotest.ErrReader(boom))
		if err := d.Gunzip(io.Discard, r); err != boom {
			t.Errorf("cut at %d: error %v, want the reader's", n, err)
		}
	}
	r := io.MultiReader(bytes.NewReader(gz), iotest.ErrReader(boom))
	var got bytes.Buffer
	if err := d.Gunzip(&got, r); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Errorf("error after the member: %d bytes, %v", got.Len(), err)
	}
	if err := d.Inflate(io.Discard, zeroReader{}); err != io.ErrNoProgress {
		t.Errorf("reader giving nothing: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// An error from the writer stops decoding and is returned as it is.
func TestWriterError(t *testing.T) {
	gz, _ := gzipBytes(longRandom(3 * ChunkSize))
	boom := errors.New("boom")
	if err := NewDecoder().GunzipBytes(failWriter{boom}, gz); err != boom {
		t.Errorf("error %v, want the writer's", err)
	}
	if err := NewDecoder().GunzipBytes(shortWriter{}, gz); err != io.ErrShortWrite {
		t.Errorf("short write: %v", err)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

// Decoding one stream after another, and after failures, starts afresh.
func TestDecoderReuse(t *testing.T) {
	d := NewDecoder()
	a, _ := gzipBytes([]byte(strings.Repeat("first ", 1000)))
	b, _ := gzipBytes([]byte("second"))
	for range 3 {
		var got bytes.Buffer
		if err := d.GunzipBytes(&got, a); err != nil || got.Len() != 6000 {
			t.Fatalf("first: %d bytes, %v", got.Len(), err)
		}
		if err := d.GunzipBytes(io.Discard, a[:len(a)/2]); err == nil {
			t.Fatalf("truncated member accepted")
		}
		got.Reset()
		if err := d.Gunzip(&got, bytes.NewReader(b)); err != nil || got.String() != "second" {
			t.Fatalf("second: %q, %v", got.String(), err)
		}
	}
}
