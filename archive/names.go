package archive

import (
	"fmt"
	"net"
	"strings"
	"unicode/utf8"
)

// CheckBucketName applies S3's rules for general purpose bucket names:
// 3–63 characters of lower-case letters, digits, dots and hyphens, starting
// and ending with a letter or digit, no two adjacent dots, not shaped like
// an IP address. A name that passes is also a safe directory name: it holds
// no slash and is never "." or "..".
func CheckBucketName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q: %s", ErrInvalidBucket, name, why) }
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return bad("only lower-case letters, digits, dots and hyphens are allowed")
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return bad("must begin and end with a letter or digit")
	}
	if strings.Contains(name, "..") {
		return bad("must not contain two adjacent dots")
	}
	if net.ParseIP(name) != nil {
		return bad("must not be formatted as an IP address")
	}
	return nil
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// CheckKey applies S3's own limits on an object key: 1 to 1,024 bytes of
// valid UTF-8. Stores may refuse more (archive/dir refuses keys it cannot
// map to a file); they say so with ErrInvalidKey too.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyBytes:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidKey, len(key), MaxKeyBytes)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidKey)
	}
	return nil
}
