package logs

import (
	"math"
	"testing"

	"github.com/trailwatch/trailwatch/storage"
)

// FuzzStreamToken feeds arbitrary text to the GetLogEvents token parser: it
// must never panic, must accept only what streamToken writes for the same
// stream, and must read back exactly the direction and position written.
func FuzzStreamToken(f *testing.F) {
	ref := streamRef{account: "111122223333", region: "us-east-1", group: "g", stream: "s"}
	for _, p := range []storage.EventPos{posStart, posEnd, {Timestamp: 1717243200000, Seq: 42}, {Timestamp: 0, Seq: 0}} {
		f.Add(streamToken(ref, 'f', p), p.Timestamp, p.Seq)
		f.Add(streamToken(ref, 'b', p), p.Timestamp, p.Seq)
	}
	f.Add("f/31961209122447488583055879464742346735121166569214640130", int64(0), int64(0))
	f.Add("invalid-token", int64(-1), int64(math.MaxInt64))
	f.Add("b/", int64(1), int64(1))
	f.Fuzz(func(t *testing.T, tok string, ts, seq int64) {
		if dir, p, ok := parseStreamToken(ref, tok); ok {
			if again := streamToken(ref, dir, p); again != tok {
				t.Fatalf("accepted %q, which reads back as %q", tok, again)
			}
			if _, _, ok := parseStreamToken(streamRef{account: ref.account, region: ref.region, group: ref.group, stream: "other"}, tok); ok {
				t.Fatalf("%q is accepted for another stream", tok)
			}
		}
		p := storage.EventPos{Timestamp: ts, Seq: seq}
		for _, dir := range []byte{'f', 'b'} {
			tok := streamToken(ref, dir, p)
			gotDir, got, ok := parseStreamToken(ref, tok)
			if !ok || gotDir != dir || got != p {
				t.Fatalf("%q for %c %+v reads back as %c %+v, %v", tok, dir, p, gotDir, got, ok)
			}
			if len(tok) != streamTokenLen {
				t.Fatalf("%q is %d bytes, want %d", tok, len(tok), streamTokenLen)
			}
		}
	})
}

// FuzzListToken feeds arbitrary text to the list token decoder: it must
// never panic, must refuse tokens of other parameters, and must read back
// the position a token was written with.
func FuzzListToken(f *testing.F) {
	key := func() *pageKey { return newPageKey("DescribeLogStreams", "111122223333", "us-east-1").str("g") }
	f.Add(encodeToken(key(), new(cursor).putString("stream-1").putInt(1717243200000)), "stream-1", int64(1717243200000))
	f.Add(encodeToken(key(), new(cursor).putString("").putInt(0)), "", int64(0))
	f.Add("garbage", "x", int64(-1))
	f.Add("AQ", "y", int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, tok, name string, n int64) {
		var gotName string
		var gotN int64
		err := resume(key(), tok, func(c *cursor) { gotName, gotN = c.string(), c.int() })
		if err == nil && tok != "" {
			if again := encodeToken(key(), new(cursor).putString(gotName).putInt(gotN)); again != tok {
				t.Fatalf("accepted %q, which reads back as %q", tok, again)
			}
			other := newPageKey("DescribeLogStreams", "111122223333", "us-east-1").str("h")
			if resume(other, tok, func(c *cursor) { c.string(); c.int() }) == nil {
				t.Fatalf("%q is accepted for another group", tok)
			}
		}
		tok = encodeToken(key(), new(cursor).putString(name).putInt(n))
		if err := resume(key(), tok, func(c *cursor) { gotName, gotN = c.string(), c.int() }); err != nil && len(tok) <= maxTokenLen {
			t.Fatalf("%q: %v", tok, err)
		} else if err == nil && (gotName != name || gotN != n) {
			t.Fatalf("wrote %q %d, read %q %d", name, n, gotName, gotN)
		}
	})
}
