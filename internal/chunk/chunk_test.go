package chunk_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

func TestRoundTripCorpus(t *testing.T) {
	// 60,000 events make a 12 MB payload, past zstd's window at both
	// levels, so frames of several windows are covered too.
	for _, n := range []int{1, 2, 100, 10000, 60000} {
		evs := corpusEvents(uint64(n), n, baseTime)
		data, filter, meta := MustEncode(t, evs)
		if diff := cmp.Diff(metaOf(evs), meta); diff != "" {
			t.Errorf("%d events: Meta (-want +got):\n%s", n, diff)
		}
		if got, err := chunk.ReadMeta(data); err != nil || got != meta {
			t.Errorf("%d events: ReadMeta = %+v, %v; want %+v", n, got, err, meta)
		}
		if diff := diffEvents(sorted(evs), scanAll(t, data)); diff != "" {
			t.Errorf("%d events: Scan (-want +got):\n%s", n, diff)
		}
		if len(filter) == 0 {
			t.Errorf("%d events: empty filter", n)
		}
		merged, _, _, err := chunk.Merge([][]byte{data})
		if err != nil {
			t.Fatalf("%d events: Merge: %v", n, err)
		}
		if diff := diffEvents(sorted(evs), scanAll(t, merged)); diff != "" {
			t.Errorf("%d events: Scan of merged (-want +got):\n%s", n, diff)
		}
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := logcorpus.NewRNG(42)
	for i := 0; i < 300; i++ {
		evs := randomEvents(r, 1+r.LongTail(3000))
		data, _, meta := MustEncode(t, evs)
		if diff := cmp.Diff(metaOf(evs), meta); diff != "" {
			t.Fatalf("case %d: Meta (-want +got):\n%s", i, diff)
		}
		if diff := diffEvents(sorted(evs), scanAll(t, data)); diff != "" {
			t.Fatalf("case %d: Scan (-want +got):\n%s", i, diff)
		}
	}
}

func TestEncodeSortsInPlace(t *testing.T) {
	evs := []chunk.Event{
		{Timestamp: 3, Seq: 1, Message: []byte("c")},
		{Timestamp: 1, Seq: 2, Message: []byte("a")},
		{Timestamp: 2, Seq: 3, Message: []byte("b")},
	}
	if _, _, _, err := chunk.Encode(evs); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, string(e.Message))
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("evs after Encode (-want +got):\n%s", diff)
	}
}

// Events with equal timestamps come back in Seq order, whatever order the
// batch had them in: a PutLogEvents batch may hold many events of one
// millisecond.
func TestEqualTimestampsOrderBySeq(t *testing.T) {
	evs := []chunk.Event{
		{Timestamp: 5, Seq: 30, Message: []byte("5/30")},
		{Timestamp: 5, Seq: 10, Message: []byte("5/10")},
		{Timestamp: 4, Seq: 99, Message: []byte("4/99")},
		{Timestamp: 5, Seq: -7, Message: []byte("5/-7")},
		{Timestamp: 5, Seq: 20, Message: []byte("5/20")},
		{Timestamp: 6, Seq: 1, Message: []byte("6/1")},
	}
	data, _, _ := MustEncode(t, evs)
	var got []string
	for _, e := range scanAll(t, data) {
		got = append(got, string(e.Message))
	}
	want := []string{"4/99", "5/-7", "5/10", "5/20", "5/30", "6/1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestScanBounds(t *testing.T) {
	// Timestamps 10, 20, 20, 30, 40.
	evs := []chunk.Event{
		{Timestamp: 10, Seq: 1, Message: []byte("a")},
		{Timestamp: 20, Seq: 2, Message: []byte("b")},
		{Timestamp: 20, Seq: 3, Message: []byte("c")},
		{Timestamp: 30, Seq: 4, Message: []byte("d")},
		{Timestamp: 40, Seq: 5, Message: []byte("e")},
	}
	data, _, _ := MustEncode(t, evs)
	tests := []struct {
		name     string
		from, to int64
		want     string
	}{
		{"everything", math.MinInt64, math.MaxInt64, "abcde"},
		{"exact range", 10, 40, "abcde"},
		{"inclusive both ends", 20, 30, "bcd"},
		{"single timestamp", 20, 20, "bc"},
		{"between events", 21, 29, ""},
		{"before", math.MinInt64, 9, ""},
		{"after", 41, math.MaxInt64, ""},
		{"first only", math.MinInt64, 10, "a"},
		{"last only", 40, math.MaxInt64, "e"},
		{"inverted", 30, 20, ""},
	}
	for _, tt := range tests {
		var got []byte
		for _, e := range MustScan(t, data, tt.from, tt.to) {
			got = append(got, e.Message...)
		}
		if string(got) != tt.want {
			t.Errorf("%s: Scan(%d, %d) = %q, want %q", tt.name, tt.from, tt.to, got, tt.want)
		}
		got = got[:0]
		err := chunk.ScanBackward(data, tt.from, tt.to, func(e *chunk.Event) bool {
			got = append(got, e.Message...)
			return true
		})
		want := []byte(tt.want)
		slices.Reverse(want)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: ScanBackward(%d, %d) = %q, %v; want %q", tt.name, tt.from, tt.to, got, err, want)
		}
	}
}

