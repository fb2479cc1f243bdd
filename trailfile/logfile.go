package trailfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/trailwatch/trailwatch/internal/inflate"
)

// EncodeLogFile builds a log file body: one gzip member holding the UTF-8
// JSON {"Records":[…]} (reference/cloudtrail.md §6.1). raw is the
// uncompressed JSON; its SHA-256 is what a digest lists. Every record must
// be one valid JSON value; records are copied as given.
func EncodeLogFile(records []json.RawMessage) (gz []byte, raw []byte, err error) {
	n := len(`{"Records":[]}`) + len(records)
	for _, r := range records {
		n += len(r)
	}
	raw = make([]byte, 0, n)
	raw = append(raw, `{"Records":[`...)
	for i, r := range records {
		if !json.Valid(r) {
			return nil, nil, fmt.Errorf("trailfile: record %d is not valid JSON", i)
		}
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = append(raw, r...)
	}
	raw = append(raw, "]}"...)
	gz, err = Gzip(raw)
	return gz, raw, err
}

// Gzip compresses b as one gzip member: validate-logs inflates only the
// first member (reference/cloudtrail.md §6.1), so anything after it would
// escape the hash.
func Gzip(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/8 + 64)
	w, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ErrFormat marks a body that is not a single gzip member of the expected
// content (validate-logs' "invalid format").
var ErrFormat = errors.New("trailfile: invalid format")

// hashState is a reusable SHA-256 and inflater for one worker.
type hashState struct {
	h hash.Hash
	d *inflate.Decoder
}

var hashStates = sync.Pool{New: func() any {
	return &hashState{h: sha256.New(), d: inflate.NewDecoder()}
}}

// HashLogFile returns the lower-case hex SHA-256 of what the first gzip
// member of gz inflates to, hashing while it inflates (nothing is held in
// memory but a buffer). Bytes after the first member are ignored, as
// validate-logs ignores them. A body that is not gzip, or whose member is
// truncated or corrupt, is ErrFormat.
func HashLogFile(gz []byte) (string, error) {
	return hashInflated(nil, func(d *inflate.Decoder, w io.Writer) error { return d.GunzipBytes(w, gz) })
}

// hashInflated is HashLogFile over what gunzip writes, which also reports
// whether needle occurs in the inflated bytes (needle nil: not searched;
// errNeedleAbsent: the hash is good but the needle was not seen). gunzip
// inflates a log file with the decoder it is given, from memory or from a
// stream; an error reading the stream is returned as it is, not as
// ErrFormat.
func hashInflated(needle []byte, gunzip func(*inflate.Decoder, io.Writer) error) (sum string, err error) {
	st := hashStates.Get().(*hashState)
	defer hashStates.Put(st)
	st.h.Reset()
	var w io.Writer = st.h
	var s *searcher
	if needle != nil {
		s = &searcher{h: st.h, needle: needle}
		w = s
	}
	if err := gunzip(st.d, w); err != nil {
		if errors.Is(err, inflate.ErrCorrupt) {
			return "", fmt.Errorf("%w: %v", ErrFormat, err)
		}
		return "", err
	}
	sum = hex.EncodeToString(st.h.Sum(nil))
	if s != nil && !s.found {
		return sum, errNeedleAbsent
	}
	return sum, nil
}

// errNeedleAbsent is hashInflated's way to say the hash is good but the
// needle was not seen.
var errNeedleAbsent = errors.New("trailfile: needle absent")

// searcher hashes what it is given and looks for needle across writes.
type searcher struct {
	h      hash.Hash
	needle []byte
	tail   []byte // the last len(needle)-1 bytes seen
	found  bool
}

func (s *searcher) Write(p []byte) (int, error) {
	s.h.Write(p)
	if s.found {
		return len(p), nil
	}
	if len(s.tail) > 0 {
		// A match straddling the previous write's end.
		k := min(len(p), len(s.needle)-1)
		joined := append(append([]byte(nil), s.tail...), p[:k]...)
		if bytes.Contains(joined, s.needle) {
			s.found = true
			return len(p), nil
		}
	}
	if bytes.Contains(p, s.needle) {
		s.found = true
		return len(p), nil
	}
	keep := len(s.needle) - 1
	if len(p) >= keep {
		s.tail = append(s.tail[:0], p[len(p)-keep:]...)
	} else {
		s.tail = append(s.tail, p...)
		if len(s.tail) > keep {
			s.tail = s.tail[len(s.tail)-keep:]
		}
	}
	return len(p), nil
}

// MaxLogFileBytes bounds how much ReadLogFile inflates: CloudTrail log
// files are at most 50 MB compressed (reference/cloudtrail.md §6.1), and
// JSON rarely compresses better than 20:1.
const MaxLogFileBytes = 1 << 30

// ReadLogFile inflates the first gzip member of gz and returns its records
// and the SHA-256 of the inflated bytes. It reads untrusted input: a body
// that is not gzip, inflates beyond MaxLogFileBytes, or is not a JSON
// object whose "Records" member is an array is ErrFormat.
func ReadLogFile(gz []byte) (records []json.RawMessage, sum string, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrFormat, err)
	}
	zr.Multistream(false)
	raw, err := io.ReadAll(io.LimitReader(zr, MaxLogFileBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(raw) > MaxLogFileBytes {
		return nil, "", fmt.Errorf("%w: inflates to more than %d bytes", ErrFormat, MaxLogFileBytes)
	}
	var body struct {
		Records *[]json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if body.Records == nil {
		return nil, "", fmt.Errorf("%w: no Records array", ErrFormat)
	}
	h := sha256.Sum256(raw)
	return *body.Records, hex.EncodeToString(h[:]), nil
}
