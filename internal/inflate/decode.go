package inflate

import (
	"encoding/binary"
	"unsafe"
)

// decodeFast decodes symbols of a Huffman block while at least inSlack
// bytes of input and outSlack bytes of output room are left, and reports
// whether it reached the end of the block.
//
// Each turn refills the bit buffer to 56 or more bits, reading 8 bytes at
// once; that is enough for up to three literals, or a length code, its
// extra bits, a distance code and its extra bits (15+5+15+13 bits).
// Three lookups of literals take up to 45 bits and write up to 7 bytes.
// Matches are copied 8 or 32 bytes at a time and may write up to 31
// bytes past their end: that space is free (outSlack) and rewritten by
// what comes next.
func (d *Decoder) decodeFast(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) (done bool, err error) {
	const (
		litMask  = 1<<litlenBits - 1
		distMask = 1<<distBits - 1
	)
	in, pos := d.in, d.pos
	bits, nbits := d.bits, d.nbits
	out, op := d.out, d.op
	inLimit := len(in) - inSlack
	outLimit := len(out) - outSlack
	// The loop reads and writes in and out through pointers, without
	// bounds checks: see load64 for why every access is in bounds.
	inp := unsafe.Pointer(unsafe.SliceData(in))
	outp := unsafe.Pointer(unsafe.SliceData(out))
	for pos <= inLimit && op <= outLimit {
		// Refill: whole bytes up to 56-63 bits. The bits above nbits
		// get the following input bits, which the next refill ORs in
		// again at the same place.
		bits |= load64(inp, pos) << (nbits & 63)
		pos += int((63 - nbits) >> 3)
		nbits |= 56

		e := lt[bits&litMask]
		if e&entryLiteral != 0 {
			// One or two literals per lookup; the second byte of the
			// store is rewritten next when there is one literal.
			n := uint(e & entryConsume)
			bits >>= n
			nbits -= n
			store16(outp, op, uint16(e>>16))
			op += int(e >> 5 & 3)
			e = lt[bits&litMask]
			if e&entryLiteral != 0 {
				n := uint(e & entryConsume)
				bits >>= n
				nbits -= n
				store16(outp, op, uint16(e>>16))
				op += int(e >> 5 & 3)
				e = lt[bits&litMask]
				if e&entryLiteral != 0 {
					n := uint(e & entryConsume)
					bits >>= n
					nbits -= n
					store16(outp, op, uint16(e>>16))
					op += int(e >> 5 & 3)
					continue
				}
			}
			// A length (or something rarer) follows: it needs the full
			// 48 bits. e stays valid, as refilling adds bits above the
			// ones it was looked up with.
			bits |= load64(inp, pos) << (nbits & 63)
			pos += int((63 - nbits) >> 3)
			nbits |= 56
		}
		if e&entryExceptional != 0 {
			if e&entrySubtable != 0 {
				e = lt[(e>>16+uint32(bits>>litlenBits)&(1<<(e>>8&15)-1))&(litlenTableSize-1)]
				if e&entryLiteral != 0 {
					n := uint(e & entryConsume)
					bits >>= n
					nbits -= n
					*(*byte)(unsafe.Add(outp, op)) = byte(e >> 16)
					op++
					continue
				}
			}
			// Subtables hold no subtable entries, so this is the end of
			// the block or an invalid code.
			if e&entryExceptional != 0 {
				if e&entryEOB != 0 {
					n := uint(e & entryConsume)
					bits >>= n
					nbits -= n
					done = true
				} else {
					err = errSymbol
				}
				break
			}
		}

		n := uint(e & entryConsume)
		length := int(e>>16) + int((bits&(1<<n-1))>>(e>>8&15))
		bits >>= n
		nbits -= n

		e = dt[bits&distMask]
		if e&entryExceptional != 0 {
			if e&entrySubtable != 0 {
				e = dt[(e>>16+uint32(bits>>distBits)&(1<<(e>>8&15)-1))&(distTableSize-1)]
			}
			if e&entryInvalid != 0 {
				err = errSymbol
				break
			}
		}
		n = uint(e & entryConsume)
		dist := int(e>>16) + int((bits&(1<<n-1))>>(e>>8&15))
		bits >>= n
		nbits -= n
		if dist > op {
			err = errDistance
			break
		}

		src := op - dist
		switch {
		case dist >= 8:
			// Each 8-byte load reads bytes already final: dist >= 8.
			// Most matches here are 3-100 bytes: 32 per turn leaves one
			// or two turns, and fewer mispredicted loop exits.
			for i := 0; i < length; i += 32 {
				store64(outp, op+i, load64(outp, src+i))
				store64(outp, op+i+8, load64(outp, src+i+8))
				store64(outp, op+i+16, load64(outp, src+i+16))
				store64(outp, op+i+24, load64(outp, src+i+24))
			}
		case dist == 1:
			v := uint64(*(*byte)(unsafe.Add(outp, src))) * 0x0101010101010101
			for i := 0; i < length; i += 8 {
				store64(outp, op+i, v)
			}
		default:
			// A short period: copy one period per step (the rest of each
			// 8-byte store is rewritten by the next) until 8 or more bytes
			// are written, then 8 bytes at a time from that many back,
			// which is a multiple of the period.
			i := 0
			for i < 8 {
				store64(outp, op+i, load64(outp, src+i))
				i += dist
			}
			for back := i; i < length; i += 8 {
				store64(outp, op+i, load64(outp, op+i-back))
			}
		}
		op += length
	}
	d.pos, d.bits, d.nbits, d.op = pos, bits, nbits, op
	return done, err
}

