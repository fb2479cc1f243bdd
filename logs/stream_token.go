package logs

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/trailwatch/trailwatch/storage"
)

// GetLogEvents tokens (reference/cloudwatch-logs.md §3.4) look like AWS's:
// "f/" or "b/" and 56 decimal digits. They must be deterministic functions
// of a position, because a client knows it has reached the end of a
// stream when the token it gets back equals the one it sent (the Go SDK
// paginator's StopOnDuplicateToken, CLI loops); and the direction is read
// from the token, because the Go paginator does not resend startFromHead.
//
// The digits are three fixed-width fields:
//
//	[0:20]   the position's Timestamp, as uint64 with the sign bit flipped
//	[20:40]  the position's Seq, the same way
//	[40:56]  a check: SHA-256 over the caller, the stream, the direction
//	         and the position, first 8 bytes mod 10^16
//
// The check binds a token to its stream, so one stream's token cannot
// be replayed against another, and turns typos into errNextToken.
const (
	streamTokenDigits = 56
	streamTokenLen    = 2 + streamTokenDigits
	checkModulus      = 10_000_000_000_000_000 // 10^16
)

// Positions before and after every event, for tokens of empty windows.
var (
	posStart = storage.EventPos{Timestamp: math.MinInt64, Seq: math.MinInt64}
	posEnd   = storage.EventPos{Timestamp: math.MaxInt64, Seq: math.MaxInt64}
)

// streamRef names the stream a token belongs to.
type streamRef struct {
	account, region, group, stream string
}

// streamToken returns the token that reads from p in direction dir: 'f'
// for after p, 'b' for before p.
func streamToken(ref streamRef, dir byte, p storage.EventPos) string {
	return fmt.Sprintf("%c/%020d%020d%016d", dir, flip(p.Timestamp), flip(p.Seq), tokenCheck(ref, dir, p))
}

// parseStreamToken returns the direction and position of a token issued
// for ref; ok is false for anything else.
func parseStreamToken(ref streamRef, tok string) (dir byte, p storage.EventPos, ok bool) {
	if len(tok) != streamTokenLen || tok[1] != '/' || (tok[0] != 'f' && tok[0] != 'b') {
		return 0, p, false
	}
	for i := 2; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, p, false
		}
	}
	ts, err1 := strconv.ParseUint(tok[2:22], 10, 64)
	seq, err2 := strconv.ParseUint(tok[22:42], 10, 64)
	check, err3 := strconv.ParseUint(tok[42:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, p, false
	}
	dir = tok[0]
	p = storage.EventPos{Timestamp: unflip(ts), Seq: unflip(seq)}
	if check != tokenCheck(ref, dir, p) {
		return 0, p, false
	}
	return dir, p, true
}

// flip maps int64 order onto uint64 order, so math.MinInt64 is 0.
func flip(n int64) uint64   { return uint64(n) ^ (1 << 63) }
func unflip(u uint64) int64 { return int64(u ^ (1 << 63)) }

func tokenCheck(ref streamRef, dir byte, p storage.EventPos) uint64 {
	h := sha256.New()
	for _, s := range []string{ref.account, ref.region, ref.group, ref.stream} {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	var b [17]byte
	b[0] = dir
	binary.BigEndian.PutUint64(b[1:], uint64(p.Timestamp))
	binary.BigEndian.PutUint64(b[9:], uint64(p.Seq))
	h.Write(b[:])
	return binary.BigEndian.Uint64(h.Sum(nil)[:8]) % checkModulus
}

// next and prev are the positions just after and just before p in
// (Timestamp, Seq) order, saturating at the ends: a read after prev(p)
// includes p, as does a read before next(p).
func next(p storage.EventPos) storage.EventPos {
	if p.Seq < math.MaxInt64 {
		p.Seq++
	}
	return p
}

func prev(p storage.EventPos) storage.EventPos {
	if p.Seq > math.MinInt64 {
		p.Seq--
	}
	return p
}
