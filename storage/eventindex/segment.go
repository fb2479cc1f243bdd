package eventindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/trailwatch/trailwatch/storage"
)

// A Segment is the index of one stored batch before it is merged into the
// backend's index tables. Storing a batch writes its chunks and one
// segment; a later merge turns many segments into a few postings per
// index value, so the acknowledged write dirties a few adjacent pages
// instead of a page per index value, and the postings come out larger.
// Until then lookups read the segments alongside the merged index.
type Segment struct {
	Postings []IndexPosting
	IDs      []IDEntry
}

// IndexPosting is a Posting whose index is known by the backend's id.
type IndexPosting struct {
	Ix    int64
	Value string
	// MaxTime, MinTime, FirstSeq and Entries are as in Posting.
	MaxTime, MinTime, FirstSeq int64
	Entries                    []byte
}

// IDEntry indexes one event by its ID.
type IDEntry struct {
	EventID       string
	Seq, Ix, Time int64
}

// NewSegment indexes rows, stored with seqs, under the index ids of keys.
func NewSegment(rows []Row, seqs []int64, keys map[Key]int64) Segment {
	var s Segment
	for _, p := range Postings(rows, seqs) {
		s.Postings = append(s.Postings, IndexPosting{Ix: keys[p.Key], Value: p.Value,
			MaxTime: p.MaxTime, MinTime: p.MinTime, FirstSeq: p.FirstSeq, Entries: p.Entries})
	}
	for i, r := range rows {
		if r.EventID != "" {
			s.IDs = append(s.IDs, IDEntry{EventID: r.EventID, Seq: seqs[i], Ix: keys[r.Main], Time: r.Time})
		}
	}
	return s
}

const segmentVersion = 1

// Encode serialises s.
func (s Segment) Encode() []byte {
	b := []byte{segmentVersion}
	b = binary.AppendUvarint(b, uint64(len(s.Postings)))
	for _, p := range s.Postings {
		b = binary.AppendVarint(b, p.Ix)
		b = appendString(b, p.Value)
		b = binary.AppendVarint(b, p.MaxTime)
		b = binary.AppendVarint(b, p.MinTime)
		b = binary.AppendVarint(b, p.FirstSeq)
		b = appendString(b, string(p.Entries))
	}
	b = binary.AppendUvarint(b, uint64(len(s.IDs)))
	for _, e := range s.IDs {
		b = appendString(b, e.EventID)
		b = binary.AppendVarint(b, e.Seq)
		b = binary.AppendVarint(b, e.Ix)
		b = binary.AppendVarint(b, e.Time)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errSegment = errors.New("corrupt event index segment")

// segmentReader reads what Encode wrote, remembering the first error.
type segmentReader struct {
	b   []byte
	err error
}

func (r *segmentReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errSegment, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *segmentReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errSegment, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *segmentReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errSegment, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// count reads a length that must fit in what is left, at min bytes each.
func (r *segmentReader) count(min int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/min) {
		r.err, r.b = errSegment, nil
		return 0
	}
	return int(n)
}

// DecodeSegment reads an encoded segment.
func DecodeSegment(b []byte) (Segment, error) {
	if len(b) == 0 || b[0] != segmentVersion {
		return Segment{}, fmt.Errorf("%w: unknown version", errSegment)
	}
	r := segmentReader{b: b[1:]}
	var s Segment
	n := r.count(6)
	s.Postings = make([]IndexPosting, 0, n)
	for range n {
		p := IndexPosting{Ix: r.varint(), Value: string(r.bytes()), MaxTime: r.varint(), MinTime: r.varint(),
			FirstSeq: r.varint(), Entries: r.bytes()}
		if len(p.Entries)%EntrySize != 0 {
			r.err = errSegment
		}
		s.Postings = append(s.Postings, p)
	}
	n = r.count(4)
	s.IDs = make([]IDEntry, 0, n)
	for range n {
		s.IDs = append(s.IDs, IDEntry{EventID: string(r.bytes()), Seq: r.varint(), Ix: r.varint(), Time: r.varint()})
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errSegment
	}
	if r.err != nil {
		return Segment{}, r.err
	}
	return s, nil
}

// Merge combines the postings of segs: one posting per index, value and
// PostingSpan bucket, listing the entries of all of them, in an order
// that keeps rows of one index together.
func Merge(segs []Segment) Segment {
	type pkey struct {
		ix     int64
		value  string
		bucket int64
	}
	var out Segment
	at := map[pkey]int{}
	for _, s := range segs {
		for _, p := range s.Postings {
			k := pkey{p.Ix, p.Value, bucket(p.MaxTime)}
			i, ok := at[k]
			if !ok {
				at[k] = len(out.Postings)
				p.Entries = slices.Clone(p.Entries)
				out.Postings = append(out.Postings, p)
				continue
			}
			m := &out.Postings[i]
			m.MaxTime = max(m.MaxTime, p.MaxTime)
			m.MinTime = min(m.MinTime, p.MinTime)
			m.FirstSeq = min(m.FirstSeq, p.FirstSeq)
			m.Entries = append(m.Entries, p.Entries...)
		}
		out.IDs = append(out.IDs, s.IDs...)
	}
	slices.SortFunc(out.Postings, func(a, b IndexPosting) int {
		if a.Ix != b.Ix {
			return cmpInt(a.Ix, b.Ix)
		}
		if a.Value != b.Value {
			if a.Value < b.Value {
				return -1
			}
			return 1
		}
		return cmpInt(a.MaxTime, b.MaxTime)
	})
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PendingIDs adds to found (entries of the merged ID index, newest first)
// the entries of segs for eventID under index ix that q selects, and
// returns the newest q.Limit of them, newest first.
func PendingIDs(found []Entry, segs []Segment, eventID string, ix int64, plan Lookup, q storage.EventQuery) []Entry {
	out := slices.Clone(found)
	for _, s := range segs {
		for _, e := range s.IDs {
			en := Entry{Time: e.Time, Seq: e.Seq}
			if e.EventID != eventID || e.Ix != ix || e.Time < plan.Lo || e.Time > plan.Hi {
				continue
			}
			if q.After != nil && !en.Less(Entry{Time: q.After.Time.Unix(), Seq: q.After.Seq}) {
				continue
			}
			out = append(out, en)
		}
	}
	slices.SortFunc(out, newestFirst)
	return out[:min(len(out), q.Limit)]
}
