package eventindex

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Every ordered index of events (the time index of an account, region and
// category, and each lookup attribute's) is stored as postings: one row per
// stored batch, index value and PostingSpan bucket of event times, listing
// the (time, seq) of each event in it. A busy front door commits batches of
// dozens of calls by the same few principals, so this writes a handful of
// rows per batch where one row per event and attribute wrote seven per
// event, and B-tree inserts were most of what storing an event cost.
//
// Event IDs are unique, so they would make one posting per event; they are
// indexed on the event row instead (see Row.EventID).

// PostingSpan is the width, in seconds, of the buckets postings are cut
// at: every entry of a posting lies in [MaxTime-PostingSpan+1, MaxTime].
// A query for events at or before hi therefore reads postings with MaxTime
// at most hi+PostingSpan-1, and newest-first reads can stop early.
const PostingSpan = 4

// EntrySize is the encoded size of one posting entry.
const EntrySize = 16

// Entry is one event in a posting.
type Entry struct{ Time, Seq int64 }

// Less orders entries by time, then by seq: the order of event history.
func (e Entry) Less(o Entry) bool {
	return e.Time < o.Time || (e.Time == o.Time && e.Seq < o.Seq)
}

// Posting is one row of an ordered index.
type Posting struct {
	Key   Key
	Value string // "" for the time index (Key.Attr == "")
	// MaxTime, then FirstSeq, order postings of one index and value;
	// FirstSeq (the smallest seq listed) makes the pair unique.
	MaxTime, MinTime, FirstSeq int64
	Entries                    []byte // EncodeEntries
}

// bucket is t's PostingSpan bucket, rounding down for negative times too.
func bucket(t int64) int64 {
	b := t / PostingSpan
	if t%PostingSpan < 0 {
		b--
	}
	return b
}

// EncodeEntries packs entries as big-endian (time, seq) pairs of 8 bytes
// each. Both backends' schema migrations build the same bytes in SQL, so
// the format must not change.
func EncodeEntries(entries []Entry) []byte {
	b := make([]byte, 0, len(entries)*EntrySize)
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, uint64(e.Time))
		b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	}
	return b
}

// DecodeEntries unpacks EncodeEntries' bytes, in the order they were
// written (which carries no meaning).
func DecodeEntries(b []byte) ([]Entry, error) {
	if len(b)%EntrySize != 0 {
		return nil, fmt.Errorf("posting of %d bytes is not a whole number of entries", len(b))
	}
	out := make([]Entry, len(b)/EntrySize)
	for i := range out {
		out[i] = Entry{
			Time: int64(binary.BigEndian.Uint64(b[i*EntrySize:])),
			Seq:  int64(binary.BigEndian.Uint64(b[i*EntrySize+8:])),
		}
	}
	return out, nil
}

// Postings groups rows, whose sequence numbers are seqs, into the
// postings of every index they belong to.
func Postings(rows []Row, seqs []int64) []Posting {
	type pkey struct {
		key    Key
		value  string
		bucket int64
	}
	var order []pkey
	groups := map[pkey][]Entry{}
	add := func(k pkey, e Entry) {
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}
	for i, r := range rows {
		e := Entry{Time: r.Time, Seq: seqs[i]}
		b := bucket(r.Time)
		add(pkey{r.Main, "", b}, e)
		for _, a := range r.Attrs {
			k := r.Main
			k.Attr = a.Key
			add(pkey{k, a.Value, b}, e)
		}
	}
	out := make([]Posting, 0, len(order))
	for _, k := range order {
		es := groups[k]
		p := Posting{Key: k.key, Value: k.value, MaxTime: es[0].Time, MinTime: es[0].Time, FirstSeq: es[0].Seq}
		for _, e := range es[1:] {
			p.MaxTime = max(p.MaxTime, e.Time)
			p.MinTime = min(p.MinTime, e.Time)
			p.FirstSeq = min(p.FirstSeq, e.Seq)
		}
		p.Entries = EncodeEntries(es)
		out = append(out, p)
	}
	return out
}

