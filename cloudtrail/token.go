package cloudtrail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// A LookupEvents NextToken is opaque to clients. It holds where the previous
// page ended and a digest of the parameters that produced it, because AWS
// requires a token to come back with the same parameters and rejects it
// otherwise (reference/cloudtrail.md §4).
//
// Layout before base64url (no padding):
//
//	[0]      tokenVersion
//	[1:17]   first 16 bytes of SHA-256 over the bound parameters
//	[17:25]  the last event's time, Unix nanoseconds, big endian
//	[25:33]  the last event's storage sequence number, big endian
//
// Nothing in it is secret: a hand-made token can only move the start of a
// page within the caller's own results.
const (
	tokenVersion = 1
	digestLen    = 16
	tokenLen     = 1 + digestLen + 8 + 8
)

// pageKey is what a token binds: every parameter that shapes the result set.
// MaxResults is left out on purpose; changing the page size between pages
// does not change which events follow the position, and the AWS CLI may
// resume a paginated listing with another page size.
type pageKey struct {
	account, region string
	category        string
	attrKey         string
	attrValue       string
	start, end      *time.Time // as the client sent them, before the retention clamp
}

func (k pageKey) digest() [digestLen]byte {
	var b bytes.Buffer
	field := func(s string) {
		// Length-prefixed so no two parameter sets serialise alike.
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	when := func(t *time.Time) {
		if t == nil {
			field("")
			return
		}
		field(strconv.FormatInt(t.UnixNano(), 10))
	}
	field(k.account)
	field(k.region)
	field(k.category)
	field(k.attrKey)
	field(k.attrValue)
	when(k.start)
	when(k.end)
	sum := sha256.Sum256(b.Bytes())
	var d [digestLen]byte
	copy(d[:], sum[:])
	return d
}

// encodeToken returns the token that resumes after last under k.
func encodeToken(k pageKey, last storage.StoredEvent) string {
	buf := make([]byte, tokenLen)
	buf[0] = tokenVersion
	d := k.digest()
	copy(buf[1:], d[:])
	binary.BigEndian.PutUint64(buf[1+digestLen:], uint64(last.Time.UnixNano()))
	binary.BigEndian.PutUint64(buf[1+digestLen+8:], uint64(last.Seq))
	return base64.RawURLEncoding.EncodeToString(buf)
}

// decodeToken returns the position a token resumes after. ok is false for
// anything that is not a token this service issued for k.
func decodeToken(k pageKey, tok string) (after storage.StoredEvent, ok bool) {
	if base64.RawURLEncoding.DecodedLen(len(tok)) != tokenLen {
		return storage.StoredEvent{}, false
	}
	buf, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(buf) != tokenLen || buf[0] != tokenVersion {
		return storage.StoredEvent{}, false
	}
	d := k.digest()
	if !bytes.Equal(buf[1:1+digestLen], d[:]) {
		return storage.StoredEvent{}, false
	}
	nanos := int64(binary.BigEndian.Uint64(buf[1+digestLen:]))
	seq := int64(binary.BigEndian.Uint64(buf[1+digestLen+8:]))
	return storage.StoredEvent{Seq: seq, Time: time.Unix(0, nanos).UTC()}, true
}
