package auditlog

import (
	"errors"
	"strings"
	"time"
)

// syslogHeader is what the MariaDB parsers need from a syslog line.
type syslogHeader struct {
	time time.Time
	host string
	app  string
	msg  string
}

// parseSyslog splits an RFC 5424 or RFC 3164 line into header and
// message. A leading RFC 6587 octet count ("159 <14>1 …") is skipped. An
// RFC 3164 timestamp has no year or zone: it is read in loc, in the year
// that puts it nearest to now.
func parseSyslog(line string, loc *time.Location, now time.Time) (syslogHeader, error) {
	var h syslogHeader
	s := line
	if i := strings.IndexByte(s, ' '); i > 0 && isDigits(s[:i]) && i+1 < len(s) && s[i+1] == '<' {
		s = s[i+1:]
	}
	if len(s) < 3 || s[0] != '<' {
		return h, errors.New("no syslog priority")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 || !isDigits(s[1:end]) {
		return h, errors.New("bad syslog priority")
	}
	s = s[end+1:]
	if strings.HasPrefix(s, "1 ") {
		return parseSyslog5424(s[2:])
	}
	return parseSyslog3164(s, loc, now)
}

func parseSyslog5424(s string) (syslogHeader, error) {
	var h syslogHeader
	var f [5]string
	for i := range f {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			return h, errors.New("RFC 5424 header is short")
		}
		f[i], s = s[:sp], s[sp+1:]
	}
	if f[0] != "-" {
		t, err := time.Parse(time.RFC3339Nano, f[0])
		if err != nil {
			return h, errors.New("bad RFC 5424 timestamp")
		}
		h.time = t
	}
	h.host, h.app = nilValue(f[1]), nilValue(f[2])
	// Structured data: "-" or one or more [id param="value"…] elements,
	// where a value may hold an escaped \] or \".
	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
		inValue, closed := false, false
		i := 0
	loop:
		for ; i < len(s); i++ {
			switch c := s[i]; {
			case inValue && c == '\\':
				i++
			case c == '"':
				inValue = !inValue
			case !inValue && c == ']':
				if i+1 == len(s) || s[i+1] != '[' {
					i++
					closed = true
					break loop
				}
			}
		}
		if !closed {
			return h, errors.New("unterminated RFC 5424 structured data")
		}
		s = s[i:]
	default:
		return h, errors.New("bad RFC 5424 structured data")
	}
	if s != "" {
		if s[0] != ' ' {
			return h, errors.New("no space before the RFC 5424 message")
		}
		s = strings.TrimPrefix(s[1:], "\uFEFF")
	}
	h.msg = s
	return h, nil
}

func parseSyslog3164(s string, loc *time.Location, now time.Time) (syslogHeader, error) {
	var h syslogHeader
	if len(s) < 16 || s[15] != ' ' {
		return h, errors.New("RFC 3164 header is short")
	}
	t, err := time.ParseInLocation(time.Stamp, s[:15], loc)
	if err != nil {
		return h, errors.New("bad RFC 3164 timestamp")
	}
	now = now.In(loc)
	t = t.AddDate(now.Year(), 0, 0)
	// A December line read in January belongs to last year.
	if t.Sub(now) > 24*time.Hour*31 {
		t = t.AddDate(-1, 0, 0)
	}
	h.time = t
	s = s[16:]
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return h, errors.New("RFC 3164 line has no tag")
	}
	h.host, s = s[:sp], s[sp+1:]
	// TAG is up to the first ':' (with an optional [pid] before it).
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return h, errors.New("RFC 3164 tag has no colon")
	}
	h.app = s[:colon]
	if b := strings.IndexByte(h.app, '['); b >= 0 {
		h.app = h.app[:b]
	}
	h.msg = strings.TrimPrefix(s[colon+1:], " ")
	return h, nil
}

func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
