package chunk

import (
	"encoding/binary"
	"slices"
)

const (
	filterV1   = 1
	filterV2   = 2
	blockBytes = 32 // one 256-bit block: eight 32-bit words
	// bitsPerKey sizes a filter: a key costs this many bits on average.
	// Six bits give a split-block filter about 10% false positives per
	// trigram (eight bits: 6%); a term usually has several absent
	// trigrams, so whole terms fare much better (TestFalsePositiveRate:
	// 0.4% for random words, as with eight bits). Blocks need a filter
	// each, about 1% of the raw bytes at eight bits; six keep the bytes
	// on disk within 15% of the raw bytes after compaction.
	bitsPerKey = 6
)

// salts pick a block key's bit in each of the block's eight words; they
// are Parquet's split-block Bloom filter constants.
var salts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// fold maps ASCII upper-case letters to lower case and leaves every other
// byte alone, UTF-8 included.
var fold = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] += 'a' - 'A'
		}
	}
	return t
}()

// MayContain reports whether a chunk whose filter is filter may hold a
// message containing every one of terms as a case-sensitive substring.
// False means definitely not; true means the chunk must be scanned to
// know. Terms shorter than three bytes say nothing, and an empty list, an
// empty or unrecognised filter (say, from a newer format) all yield true.
// A chunk of several blocks may match when one of its blocks may.
// MayContain neither allocates nor retains its arguments.
func MayContain(filter []byte, terms []string) bool {
	if !hasTrigrams(terms) {
		return true
	}
	f, ok := parseFilter(filter)
	if !ok {
		return true
	}
	for bits, more := f.next(); more; bits, more = f.next() {
		if blockMayContain(bits, terms) {
			return true
		}
	}
	return false
}

// hasTrigrams reports whether a term is long enough for the filter to
// say anything about it.
func hasTrigrams(terms []string) bool {
	for _, t := range terms {
		if len(t) >= 3 {
			return true
		}
	}
	return false
}

// blockMayContain is MayContain for one block's Bloom filter.
func blockMayContain(blocks []byte, terms []string) bool {
	n := len(blocks) / blockBytes
	for _, term := range terms {
		if len(term) < 3 {
			continue
		}
		if n == 0 {
			// No message had three bytes, so none contains term.
			return false
		}
		t := uint32(fold[term[0]])<<8 | uint32(fold[term[1]])
		for i := 2; i < len(term); i++ {
			t = (t<<8 | uint32(fold[term[i]])) & (1<<24 - 1)
			if !blockHas(blocks, n, hashTrigram(t)) {
				return false
			}
		}
	}
	return true
}

// filterBlocks walks the per-block Bloom filters of a chunk's filter.
type filterBlocks struct {
	n     int    // blocks left
	lens  reader // the remaining lengths (version 2)
	bits  []byte // the remaining Bloom filters
	whole bool   // version 1: one filter, all of bits
}

// parseFilter checks a filter's framing; ok is false for one that is
// empty, malformed or of an unknown version, which says nothing.
func parseFilter(filter []byte) (f filterBlocks, ok bool) {
	if len(filter) == 0 {
		return f, false
	}
	switch filter[0] {
	case filterV1:
		if (len(filter)-1)%blockBytes != 0 {
			return f, false
		}
		return filterBlocks{n: 1, bits: filter[1:], whole: true}, true
	case filterV2:
	default:
		return f, false
	}
	r := reader{b: filter, off: 1}
	n := r.uvarint()
	if r.bad || n == 0 || n > uint64(len(filter)) {
		return f, false
	}
	lens := reader{b: filter, off: r.off}
	var total uint64
	for range n {
		total += r.uvarint()
		if r.bad || total > uint64(len(filter)) {
			return f, false
		}
	}
	if uint64(len(filter)-r.off) != total*blockBytes {
		return f, false
	}
	return filterBlocks{n: int(n), lens: lens, bits: filter[r.off:]}, true
}

// next returns the next block's Bloom filter; more is false after the
// last.
func (f *filterBlocks) next() (bits []byte, more bool) {
	if f.n == 0 {
		return nil, false
	}
	f.n--
	if f.whole {
		return f.bits, true
	}
	k := int(f.lens.uvarint()) * blockBytes
	bits, f.bits = f.bits[:k], f.bits[k:]
	return bits, true
}

