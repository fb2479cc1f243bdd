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
const MetricMergeInterval = time.Second

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

// journalVersion is the first byte of every entry.
const journalVersion = 1

// AppendMetricJournal appends the journal entry of data to b: a version
// byte, the number of datums as a uvarint, then per datum:
// namespace, name, encoded dimensions and unit, each as uvarint(len+1)
// and the bytes, or 0 when it equals the previous datum's; the
// resolution as a uvarint; the bucket start as a varint of Unix seconds;
// count, sum, minimum and maximum as little-endian float64 bits; the
// sketch as uvarint(len+1) and its encoding, or 0 when there is none.
func AppendMetricJournal(b []byte, data []MetricDatum) []byte {
	b = append(b, journalVersion)
	b = binary.AppendUvarint(b, uint64(len(data)))
	var prev [4]string
	first := true
	for i := range data {
		d := &data[i]
		fields := [4]string{d.Metric.Namespace, d.Metric.Name, EncodeDimensions(d.Metric.Dimensions), d.Unit}
		for f, s := range fields {
			if !first && s == prev[f] {
				b = append(b, 0)
				continue
			}
			b = binary.AppendUvarint(b, uint64(len(s))+1)
			b = append(b, s...)
		}
		prev, first = fields, false
		b = binary.AppendUvarint(b, uint64(d.Resolution))
		b = binary.AppendVarint(b, d.Time.Unix())
		for _, v := range [4]float64{d.Agg.SampleCount, d.Agg.Sum, d.Agg.Minimum, d.Agg.Maximum} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		if d.Agg.Sketch == nil {
			b = append(b, 0)
			continue
		}
		// The sketch is written behind its length, which is only known
		// after: reserve the common one-byte length and move the bytes
		// when it is longer.
		at := len(b)
		b = append(b, 0)
		b = d.Agg.Sketch.AppendBinary(b)
		n := uint64(len(b)-at-1) + 1
		if n < 0x80 {
			b[at] = byte(n)
			continue
		}
		var lb [binary.MaxVarintLen64]byte
		k := binary.PutUvarint(lb[:], n)
		b = append(b, lb[:k-1]...)
		copy(b[at+k:], b[at+1:len(b)-(k-1)])
		copy(b[at:], lb[:k])
	}
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

// journalBuffers hold entries while they are written: a full batch is
// about 100 KB.
var journalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 128<<10); return &b }}

// MetricScope is the account and region a journal entry belongs to.
type MetricScope struct{ Account, Region string }

// MetricJournal merges journal entries into one aggregate per bucket. The
// zero value is ready to use.
type MetricJournal struct {
	scopes map[MetricScope]map[BucketKey]*Aggregate
	intern map[string]string
	datums int
	// ds and sketch are reused from entry to entry.
	ds     []journalDatum
	sketch Sketch
}

// journalDatum is a datum of the entry being added; sketch is its
// encoding, nil when it has none.
type journalDatum struct {
	key    BucketKey
	agg    Aggregate
	sketch []byte
}

// Datums is how many datums the added entries held.
func (j *MetricJournal) Datums() int { return j.datums }

// Scopes returns the merged buckets by account and region.
func (j *MetricJournal) Scopes() map[MetricScope]map[BucketKey]*Aggregate { return j.scopes }

// Add merges one entry written by AppendMetricJournal. An entry that
// cannot be read is ErrCorruptJournal, and then nothing of it is merged.
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
		var sk *Sketch
		if d.sketch != nil {
			// decode checked every sketch already.
			if err := j.sketch.decode(d.sketch); err != nil {
				panic("BUG: a checked sketch no longer decodes")
			}
			sk = &j.sketch
		}
		a := d.agg
		a.Sketch = sk
		if cur, ok := m[d.key]; ok {
			// Merge does not keep a's sketch, the reused one.
			cur.Merge(a)
			continue
		}
		if sk != nil {
			a.Sketch = sk.Clone()
		}
		m[d.key] = &a
	}
	j.datums += len(ds)
	return nil
}

// decode reads an entry's datums into j.ds, checking every part of it,
// sketches included, so that Add merges all of an entry or none of it.
func (j *MetricJournal) decode(entry []byte) ([]journalDatum, error) {
	b := entry
	if len(b) == 0 || b[0] != journalVersion {
		return nil, ErrCorruptJournal
	}
	count, k := binary.Uvarint(b[1:])
	// Every datum takes at least 39 bytes, which bounds a count that
	// could be believed.
	if k <= 0 || count > uint64(len(b))/39 {
		return nil, ErrCorruptJournal
	}
	b = b[1+k:]
	ds := j.ds[:0]
	defer func() { j.ds = ds[:0] }()
	if j.intern == nil {
		j.intern = map[string]string{}
	}
	var prev [4]string
	for len(b) > 0 {
		if uint64(len(ds)) == count {
			return nil, ErrCorruptJournal
		}
		var fields [4]string
		for f := range fields {
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k)+1 || (n == 0 && len(ds) == 0) {
				return nil, ErrCorruptJournal
			}
			b = b[k:]
			if n == 0 {
				fields[f] = prev[f]
				continue
			}
			raw := b[:n-1]
			b = b[n-1:]
			s, ok := j.intern[string(raw)]
			if !ok {
				s = string(raw)
				j.intern[s] = s
			}
			fields[f] = s
		}
		prev = fields
		res, k := binary.Uvarint(b)
		if k <= 0 || res > math.MaxInt32 {
			return nil, ErrCorruptJournal
		}
		b = b[k:]
		ts, k := binary.Varint(b)
		if k <= 0 {
			return nil, ErrCorruptJournal
		}
		b = b[k:]
		if len(b) < 32 {
			return nil, ErrCorruptJournal
		}
		d := journalDatum{key: BucketKey{Namespace: fields[0], Name: fields[1], Dims: fields[2], Unit: fields[3],
			Resolution: int(res), Time: ts}}
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
		ds = append(ds, d)
	}
	if uint64(len(ds)) != count {
		return nil, ErrCorruptJournal
	}
	return ds, nil
}
