package auditlog

import (
	"strconv"
	"strings"
	"time"
)

// MariaDBOptions says what a server_audit line does not: the server's time
// zone (the plugin writes local time without a zone) and, for RFC 3164
// syslog headers, which carry no year, the current time.
type MariaDBOptions struct {
	Location *time.Location   // nil means UTC
	Now      func() time.Time // nil means time.Now; used for RFC 3164 years
}

func (o MariaDBOptions) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// ParseMariaDB parses one line of the server_audit plugin's file output
// (server_audit_output_type=file), which MySQL's ports of the plugin (AWS
// RDS for MySQL, Percona's audit_log in its "MariaDB" mode) write too:
//
//	timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode
//
// The line must not include its newline.
func ParseMariaDB(line string, opt MariaDBOptions) (*Event, error) {
	const format = "mariadb"
	comma := strings.IndexByte(line, ',')
	if comma < 0 {
		return nil, syntaxError(format, "no comma")
	}
	t, ok := parseMariaDBTime(line[:comma], opt.location())
	if !ok {
		return nil, syntaxError(format, "timestamp %q is not YYYYMMDD HH:MM:SS", truncate(line[:comma]))
	}
	e, err := parseMariaDBBody(line[comma+1:], format)
	if err != nil {
		return nil, err
	}
	e.Time = t
	e.Raw = line
	return e, nil
}

// ParseMariaDBSyslog parses one syslog line (RFC 5424 or RFC 3164, with the
// octet count of RFC 6587 framing removed) carrying a server_audit record
// (server_audit_output_type=syslog). The record has no timestamp of its
// own: the event's time is the syslog header's.
func ParseMariaDBSyslog(line string, opt MariaDBOptions) (*Event, error) {
	const format = "mariadb-syslog"
	h, err := ParseSyslog(line, opt.location(), opt.now())
	if err != nil {
		return nil, syntaxError(format, "%s", err.Error())
	}
	// A syslog daemon that tails the plugin's file (rsyslog imfile,
	// syslog-ng file()) forwards file lines, timestamp included; those
	// keep their own time.
	if m := strings.TrimLeft(h.Message, " "); len(m) > 9 && isDigits(m[:8]) && m[8] == ' ' {
		e, err := ParseMariaDB(m, opt)
		if err != nil {
			return nil, err
		}
		e.Raw = line
		return e, nil
	}
	e, err := parseMariaDBSyslogMessage(h.Message, format)
	if err != nil {
		return nil, err
	}
	if h.Time.IsZero() {
		return nil, syntaxError(format, "syslog header has no timestamp")
	}
	e.Time = h.Time
	e.Raw = line
	return e, nil
}

// ParseMariaDBSyslogMessage parses the message part of a server_audit
// syslog record, as a syslog daemon hands it on without its header, and
// stamps it with t, the time the daemon received it.
func ParseMariaDBSyslogMessage(msg string, t time.Time) (*Event, error) {
	e, err := parseMariaDBSyslogMessage(msg, "mariadb-syslog")
	if err != nil {
		return nil, err
	}
	e.Time = t
	e.Raw = msg
	return e, nil
}

func (o MariaDBOptions) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// parseMariaDBSyslogMessage strips what the plugin puts before the record
// in syslog mode: server_audit_syslog_info and one space (syslog(3) is
// called with "%s %.*s"), which leaves one or more spaces when the info
// string is empty.
func parseMariaDBSyslogMessage(msg, format string) (*Event, error) {
	comma := strings.IndexByte(msg, ',')
	if comma < 0 {
		return nil, syntaxError(format, "no comma")
	}
	start := strings.LastIndexByte(msg[:comma], ' ') + 1
	if start == 0 {
		return nil, syntaxError(format, "no space before the server host")
	}
	return parseMariaDBBody(msg[start:], format)
}

