package agent

import (
	"bytes"

	"strconv"
	"strings"
	"unicode/utf8"
)

// The spool holds one line per event. A line is
//
//	@ TAB group TAB stream TAB millis TAB size TAB message NL
//
// where message is already escaped as the PutLogEvents request body
// carries it (a JSON string without its quotes, escaped exactly as
// aws-sdk-go-v2 escapes it) and size is the message's length in bytes as
// PutLogEvents counts it. A JSON-escaped string holds no tab or newline,
// so shipping is copying: nothing is unescaped and escaped again. Log group
// and stream names cannot hold a tab, a newline or an "@".
//
// Spools written by earlier versions hold lines without the "@" field,
// "group TAB stream TAB millis TAB message NL" with backslash, newline and
// carriage return escaped by a backslash; they are still read, so an
// upgrade with events waiting in the spool ships them.
const spoolMark = '@'

// spoolBatch is events encoded as spool lines, for one write and fsync.
type spoolBatch struct {
	buf []byte
	n   int // events in buf
}

// add appends an event whose message is msg.
func (b *spoolBatch) add(group, stream string, ts int64, msg []byte) {
	b.head(group, stream, ts, decodedSize(msg))
	b.buf = appendSDKEscaped(b.buf, msg)
	b.buf = append(b.buf, '\n')
	b.n++
}

// addEscaped appends an event whose message is esc escaped as
// appendSDKEscaped escapes it, size bytes (decodedSize) before.
func (b *spoolBatch) addEscaped(group, stream string, ts int64, size int, esc []byte) {
	b.head(group, stream, ts, size)
	b.buf = append(b.buf, esc...)
	b.buf = append(b.buf, '\n')
	b.n++
}

// head appends the fields of a line before the message.
func (b *spoolBatch) head(group, stream string, ts int64, size int) {
	b.buf = append(b.buf, spoolMark, '\t')
	b.buf = append(b.buf, group...)
	b.buf = append(b.buf, '\t')
	b.buf = append(b.buf, stream...)
	b.buf = append(b.buf, '\t')
	b.buf = strconv.AppendInt(b.buf, ts, 10)
	b.buf = append(b.buf, '\t')
	b.buf = strconv.AppendInt(b.buf, int64(size), 10)
	b.buf = append(b.buf, '\t')
}

func (b *spoolBatch) reset() { b.buf, b.n = b.buf[:0], 0 }

// decodedSize is the length of s once each byte of invalid UTF-8 in it
// is replaced by U+FFFD, as the server decodes it.
func decodedSize(s []byte) int {
	if utf8.Valid(s) {
		return len(s)
	}
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			n += len("\uFFFD")
		} else {
			n += size
		}
		s = s[size:]
	}
	return n
}

// spoolEvent is a spool line read back: where the event goes, its time,
// its size as PutLogEvents counts it and its message escaped for the
// request body. The slices point into the spool window (or into a side
// buffer for lines of the earlier format).
type spoolEvent struct {
	key  []byte // "group TAB stream"
	ts   int64
	size int
	msg  []byte
}

// parseSpoolLine reads one line (without its newline). Lines of the
// earlier format are converted into conv, which the caller keeps until
// the event is shipped. ok is false for a line that is not a spool line.
func parseSpoolLine(line []byte, conv *[]byte) (ev spoolEvent, ok bool) {
	if len(line) > 2 && line[0] == spoolMark && line[1] == '\t' {
		line = line[2:]
		g := bytes.IndexByte(line, '\t')
		if g < 0 {
			return ev, false
		}
		s := bytes.IndexByte(line[g+1:], '\t')
		if s < 0 {
			return ev, false
		}
		ev.key = line[:g+1+s]
		rest := line[g+1+s+1:]
		t := bytes.IndexByte(rest, '\t')
		if t < 0 {
			return ev, false
		}
		ev.ts, _ = strconv.ParseInt(string(rest[:t]), 10, 64)
		rest = rest[t+1:]
		z := bytes.IndexByte(rest, '\t')
		if z < 0 {
			return ev, false
		}
		ev.size, _ = strconv.Atoi(string(rest[:z]))
		ev.msg = rest[z+1:]
		return ev, true
	}
	// The earlier format.
	parts := strings.SplitN(string(line), "\t", 4)
	if len(parts) != 4 {
		return ev, false
	}
	ev.ts, _ = strconv.ParseInt(parts[2], 10, 64)
	ev.key = []byte(parts[0] + "\t" + parts[1])
	start := len(*conv)
	msg := []byte(spoolUnescape(parts[3]))
	*conv, ev.size = appendSDKEscaped(*conv, msg), decodedSize(msg)
	ev.msg = (*conv)[start:len(*conv):len(*conv)]
	return ev, true
}

// spoolUnescape undoes the escaping of the earlier spool format.
func spoolUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// appendSDKEscaped appends s as the inside of a JSON string, escaped
// byte for byte as aws-sdk-go-v2 (smithy-go's JSON shape serializer)
// escapes the strings of a request: quote and backslash, \n \r \t, other
// control characters and DEL as \u00XX, U+2028 and U+2029 as \u2028 and
// \u2029, and every byte of invalid UTF-8 replaced by U+FFFD, which is
// written as it is.
func appendSDKEscaped(dst, s []byte) []byte {
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && sdkSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	return append(dst, s[start:]...)
}

const hexDigits = "0123456789abcdef"

// sdkSafe is smithy-go's safeSet: the bytes written as they are without
// a look (bytes of multi-byte characters are looked at).
var sdkSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
