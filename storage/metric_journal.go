package storage

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"time"
)

// Metric data reach the backends as journal entries: PutMetricData (and a
// PutLogEvents batch's metric-filter output) stores its batch as one
// entry, one row, and returns. Merging into buckets is a read-merge-write
// of a row per bucket, the cost that bounded PutMetricData when every call
// did it; done later over every entry written since, it costs one bucket
// write per bucket however many entries published into it, as an agent's
// many batches for the current minute do. Backends merge the journal
// before they answer a metric read, so a read sees every acknowledged
// datum, and in the background so the journal stays short.

// MetricMergeInterval is how often a backend merges the journal in the
// background; reads merge it too, so it only bounds the journal's length.
// A merge costs a bucket write per bucket it touches, however many datums
// went into it, so the interval divides the cost of busy series: every
// second, 8,000 series taking 25 datums a second each cost PostgreSQL
// about a quarter of a core. Three seconds of SQLite's fastest ingest
// (about 290,000 datums a second) stay under its journal bound
// (maxJournaledDatums in storage/sqlite).
const MetricMergeInterval = 3 * time.Second

// MergeLoop is a backend's background journal merge.
type MergeLoop struct{ stop, done chan struct{} }

// StartMergeLoop calls merge every MetricMergeInterval until Stop. merge
// reports its own failures, if at all: a failed merge is left to the next
// tick, or to the next metric read, which returns its error.
func StartMergeLoop(merge func()) *MergeLoop {
	l := &MergeLoop{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(MetricMergeInterval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				merge()
			}
		}
	}()
	return l
}

// Stop ends the loop and waits for a merge under way. A nil loop (a
// store whose open failed before it started one) is stopped already.
func (l *MergeLoop) Stop() {
	if l == nil {
		return
	}
	close(l.stop)
	<-l.done
}

// ErrCorruptJournal is returned for a journal entry that cannot be read.
var ErrCorruptJournal = errors.New("storage: corrupt metric journal entry")

// The first byte of every entry is its format version. Version 1 entries
// (see decodeV1) may still wait in a journal written before version 2;
// only version 2 is written.
const (
	journalV1 = 1
	journalV2 = 2
)

// Flags of a version 2 datum. The low four bits say which of namespace,
// name, dimensions and unit differ from the previous datum's and follow;
// jfTime that its resolution and bucket start do; the top bits hold the
// form of its value.
const (
	jfTime      = 1 << 4
	jfKindShift = 5
)

// Forms of a version 2 datum's value. A single value v stands for the
// aggregate that publishing v alone makes (AggregateValues of v): almost
// every datum of a PutMetricData batch is one.
const (
	jkAggregate = iota // count, sum, min, max as float64 bits, the sketch
	jkFloat            // a single value as float64 bits
	jkWhole            // a single whole value as a zig-zag varint
)

// AppendMetricJournal appends the journal entry of data to b: the
// version byte 2, the number of datums as a uvarint, then per datum a
// flags byte and the fields it says follow:
//
//   - namespace, name, encoded dimensions and unit, those that differ from
//     the previous datum's (flag bits 0 to 3), each as a string
//     reference: uvarint(2i) for the entry's i-th string, or
//     uvarint(2n+1) and n bytes for a new one, which takes the next
//     number;
//   - the resolution as a uvarint and the bucket start as a varint of
//     Unix seconds, when either differs from the previous datum's
//     (jfTime);
//   - the value in the form the top bits name: the aggregate (count, sum,
//     minimum and maximum as little-endian float64 bits, then the sketch
//     as uvarint(len+1) and its encoding, or 0 when there is none), or a
//     single value, as float64 bits or, when it is a whole number, as a
//     zig-zag varint.
//
// The first datum has every field and the time.
func AppendMetricJournal(b []byte, data []MetricDatum) []byte {
	e := journalEncoders.Get().(*journalEncoder)
	defer journalEncoders.Put(e)
	return e.append(b, data)
}

// journalEncoder holds what AppendMetricJournal reuses from entry to
// entry.
type journalEncoder struct {
	// strs numbers the strings of the entry being written.
	strs map[string]uint64
}

