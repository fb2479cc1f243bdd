package auditlog

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// SyslogMessage is one syslog message split into its header fields and
// its message (RFC 5424 §6, RFC 3164 §4.1).
type SyslogMessage struct {
	Facility int // 0–23: PRI / 8
	Severity int // 0–7: PRI % 8
	// Time is the header's timestamp; zero when an RFC 5424 header has
	// the NILVALUE instead.
	Time     time.Time
	Hostname string // "" for the NILVALUE
	// AppName is RFC 5424's APP-NAME, or the program of an RFC 3164 TAG
	// ("mysqld" in "mysqld[42]:").
	AppName string
	ProcID  string // RFC 5424 PROCID, or the pid of an RFC 3164 TAG
	MsgID   string // RFC 5424 only
	// StructuredData is RFC 5424's STRUCTURED-DATA as written
	// ([id k="v"]…), "" for the NILVALUE and for RFC 3164.
	StructuredData string
	Message        string // MSG, without a leading UTF-8 BOM
	RFC5424        bool
}

// ParseSyslog splits an RFC 5424 or RFC 3164 line into header and
// message. A leading RFC 6587 octet count ("159 <14>1 …") is skipped, so
// lines of a file that a forwarder wrote with octet counting parse too.
// An RFC 3164 timestamp has no year or zone: it is read in loc, in the
// year that puts it nearest to now. An RFC 3164 header may also carry an
// RFC 3339 timestamp, as rsyslog's RSYSLOG_ForwardFormat writes it.
func ParseSyslog(line string, loc *time.Location, now time.Time) (SyslogMessage, error) {
	var m SyslogMessage
	s := line
	if i := strings.IndexByte(s, ' '); i > 0 && isDigits(s[:i]) && i+1 < len(s) && s[i+1] == '<' {
		s = s[i+1:]
	}
	if len(s) < 3 || s[0] != '<' {
		return m, errors.New("no syslog priority")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 || !isDigits(s[1:end]) {
		return m, errors.New("bad syslog priority")
	}
	pri, _ := strconv.Atoi(s[1:end])
	if pri > 191 {
		return m, errors.New("bad syslog priority")
	}
	m.Facility, m.Severity = pri/8, pri%8
	s = s[end+1:]
	var err error
	if strings.HasPrefix(s, "1 ") {
		m.RFC5424 = true
		err = parseSyslog5424(s[2:], &m)
	} else {
		err = parseSyslog3164(s, loc, now, &m)
	}
	if err != nil {
		return SyslogMessage{}, err
	}
	return m, nil
}

func parseSyslog5424(s string, m *SyslogMessage) error {
	var f [5]string
	for i := range f {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			return errors.New("RFC 5424 header is short")
		}
		f[i], s = s[:sp], s[sp+1:]
	}
	if f[0] != "-" {
		t, err := time.Parse(time.RFC3339Nano, f[0])
		if err != nil {
			return errors.New("bad RFC 5424 timestamp")
		}
		m.Time = t
	}
	m.Hostname, m.AppName, m.ProcID, m.MsgID = nilValue(f[1]), nilValue(f[2]), nilValue(f[3]), nilValue(f[4])
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
			return errors.New("unterminated RFC 5424 structured data")
		}
		m.StructuredData, s = s[:i], s[i:]
	default:
		return errors.New("bad RFC 5424 structured data")
	}
	if s != "" {
		if s[0] != ' ' {
			return errors.New("no space before the RFC 5424 message")
		}
		s = strings.TrimPrefix(s[1:], "\uFEFF")
	}
	m.Message = s
	return nil
}

func parseSyslog3164(s string, loc *time.Location, now time.Time, m *SyslogMessage) error {
	if sp := strings.IndexByte(s, ' '); sp >= 20 && s[4] == '-' && s[10] == 'T' {
		// rsyslog's RSYSLOG_ForwardFormat: an RFC 3339 time in a 3164 line.
		t, err := time.Parse(time.RFC3339Nano, s[:sp])
		if err != nil {
			return errors.New("bad RFC 3164 timestamp")
		}
		m.Time, s = t, s[sp+1:]
	} else {
		if len(s) < 16 || s[15] != ' ' {
			return errors.New("RFC 3164 header is short")
		}
		t, err := time.ParseInLocation(time.Stamp, s[:15], loc)
		if err != nil {
			return errors.New("bad RFC 3164 timestamp")
		}
		now = now.In(loc)
		t = t.AddDate(now.Year(), 0, 0)
		// A December line read in January belongs to last year.
		if t.Sub(now) > 24*time.Hour*31 {
			t = t.AddDate(-1, 0, 0)
		}
		m.Time, s = t, s[16:]
	}
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return errors.New("RFC 3164 line has no tag")
	}
	m.Hostname, s = s[:sp], s[sp+1:]
	// TAG is up to the first ':' (with an optional [pid] before it).
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return errors.New("RFC 3164 tag has no colon")
	}
	tag := s[:colon]
	if b := strings.IndexByte(tag, '['); b >= 0 {
		if strings.HasSuffix(tag, "]") {
			m.ProcID = tag[b+1 : len(tag)-1]
		}
		tag = tag[:b]
	}
	m.AppName = tag
	m.Message = strings.TrimPrefix(s[colon+1:], " ")
	return nil
}

func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// ParsePostgresSyslog parses one syslog line (RFC 5424 or RFC 3164)
// that PostgreSQL sent with log_destination=syslog: its message is the
// stderr form (log_line_prefix, severity, message), after the "[seq-part] "
// that syslog_sequence_numbers and syslog_split_messages put before it.
// When log_line_prefix has no time, the event's time is the syslog
// header's. With syslog_split_messages on (PostgreSQL's default), a
// record longer than one line arrives as several messages; only the first
// parses, the others are continuation parts (an error naming the part).
func ParsePostgresSyslog(line string, prefix *PostgresPrefix, opt PostgresOptions) (*Event, error) {
	const format = "postgres-syslog"
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	h, err := ParseSyslog(line, loc, time.Now())
	if err != nil {
		return nil, syntaxError(format, "%s", err.Error())
	}
	msg := h.Message
	if part, rest, ok := postgresSyslogSeq(msg); ok {
		if part > 1 {
			return nil, syntaxError(format, "continuation part %d of a split message", part)
		}
		msg = rest
	}
	e, err := parsePostgresPrefixed(msg, prefix, opt, format, h.Time)
	if err != nil {
		return nil, err
	}
	e.Raw = line
	return e, nil
}

// postgresSyslogSeq strips the "[N] " or "[N-P] " PostgreSQL puts before a
// syslog message (elog.c write_syslog) and returns the part number P (1
// when there is none).
func postgresSyslogSeq(msg string) (part int, rest string, ok bool) {
	if !strings.HasPrefix(msg, "[") {
		return 0, msg, false
	}
	end := strings.Index(msg, "] ")
	if end < 2 {
		return 0, msg, false
	}
	inner := msg[1:end]
	seq, p, split := strings.Cut(inner, "-")
	if !isDigits(seq) || (split && !isDigits(p)) {
		return 0, msg, false
	}
	part = 1
	if split {
		part, _ = strconv.Atoi(p)
	}
	return part, msg[end+2:], true
}
