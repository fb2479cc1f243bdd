package logs

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// List tokens (DescribeLogGroups, DescribeLogStreams, DescribeMetricFilters,
// FilterLogEvents) are opaque to clients (§3). Each holds where the previous
// page ended and a digest of the parameters that shaped it, so a token that
// comes back with other parameters, or was never issued, is refused with
// errNextToken instead of silently resuming somewhere else.
//
// Layout before base64url (no padding):
//
//	[0]     tokenVersion
//	[1:17]  the first 16 bytes of SHA-256 over the bound parameters
//	[17:]   the position, as written by a cursor
//
// Nothing in a token is secret: a hand-made one can only move the start of
// a page within the caller's own results, because the caller's account and
// region are always among the bound parameters.
const (
	tokenVersion = 1
	digestLen    = 16
	// maxTokenLen bounds what decodeToken looks at; the largest position,
	// a metric filter's group and name, needs about 1,040 bytes.
	maxTokenLen = 4096
)

// pageKey accumulates the parameters a token is bound to.
type pageKey struct{ buf bytes.Buffer }

// newPageKey starts a key for an operation and a caller's account and
// region.
func newPageKey(op, account, region string) *pageKey {
	k := &pageKey{}
	return k.str(op).str(account).str(region)
}

// str adds a string, length-prefixed so no two parameter lists write the
// same bytes.
func (k *pageKey) str(s string) *pageKey {
	k.buf.WriteString(strconv.Itoa(len(s)))
	k.buf.WriteByte(':')
	k.buf.WriteString(s)
	return k
}

// strs adds a list of strings, with its length.
func (k *pageKey) strs(list []string) *pageKey {
	k.str(strconv.Itoa(len(list)))
	for _, s := range list {
		k.str(s)
	}
	return k
}

// opt adds an optional integer: absent and zero differ.
func (k *pageKey) opt(n *int64) *pageKey {
	if n == nil {
		return k.str("")
	}
	return k.str(strconv.FormatInt(*n, 10))
}

func (k *pageKey) digest() [digestLen]byte {
	sum := sha256.Sum256(k.buf.Bytes())
	var d [digestLen]byte
	copy(d[:], sum[:])
	return d
}

// encodeToken returns the token resuming at the position in cur under k.
func encodeToken(k *pageKey, cur *cursor) string {
	d := k.digest()
	buf := make([]byte, 0, 1+digestLen+len(cur.buf))
	buf = append(buf, tokenVersion)
	buf = append(buf, d[:]...)
	buf = append(buf, cur.buf...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// decodeToken returns a cursor over the position a token holds, or false
// for anything that is not a token issued under k.
func decodeToken(k *pageKey, tok string) (*cursor, bool) {
	if len(tok) > maxTokenLen {
		return nil, false
	}
	buf, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(buf) < 1+digestLen || buf[0] != tokenVersion {
		return nil, false
	}
	d := k.digest()
	if !bytes.Equal(buf[1:1+digestLen], d[:]) {
		return nil, false
	}
	return &cursor{buf: buf[1+digestLen:]}, true
}

// cursor writes and reads a position: strings and integers in order.
// Reads past the end or of a malformed value set bad, which done reports.
type cursor struct {
	buf []byte
	bad bool
}

func (c *cursor) putString(s string) *cursor {
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
	c.buf = append(c.buf, s...)
	return c
}

func (c *cursor) putInt(n int64) *cursor {
	c.buf = binary.BigEndian.AppendUint64(c.buf, uint64(n))
	return c
}

func (c *cursor) string() string {
	n, w := binary.Uvarint(c.buf)
	if w <= 0 || n > uint64(len(c.buf)-w) {
		c.bad = true
		return ""
	}
	s := string(c.buf[w : w+int(n)])
	c.buf = c.buf[w+int(n):]
	return s
}

func (c *cursor) int() int64 {
	if len(c.buf) < 8 {
		c.bad = true
		return 0
	}
	n := int64(binary.BigEndian.Uint64(c.buf))
	c.buf = c.buf[8:]
	return n
}

// done reports whether every read succeeded and nothing is left over.
func (c *cursor) done() bool { return !c.bad && len(c.buf) == 0 }

// resume decodes a nextToken issued under k and hands its cursor to read,
// which takes the position out of it. An empty token does nothing; a token
// that is not one of k's, or whose position does not read back whole, is
// errNextToken.
func resume(k *pageKey, tok string, read func(*cursor)) error {
	if tok == "" {
		return nil
	}
	cur, ok := decodeToken(k, tok)
	if !ok {
		return errNextToken()
	}
	read(cur)
	if !cur.done() {
		return errNextToken()
	}
	return nil
}
