package chunk

import "encoding/binary"

// Probe is the Bloom filter lookups that decide, for a read's terms,
// which blocks of a chunk may hold a message containing all of them: one
// key per distinct trigram of the terms, each needing one 32-byte block
// of a block's Bloom filter. A storage that keeps every block's Bloom
// filter apart (BlockBlooms) can pick those 32 bytes out itself, where
// the filters lie, and hand only them to Admits: a few hundred bytes a
// block rather than the whole filter, which is about a percent of the
// messages. A Probe is immutable and safe for concurrent use.
type Probe struct {
	hashes []uint64 // distinct, in the order the terms give them
}

// NewProbe returns the probe of terms, or nil when the filter can say
// nothing about them (no term of three bytes or more): then every block
// may match. Terms are case-sensitive substrings, as for MayContain.
func NewProbe(terms []string) *Probe {
	if !hasTrigrams(terms) {
		return nil
	}
	p := &Probe{}
	seen := map[uint32]bool{}
	for _, term := range terms {
		if len(term) < 3 {
			continue
		}
		t := uint32(fold[term[0]])<<8 | uint32(fold[term[1]])
		for i := 2; i < len(term); i++ {
			t = (t<<8 | uint32(fold[term[i]])) & (1<<24 - 1)
			if !seen[t] {
				seen[t] = true
				p.hashes = append(p.hashes, hashTrigram(t))
			}
		}
	}
	return p
}

// Picks returns, for each key in order, the number that says where its
// 32 bytes lie: in a block's Bloom filter of n 32-byte blocks (its length
// over 32), key i's start at byte ((Picks()[i] * n) >> 32) * 32, an
// unsigned 64-bit product that cannot overflow.
func (p *Probe) Picks() []uint32 {
	out := make([]uint32, len(p.hashes))
	for i, h := range p.hashes {
		out[i] = uint32(h >> 32)
	}
	return out
}

// Admits reports whether a block may hold a message containing every
// term, from picked: the 32 bytes at each key's pick (see Picks) of the
// block's Bloom filter, in key order, back to back. An empty picked is
// the empty filter of a block without a message of three bytes, which
// admits nothing; any other length but 32 per key is not a pick of this
// probe and admits everything, as a malformed filter does.
func (p *Probe) Admits(picked []byte) bool {
	if len(picked) == 0 {
		return false
	}
	if len(picked) != blockBytes*len(p.hashes) {
		return true
	}
	for i, h := range p.hashes {
		b := picked[i*blockBytes:]
		for w := range salts {
			if binary.LittleEndian.Uint32(b[4*w:])&mask(h, w) == 0 {
				return false
			}
		}
	}
	return true
}

// Mask says which blocks of a chunk may hold a message containing every
// term, from the chunk's whole filter, appending to dst[:0]. It returns
// nil when the filter cannot tell (missing, malformed or of an unknown
// version), meaning every block may.
func (p *Probe) Mask(dst []bool, filter []byte) []bool {
	f, ok := parseFilter(filter)
	if !ok {
		return nil
	}
	dst = dst[:0]
	for bits, more := f.next(); more; bits, more = f.next() {
		dst = append(dst, p.blockAdmits(bits))
	}
	return dst
}

// blockAdmits is Admits on a block's whole Bloom filter.
func (p *Probe) blockAdmits(bits []byte) bool {
	n := len(bits) / blockBytes
	if n == 0 {
		return false
	}
	for _, h := range p.hashes {
		if !blockHas(bits, n, h) {
			return false
		}
	}
	return true
}

// BlockBlooms returns the Bloom filters of a filter's blocks, in block
// order, each a sub-slice of filter whose length is a multiple of 32
// (zero for a block without a message of three bytes). ok is false for a
// filter that is empty, malformed or of an unknown version.
func BlockBlooms(filter []byte) (blooms [][]byte, ok bool) {
	f, ok := parseFilter(filter)
	if !ok {
		return nil, false
	}
	for bits, more := f.next(); more; bits, more = f.next() {
		blooms = append(blooms, bits)
	}
	return blooms, true
}

// Prefix returns the probe of only the first k keys (all of them when
// there are no more), for a storage that bounds the lookups of one
// search: fewer keys admit more blocks, never fewer, so a search stays
// exact and only reads more.
func (p *Probe) Prefix(k int) *Probe {
	if k >= len(p.hashes) {
		return p
	}
	return &Probe{hashes: p.hashes[:k:k]}
}
