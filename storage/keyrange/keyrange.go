// Package keyrange turns a name prefix into the bounds of an index range,
// so that the storage backends select a prefix with name >= prefix AND
// name < end, which both SQLite and PostgreSQL answer from an index.
package keyrange

import "unicode/utf8"

// PrefixEnd returns the least string greater than every string that
// starts with prefix; ok is false when there is no such bound (an empty
// prefix, or one of U+10FFFF only). It works on runes, not bytes, so that
// the bound stays valid UTF-8 (PostgreSQL rejects anything else), and
// UTF-8's byte order is code point order, so it is a bound for byte
// comparison too.
func PrefixEnd(prefix string) (end string, ok bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		if r == utf8.RuneError && size == 1 {
			// Not UTF-8: count in bytes.
			b := prefix[len(prefix)-1]
			prefix = prefix[:len(prefix)-1]
			if b == 0xff {
				continue
			}
			return prefix + string([]byte{b + 1}), true
		}
		prefix = prefix[:len(prefix)-size]
		switch {
		case r == utf8.MaxRune:
			continue
		case r == 0xD7FF:
			r = 0xE000 // skip the surrogates, which UTF-8 cannot hold
		default:
			r++
		}
		return prefix + string(r), true
	}
	return "", false
}