// load64, store64 and store16 read and write little-endian words at b+i
// without a bounds check. decodeFast keeps every access in bounds: it
// loads input at pos only while pos <= len(in)-inSlack, twice per turn,
// advancing pos by at most 7 between; it writes output while op <=
// len(out)-outSlack, at most 7 bytes of literals or a match of up to 258
// bytes plus 31 bytes of overrun per turn; it reads output from op-dist
// after checking dist <= op, up to where it writes. The fuzz test runs
// these paths with small buffers, where every limit is met often.
func load64(b unsafe.Pointer, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(b, i))[:])
}

func store64(b unsafe.Pointer, i int, v uint64) {
	binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(b, i))[:], v)
}

func store16(b unsafe.Pointer, i int, v uint16) {
	binary.LittleEndian.PutUint16((*[2]byte)(unsafe.Add(b, i))[:], v)
}

// decodeSymSlow decodes one symbol with table, reading the input a byte
// at a time, and returns its entry and value: the literal (or two), the
// length or distance with its extra bits added, or the code-length
// symbol.
func (d *Decoder) decodeSymSlow(table []uint32, primary uint) (e, v uint32, err error) {
	d.fill()
	e = table[d.bits&(1<<primary-1)]
	if e&entrySubtable != 0 {
		e = table[e>>16+uint32(d.bits>>primary)&(1<<(e>>8&15)-1)]
	}
	n := uint(e & entryConsume)
	if e&entryInvalid != 0 || n > d.nbits {
		// Past the end of the input the bit buffer reads as zeros, which
		// may look like a code too long for what is left, or like none.
		if n > d.nbits {
			return 0, 0, d.inputErr()
		}
		return 0, 0, errSymbol
	}
	v = e >> 16
	if e&entryLiteral == 0 {
		v += uint32(d.bits&(1<<n-1)) >> (e >> 8 & 15)
	}
	d.bits >>= n
	d.nbits -= n
	return e, v, nil
}

// decodeSlow decodes one symbol of a Huffman block, and its match, near
// the end of the input; the output has outSlack bytes of room.
func (d *Decoder) decodeSlow(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) (done bool, err error) {
	e, v, err := d.decodeSymSlow(lt[:], litlenBits)
	if err != nil {
		return false, err
	}
	switch {
	case e&entryLiteral != 0:
		binary.LittleEndian.PutUint16(d.out[d.op:], uint16(v))
		d.op += int(e >> 5 & 3)
		return false, nil
	case e&entryEOB != 0:
		return true, nil
	}
	length := int(v)
	_, v, err = d.decodeSymSlow(dt[:], distBits)
	if err != nil {
		return false, err
	}
	dist := int(v)
	if dist > d.op {
		return false, errDistance
	}
	out := d.out[d.op-dist : d.op+length]
	for i := range length {
		out[dist+i] = out[i]
	}
	d.op += length
	return false, nil
}