// blockMask says which of a chunk's n blocks may hold a message
// containing every one of terms, appending to dst[:0]; it returns nil
// when the filter cannot tell blocks apart (no usable terms, or a filter
// that is missing, malformed or not of n blocks), meaning all may.
func blockMask(dst []bool, filter []byte, n int, terms []string) []bool {
	if !hasTrigrams(terms) {
		return nil
	}
	f, ok := parseFilter(filter)
	if !ok || f.n != n {
		return nil
	}
	dst = dst[:0]
	for bits, more := f.next(); more; bits, more = f.next() {
		dst = append(dst, blockMayContain(bits, terms))
	}
	return dst
}

// appendFilter appends a version 2 filter of Bloom filters whose lengths
// in 32-byte blocks are lens, back to back in bloom.
func appendFilter(dst []byte, lens []int, bloom []byte) []byte {
	dst = append(dst, filterV2)
	dst = binary.AppendUvarint(dst, uint64(len(lens)))
	for _, k := range lens {
		dst = binary.AppendUvarint(dst, uint64(k))
	}
	return append(dst, bloom...)
}

// hashTrigram mixes a 24-bit trigram into 64 well-spread bits
// (splitmix64's finaliser): the high half picks the block, the low half
// the bits.
func hashTrigram(t uint32) uint64 {
	z := uint64(t) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// bloomBlock returns the block of blocks (n of them) that h maps to.
func bloomBlock(blocks []byte, n int, h uint64) *[blockBytes]byte {
	i := int((h >> 32) * uint64(n) >> 32)
	return (*[blockBytes]byte)(blocks[i*blockBytes:])
}

// mask returns the bit h sets in word i of its block.
func mask(h uint64, i int) uint32 { return 1 << (uint32(h) * salts[i] >> 27) }

func blockHas(blocks []byte, n int, h uint64) bool {
	b := bloomBlock(blocks, n, h)
	for i := range salts {
		if binary.LittleEndian.Uint32(b[4*i:])&mask(h, i) == 0 {
			return false
		}
	}
	return true
}

func blockSet(blocks []byte, n int, h uint64) {
	b := bloomBlock(blocks, n, h)
	for i := range salts {
		w := b[4*i:]
		binary.LittleEndian.PutUint32(w, binary.LittleEndian.Uint32(w)|mask(h, i))
	}
}

// trigramSet collects the distinct folded trigrams of a chunk's messages.
// A trigram is exactly 24 bits, so a 2 MiB bitmap answers "seen?" with
// one memory access and no hashing; keys lists the trigrams set, so reset
// clears only their words.
type trigramSet struct {
	seen *[1 << 18]uint64
	keys []uint32
}

func newTrigramSet() *trigramSet { return &trigramSet{seen: new([1 << 18]uint64)} }

// add records msg's trigrams.
func (s *trigramSet) add(msg []byte) {
	if len(msg) < 3 {
		return
	}
	seen := s.seen
	t := uint32(fold[msg[0]])<<8 | uint32(fold[msg[1]])
	for _, c := range msg[2:] {
		t = (t<<8 | uint32(fold[c])) & (1<<24 - 1)
		w, bit := t>>6, uint64(1)<<(t&63)
		// Most trigrams repeat, so the branch is well predicted.
		if seen[w]&bit == 0 {
			seen[w] |= bit
			s.keys = append(s.keys, t)
		}
	}
}

func (s *trigramSet) reset() {
	for _, t := range s.keys {
		s.seen[t>>6] = 0
	}
	s.keys = s.keys[:0]
}

// appendBloom appends the Bloom filter of the trigrams added so far to
// dst and returns it with the filter's length in 32-byte blocks.
func (s *trigramSet) appendBloom(dst []byte) ([]byte, int) {
	n := (len(s.keys)*bitsPerKey + 8*blockBytes - 1) / (8 * blockBytes)
	start := len(dst)
	dst = slices.Grow(dst, n*blockBytes)[:start+n*blockBytes]
	clear(dst[start:])
	for _, t := range s.keys {
		blockSet(dst[start:], n, hashTrigram(t))
	}
	return dst, n
}
