package chunk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// FuzzRead fuzzes the payload reader directly. Through Scan, nearly every
// mutation of a chunk is caught by a checksum before the payload is read;
// here the columns themselves take the blows. Whatever read accepts must
// be events a builder takes, and what the builder writes for them must
// read back as the same events and header. (The payload itself may
// differ: which class a message goes to is the encoder's choice.) A
// version 1 payload, which has no choice, must come out byte for byte.
func FuzzRead(f *testing.F) {
	for _, msgs := range [][]string{{"a"}, {"hello", "", "multi\nline\n", "world"}, {"x", "y", "z", "\n\n"}} {
		b := getBuilder(ingestEncoder())
		for i, m := range msgs {
			if err := b.add(int64(i/2), 7, int64(100+i), []byte(m)); err != nil {
				f.Fatal(err)
			}
		}
		h := b.sealPayload()
		m := h.meta
		f.Add(bytes.Clone(b.payload), true, m.Count, m.RawBytes, m.MinTime, m.MaxTime, m.MinSeq, m.MaxSeq)
		d := &decoded{payload: bytes.Clone(b.payload)}
		if err := d.read(&h); err != nil {
			f.Fatal(err)
		}
		f.Add(appendV1Payload(nil, d), false, m.Count, m.RawBytes, m.MinTime, m.MaxTime, m.MinSeq, m.MaxSeq)
		putBuilder(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte, grouped bool, count int, raw, minTime, maxTime, minSeq, maxSeq int64) {
		h := header{
			meta:       Meta{Count: count, RawBytes: raw, MinTime: minTime, MaxTime: maxTime, MinSeq: minSeq, MaxSeq: maxSeq},
			payloadLen: len(payload),
			grouped:    grouped,
		}
		if h.check() != nil {
			return
		}
		d := &decoded{payload: payload}
		if err := d.read(&h); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		checkSearchBlock(t, d)
		b := getBuilder(ingestEncoder())
		defer putBuilder(b)
		for i := range d.events {
			e := d.event(i)
			if err := b.add(e.Timestamp, e.IngestionTime, e.Seq, e.Message); err != nil {
				t.Fatalf("read accepted events a builder refuses: %v", err)
			}
		}
		got := b.sealPayload()
		if got.meta != h.meta {
			t.Fatalf("read accepted block %+v for events whose block is %+v", h, got)
		}
		if !grouped {
			if v1 := appendV1Payload(nil, d); !bytes.Equal(v1, payload) {
				t.Fatalf("read accepted a version 1 payload the version 1 encoder would write differently:\n got %q\nwant %q", payload, v1)
			}
			return
		}
		again := &decoded{payload: b.payload}
		if err := again.read(&got); err != nil {
			t.Fatalf("the builder's payload does not read: %v", err)
		}
		for i := range d.events {
			if a, b := d.event(i), again.event(i); a.Timestamp != b.Timestamp || a.Seq != b.Seq ||
				a.IngestionTime != b.IngestionTime || !bytes.Equal(a.Message, b.Message) {
				t.Fatalf("event %d reads as %+v, rewritten as %+v", i, a, b)
			}
		}
	})
}

func TestReaderRejectsMalformedVarints(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint64
		bad  bool
	}{
		{"one byte", []byte{0x05}, 5, false},
		{"two bytes", []byte{0x80, 0x01}, 128, false},
		{"overlong zero", []byte{0x80, 0x00}, 0, true},
		{"overlong one", []byte{0x81, 0x80, 0x00}, 0, true},
		{"truncated", []byte{0x80}, 0, true},
		{"empty", nil, 0, true},
		{"overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 0, true},
	}
	for _, tt := range tests {
		r := reader{b: tt.in}
		got := r.uvarint()
		if r.bad != tt.bad || !tt.bad && (got != tt.want || r.off != len(tt.in)) {
			t.Errorf("%s: uvarint(% x) = %d (bad %v, off %d), want %d (bad %v)", tt.name, tt.in, got, r.bad, r.off, tt.want, tt.bad)
		}
	}
}

// appendV1Payload appends the version 1 payload of d's events, as the
// version 1 encoder wrote it: messages in event order, then four columns.
func appendV1Payload(dst []byte, d *decoded) []byte {
	var times, seqs, ingested, newlines []byte
	var prev Event
	for i := range d.events {
		e := d.event(i)
		dst = append(append(dst, e.Message...), '\n')
		times = binary.AppendVarint(times, e.Timestamp-prev.Timestamp)
		seqs = binary.AppendVarint(seqs, e.Seq-prev.Seq)
		ingested = binary.AppendVarint(ingested, e.IngestionTime-prev.IngestionTime)
		newlines = binary.AppendUvarint(newlines, uint64(bytes.Count(e.Message, newline)))
		prev = e
	}
	cols := [...][]byte{times, seqs, ingested, newlines}
	for _, c := range cols {
		dst = append(dst, c...)
	}
	for _, c := range cols {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c)))
	}
	return dst
}

// checkSearchBlock checks that searchBlock gives the events of d whose
// message contains a needle, in order, for needles taken from d's own
// messages (whole, a prefix, a suffix) and a newline.
func checkSearchBlock(t *testing.T, d *decoded) {
	t.Helper()
	needles := [][]byte{[]byte("\n")}
	for _, i := range []int{0, len(d.events) / 2, len(d.events) - 1} {
		m := d.event(i).Message
		needles = append(needles, bytes.Clone(m), bytes.Clone(m[:min(len(m), 2)]), bytes.Clone(m[max(0, len(m)-2):]))
	}
	for _, n := range needles {
		if len(n) == 0 {
			continue
		}
		var want, got []int
		for i := range d.events {
			if bytes.Contains(d.event(i).Message, n) {
				want = append(want, i)
			}
		}
		searchBlock(d, math.MinInt64, math.MaxInt64, n, func(e *Event) bool {
			got = append(got, slices.IndexFunc(d.events, func(r record) bool { return r.ts == e.Timestamp && r.seq == e.Seq }))
			return true
		})
		if !slices.Equal(got, want) {
			t.Fatalf("searchBlock(%q) gives events %v, want %v (grouped %v)", n, got, want, d.grouped)
		}
	}
}
