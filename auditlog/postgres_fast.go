package auditlog

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The agent parses every record of a PostgreSQL log, and encoding/json
// and encoding/csv cost more than the rest of parsing and shipping put
// together. The readers here handle the records PostgreSQL writes —
// jsonlog's flat objects, csvlog's plain and quoted fields — without
// allocating, and give up on anything else (an escape they do not
// decode, a key in another case, a bare quote, a carriage return), which
// the standard packages then read, errors included. Where they accept a
// record, the result is the standard package's (FuzzPostgresJSONFast,
// FuzzPostgresCSVFast).

// decodePostgresJSONFast fills j from a jsonlog line as json.Unmarshal
// would. ok is false when it cannot tell: the caller must then use
// json.Unmarshal.
func decodePostgresJSONFast(line string, j *postgresJSON) (ok bool) {
	s := skipJSONSpace(line)
	if s == "" || s[0] != '{' {
		return false
	}
	s = skipJSONSpace(s[1:])
	if s != "" && s[0] == '}' {
		return skipJSONSpace(s[1:]) == ""
	}
	for {
		if s == "" || s[0] != '"' {
			return false
		}
		var key string
		var escaped bool
		key, s, escaped, ok = scanJSONString(s)
		if !ok || escaped {
			return false
		}
		s = skipJSONSpace(s)
		if s == "" || s[0] != ':' {
			return false
		}
		s = skipJSONSpace(s[1:])
		if s == "" {
			return false
		}
		var str *string
		var num *int
		switch key {
		case "timestamp":
			str = &j.Timestamp
		case "user":
			str = &j.User
		case "dbname":
			str = &j.DBName
		case "pid":
			num = &j.PID
		case "remote_host":
			str = &j.RemoteHost
		case "remote_port":
			num = &j.RemotePort
		case "session_id":
			str = &j.SessionID
		case "error_severity":
			str = &j.ErrorSeverity
		case "state_code":
			str = &j.StateCode
		case "message":
			str = &j.Message
		case "detail":
			str = &j.Detail
		case "statement":
			str = &j.Statement
		case "application_name":
			str = &j.ApplicationName
		default:
			// encoding/json matches keys without regard to case (Unicode
			// case: "ſ" is "s"); a key in lower-case ASCII that is none of
			// the above matches none of them.
			if !lowerASCII(key) {
				for _, k := range postgresJSONKeys {
					if strings.EqualFold(key, k) {
						return false
					}
				}
			}
		}
		switch {
		case strings.HasPrefix(s, "null"):
			s = s[4:] // leaves the field as it is, as json.Unmarshal does
		case s[0] == '"':
			if num != nil {
				return false
			}
			var v string
			v, s, _, ok = scanJSONString(s)
			if !ok {
				return false
			}
			if str != nil {
				*str = v
			}
		case s[0] == '-' || s[0] >= '0' && s[0] <= '9':
			if str != nil {
				return false
			}
			var n int
			var isInt bool
			n, isInt, s, ok = scanJSONNumber(s)
			if !ok || num != nil && !isInt {
				return false
			}
			if num != nil {
				*num = n
			}
		case str == nil && num == nil && strings.HasPrefix(s, "true"):
			s = s[4:]
		case str == nil && num == nil && strings.HasPrefix(s, "false"):
			s = s[5:]
		default:
			return false // an object, an array, or not JSON
		}
		s = skipJSONSpace(s)
		if s == "" {
			return false
		}
		if s[0] == '}' {
			return skipJSONSpace(s[1:]) == ""
		}
		if s[0] != ',' {
			return false
		}
		s = skipJSONSpace(s[1:])
	}
}

var postgresJSONKeys = []string{"timestamp", "user", "dbname", "pid", "remote_host", "remote_port", "session_id",
	"error_severity", "state_code", "message", "detail", "statement", "application_name"}

// lowerASCII says s holds no upper-case letter and no byte beyond ASCII.
func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func skipJSONSpace(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	return s
}