// parseMariaDBBody parses what follows the timestamp:
// serverhost,username,host,connectionid,queryid,operation,database,object,retcode.
func parseMariaDBBody(s, format string) (*Event, error) {
	var f [6]string
	for i := range f {
		comma := strings.IndexByte(s, ',')
		if comma < 0 {
			return nil, syntaxError(format, "%d fields, want at least 9", i+1)
		}
		f[i], s = s[:comma], s[comma+1:]
	}
	e := &Event{
		Source:       SourceMariaDB,
		ServerHost:   f[0],
		User:         f[1],
		ClientHost:   f[2],
		ConnectionID: f[3],
		QueryID:      f[4],
		Command:      f[5],
	}
	if !isDigits(f[3]) || !isDigits(f[4]) {
		return nil, syntaxError(format, "connection id %q or query id %q is not a number", truncate(f[3]), truncate(f[4]))
	}
	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		return nil, syntaxError(format, "no object field")
	}
	e.Database, s = s[:comma], s[comma+1:]

	switch e.Command {
	case "QUERY":
		// 'query',retcode: the plugin escapes every quote inside the
		// query, so its end is the last quote, which must be followed by
		// a comma and the error code.
		comma := strings.LastIndexByte(s, ',')
		if comma < 2 || s[0] != '\'' || s[comma-1] != '\'' {
			return nil, syntaxError(format, "QUERY object is not a quoted statement followed by an error code")
		}
		e.Statement = unescapeMariaDB(s[1 : comma-1])
		e.ResultCode = s[comma+1:]
		if !isInt(e.ResultCode) {
			return nil, syntaxError(format, "error code %q is not a number", truncate(e.ResultCode))
		}
		e.Operation = classifyMariaDBQuery(e.Statement)
		return e, nil
	case "CONNECT", "DISCONNECT", "FAILED_CONNECT", "CHANGEUSER", "PROXY_CONNECT":
		comma := strings.LastIndexByte(s, ',')
		if comma < 0 {
			return nil, syntaxError(format, "no error code field")
		}
		e.Object, e.ResultCode = s[:comma], s[comma+1:]
		if !isInt(e.ResultCode) {
			return nil, syntaxError(format, "error code %q is not a number", truncate(e.ResultCode))
		}
		switch e.Command {
		case "CONNECT", "PROXY_CONNECT":
			e.Operation = OpConnect
		case "DISCONNECT":
			e.Operation = OpDisconnect
		case "FAILED_CONNECT":
			e.Operation = OpFailedConnect
		default:
			e.Operation = OpChangeUser
		}
		if e.Object != "" {
			// PROXY_CONNECT names the proxied account `user`@`host`.
			e.ObjectType = "USER"
		}
		return e, nil
	case "READ", "WRITE", "CREATE", "ALTER", "DROP", "RENAME":
		// Table events end with an empty error code; RENAME's object is
		// table|newdb.newtable.
		if !strings.HasSuffix(s, ",") {
			return nil, syntaxError(format, "%s event does not end with an empty error code", e.Command)
		}
		e.Object = s[:len(s)-1]
		e.ObjectType = "TABLE"
		e.Operation = OpTable
		return e, nil
	}
	return nil, syntaxError(format, "unknown operation %q", truncate(e.Command))
}

// unescapeMariaDB undoes the plugin's escape_string: \b \t \n \f \r \' and
// \\ stand for the characters the plugin replaced. Any other backslash is
// kept as it is (a statement cut at server_audit_query_log_limit can end
// in one).
func unescapeMariaDB(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		var r byte
		switch s[i+1] {
		case 'b':
			r = '\b'
		case 't':
			r = '\t'
		case 'n':
			r = '\n'
		case 'f':
			r = '\f'
		case 'r':
			r = '\r'
		case '\'':
			r = '\''
		case '\\':
			r = '\\'
		default:
			b.WriteByte(c)
			continue
		}
		b.WriteByte(r)
		i++
	}
	return b.String()
}

// parseMariaDBTime parses "YYYYMMDD HH:MM:SS" without allocating.
func parseMariaDBTime(s string, loc *time.Location) (time.Time, bool) {
	if len(s) != 17 || s[8] != ' ' || s[11] != ':' || s[14] != ':' {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d := num(s[0:4]), num(s[4:6]), num(s[6:8])
	h, mi, sec := num(s[9:11]), num(s[12:14]), num(s[15:17])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc), true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isInt(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	return isDigits(s)
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
