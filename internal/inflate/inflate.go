// Package inflate decodes DEFLATE streams (RFC 1951) and gzip members
// (RFC 1952) for callers that take the output in order and never seek in
// it: hashing a log file, searching it for a string.
//
// It is built for throughput on large, well-compressed inputs. Input is
// read in large pieces (or used in place when it is already in memory)
// and decoded through a 64-bit bit buffer refilled a word at a time;
// Huffman codes are decoded with one table lookup for the common short
// codes; output goes to one flat buffer in which matches are plain forward
// copies, handed to the writer in pieces of up to ChunkSize bytes. Near
// the ends of the input and of the buffer a careful path decodes one
// symbol at a time.
//
// What is accepted and rejected is what compress/flate and compress/gzip
// accept and reject; a fuzz test holds the two to it.
package inflate

import (
	"errors"
	"hash/crc32"
	"io"
)

// ErrCorrupt is what every error about the input's content wraps: not
// DEFLATE or not gzip, truncated, or failing a check (gzip's CRC-32 and
// size).
var ErrCorrupt = errors.New("inflate: corrupt input")

// corruptError is an ErrCorrupt with what was wrong; the values are
// package variables, so failing allocates nothing.
type corruptError string

func (e corruptError) Error() string { return "inflate: corrupt input: " + string(e) }
func (e corruptError) Is(target error) bool {
	return target == ErrCorrupt
}

var (
	errTruncated    error = corruptError("unexpected end of input")
	errBlockType    error = corruptError("reserved block type")
	errStoredLength error = corruptError("stored block length does not match its complement")
	errCodeCount    error = corruptError("too many length or distance codes")
	errCode         error = corruptError("over-subscribed or incomplete Huffman code")
	errRepeat       error = corruptError("code length repeat with nothing to repeat or past the end")
	errSymbol       error = corruptError("invalid Huffman code or symbol")
	errDistance     error = corruptError("distance reaches before the start of the output")
	errHeader       error = corruptError("not a gzip header")
	errChecksum     error = corruptError("gzip CRC-32 or size does not match")
)

const (
	// windowSize is the farthest back a match reaches (RFC 1951 §2): the
	// history carried over each time the output buffer is reused.
	windowSize = 32 << 10
	// maxMatch is the longest match (RFC 1951 §3.2.5).
	maxMatch = 258

	// ChunkSize is the most output handed to the writer at once. The
	// output buffer holds the history and one chunk, so it stays in a
	// core's L2 cache while the writer (a hash) reads it back.
	ChunkSize = 256 << 10
	// inputSize is how much input is read from a stream at a time.
	inputSize = 256 << 10

	// inSlack is how many bytes of input the fast loop needs before it
	// decodes a symbol: two 8-byte refills.
	inSlack = 16
	// outSlack is how many bytes of output space the fast loop needs
	// before it decodes a symbol: the longest match and the 31 bytes a
	// 32-byte copy step may write past it, with room to spare.
	outSlack = maxMatch + 64
)

// Decoder inflates one stream at a time. It holds about 580 KB of buffers
// and tables and is meant to be reused (through a sync.Pool, say); it is
// not safe for concurrent use. The zero value is not usable: use
// NewDecoder.
type Decoder struct {
	// Input. in[pos:] is what has not been read into the bit buffer; in
	// is inBuf's filled part when streaming from r, the caller's slice
	// otherwise.
	r     io.Reader
	rerr  error // what r returned last (io.EOF at the end); nil while it may give more
	in    []byte
	pos   int
	inBuf []byte

	// The bit buffer: its low nbits bits are the next bits of the
	// stream, the first in the least significant position. The bits
	// above may hold the following input bits or zeros, never anything
	// else (refills OR the same bytes over them).
	bits  uint64
	nbits uint

	// Output. out[:op] is written; out[flushed:op] has not been given to
	// w yet. Before the first slide, out[0] is the first byte of output;
	// after one, out[:windowSize] is history.
	out     []byte
	op      int
	flushed int
	chunk   int // output per slide: ChunkSize but in tests
	w       io.Writer
	gzip    bool   // whether to keep crc and size
	crc     uint32 // CRC-32 of the output so far (gzip only)
	size    uint32 // output so far, modulo 2^32 (gzip only)

	litlen [litlenTableSize]uint32
	dist   [distTableSize]uint32
	clen   [clenTableSize]uint32
	lens   [maxLitlenCodes + maxDistCodes]uint8
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return newDecoder(ChunkSize, inputSize) }