// scanJSONString reads the string at the start of s (which starts with
// a quote). It decodes the escapes \" \\ \/ \b \f \n \r \t, allocating
// only then; ok is false for anything else: \u escapes, control
// characters, invalid UTF-8, no closing quote.
func scanJSONString(s string) (v, rest string, escaped, ok bool) {
	i := 1
	ascii := true
	for ; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			break
		}
		if c < 0x20 {
			return "", "", false, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if i == len(s) {
		return "", "", false, false
	}
	if s[i] == '"' {
		v = s[1:i]
		if !ascii && !utf8.ValidString(v) {
			return "", "", false, false
		}
		return v, s[i+1:], false, true
	}
	// The runs between escapes are copied whole, not byte by byte:
	// jsonlog escapes every quote of a pgaudit message.
	var b strings.Builder
	b.Grow(len(s))
	start := 1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(s[start:i])
			v = b.String()
			if !ascii && !utf8.ValidString(v) {
				return "", "", false, false
			}
			return v, s[i+1:], true, true
		case c < 0x20:
			return "", "", false, false
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '\\':
			if i+1 == len(s) {
				return "", "", false, false
			}
			b.WriteString(s[start:i])
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				return "", "", false, false
			}
			start = i + 1
		}
	}
	return "", "", false, false
}

// scanJSONNumber reads a JSON number at the start of s. isInt says it is
// an integer that fits an int without doubt (at most 18 digits).
func scanJSONNumber(s string) (n int, isInt bool, rest string, ok bool) {
	i := 0
	neg := s[0] == '-'
	if neg {
		i++
	}
	digits := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	nd := i - digits
	if nd == 0 || nd > 1 && s[digits] == '0' {
		return 0, false, "", false
	}
	isInt = nd <= 18
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == f {
			return 0, false, "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == f {
			return 0, false, "", false
		}
	}
	if neg {
		n = -n
	}
	return n, isInt, s[i:], true
}

// readPostgresCSVFast splits a csvlog record into fields as encoding/csv
// does (fields is filled up to its length; n is the field count). ok is
// false when it cannot tell: a carriage return, a line break outside
// quotes, a quote inside an unquoted field or after a closing quote, an
// unterminated quote, more fields than fields holds.
func readPostgresCSVFast(record string, fields []string) (n int, ok bool) {
	if record == "" || strings.IndexByte(record, '\r') >= 0 {
		return 0, false
	}
	s := record
	for {
		if n == len(fields) {
			return 0, false
		}
		if s == "" || s[0] != '"' {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			f := s[:end]
			if strings.IndexByte(f, '"') >= 0 || strings.IndexByte(f, '\n') >= 0 {
				return 0, false
			}
			fields[n] = f
			n++
			if end == len(s) {
				return n, true
			}
			s = s[end+1:]
			continue
		}
		// Quoted: "" stands for a quote.
		i := 1
		var b *strings.Builder
		for {
			q := strings.IndexByte(s[i:], '"')
			if q < 0 {
				return 0, false
			}
			q += i
			if q+1 < len(s) && s[q+1] == '"' {
				if b == nil {
					b = &strings.Builder{}
				}
				b.WriteString(s[i : q+1])
				i = q + 2
				continue
			}
			if b == nil {
				fields[n] = s[1:q]
			} else {
				b.WriteString(s[i:q])
				fields[n] = b.String()
			}
			n++
			s = s[q+1:]
			break
		}
		if s == "" {
			return n, true
		}
		if s[0] != ',' {
			return 0, false
		}
		s = s[1:]
	}
}

// parsePostgresWallFast reads "2006-01-02 15:04:05[.fraction]" as
// time.ParseInLocation("2006-01-02 15:04:05.999999999", wall, loc) does,
// which costs more than the rest of reading a jsonlog record's fields.
// ok is false when it cannot tell (a one-digit hour, a comma before the
// fraction, more than nine digits, a field out of range, …): the caller
// then asks ParseInLocation, errors included (FuzzPostgresWallFast).
func parsePostgresWallFast(wall string, loc *time.Location) (t time.Time, ok bool) {
	if len(wall) < len("2006-01-02 15:04:05") || wall[4] != '-' || wall[7] != '-' || wall[10] != ' ' || wall[13] != ':' || wall[16] != ':' {
		return t, false
	}
	year, ok1 := decimal(wall[0:4])
	month, ok2 := decimal(wall[5:7])
	day, ok3 := decimal(wall[8:10])
	hour, ok4 := decimal(wall[11:13])
	minute, ok5 := decimal(wall[14:16])
	sec, ok6 := decimal(wall[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	nsec := 0
	if frac := wall[19:]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return t, false
		}
		n, ok := decimal(frac[1:])
		if !ok {
			return t, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), true
}

// decimal reads s, which must be all digits (at most nine).
func decimal(s string) (n int, ok bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
