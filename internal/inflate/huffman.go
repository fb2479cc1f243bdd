package inflate

import "math/bits"

// A decode table maps the next bits of the stream to an entry. The
// primary part is indexed by the next tableBits bits; a code longer than
// that leads, through a subtable entry, to a subtable indexed by the bits
// after them. Codes are stored bit-reversed, as DEFLATE sends a code's
// most significant bit first into the least significant end of the bit
// buffer (RFC 1951 §3.1.1).
//
// An entry is a uint32:
//
//	bits 0-4    bits to consume: the code's length plus its extra bits (two
//	            literals: both codes' lengths)
//	bits 5-6    literals: how many, 1 or 2
//	bits 8-11   the code's length (subtable entry: the subtable's index bits)
//	bit  12     subtable entry
//	bit  13     invalid: no code, or a symbol DEFLATE does not define
//	bit  14     end of block
//	bit  15     literal
//	bits 16-31  the literal byte (two: the first in bits 16-23), length
//	            base or distance base (subtable entry: where the subtable
//	            starts)
//
// Extra bits are read as (bits & (1<<consume - 1)) >> codeLength.
//
// Where the primary index bits hold two literal codes whole, the entry
// holds both literals: log files are mostly short literal codes between
// matches, and each lookup depends on the one before, so halving the
// lookups for a run of literals is what decoding them fastest takes.
const (
	entrySubtable = 1 << 12
	entryInvalid  = 1 << 13
	entryEOB      = 1 << 14
	entryLiteral  = 1 << 15
	// entryExceptional marks what the fast loop leaves its straight path
	// for.
	entryExceptional = entrySubtable | entryInvalid | entryEOB

	entryConsume = 31 // the mask of the bits to consume

	litlenBits = 10
	distBits   = 8
	clenBits   = 7 // the longest code-length code: all of them in one level

	// The table sizes are powers of two, so indexes masked by them need
	// no bounds checks, and hold the largest tables: a subtable of 2^k
	// entries holds a complete subtree of codes at least k+1 deep, so
	// 286 codes fill at most 286/6 subtables of 32 entries beyond the
	// 1024 primary ones (2549 in all), and 30 distance codes at most 3
	// of 128 and one of 32 beyond 256 (672). buildTable checks.
	litlenTableSize = 4096
	distTableSize   = 1024
	clenTableSize   = 1 << clenBits

	maxCodeLen     = 15
	maxLitlenCodes = 286 // HLIT + 257 may say up to 288; more than 286 is refused
	maxDistCodes   = 30  // likewise HDIST + 1 up to 32
)

// Length and distance bases and extra bits (RFC 1951 §3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// The order code-length code lengths come in (RFC 1951 §3.2.7).
var clenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// symbol kinds, for buildTable.
const (
	kindLitlen = iota
	kindDist
	kindClen
)

// symbolEntry is the entry of sym with a code of length n, without the
// table layout parts.
func symbolEntry(kind int, sym int, n uint32) uint32 {
	switch kind {
	case kindLitlen:
		switch {
		case sym < 256:
			return entryLiteral | uint32(sym)<<16 | n<<8 | 1<<5 | n
		case sym == 256:
			return entryEOB | n<<8 | n
		case sym < 257+len(lengthBase):
			i := sym - 257
			return uint32(lengthBase[i])<<16 | n<<8 | (n + uint32(lengthExtra[i]))
		}
	case kindDist:
		if sym < len(distBase) {
			return uint32(distBase[sym])<<16 | n<<8 | (n + uint32(distExtra[sym]))
		}
	case kindClen:
		return uint32(sym)<<16 | n<<8 | n
	}
	// Litlen 286 and 287, distances 30 and 31: they have codes in the
	// fixed code but mean nothing (RFC 1951 §3.2.6).
	return entryInvalid | n<<8 | n
}

