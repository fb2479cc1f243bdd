// Metric aggregates: per time bucket, the aggregate of every value
// published in it (sample count, sum, minimum, maximum) and a mergeable
// sketch of their distribution, from which percentiles and the other
// extended statistics are estimated within a stated relative error.

package storage

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// SketchRelativeAccuracy is the sketch's guarantee: for any rank, the value the
// sketch reports is within this fraction of a value that holds that rank
// among the values added (DDSketch, Masson et al., VLDB 2019).
const SketchRelativeAccuracy = 0.01

var (
	gamma    = (1 + SketchRelativeAccuracy) / (1 - SketchRelativeAccuracy)
	logGamma = math.Log(gamma)
)

// minIndexable is the smallest positive value given its own bucket; smaller
// positive values share the lowest bucket (their relative error is not
// bounded, but CloudWatch's value range makes them vanishingly rare).
const minIndexable = 1e-300

// Sketch is a DDSketch over non-negative values: value x > 0 lands in bucket
// ceil(log_γ x), and the bucket reports 2γ^i/(γ+1), which is within
// SketchRelativeAccuracy of every value in it. Zeros are counted apart. Weights
// are float64 because PutMetricData's Counts are doubles.
type Sketch struct {
	Zero float64
	// Bins holds the positive buckets ordered by index.
	Bins []Bin
}

// Bin is one sketch bucket.
type Bin struct {
	Index int32
	Count float64
}

func index(x float64) int32 {
	if x < minIndexable {
		x = minIndexable
	}
	return int32(math.Ceil(math.Log(x) / logGamma))
}

// value is the bucket's representative: the point whose relative distance
// to both bucket bounds γ^(i-1) and γ^i is SketchRelativeAccuracy.
func value(i int32) float64 { return 2 * math.Pow(gamma, float64(i)) / (gamma + 1) }

// Add adds x with weight w (w > 0). x must be >= 0: CloudWatch keeps no
// percentiles for periods with negative values, and the caller drops the
// sketch instead (see Aggregate.AddValue).
func (s *Sketch) Add(x, w float64) {
	if x == 0 {
		s.Zero += w
		return
	}
	s.addBin(Bin{Index: index(x), Count: w})
}

// addBin adds b's weight to the bin of its index, inserting it if needed.
func (s *Sketch) addBin(b Bin) {
	n, found := slices.BinarySearchFunc(s.Bins, b.Index, func(x Bin, i int32) int { return int(x.Index) - int(i) })
	if found {
		s.Bins[n].Count += b.Count
		return
	}
	s.Bins = slices.Insert(s.Bins, n, b)
}

// Merge adds o's counts to s.
func (s *Sketch) Merge(o *Sketch) {
	s.Zero += o.Zero
	switch len(o.Bins) {
	case 0:
		return
	case 1:
		// A journal merge adds single values a bucket at a time: add
		// the bin in place.
		s.addBin(o.Bins[0])
		return
	}
	out := make([]Bin, 0, len(s.Bins)+len(o.Bins))
	a, b := s.Bins, o.Bins
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0].Index < b[0].Index:
			out, a = append(out, a[0]), a[1:]
		case a[0].Index > b[0].Index:
			out, b = append(out, b[0]), b[1:]
		default:
			out = append(out, Bin{a[0].Index, a[0].Count + b[0].Count})
			a, b = a[1:], b[1:]
		}
	}
	out = append(append(out, a...), b...)
	s.Bins = out
}

// Total is the weight of everything added.
func (s *Sketch) Total() float64 {
	t := s.Zero
	for _, b := range s.Bins {
		t += b.Count
	}
	return t
}

// Clone returns an independent copy.
func (s *Sketch) Clone() *Sketch {
	c := &Sketch{Zero: s.Zero}
	if len(s.Bins) > 0 {
		// A sketch without bins has nil Bins, however s got there.
		c.Bins = slices.Clone(s.Bins)
	}
	return c
}

