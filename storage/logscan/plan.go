package logscan

import (
	"math"

	"github.com/trailwatch/trailwatch/storage"
)

// Plan says which events a read wants.
type Plan struct {
	// Backward reads newest first; results are still returned oldest
	// first.
	Backward bool
	// Lo and Hi bound Timestamp inclusively.
	Lo, Hi int64
	// Start is the first position wanted, inclusive, in the read's
	// direction: forward the least, backward the greatest.
	Start storage.EventPos
	// Terms and Match select events as storage.LogScan's do.
	Terms []string
	Match func([]byte) bool
	// Limit is the most events the read returns.
	Limit int
	// MaxScanned bounds the message bytes of the chunks decoded (0 = no
	// bound); reads that use it must be forward.
	MaxScanned int64
}

// before reports whether a comes strictly before b in the plan's order.
func (p *Plan) before(a, b storage.EventPos) bool {
	if p.Backward {
		return ComparePos(a, b) > 0
	}
	return ComparePos(a, b) < 0
}

// bound is the first position of c in the plan's order: no event of c
// comes before it (it need not be an event's position itself).
func (p *Plan) bound(c *Chunk) storage.EventPos {
	if p.Backward {
		return storage.EventPos{Timestamp: c.MaxTime, Seq: c.MaxSeq}
	}
	return storage.EventPos{Timestamp: c.MinTime, Seq: c.MinSeq}
}

// ComparePos orders positions by Timestamp, then Seq, returning -1, 0 or
// +1 as cmp.Compare does.
func ComparePos(a, b storage.EventPos) int {
	switch {
	case a.Timestamp < b.Timestamp:
		return -1
	case a.Timestamp > b.Timestamp:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// PosAfter is the least position after p, and false if there is none.
func PosAfter(p storage.EventPos) (storage.EventPos, bool) {
	switch {
	case p.Seq < math.MaxInt64:
		return storage.EventPos{Timestamp: p.Timestamp, Seq: p.Seq + 1}, true
	case p.Timestamp < math.MaxInt64:
		return storage.EventPos{Timestamp: p.Timestamp + 1, Seq: math.MinInt64}, true
	}
	return p, false
}

// PosBefore is the greatest position before p, and false if there is none.
func PosBefore(p storage.EventPos) (storage.EventPos, bool) {
	switch {
	case p.Seq > math.MinInt64:
		return storage.EventPos{Timestamp: p.Timestamp, Seq: p.Seq - 1}, true
	case p.Timestamp > math.MinInt64:
		return storage.EventPos{Timestamp: p.Timestamp - 1, Seq: math.MaxInt64}, true
	}
	return p, false
}
