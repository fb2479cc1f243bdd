package postgres

import (
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch/internal/chunk"
)

// A chunk's filter is stored in log_chunk_blooms, one row per part of
// each block's Bloom filter (chunk.BlockBlooms), so that a term search
// picks the 32 bytes each of its keys needs (chunk.Probe) in the query
// that lists the chunks, and receives a few hundred bytes per chunk
// rather than its whole filter. Parts keep the rows in line: a block of
// about a megabyte of logs has a Bloom filter of about 10 KB, which as
// one value would be TOASTed, and a pick from a TOASTed value is a
// lookup in the TOAST table.
const (
	// bloomPartUnits is how many 32-byte units of a Bloom filter one row
	// holds: two rows of 126 (4,032 bytes and their 48 of row overhead)
	// fill a page. Migration 11 splits by it too: changing it needs a
	// migration that splits the rows again.
	bloomPartUnits = 126
	// maxProbeKeys bounds the keys a search picks (chunk.Probe.Prefix),
	// and with them the size of its query: a longer term admits at most
	// a few more chunks, which the scan then reads.
	maxProbeKeys = 48
)

// bloomRows is a chunk's filter as log_chunk_blooms rows, in columns for
// unnest.
type bloomRows struct {
	blocks, parts, units []int32
	bits                 [][]byte
}

// splitBlooms returns the rows of filter, which the chunk package has
// just built and which must therefore be well formed.
func splitBlooms(filter []byte) bloomRows {
	blooms, ok := chunk.BlockBlooms(filter)
	if !ok {
		panic("BUG: the chunk encoder returned a malformed filter")
	}
	var r bloomRows
	for b, bloom := range blooms {
		units := len(bloom) / 32
		for p := 0; p == 0 || p*bloomPartUnits < units; p++ {
			end := min(units, (p+1)*bloomPartUnits)
			r.blocks = append(r.blocks, int32(b))
			r.parts = append(r.parts, int32(p))
			r.units = append(r.units, int32(units))
			r.bits = append(r.bits, bloom[p*bloomPartUnits*32:end*32])
		}
	}
	return r
}

// bloomPick is how a chunk listing picks a probe's bytes out of the
// blooms: the SQL expression, over a row b of log_chunk_blooms, of the
// 32 bytes of each key that falls in b's part, in key order, and how to
// put a chunk's rows back together.
type bloomPick struct {
	probe *chunk.Probe
	picks []uint32
}

func newBloomPick(probe *chunk.Probe) *bloomPick {
	probe = probe.Prefix(maxProbeKeys)
	return &bloomPick{probe: probe, picks: probe.Picks()}
}

// sql returns the expression, adding its parameters, one bigint per
// pick, to args. Each pick is a parameter of its own rather than an
// element of one array parameter: PostgreSQL evaluates the expression
// for every row of every chunk listed, and subscripting the array twice
// per pick and row cost a good part of the listing (in process, over
// a 10,000,000-event load, 45.3 against 43.0 ms of PostgreSQL CPU per
// rare-term search).
func (bp *bloomPick) sql(args *argList) string {
	var sb strings.Builder
	for i, p := range bp.picks {
		if i > 0 {
			sb.WriteString(" || ")
		}
		unit := fmt.Sprintf("(%s::bigint * b.units >> 32)", args.add(int64(p)))
		fmt.Fprintf(&sb, "CASE WHEN %s / %d = b.part THEN substring(b.bits FROM (%s %% %d)::int * 32 + 1 FOR 32) ELSE ''::bytea END",
			unit, bloomPartUnits, unit, bloomPartUnits)
	}
	return sb.String()
}

// bloomPart is one row of a chunk's blooms as the listing returns it.
type bloomPart struct {
	block, part, units int32
	picked             []byte // the expression's value
}

// blocks decides which blocks of a chunk may match from its rows, in
// (block, part) order. It returns nil, meaning any block may, when the
// rows are not those splitBlooms writes (none, for a chunk stored before
// blooms were split and left without a readable filter).
func (bp *bloomPick) blocks(rows []bloomPart) []bool {
	var out []bool
	picked := make([]byte, 0, 32*len(bp.picks))
	for len(rows) > 0 {
		// The rows of block len(out).
		n := 0
		for n < len(rows) && rows[n].block == rows[0].block {
			n++
		}
		block := rows[:n]
		rows = rows[n:]
		units := int64(block[0].units)
		if block[0].block != int32(len(out)) || units < 0 || int64(len(block)) != max(1, (units+bloomPartUnits-1)/bloomPartUnits) {
			return nil
		}
		used := make([]int, len(block)) // bytes of each part's value taken
		picked = picked[:0]
		if units > 0 {
			for _, h := range bp.picks {
				p := int(int64(h) * units >> 32 / bloomPartUnits)
				v := block[p].picked[used[p]:]
				if block[p].part != int32(p) || len(v) < 32 {
					return nil
				}
				picked = append(picked, v[:32]...)
				used[p] += 32
			}
		}
		for p := range block {
			if used[p] != len(block[p].picked) {
				return nil
			}
		}
		out = append(out, bp.probe.Admits(picked))
	}
	return out
}