// point is a run of equal representative values, for rank walks.
type point struct{ v, w float64 }

func (s *Sketch) points() []point {
	ps := make([]point, 0, len(s.Bins)+1)
	if s.Zero > 0 {
		ps = append(ps, point{0, s.Zero})
	}
	for _, b := range s.Bins {
		ps = append(ps, point{value(b.Index), b.Count})
	}
	return ps
}

// Quantile returns the estimate of the value of rank q (0 ≤ q ≤ 1), the
// value below which a fraction q of the weight lies. ok is false for an
// empty sketch.
func (s *Sketch) Quantile(q float64) (float64, bool) {
	total := s.Total()
	if total == 0 {
		return 0, false
	}
	// The lowest value whose cumulative weight exceeds q·(n−1), the
	// DDSketch rank convention, so p0 is the minimum and p100 the maximum.
	rank := q * (total - 1)
	cum := 0.0
	ps := s.points()
	for _, p := range ps {
		cum += p.w
		if cum > rank {
			return p.v, true
		}
	}
	return ps[len(ps)-1].v, true
}

// ErrCorruptSketch is returned for a sketch encoding that cannot be read.
var ErrCorruptSketch = errors.New("storage: corrupt sketch encoding")

// AppendBinary appends the sketch's encoding: the zero weight, the bin
// count, then per bin the zig-zag varint index delta and the weight (as a
// uvarint when it is a small whole number, the common case, otherwise as
// float64 bits behind a marker).
func (s *Sketch) AppendBinary(b []byte) []byte {
	b = appendWeight(b, s.Zero)
	b = binary.AppendUvarint(b, uint64(len(s.Bins)))
	prev := int32(0)
	for _, bin := range s.Bins {
		b = binary.AppendVarint(b, int64(bin.Index-prev))
		prev = bin.Index
		b = appendWeight(b, bin.Count)
	}
	return b
}

// Weights are written as uvarint(2w) for whole w < 2^52 and as 1 followed
// by the float64 bits otherwise.
func appendWeight(b []byte, w float64) []byte {
	if w >= 0 && w < 1<<52 && w == math.Trunc(w) {
		return binary.AppendUvarint(b, uint64(w)<<1)
	}
	b = binary.AppendUvarint(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(w))
}

func readWeight(b []byte) (float64, []byte, error) {
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, ErrCorruptSketch
	}
	b = b[n:]
	if u&1 == 0 {
		return float64(u >> 1), b, nil
	}
	if u != 1 || len(b) < 8 {
		return 0, nil, ErrCorruptSketch
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), b[8:], nil
}

// DecodeSketch reads what AppendBinary wrote.
func DecodeSketch(b []byte) (*Sketch, error) {
	s := &Sketch{}
	if err := s.decode(b); err != nil {
		return nil, err
	}
	return s, nil
}

// decode sets s to what AppendBinary wrote in b, reusing s.Bins.
func (s *Sketch) decode(b []byte) error {
	var err error
	if s.Zero, b, err = readWeight(b); err != nil {
		return err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return ErrCorruptSketch
	}
	b = b[k:]
	if uint64(cap(s.Bins)) < n {
		s.Bins = make([]Bin, 0, n)
	}
	s.Bins = s.Bins[:0]
	prev := int64(0)
	for range n {
		d, k := binary.Varint(b)
		if k <= 0 {
			return ErrCorruptSketch
		}
		b = b[k:]
		idx := prev + d
		if idx < math.MinInt32 || idx > math.MaxInt32 || (len(s.Bins) > 0 && d <= 0) {
			return ErrCorruptSketch
		}
		prev = idx
		var w float64
		if w, b, err = readWeight(b); err != nil {
			return err
		}
		s.Bins = append(s.Bins, Bin{Index: int32(idx), Count: w})
	}
	if len(b) != 0 {
		return ErrCorruptSketch
	}
	return nil
}