// buildTable fills table for the code with the given code lengths (0:
// symbol unused), as canonical Huffman codes (RFC 1951 §3.2.2). It
// accepts what compress/flate and zlib accept: a complete code, a code of
// one symbol of length 1, or no code at all; bit patterns no code has
// decode to invalid entries.
func buildTable(table []uint32, lens []uint8, primary uint, kind int) bool {
	var count [maxCodeLen + 1]int
	for _, n := range lens {
		count[n]++
	}
	count[0] = 0
	// Check the code's completeness: left is how many codes of length n
	// are still unassigned; at the end, of length maxCodeLen.
	left := 1
	maxLen := 0
	for n := 1; n <= maxCodeLen; n++ {
		left = left<<1 - count[n]
		if left < 0 {
			return false // over-subscribed
		}
		if count[n] > 0 {
			maxLen = n
		}
	}
	if maxLen == 0 {
		fillEntries(table[:1<<primary], entryInvalid)
		return true
	}
	if left != 0 {
		// Incomplete: refused but for a single code of length 1, which
		// zlib writes for a block that uses one distance.
		if maxLen != 1 || count[1] != 1 {
			return false
		}
		fillEntries(table[:1<<primary], entryInvalid)
	}

	// The first code of each length, then symbols in order of (length,
	// symbol), which is the order of their codes.
	var next [maxCodeLen + 2]int
	code := 0
	for n := 1; n <= maxCodeLen; n++ {
		code = (code + count[n-1]) << 1
		next[n] = code
	}
	var offs [maxCodeLen + 2]int
	for n := 1; n <= maxCodeLen; n++ {
		offs[n+1] = offs[n] + count[n]
	}
	var sorted [maxLitlenCodes + 2]uint16
	for sym, n := range lens {
		if n != 0 {
			sorted[offs[n]] = uint16(sym)
			offs[n]++
		}
	}
	nsyms := offs[maxCodeLen]

	size := 1 << primary // where the next subtable goes
	subPrefix := -1      // the primary index the current subtable hangs from
	subStart, subBits := 0, uint(0)
	for i := 0; i < nsyms; i++ {
		sym := int(sorted[i])
		n := uint(lens[sym])
		code := next[n]
		next[n]++
		rev := int(bits.Reverse16(uint16(code)) >> (16 - n))
		e := symbolEntry(kind, sym, uint32(n))
		if n <= primary {
			for j := rev; j < 1<<primary; j += 1 << n {
				table[j] = e
			}
			continue
		}
		prefix := rev & (1<<primary - 1)
		if prefix != subPrefix {
			// A new subtable, as wide as the longest code below this
			// prefix: codes sharing a prefix are consecutive here, the
			// longest last.
			subPrefix, subStart = prefix, size
			subBits = subtableBits(lens, sorted[:nsyms], i, primary, code, n)
			size += 1 << subBits
			if size > len(table) {
				panic("BUG: inflate: decode table too small")
			}
			table[prefix] = entrySubtable | uint32(subStart)<<16 | uint32(subBits)<<8 | uint32(primary)
		}
		sub := rev >> primary
		for j := sub; j < 1<<subBits; j += 1 << (n - primary) {
			table[subStart+j] = e
		}
	}
	if kind == kindLitlen {
		pairLiterals(table[:1<<primary], primary)
	}
	return true
}

// pairLiterals makes each primary entry of a literal whose code leaves
// room for a second literal code in the index bits hold both. The entry
// at i>>n is what the bits after a code of length n decode to, complete
// if its code fits in the primary-n bits left; going down from the top
// reads only entries not yet paired.
func pairLiterals(table []uint32, primary uint) {
	for i := len(table) - 1; i >= 0; i-- {
		e := table[i]
		n := e & entryConsume
		e2 := table[i>>n]
		n2 := n + e2&entryConsume
		// Branch-free, as whether a pair fits is as good as random.
		paired := e&^(entryConsume|3<<5) | (e2>>16&0xff)<<24 | 2<<5 | n2
		if e&e2&entryLiteral != 0 && n2 <= uint32(primary) {
			e = paired
		}
		table[i] = e
	}
}

// subtableBits is how many index bits the subtable for the code of
// sorted[i] (of length n, value code) needs: enough for the longest code
// sharing its first primary bits.
func subtableBits(lens []uint8, sorted []uint16, i int, primary uint, code int, n uint) uint {
	prefix := code >> (n - primary)
	longest := n
	// Walk the following codes in canonical order, tracking their values.
	c, cn := code, n
	for j := i + 1; j < len(sorted); j++ {
		m := uint(lens[sorted[j]])
		c = (c + 1) << (m - cn)
		cn = m
		if c>>(m-primary) != prefix {
			break
		}
		longest = m
	}
	return longest - primary
}

func fillEntries(t []uint32, e uint32) {
	for i := range t {
		t[i] = e
	}
}

// The fixed codes (RFC 1951 §3.2.6).
var fixedLitlen, fixedDist = buildFixed()

func buildFixed() (*[litlenTableSize]uint32, *[distTableSize]uint32) {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	lt := new([litlenTableSize]uint32)
	if !buildTable(lt[:], lens[:], litlenBits, kindLitlen) {
		panic("BUG: inflate: fixed literal/length code")
	}
	var dlens [32]uint8
	for i := range dlens {
		dlens[i] = 5
	}
	dt := new([distTableSize]uint32)
	if !buildTable(dt[:], dlens[:], distBits, kindDist) {
		panic("BUG: inflate: fixed distance code")
	}
	return lt, dt
}

// readDynamic reads a dynamic block's code definitions (RFC 1951
// §3.2.7) into d.litlen and d.dist.
func (d *Decoder) readDynamic() error {
	h, err := d.getBits(14)
	if err != nil {
		return err
	}
	nlit := int(h&31) + 257
	ndist := int(h>>5&31) + 1
	nclen := int(h>>10) + 4
	if nlit > maxLitlenCodes || ndist > maxDistCodes {
		return errCodeCount
	}
	var clens [19]uint8
	for i := range nclen {
		v, err := d.getBits(3)
		if err != nil {
			return err
		}
		clens[clenOrder[i]] = uint8(v)
	}
	if !buildTable(d.clen[:], clens[:], clenBits, kindClen) {
		return errCode
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		_, sym, err := d.decodeSymSlow(d.clen[:], clenBits)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return errRepeat
			}
			v = lens[i-1]
			rep, err = d.getBits(2)
			rep += 3
		case 17:
			rep, err = d.getBits(3)
			rep += 3
		default:
			rep, err = d.getBits(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+int(rep) > len(lens) {
			return errRepeat
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !buildTable(d.litlen[:], lens[:nlit], litlenBits, kindLitlen) ||
		!buildTable(d.dist[:], lens[nlit:], distBits, kindDist) {
		return errCode
	}
	return nil
}