// newDecoder lets tests use small buffers, so that slides and input
// refills happen within small inputs.
func newDecoder(chunk, inSize int) *Decoder {
	return &Decoder{
		chunk: chunk,
		out:   make([]byte, windowSize+chunk+outSlack),
		inBuf: make([]byte, inSize),
	}
}

// Inflate writes to w what the raw DEFLATE stream read from r inflates
// to. It reads r in large pieces and may read past the end of the stream.
// Errors about the stream wrap ErrCorrupt; an error from r (other than
// io.EOF) is returned as it is, even when decoding then failed because the
// input stopped; an error from w is returned as it is.
func (d *Decoder) Inflate(w io.Writer, r io.Reader) error {
	d.reset(w, r, nil, false)
	return d.finish(d.inflate())
}

// InflateBytes is Inflate over a stream held in memory, which it reads in
// place.
func (d *Decoder) InflateBytes(w io.Writer, b []byte) error {
	d.reset(w, nil, b, false)
	return d.finish(d.inflate())
}

// Gunzip writes to w what the first gzip member read from r inflates to,
// and checks the member's CRC-32 and size. Bytes after the first member
// are not looked at (but may have been read). Errors are as Inflate's.
// The header is read as klauspost/compress's gzip reads it: reserved
// flags are refused (RFC 1952 §2.3.1.2), and so is a file name or
// comment longer than 511 bytes (compress/gzip's bound too).
func (d *Decoder) Gunzip(w io.Writer, r io.Reader) error {
	d.reset(w, r, nil, true)
	return d.finish(d.gunzip())
}

// GunzipBytes is Gunzip over a member held in memory, which it reads in
// place.
func (d *Decoder) GunzipBytes(w io.Writer, b []byte) error {
	d.reset(w, nil, b, true)
	return d.finish(d.gunzip())
}

func (d *Decoder) reset(w io.Writer, r io.Reader, b []byte, gzip bool) {
	d.r, d.rerr = r, nil
	d.in, d.pos = b, 0
	if r != nil {
		d.in = d.inBuf[:0]
	}
	d.bits, d.nbits = 0, 0
	d.op, d.flushed = 0, 0
	d.w = w
	d.gzip, d.crc, d.size = gzip, 0, 0
}

// finish drops the references to the caller's reader, writer and input,
// and puts r's error before a corruption found because the input ended.
func (d *Decoder) finish(err error) error {
	if err != nil && d.rerr != nil && d.rerr != io.EOF && errors.Is(err, ErrCorrupt) {
		err = d.rerr
	}
	d.r, d.rerr, d.w, d.in = nil, nil, nil, nil
	return err
}

func (d *Decoder) gunzip() error {
	if err := d.gzipHeader(); err != nil {
		return err
	}
	if err := d.inflate(); err != nil {
		return err
	}
	return d.gzipTrailer()
}

// inflate decodes blocks until the final one (RFC 1951 §3.2.3) and
// flushes the output.
func (d *Decoder) inflate() error {
	for {
		hdr, err := d.getBits(3)
		if err != nil {
			return err
		}
		switch hdr >> 1 {
		case 0:
			err = d.storedBlock()
		case 1:
			err = d.huffmanBlock(fixedLitlen, fixedDist)
		case 2:
			if err = d.readDynamic(); err == nil {
				err = d.huffmanBlock(&d.litlen, &d.dist)
			}
		default:
			err = errBlockType
		}
		if err != nil {
			return err
		}
		if hdr&1 != 0 {
			return d.flush()
		}
	}
}

// huffmanBlock decodes one block's symbols up to its end-of-block code:
// in the fast loop while there is input and output room, one symbol at a
// time near the end of the input.
func (d *Decoder) huffmanBlock(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) error {
	for {
		if d.op > len(d.out)-outSlack {
			if err := d.flush(); err != nil {
				return err
			}
		}
		if d.pos+inSlack <= len(d.in) {
			done, err := d.decodeFast(lt, dt)
			if done || err != nil {
				return err
			}
			continue
		}
		if d.r != nil && d.rerr == nil {
			d.moreInput()
			continue
		}
		done, err := d.decodeSlow(lt, dt)
		if done || err != nil {
			return err
		}
	}
}