func TestScanEarlyStop(t *testing.T) {
	evs := corpusEvents(7, 500, baseTime)
	data, _, _ := MustEncode(t, evs)
	want := sorted(evs)[:17]
	var got []chunk.Event
	err := chunk.Scan(data, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		c := *e
		c.Message = bytes.Clone(e.Message)
		got = append(got, c)
		return len(got) < 17
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffEvents(want, got); diff != "" {
		t.Errorf("Scan stopping after 17 (-want +got):\n%s", diff)
	}

	want = sorted(evs)[len(evs)-5:]
	slices.Reverse(want)
	got = nil
	err = chunk.ScanBackward(data, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		c := *e
		c.Message = bytes.Clone(e.Message)
		got = append(got, c)
		return len(got) < 5
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffEvents(want, got); diff != "" {
		t.Errorf("ScanBackward stopping after 5 (-want +got):\n%s", diff)
	}
}

// A callback that scribbles on the event it is given must not disturb the
// events that follow.
func TestScanCallbackMayModifyEvent(t *testing.T) {
	evs := corpusEvents(8, 200, baseTime)
	data, _, _ := MustEncode(t, evs)
	var got []chunk.Event
	err := chunk.Scan(data, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
		c := *e
		c.Message = bytes.Clone(e.Message)
		got = append(got, c)
		e.Timestamp, e.Seq, e.IngestionTime = -1, -1, -1
		clear(e.Message)
		e.Message = nil
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffEvents(sorted(evs), got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
}

func TestMerge(t *testing.T) {
	r := logcorpus.NewRNG(9)
	tests := []struct {
		name   string
		chunks [][]chunk.Event
	}{
		{"one chunk", [][]chunk.Event{corpusEvents(1, 300, baseTime)}},
		{"adjacent", [][]chunk.Event{corpusEvents(1, 300, baseTime), corpusEvents(2, 300, baseTime+10_000)}},
		{"overlapping", [][]chunk.Event{corpusEvents(1, 3000, baseTime), corpusEvents(2, 2000, baseTime+500), corpusEvents(3, 1000, baseTime+100)}},
		{"interleaved ties", [][]chunk.Event{
			{{Timestamp: 1, Seq: 1, Message: []byte("a")}, {Timestamp: 2, Seq: 4, Message: []byte("d")}},
			{{Timestamp: 1, Seq: 2, Message: []byte("b")}, {Timestamp: 2, Seq: 3, Message: []byte("c")}},
		}},
		{"many tiny", func() (cs [][]chunk.Event) {
			for i := 0; i < 200; i++ {
				cs = append(cs, corpusEvents(uint64(100+i), 1+r.IntN(5), baseTime+int64(r.IntN(100))))
			}
			return cs
		}()},
		{"random", func() (cs [][]chunk.Event) {
			for i := 0; i < 10; i++ {
				cs = append(cs, randomEvents(r, 1+r.IntN(400)))
			}
			return cs
		}()},
	}
	for _, tt := range tests {
		var datas [][]byte
		var all []chunk.Event
		for _, evs := range tt.chunks {
			data, _, _ := MustEncode(t, evs)
			datas = append(datas, data)
			all = append(all, evs...)
		}
		inputs := make([][]byte, len(datas))
		for i, d := range datas {
			inputs[i] = bytes.Clone(d)
		}
		data, filter, meta, err := chunk.Merge(inputs)
		if err != nil {
			t.Errorf("%s: Merge: %v", tt.name, err)
			continue
		}
		for i := range datas {
			if !bytes.Equal(inputs[i], datas[i]) {
				t.Errorf("%s: Merge modified input %d", tt.name, i)
			}
		}
		if diff := cmp.Diff(metaOf(all), meta); diff != "" {
			t.Errorf("%s: Meta (-want +got):\n%s", tt.name, diff)
		}
		if diff := diffEvents(sorted(all), scanAll(t, data)); diff != "" {
			t.Errorf("%s: Scan (-want +got):\n%s", tt.name, diff)
		}
		// The merged filter answers for every message.
		for _, e := range all {
			if term := string(e.Message); !chunk.MayContain(filter, []string{term}) {
				t.Errorf("%s: merged filter rules out a message it holds: %q", tt.name, term)
				break
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	big := make([]byte, chunk.MaxSize/2+1)
	tests := []struct {
		name string
		evs  []chunk.Event
		want error
	}{
		{"no events", nil, chunk.ErrEmpty},
		{"duplicate", []chunk.Event{{Timestamp: 1, Seq: 2}, {Timestamp: 3, Seq: 4}, {Timestamp: 1, Seq: 2, Message: []byte("x")}}, chunk.ErrDuplicate},
		{"too large", []chunk.Event{{Timestamp: 1, Seq: 1, Message: big}, {Timestamp: 1, Seq: 2, Message: big}}, chunk.ErrTooLarge},
	}
	for _, tt := range tests {
		_, _, _, err := chunk.Encode(tt.evs)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Encode error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	a, _, _ := MustEncode(t, corpusEvents(1, 100, baseTime))
	b, _, _ := MustEncode(t, corpusEvents(2, 100, baseTime))
	bad := slices.Clone(b)
	bad[len(bad)-5] ^= 0x40
	tests := []struct {
		name   string
		chunks [][]byte
		want   error
	}{
		{"no chunks", nil, chunk.ErrEmpty},
		{"same chunk twice", [][]byte{a, b, a}, chunk.ErrDuplicate},
		{"corrupt input", [][]byte{a, bad}, chunk.ErrCorrupt},
		{"garbage input", [][]byte{a, []byte("not a chunk")}, chunk.ErrCorrupt},
	}
	for _, tt := range tests {
		_, _, _, err := chunk.Merge(tt.chunks)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Merge error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestMergeTooLarge(t *testing.T) {
	big := make([]byte, chunk.MaxSize/3)
	var chunks [][]byte
	for i := range 4 {
		data, _, _ := MustEncode(t, []chunk.Event{{Timestamp: int64(i), Seq: int64(i), Message: big}})
		chunks = append(chunks, data)
	}
	if _, _, _, err := chunk.Merge(chunks); !errors.Is(err, chunk.ErrTooLarge) {
		t.Errorf("Merge of %d bytes: error = %v, want ErrTooLarge", 4*len(big), err)
	}
}

// Every truncation and many single-bit flips of a valid chunk must give
// an error, never a panic and never a silently different answer.
func TestCorruptChunks(t *testing.T) {
	evs := corpusEvents(3, 50, baseTime)
	data, _, _ := MustEncode(t, evs)
	want := sorted(evs)
	scan := func(d []byte) ([]chunk.Event, error) {
		var got []chunk.Event
		err := chunk.Scan(d, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
			c := *e
			c.Message = bytes.Clone(e.Message)
			got = append(got, c)
			return true
		})
		return got, err
	}
	for n := 0; n < len(data); n++ {
		got, err := scan(data[:n])
		if !errors.Is(err, chunk.ErrCorrupt) {
			t.Fatalf("Scan of the first %d of %d bytes: error = %v, want ErrCorrupt", n, len(data), err)
		}
		if len(got) != 0 {
			t.Fatalf("Scan of the first %d of %d bytes: %d events before the error", n, len(data), len(got))
		}
	}
	if _, err := scan(append(slices.Clone(data), 0)); !errors.Is(err, chunk.ErrCorrupt) {
		t.Errorf("Scan with a trailing byte: error = %v, want ErrCorrupt", err)
	}
	for i := 0; i < len(data); i++ {
		for _, bit := range []byte{0x01, 0x80} {
			d := slices.Clone(data)
			d[i] ^= bit
			got, err := scan(d)
			if err == nil {
				// Bits the format does not read, if any, may flip
				// harmlessly; then the answer must be unchanged.
				if diff := diffEvents(want, got); diff != "" {
					t.Fatalf("Scan with byte %d ^ %#x: no error and different events (-want +got):\n%s", i, bit, diff)
				}
				continue
			}
			if !errors.Is(err, chunk.ErrCorrupt) {
				t.Fatalf("Scan with byte %d ^ %#x: error = %v, want ErrCorrupt", i, bit, err)
			}
			if len(got) != 0 {
				t.Fatalf("Scan with byte %d ^ %#x: %d events before the error", i, bit, len(got))
			}
		}
	}
	if _, err := chunk.ReadMeta([]byte{9, 1, 2, 3}); !errors.Is(err, chunk.ErrCorrupt) {
		t.Errorf("ReadMeta of an unknown version: error = %v, want ErrCorrupt", err)
	}
}

// The package keeps shared codecs and pools; concurrent callers must not
// see each other's buffers (run with -race to check the locking too).
func TestConcurrentUse(t *testing.T) {
	const workers = 4
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- func() error {
				for i := range 5 {
					evs := corpusEvents(uint64(100*w+i), 500+100*i, baseTime+int64(1000*w))
					data, filter, _, err := chunk.Encode(slices.Clone(evs))
					if err != nil {
						return err
					}
					other, _, _, err := chunk.Encode(corpusEvents(uint64(100*w+i+50), 300, baseTime))
					if err != nil {
						return err
					}
					merged, _, _, err := chunk.Merge([][]byte{data, other})
					if err != nil {
						return err
					}
					var got []chunk.Event
					err = chunk.Scan(data, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
						c := *e
						c.Message = bytes.Clone(e.Message)
						got = append(got, c)
						return true
					})
					if err != nil {
						return err
					}
					if diff := diffEvents(sorted(evs), got); diff != "" {
						return errors.New("worker scanned wrong events:\n" + diff)
					}
					if m, err := chunk.ReadMeta(merged); err != nil || m.Count != len(evs)+300 {
						return fmt.Errorf("merged meta %+v, %v", m, err)
					}
					if !chunk.MayContain(filter, []string{string(evs[0].Message)}) {
						return errors.New("filter rules out its own first message")
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
