package chunk

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead fuzzes the payload reader directly. Through Scan, nearly every
// mutation of a chunk is caught by a checksum before the payload is read;
// here the columns themselves take the blows. Whatever read accepts must
// be what a builder would have written for the events it read.
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
		f.Add(bytes.Clone(b.payload), m.Count, m.RawBytes, m.MinTime, m.MaxTime, m.MinSeq, m.MaxSeq)
		putBuilder(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte, count int, raw, minTime, maxTime, minSeq, maxSeq int64) {
		h := header{
			meta:       Meta{Count: count, RawBytes: raw, MinTime: minTime, MaxTime: maxTime, MinSeq: minSeq, MaxSeq: maxSeq},
			payloadLen: len(payload),
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
		b := getBuilder(ingestEncoder())
		defer putBuilder(b)
		for i := range d.events {
			e := d.event(i)
			if err := b.add(e.Timestamp, e.IngestionTime, e.Seq, e.Message); err != nil {
				t.Fatalf("read accepted events a builder refuses: %v", err)
			}
		}
		if got := b.sealPayload(); got != h {
			t.Fatalf("read accepted block %+v for events whose block is %+v", h, got)
		}
		if !bytes.Equal(b.payload, payload) {
			t.Fatalf("read accepted a payload a builder would write differently:\n got %q\nwant %q", payload, b.payload)
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
