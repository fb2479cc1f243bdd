package agent

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// frameAll feeds data to a framer in reads of the given sizes (cycled),
// as serveConn does, and returns the messages.
func frameAll(data []byte, limit int, reads []int) (msgs []string, truncated int) {
	f := &syslogFramer{max: limit}
	buf := make([]byte, limit+32)
	n, pos, r := 0, 0, 0
	for {
		size := len(data) - pos
		if len(reads) > 0 {
			size = min(size, max(1, reads[r%len(reads)]))
			r++
		}
		size = min(size, len(buf)-n)
		copy(buf[n:], data[pos:pos+size])
		pos += size
		n += size
		atEOF := pos == len(data)
		off := 0
		for off < n {
			adv, msg, trunc := f.next(buf[off:n], atEOF)
			if adv == 0 {
				break
			}
			if adv < 0 || off+adv > n {
				panic(fmt.Sprintf("advance %d past %d", adv, n-off))
			}
			off += adv
			if trunc {
				truncated++
			}
			if msg != nil && len(msg) > 0 {
				msgs = append(msgs, string(msg))
			}
		}
		n = copy(buf, buf[off:n])
		if atEOF {
			if n > 0 {
				panic(fmt.Sprintf("%d bytes left at EOF", n))
			}
			return msgs, truncated
		}
		if n == len(buf) {
			panic("a full buffer made no progress")
		}
	}
}

func TestSyslogFramer(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		// The exact bytes real senders put on the wire.
		{"rsyslog octet-counted, LF counted", "24 <14>1 - - - - - - hello\n25 <14>1 - - - - - - hello2\n", []string{"<14>1 - - - - - - hello", "<14>1 - - - - - - hello2"}},
		{"logger --octet-count, no LF", "24 <14>1 - - - - - - hello!24 <14>1 - - - - - - hello?", []string{"<14>1 - - - - - - hello!", "<14>1 - - - - - - hello?"}},
		{"LF framing", "<13>Nov 22 02:38:22 vm app: three\r\n<13>Nov 22 02:38:23 vm app: four\n", []string{"<13>Nov 22 02:38:22 vm app: three", "<13>Nov 22 02:38:23 vm app: four"}},
		{"mixed, last without LF", "5 <1>ab<2>cd\n\n4 <3>e<4>f", []string{"<1>ab", "<2>cd", "<3>e", "<4>f"}},
		{"digits that are no count", "123abc\n12", []string{"123abc", "12"}},
		{"count cut by EOF", "50 <1>short", []string{"<1>short"}},
	}
	for _, c := range cases {
		for _, reads := range [][]int{nil, {1}, {3, 7}} {
			got, _ := frameAll([]byte(c.in), 64, reads)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("%s (reads %v): got %q, want %q", c.name, reads, got, c.want)
			}
		}
	}
	// Over-long messages are cut to max and the rest skipped: the
	// counted one of 100 x, and the LF-framed "<1>next" + 100 x, which
	// a 7-byte count announced as "<1>next" alone, so the rest is a
	// line of its own. The next message is intact.
	long := strings.Repeat("x", 100)
	in := fmt.Sprintf("%d %s7 <1>next%s\n<2>after\n", len(long), long, long)
	for _, reads := range [][]int{nil, {5}} {
		got, trunc := frameAll([]byte(in), 40, reads)
		if len(got) != 4 || got[0] != long[:40] || got[1] != "<1>next" || got[2] != (long)[:40] || got[3] != "<2>after" || trunc != 2 {
			t.Errorf("reads %v: got %q (%d truncated)", reads, got, trunc)
		}
	}
}

func FuzzSyslogFramer(f *testing.F) {
	f.Add([]byte("20 <14>1 - - - - - - hello\n<13>Nov 22 02:38:22 vm app: three\n"), uint8(3))
	f.Add([]byte("99999999999 x\n1 \n0 a\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, read uint8) {
		whole, _ := frameAll(data, 48, nil)
		pieces, _ := frameAll(data, 48, []int{int(read)})
		// However the stream is cut into reads, the messages are the
		// same, none is longer than the maximum, and none is empty.
		if strings.Join(whole, "\x00") != strings.Join(pieces, "\x00") {
			t.Fatalf("whole %q, in reads of %d %q", whole, read, pieces)
		}
		for _, m := range whole {
			if len(m) > 48 || len(m) == 0 {
				t.Fatalf("message %q", m)
			}
		}
		// Messages without LF or a leading digit, octet-counted, come
		// back unchanged.
		var enc bytes.Buffer
		var msgs []string
		for _, part := range bytes.Split(data, []byte{'\n'}) {
			part = bytes.Trim(part, "\r\x00")
			if len(part) == 0 || len(part) > 48 || bytes.ContainsAny(part, "\r\n") {
				continue
			}
			fmt.Fprintf(&enc, "%d %s", len(part), part)
			msgs = append(msgs, string(part))
		}
		got, _ := frameAll(enc.Bytes(), 48, []int{int(read)})
		if strings.Join(got, "\x00") != strings.Join(msgs, "\x00") {
			t.Fatalf("octet counting: got %q, want %q", got, msgs)
		}
	})
}