var journalEncoders = sync.Pool{New: func() any { return &journalEncoder{strs: map[string]uint64{}} }}

func (e *journalEncoder) append(b []byte, data []MetricDatum) []byte {
	clear(e.strs)
	b = append(b, journalV2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	var (
		prev     [4]string
		prevDims []Dimension
		prevRes  int
		prevTime int64
	)
	for i := range data {
		d := &data[i]
		// Batches repeat dimensions datum after datum: compare them
		// before encoding them again.
		dims := prev[2]
		if i == 0 || !equalDimensions(d.Metric.Dimensions, prevDims) {
			dims = EncodeDimensions(d.Metric.Dimensions)
		}
		prevDims = d.Metric.Dimensions
		fields := [4]string{d.Metric.Namespace, d.Metric.Name, dims, d.Unit}
		var flags byte
		for f, s := range fields {
			if i == 0 || s != prev[f] {
				flags |= 1 << f
			}
		}
		t := d.Time.Unix()
		if i == 0 || d.Resolution != prevRes || t != prevTime {
			flags |= jfTime
		}
		v, single := singleValue(&d.Agg)
		kind := jkAggregate
		if single {
			kind = jkFloat
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 && !(v == 0 && math.Signbit(v)) {
				kind = jkWhole
			}
		}
		b = append(b, flags|byte(kind)<<jfKindShift)
		for f, s := range fields {
			if flags&(1<<f) != 0 {
				b = e.appendString(b, s)
			}
		}
		prev = fields
		if flags&jfTime != 0 {
			b = binary.AppendUvarint(b, uint64(d.Resolution))
			b = binary.AppendVarint(b, t)
			prevRes, prevTime = d.Resolution, t
		}
		switch kind {
		case jkWhole:
			b = binary.AppendVarint(b, int64(v))
		case jkFloat:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		default:
			b = appendAggregate(b, &d.Agg)
		}
	}
	return b
}

// appendString appends the reference to s, and s itself the first time.
func (e *journalEncoder) appendString(b []byte, s string) []byte {
	if i, ok := e.strs[s]; ok {
		return binary.AppendUvarint(b, i<<1)
	}
	e.strs[s] = uint64(len(e.strs))
	b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
	return append(b, s...)
}

func equalDimensions(a, b []Dimension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// singleValue returns v when a is exactly the aggregate of the one finite
// value v (see singleAggregate).
func singleValue(a *Aggregate) (float64, bool) {
	v := a.Minimum
	if a.SampleCount != 1 || math.IsInf(v, 0) || math.IsNaN(v) ||
		math.Float64bits(a.Sum) != math.Float64bits(v) || math.Float64bits(a.Maximum) != math.Float64bits(v) {
		return 0, false
	}
	s := a.Sketch
	switch {
	case v < 0:
		return v, s == nil
	case v == 0:
		return v, s != nil && s.Zero == 1 && len(s.Bins) == 0
	default:
		return v, s != nil && s.Zero == 0 && len(s.Bins) == 1 && s.Bins[0] == Bin{Index: index(v), Count: 1}
	}
}

// singleAggregate sets a to the aggregate of the one value v, with s as
// its sketch when it has one: a count of 1, v as sum, minimum and
// maximum, and no sketch when v is negative.
func singleAggregate(a *Aggregate, s *Sketch, v float64) {
	*a = Aggregate{SampleCount: 1, Sum: v, Minimum: v, Maximum: v}
	if v < 0 {
		return
	}
	s.Zero, s.Bins = 0, s.Bins[:0]
	if v == 0 {
		s.Zero = 1
	} else {
		s.Bins = append(s.Bins, Bin{Index: index(v), Count: 1})
	}
	a.Sketch = s
}

// appendAggregate appends count, sum, minimum and maximum as float64 bits
// and the sketch as uvarint(len+1) and its encoding, or 0 when a has none.
func appendAggregate(b []byte, a *Aggregate) []byte {
	for _, v := range [4]float64{a.SampleCount, a.Sum, a.Minimum, a.Maximum} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	if a.Sketch == nil {
		return append(b, 0)
	}
	// The sketch is written behind its length, which is only known
	// after: reserve the common one-byte length and move the bytes
	// when it is longer.
	at := len(b)
	b = append(b, 0)
	b = a.Sketch.AppendBinary(b)
	n := uint64(len(b)-at-1) + 1
	if n < 0x80 {
		b[at] = byte(n)
		return b
	}
	var lb [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(lb[:], n)
	b = append(b, lb[:k-1]...)
	copy(b[at+k:], b[at+1:len(b)-(k-1)])
	copy(b[at:], lb[:k])
	return b
}

// WithMetricJournal calls write with the journal entry of data, built in a
// buffer that is reused once write returns (write must not keep it).
func WithMetricJournal(data []MetricDatum, write func(entry []byte) error) error {
	buf := journalBuffers.Get().(*[]byte)
	defer journalBuffers.Put(buf)
	*buf = AppendMetricJournal((*buf)[:0], data)
	return write(*buf)
}

// journalBuffers hold entries while they are written: a full batch of
// single values is about 10 KB, of aggregates with sketches 60 KB.
var journalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// MetricScope is the account and region a journal entry belongs to.
type MetricScope struct{ Account, Region string }

// MetricJournal merges journal entries into one aggregate per bucket. The
// zero value is ready to use.
type MetricJournal struct {
	scopes map[MetricScope]map[BucketKey]*Aggregate
	intern map[string]string
	datums int
	// ds, strs and sketch are reused from entry to entry.
	ds     []journalDatum
	strs   []string
	sketch Sketch
}

// journalDatum is a datum of the entry being added: agg without its
// sketch, and sketch its encoding, nil when it has none, or single when
// the datum is agg.Sum alone.
type journalDatum struct {
	key    BucketKey
	agg    Aggregate
	sketch []byte
	single bool
}

// Datums is how many datums the added entries held.
func (j *MetricJournal) Datums() int { return j.datums }

// Scopes returns the merged buckets by account and region.
func (j *MetricJournal) Scopes() map[MetricScope]map[BucketKey]*Aggregate { return j.scopes }

// Add merges one entry written by AppendMetricJournal, of either version.
// An entry that cannot be read is ErrCorruptJournal, and then nothing of
// it is merged.
func (j *MetricJournal) Add(account, region string, entry []byte) error {
	ds, err := j.decode(entry)
	if err != nil {
		return err
	}
	if j.scopes == nil {
		j.scopes = map[MetricScope]map[BucketKey]*Aggregate{}
	}
	scope := MetricScope{account, region}
	m := j.scopes[scope]
	if m == nil {
		m = map[BucketKey]*Aggregate{}
		j.scopes[scope] = m
	}
	for i := range ds {
		d := &ds[i]
		a := d.agg
		switch {
		case d.single:
			singleAggregate(&a, &j.sketch, a.Sum)
		case d.sketch != nil:
			// decode checked every sketch already.
			if err := j.sketch.decode(d.sketch); err != nil {
				panic("BUG: a checked sketch no longer decodes")
			}
			a.Sketch = &j.sketch
		}
		if cur, ok := m[d.key]; ok {
			// Merge does not keep a's sketch, the reused one.
			cur.Merge(a)
			continue
		}
		// A new bucket is the only datum that allocates.
		n := new(Aggregate)
		*n = a
		if a.Sketch != nil {
			n.Sketch = a.Sketch.Clone()
		}
		m[d.key] = n
	}
	j.datums += len(ds)
	return nil
}

// decode reads an entry's datums into j.ds, checking every part of it,
// sketches included, so that Add merges all of an entry or none of it.
func (j *MetricJournal) decode(entry []byte) ([]journalDatum, error) {
	if len(entry) == 0 {
		return nil, ErrCorruptJournal
	}
	if j.intern == nil {
		j.intern = map[string]string{}
	}
	ds := j.ds[:0]
	var err error
	switch entry[0] {
	case journalV1:
		ds, err = j.decodeV1(ds, entry[1:])
	case journalV2:
		ds, err = j.decodeV2(ds, entry[1:])
	default:
		err = ErrCorruptJournal
	}
	j.ds = ds[:0]
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// decodeV2 appends the datums of a version 2 entry, b after its version
// byte, to ds.
func (j *MetricJournal) decodeV2(ds []journalDatum, b []byte) ([]journalDatum, error) {
	count, k := binary.Uvarint(b)
	// Every datum takes at least its flags byte.
	if k <= 0 || count > uint64(len(b)) {
		return ds, ErrCorruptJournal
	}
	b = b[k:]
	strs := j.strs[:0]
	defer func() { j.strs = strs[:0] }()
	var (
		prev [4]string
		res  uint64
		ts   int64
	)
	for n := uint64(0); n < count; n++ {
		if len(b) == 0 {
			return ds, ErrCorruptJournal
		}
		flags := b[0]
		b = b[1:]
		if n == 0 && flags&(jfTime|0xf) != jfTime|0xf {
			return ds, ErrCorruptJournal
		}
		for f := range prev {
			if flags&(1<<f) == 0 {
				continue
			}
			r, k := binary.Uvarint(b)
			if k <= 0 {
				return ds, ErrCorruptJournal
			}
			b = b[k:]
			if r&1 == 0 {
				if r>>1 >= uint64(len(strs)) {
					return ds, ErrCorruptJournal
				}
				prev[f] = strs[r>>1]
				continue
			}
			if r>>1 > uint64(len(b)) {
				return ds, ErrCorruptJournal
			}
			raw := b[:r>>1]
			b = b[r>>1:]
			s := j.str(raw)
			strs = append(strs, s)
			prev[f] = s
		}
		if flags&jfTime != 0 {
			if res, k = binary.Uvarint(b); k <= 0 || res > math.MaxInt32 {
				return ds, ErrCorruptJournal
			}
			b = b[k:]
			if ts, k = binary.Varint(b); k <= 0 {
				return ds, ErrCorruptJournal
			}
			b = b[k:]
		}
		d := journalDatum{key: BucketKey{Namespace: prev[0], Name: prev[1], Dims: prev[2], Unit: prev[3],
			Resolution: int(res), Time: ts}}
		var err error
		switch flags >> jfKindShift {
		case jkWhole:
			v, k := binary.Varint(b)
			if k <= 0 || v <= -1<<53 || v >= 1<<53 {
				return ds, ErrCorruptJournal
			}
			b = b[k:]
			d.agg.Sum, d.single = float64(v), true
		case jkFloat:
			if len(b) < 8 {
				return ds, ErrCorruptJournal
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return ds, ErrCorruptJournal
			}
			d.agg.Sum, d.single = v, true
		case jkAggregate:
			if b, err = j.decodeAggregate(&d, b); err != nil {
				return ds, err
			}
		default:
			return ds, ErrCorruptJournal
		}
		ds = append(ds, d)
	}
	if len(b) != 0 {
		return ds, ErrCorruptJournal
	}
	return ds, nil
}

// decodeAggregate reads what appendAggregate wrote into d and returns
// the rest of b. d.sketch aliases b.
// str returns raw as a string, one copy for all the entries j reads.
func (j *MetricJournal) str(raw []byte) string {
	s, ok := j.intern[string(raw)]
	if !ok {
		s = string(raw)
		j.intern[s] = s
	}
	return s
}

func (j *MetricJournal) decodeAggregate(d *journalDatum, b []byte) ([]byte, error) {
	if len(b) < 32 {
		return nil, ErrCorruptJournal
	}
	d.agg.SampleCount = math.Float64frombits(binary.LittleEndian.Uint64(b))
	d.agg.Sum = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	d.agg.Minimum = math.Float64frombits(binary.LittleEndian.Uint64(b[16:]))
	d.agg.Maximum = math.Float64frombits(binary.LittleEndian.Uint64(b[24:]))
	b = b[32:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)+1 {
		return nil, ErrCorruptJournal
	}
	b = b[k:]
	if n > 0 {
		d.sketch = b[: n-1 : n-1]
		if err := j.sketch.decode(d.sketch); err != nil {
			return nil, ErrCorruptJournal
		}
		b = b[n-1:]
	}
	return b, nil
}