// Window selects the newest Need entries of one index and value with
// times in [Lo, Hi], strictly older than After when After is set.
type Window struct {
	Lo, Hi int64
	After  *Entry
	Need   int
}

// MaxTimeRange is the range of Posting.MaxTime that can hold entries of
// w: a backend reads the postings of its index and value in that range,
// MaxTime then FirstSeq descending, into a Collector.
func (w Window) MaxTimeRange() (lo, hi int64) {
	hi = w.Hi
	if w.After != nil {
		hi = min(hi, w.After.Time)
	}
	if hi > math.MaxInt64-PostingSpan {
		return w.Lo, math.MaxInt64
	}
	return w.Lo, hi + PostingSpan - 1
}

// Collector keeps the newest entries of the postings added to it.
type Collector struct {
	w    Window
	keep entryHeap // the newest entries so far, oldest on top
}

// Collect starts collecting w.
func (w Window) Collect() *Collector { return &Collector{w: w} }

// Add takes the next posting in newest-first order. It returns false when
// no later posting can change the result, so the backend can stop reading.
func (c *Collector) Add(maxTime int64, entries []byte) (more bool, err error) {
	if c.full() && maxTime < c.keep[0].Time {
		return false, nil
	}
	es, err := DecodeEntries(entries)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		c.take(e)
	}
	return true, nil
}

// Offer takes a posting outside the newest-first stream (one not yet
// merged into the ordered index): its entries count, but it cannot end
// the stream. Offer every such posting before the stream's first Add.
func (c *Collector) Offer(entries []byte) error {
	es, err := DecodeEntries(entries)
	if err != nil {
		return err
	}
	for _, e := range es {
		c.take(e)
	}
	return nil
}

func (c *Collector) take(e Entry) {
	if e.Time < c.w.Lo || e.Time > c.w.Hi || (c.w.After != nil && !e.Less(*c.w.After)) {
		return
	}
	if !c.full() {
		heap.Push(&c.keep, e)
	} else if c.keep[0].Less(e) {
		c.keep[0] = e
		heap.Fix(&c.keep, 0)
	}
}

func (c *Collector) full() bool { return c.w.Need > 0 && len(c.keep) >= c.w.Need }

// Entries returns what was collected, newest first.
func (c *Collector) Entries() []Entry {
	out := slices.Clone(c.keep)
	slices.SortFunc(out, newestFirst)
	return out
}

// newestFirst orders entries for slices.SortFunc as LookupEvents returns
// events.
func newestFirst(a, b Entry) int {
	switch {
	case b.Less(a):
		return -1
	case a.Less(b):
		return 1
	}
	return 0
}

// entryHeap is a min-heap of entries in history order.
type entryHeap []Entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].Less(h[j]) }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(Entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Trim drops the entries of p older than cutoff, for retention. It
// returns the entries dropped and whether any remain; when some do, p's
// MinTime and Entries describe only those. FirstSeq stays: it only keeps
// the row's key unique, which the dropped seq still does.
func Trim(p *Posting, cutoff int64) (dropped []Entry, remain bool, err error) {
	es, err := DecodeEntries(p.Entries)
	if err != nil {
		return nil, false, err
	}
	var keep []Entry
	for _, e := range es {
		if e.Time < cutoff {
			dropped = append(dropped, e)
		} else {
			keep = append(keep, e)
		}
	}
	if len(keep) == 0 {
		return dropped, false, nil
	}
	p.MinTime = keep[0].Time
	for _, e := range keep[1:] {
		p.MinTime = min(p.MinTime, e.Time)
	}
	p.Entries = EncodeEntries(keep)
	return dropped, true, nil
}

// IsTimeIndex reports whether p belongs to a time index, which lists
// every event exactly once: retention deletes the events its postings
// list. Attribute values are never empty (Rows skips them).
func (p Posting) IsTimeIndex() bool { return p.Value == "" }
