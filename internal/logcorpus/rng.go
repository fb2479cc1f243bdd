package logcorpus

import "strconv"

// RNG is splitmix64: tiny, fast, and fixed forever, unlike the
// algorithms behind math/rand's helpers, so a seed always yields the same
// corpus. Tests use it too, for draws that must not change between Go
// releases. The zero value is a generator seeded with 0.
type RNG struct{ s uint64 }

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG { return &RNG{s: seed} }

// Uint64 returns a uniform 64-bit value.
func (r *RNG) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// IntN returns a uniform value in [0, n).
func (r *RNG) IntN(n int) int { return int((r.Uint64() >> 32) * uint64(n) >> 32) }

// Float64 returns a uniform value in [0, 1).
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Skewed returns a value in [0, n) where small values are much likelier,
// roughly as popular users, pages and queries are: the minimum of three
// uniform draws, squared in effect.
func (r *RNG) Skewed(n int) int {
	a, b := r.IntN(n), r.IntN(n)
	if b < a {
		a = b
	}
	if c := r.IntN(n); c < a {
		a = c
	}
	return a
}

// LongTail returns a value in [0, max) with most values small and a long
// tail, as latencies and response sizes are.
func (r *RNG) LongTail(max int) int {
	f := r.Float64()
	return int(f * f * f * float64(max))
}

const hexDigits = "0123456789abcdef"

// Hex appends n random lower-case hexadecimal digits to dst.
func (r *RNG) Hex(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, hexDigits[r.IntN(16)])
	}
	return dst
}

const alnumChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Alnum appends n random ASCII letters and digits to dst.
func (r *RNG) Alnum(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, alnumChars[r.IntN(len(alnumChars))])
	}
	return dst
}

// clientIP appends a client address: mostly one of a few thousand
// returning clients, sometimes internal, sometimes new.
func (r *RNG) clientIP(dst []byte) []byte {
	var v uint32
	switch p := r.IntN(10); {
	case p < 6:
		// A returning client: a fixed pseudo-random address per index.
		z := uint64(r.Skewed(5000))*0x9e3779b97f4a7c15 + 12345
		v = uint32(z>>32) | 0x01000000
	case p < 8:
		v = 10<<24 | uint32(r.IntN(4))<<16 | uint32(r.IntN(256))<<8 | uint32(1+r.IntN(254))
	default:
		v = uint32(r.Uint64()>>32) | 0x01000000
	}
	dst = strconv.AppendInt(dst, int64(v>>24), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(v>>16&0xff), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(v>>8&0xff), 10)
	dst = append(dst, '.')
	return strconv.AppendInt(dst, int64(v&0xff), 10)
}