// flush gives the unwritten output to w, and when the buffer is past its
// chunk, moves the last windowSize bytes to its start to make room.
func (d *Decoder) flush() error {
	if p := d.out[d.flushed:d.op]; len(p) > 0 {
		if d.gzip {
			d.crc = crc32.Update(d.crc, crc32.IEEETable, p)
			d.size += uint32(len(p))
		}
		n, err := d.w.Write(p)
		if err == nil && n != len(p) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return err
		}
		d.flushed = d.op
	}
	if d.op > windowSize+d.chunk {
		copy(d.out[:windowSize], d.out[d.op-windowSize:d.op])
		d.op, d.flushed = windowSize, windowSize
	}
	return nil
}

// moreInput moves the unread input to the start of inBuf and reads until
// inBuf is full or r fails; it reports whether any input was added.
// Reading the whole buffer keeps the fast loop's stops for input rare.
func (d *Decoder) moreInput() bool {
	if d.r == nil || d.rerr != nil {
		return false
	}
	n := copy(d.inBuf, d.in[d.pos:])
	d.in, d.pos = d.inBuf[:n], 0
	empty := 0
	for len(d.in) < len(d.inBuf) {
		m, err := d.r.Read(d.inBuf[len(d.in):])
		d.in = d.inBuf[:len(d.in)+m]
		if err != nil {
			d.rerr = err
			break
		}
		if m == 0 {
			// As bufio does: a reader that keeps returning nothing is
			// broken, and waiting on it would never end.
			if empty++; empty == 100 {
				d.rerr = io.ErrNoProgress
				break
			}
		}
	}
	return len(d.in) > n
}

// inputErr is the error for input that ran out: truncation, or what r
// said when it failed.
func (d *Decoder) inputErr() error {
	if d.rerr != nil && d.rerr != io.EOF {
		return d.rerr
	}
	return errTruncated
}

// fill tops the bit buffer up one byte at a time until it holds more
// than 56 bits or the input is exhausted.
func (d *Decoder) fill() {
	for d.nbits <= 56 {
		if d.pos == len(d.in) && !d.moreInput() {
			return
		}
		d.bits |= uint64(d.in[d.pos]) << d.nbits
		d.pos++
		d.nbits += 8
	}
}

// getBits consumes n ≤ 32 bits.
func (d *Decoder) getBits(n uint) (uint32, error) {
	if d.nbits < n {
		d.fill()
		if d.nbits < n {
			return 0, d.inputErr()
		}
	}
	v := uint32(d.bits & (1<<n - 1))
	d.bits >>= n
	d.nbits -= n
	return v, nil
}

// alignByte drops the bits up to the next byte boundary (RFC 1951 §3.2.4,
// stored blocks; §3.2 of RFC 1952, the trailer).
func (d *Decoder) alignByte() {
	d.bits >>= d.nbits & 7
	d.nbits &^= 7
}

// readBytes fills p from a byte-aligned position: the whole bytes left in
// the bit buffer first, then the input.
func (d *Decoder) readBytes(p []byte) error {
	for len(p) > 0 && d.nbits >= 8 {
		p[0] = byte(d.bits)
		d.bits >>= 8
		d.nbits -= 8
		p = p[1:]
	}
	if len(p) == 0 {
		return nil
	}
	// The bit buffer is empty; its upper bits hold bytes about to be
	// read directly, and must not be ORed with them again later.
	d.bits = 0
	for len(p) > 0 {
		if d.pos == len(d.in) && !d.moreInput() {
			return d.inputErr()
		}
		n := copy(p, d.in[d.pos:])
		d.pos += n
		p = p[n:]
	}
	return nil
}

// storedBlock copies a stored block (RFC 1951 §3.2.4) to the output.
func (d *Decoder) storedBlock() error {
	d.alignByte()
	var h [4]byte
	if err := d.readBytes(h[:]); err != nil {
		return err
	}
	n := int(h[0]) | int(h[1])<<8
	if uint16(n) != ^(uint16(h[2]) | uint16(h[3])<<8) {
		return errStoredLength
	}
	for n > 0 {
		if d.op > len(d.out)-outSlack {
			if err := d.flush(); err != nil {
				return err
			}
		}
		k := min(n, len(d.out)-outSlack+1-d.op)
		if err := d.readBytes(d.out[d.op : d.op+k]); err != nil {
			return err
		}
		d.op += k
		n -= k
	}
	return nil
}
