package inflate

import "math/bits"

// bitWriter builds DEFLATE streams bit by bit, so tests can write blocks
// no compressor would: every kind of corruption, and exact codes.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first (RFC 1951
// §3.1.1: data elements other than Huffman codes).
func (w *bitWriter) bits(v uint64, n uint) *bitWriter {
	for i := uint(0); i < n; i++ {
		w.acc |= (v >> i & 1) << w.n
		w.n++
		if w.n == 8 {
			w.out = append(w.out, byte(w.acc))
			w.acc, w.n = 0, 0
		}
	}
	return w
}

// code writes a Huffman code of length n, most significant bit first.
func (w *bitWriter) code(c uint16, n uint8) *bitWriter {
	return w.bits(uint64(bits.Reverse16(c)>>(16-n)), uint(n))
}

// align pads to a byte boundary with zeros.
func (w *bitWriter) align() *bitWriter {
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
	return w
}

func (w *bitWriter) raw(b ...byte) *bitWriter {
	w.align()
	w.out = append(w.out, b...)
	return w
}

func (w *bitWriter) bytes() []byte {
	w.align()
	return w.out
}

// canonical returns the canonical codes of the given code lengths (RFC
// 1951 §3.2.2), without checking that they form a code.
func canonical(lens []uint8) []uint16 {
	var count [16]int
	for _, n := range lens {
		count[n]++
	}
	count[0] = 0
	var next [16]int
	code := 0
	for n := 1; n < 16; n++ {
		code = (code + count[n-1]) << 1
		next[n] = code
	}
	codes := make([]uint16, len(lens))
	for s, n := range lens {
		if n != 0 {
			codes[s] = uint16(next[n])
			next[n]++
		}
	}
	return codes
}

// token is a literal (dist 0) or a match.
type token struct {
	lit          byte
	length, dist int
}

func lit(s string) []token {
	var t []token
	for i := range len(s) {
		t = append(t, token{lit: s[i]})
	}
	return t
}

func match(length, dist int) token { return token{length: length, dist: dist} }

// lengthCode returns the symbol and extra bits of a match length.
func lengthCode(length int) (sym int, extra uint64, n uint) {
	for i := len(lengthBase) - 1; i >= 0; i-- {
		if int(lengthBase[i]) <= length {
			return 257 + i, uint64(length - int(lengthBase[i])), uint(lengthExtra[i])
		}
	}
	panic("length")
}

func distCode(dist int) (sym int, extra uint64, n uint) {
	for i := len(distBase) - 1; i >= 0; i-- {
		if int(distBase[i]) <= dist {
			return i, uint64(dist - int(distBase[i])), uint(distExtra[i])
		}
	}
	panic("dist")
}

// fixedLitLens and fixedDistLens are the fixed codes' lengths (RFC 1951
// §3.2.6).
func fixedLitLens() []uint8 {
	l := make([]uint8, 288)
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	return l
}

func fixedDistLens() []uint8 {
	l := make([]uint8, 32)
	for i := range l {
		l[i] = 5
	}
	return l
}

// symbols writes tokens and the end of block with the given codes.
func (w *bitWriter) symbols(litLens, distLens []uint8, toks []token) *bitWriter {
	lc, dc := canonical(litLens), canonical(distLens)
	for _, t := range toks {
		if t.dist == 0 {
			w.code(lc[t.lit], litLens[t.lit])
			continue
		}
		s, x, n := lengthCode(t.length)
		w.code(lc[s], litLens[s]).bits(x, n)
		s, x, n = distCode(t.dist)
		w.code(dc[s], distLens[s]).bits(x, n)
	}
	return w.code(lc[256], litLens[256])
}

// fixed writes a block with the fixed codes.
func (w *bitWriter) fixed(final bool, toks ...token) *bitWriter {
	w.bits(b2u(final), 1).bits(1, 2)
	return w.symbols(fixedLitLens(), fixedDistLens(), toks)
}

// stored writes a stored block holding p.
func (w *bitWriter) stored(final bool, p []byte) *bitWriter {
	w.bits(b2u(final), 1).bits(0, 2).align()
	n := len(p)
	return w.raw(byte(n), byte(n>>8), ^byte(n), ^byte(n>>8)).raw(p...)
}

// clenLens is a complete code-length code: symbols 0-12 get 4-bit codes,
// 13-18 5-bit ones.
var clenLens = func() []uint8 {
	l := make([]uint8, 19)
	for i := range l {
		l[i] = 4
		if i > 12 {
			l[i] = 5
		}
	}
	return l
}()

// dynamicHeader writes a dynamic block's header for the given code
// lengths, each sent as itself (no repeat codes), whether or not they
// form valid codes.
func (w *bitWriter) dynamicHeader(final bool, litLens, distLens []uint8) *bitWriter {
	w.bits(b2u(final), 1).bits(2, 2)
	w.bits(uint64(len(litLens)-257), 5).bits(uint64(len(distLens)-1), 5).bits(19-4, 4)
	for _, s := range clenOrder {
		w.bits(uint64(clenLens[s]), 3)
	}
	cc := canonical(clenLens)
	for _, n := range append(append([]uint8(nil), litLens...), distLens...) {
		w.code(cc[n], clenLens[n])
	}
	return w
}

// dynamic writes a dynamic block with the given codes.
func (w *bitWriter) dynamic(final bool, litLens, distLens []uint8, toks ...token) *bitWriter {
	return w.dynamicHeader(final, litLens, distLens).symbols(litLens, distLens, toks)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
