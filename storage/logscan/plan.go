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
	// MaxScanned bounds the message bytes of the blocks decoded (0 = no
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

// StreamPlan turns a ReadLogStream request into a plan; ok is false when
// it can select nothing (an empty window, a Limit below one, or a Pos at
// the very end of the read's direction).
func StreamPlan(q storage.StreamRead) (plan *Plan, ok bool) {
	if q.To == math.MinInt64 || q.Limit <= 0 {
		return nil, false
	}
	plan = &Plan{Backward: q.Backward, Lo: q.From, Hi: q.To - 1, Limit: q.Limit}
	if plan.Lo > plan.Hi {
		return nil, false
	}
	if q.Backward {
		plan.Start = storage.EventPos{Timestamp: plan.Hi, Seq: math.MaxInt64}
		if q.Pos != nil {
			p, ok := PosBefore(*q.Pos)
			if !ok {
				return nil, false
			}
			if ComparePos(p, plan.Start) < 0 {
				plan.Start = p
			}
		}
	} else {
		plan.Start = storage.EventPos{Timestamp: plan.Lo, Seq: math.MinInt64}
		if q.Pos != nil {
			p, ok := PosAfter(*q.Pos)
			if !ok {
				return nil, false
			}
			if ComparePos(p, plan.Start) > 0 {
				plan.Start = p
			}
		}
	}
	return plan, true
}

// ScanPlan turns a ScanLogEvents request into a plan; ok is false when it
// can select nothing (an empty window, a Limit below one, or After at the
// greatest position there is). The plan's Match and Terms are q's.
func ScanPlan(q storage.LogScan) (plan *Plan, ok bool) {
	if q.Limit <= 0 || q.From > q.To {
		return nil, false
	}
	plan = &Plan{Lo: q.From, Hi: q.To, Terms: q.Terms, Match: q.Match, Limit: q.Limit, MaxScanned: q.MaxScannedBytes,
		Start: storage.EventPos{Timestamp: q.From, Seq: math.MinInt64}}
	if q.After != nil {
		p, ok := PosAfter(*q.After)
		if !ok {
			return nil, false
		}
		if ComparePos(p, plan.Start) > 0 {
			plan.Start = p
		}
	}
	return plan, true
}
