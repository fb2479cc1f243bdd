package auditlog

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PostgresOptions configures the PostgreSQL parsers.
type PostgresOptions struct {
	// Location is log_timezone, used when the log writes the zone as an
	// abbreviation other than UTC or GMT (PostgreSQL prints %Z, and
	// abbreviations such as CST are ambiguous). nil means such a line
	// does not parse.
	Location *time.Location
}

// PostgresPrefix is a compiled log_line_prefix.
type PostgresPrefix struct {
	src   string
	parts []prefixPart
}

type prefixPart struct {
	lit    string // literal text, when esc == 0
	esc    byte   // the escape letter: m, t, u, d, …
	padded bool   // %-10u and %10u pad with spaces
}

// CommonPostgresPrefix is a widely used log_line_prefix.
const CommonPostgresPrefix = "%m [%p] %q%u@%d "

// NewPostgresPrefix compiles a log_line_prefix as written in
// postgresql.conf (without the quotes), e.g. "%m [%p] %q%u@%d %r %a ".
// Every escape PostgreSQL 15 knows is accepted.
func NewPostgresPrefix(prefix string) (*PostgresPrefix, error) {
	p := &PostgresPrefix{src: prefix}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.parts = append(p.parts, prefixPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		i++
		padded := false
		if i < len(prefix) && prefix[i] == '-' {
			i++
			padded = true
		}
		for i < len(prefix) && prefix[i] >= '0' && prefix[i] <= '9' {
			i++
			padded = true
		}
		if i == len(prefix) {
			return nil, fmt.Errorf("auditlog: log_line_prefix %q ends in %%", prefix)
		}
		switch e := prefix[i]; e {
		case '%':
			lit.WriteByte('%')
		case 'a', 'u', 'd', 'r', 'h', 'b', 'p', 'P', 't', 'm', 'n', 'i', 'e', 'c', 'l', 's', 'v', 'x', 'q', 'Q':
			flush()
			p.parts = append(p.parts, prefixPart{esc: e, padded: padded})
		default:
			return nil, fmt.Errorf("auditlog: log_line_prefix %q: unknown escape %%%c", prefix, e)
		}
	}
	flush()
	return p, nil
}

// String returns the prefix as given to NewPostgresPrefix.
func (p *PostgresPrefix) String() string { return p.src }

// pgSeverities are the words PostgreSQL puts after the prefix, followed
// by ":  ".
var pgSeverities = []string{"LOG", "ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "INFO",
	"DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "DEBUG", "DETAIL", "HINT", "STATEMENT",
	"CONTEXT", "QUERY", "LOCATION"}

func pgSeverityAt(s string) (sev string, rest string, ok bool) {
	for _, w := range pgSeverities {
		if strings.HasPrefix(s, w) && strings.HasPrefix(s[len(w):], ":  ") {
			return w, s[len(w)+3:], true
		}
	}
	return "", s, false
}

// ParsePostgresStderr parses one record of PostgreSQL's stderr log
// (log_destination=stderr, as the logging collector writes it): the
// log_line_prefix, a severity and the message. A message that spans lines
// must first be joined with a PostgresJoiner.
func ParsePostgresStderr(record string, prefix *PostgresPrefix, opt PostgresOptions) (*Event, error) {
	return parsePostgresPrefixed(record, prefix, opt, "postgres-stderr", time.Time{})
}

// parsePostgresPrefixed parses a record of the stderr form; when the
// prefix has no time, the record's time is t, or the record does not
// parse when t is zero.
func parsePostgresPrefixed(record string, prefix *PostgresPrefix, opt PostgresOptions, format string, t time.Time) (*Event, error) {
	e := &Event{Source: SourcePostgres, Raw: record}
	s := record
	var remote string
	for i, part := range prefix.parts {
		if part.esc == 0 {
			if !strings.HasPrefix(s, part.lit) {
				return nil, syntaxError(format, "line does not match log_line_prefix %q", prefix.src)
			}
			s = s[len(part.lit):]
			continue
		}
		if part.esc == 'q' {
			// Processes without a session stop the prefix here.
			if _, _, ok := pgSeverityAt(s); ok {
				break
			}
			continue
		}
		var v string
		switch part.esc {
		case 'm', 't', 's':
			// "2026-11-21 20:35:40.453 UTC": date, time, zone; the zone
			// ends at the next space.
			n := 20 // "YYYY-MM-DD HH:MM:SS "
			if part.esc == 'm' {
				n = 24
			}
			if len(s) < n {
				return nil, syntaxError(format, "short timestamp")
			}
			sp := strings.IndexByte(s[n:], ' ')
			if sp < 0 {
				sp = len(s) - n
			}
			v, s = s[:n+sp], s[n+sp:]
		default:
			// Up to the literal that follows, or the severity when the
			// escape ends the prefix.
			if part.padded {
				s = strings.TrimLeft(s, " ")
			}
			end := -1
			next := nextLiteral(prefix.parts[i+1:])
			if next != "" {
				end = strings.Index(s, next)
			} else {
				end = severityIndex(s)
			}
			if end < 0 {
				return nil, syntaxError(format, "line does not match log_line_prefix %q", prefix.src)
			}
			v, s = s[:end], s[end:]
			// %-8p pads after the value, with spaces the next literal
			// may begin with too.
			for part.padded && next != "" && strings.HasPrefix(s, " ") && strings.HasPrefix(s[1:], next) {
				s = s[1:]
			}
		}
		if part.padded {
			v = strings.TrimSpace(v)
		}
		if err := e.setPrefixField(part.esc, v, opt, &remote); err != nil {
			return nil, syntaxError(format, "%s", err.Error())
		}
	}
	sev, msg, ok := pgSeverityAt(s)
	if !ok {
		return nil, syntaxError(format, "no severity after the prefix")
	}
	if e.Time.IsZero() {
		e.Time = t
	}
	if e.Time.IsZero() {
		return nil, syntaxError(format, "log_line_prefix %q has no %%m, %%t or %%n: the line has no time", prefix.src)
	}
	e.Severity = sev
	// Continuation lines of a multi-line message start with a tab.
	msg = strings.ReplaceAll(msg, "\n\t", "\n")
	if err := e.setMessage(msg); err != nil {
		return nil, syntaxError(format, "%s", err.Error())
	}
	return e, nil
}

func nextLiteral(parts []prefixPart) string {
	for _, p := range parts {
		if p.esc == 'q' {
			continue
		}
		return p.lit
	}
	return ""
}

func severityIndex(s string) int {
	for i := 0; i < len(s); i++ {
		if _, _, ok := pgSeverityAt(s[i:]); ok {
			return i
		}
	}
	return -1
}

func (e *Event) setPrefixField(esc byte, v string, opt PostgresOptions, remote *string) error {
	switch esc {
	case 'm', 't':
		t, err := parsePostgresTime(v, opt)
		if err != nil {
			return err
		}
		e.Time = t
	case 'n':
		if e.Time.IsZero() {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("bad epoch %q", truncate(v))
			}
			ms := int64(f * 1000)
			e.Time = time.UnixMilli(ms).UTC()
		}
	case 'u':
		if v != "[unknown]" {
			e.User = v
		}
	case 'd':
		if v != "[unknown]" {
			e.Database = v
		}
	case 'a':
		if v != "[unknown]" {
			e.Application = v
		}
	case 'r':
		// host(port), or [local] for a Unix socket.
		if v != "" && v != "[local]" {
			if open := strings.LastIndexByte(v, '('); open > 0 && strings.HasSuffix(v, ")") {
				e.ClientPort = atoi(v[open+1 : len(v)-1])
				v = v[:open]
			}
		}
		e.ClientHost = v
	case 'h':
		if e.ClientHost == "" {
			e.ClientHost = v
		}
	case 'p':
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("bad process id %q", truncate(v))
		}
		e.ProcessID = n
	case 'c':
		e.SessionID = v
	case 'e':
		e.ResultCode = v
	case 'i':
		e.Command = v
	}
	return nil
}

// parsePostgresTime parses "2006-01-02 15:04:05[.000] ZONE".
func parsePostgresTime(v string, opt PostgresOptions) (time.Time, error) {
	sp := strings.LastIndexByte(v, ' ')
	if sp < 0 {
		return time.Time{}, fmt.Errorf("timestamp %q has no zone", truncate(v))
	}
	wall, zone := v[:sp], v[sp+1:]
	var loc *time.Location
	switch {
	case zone == "UTC" || zone == "GMT":
		loc = time.UTC
	case len(zone) >= 3 && (zone[0] == '+' || zone[0] == '-') && isDigits(zone[1:]):
		// Zones without an abbreviation print as +HH or +HHMM.
		h, m := atoi(zone[1:3]), 0
		if len(zone) == 5 {
			m = atoi(zone[3:5])
		} else if len(zone) != 3 {
			return time.Time{}, fmt.Errorf("bad zone %q", truncate(zone))
		}
		off := h*3600 + m*60
		if zone[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(zone, off)
	case opt.Location != nil:
		loc = opt.Location
	default:
		return time.Time{}, fmt.Errorf("zone %q is not UTC: set PostgresOptions.Location to log_timezone", truncate(zone))
	}
	if t, ok := parsePostgresWallFast(wall, loc); ok {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", wall, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timestamp %q", truncate(v))
	}
	return t, nil
}

// setMessage classifies the log message: a pgaudit record, a login, a
// refused login, a logout, or any other server message.
func (e *Event) setMessage(msg string) error {
	e.Operation = OpMessage
	if payload, ok := strings.CutPrefix(msg, "AUDIT: "); ok && e.Severity != "STATEMENT" && e.Severity != "DETAIL" {
		return e.setPgAudit(payload)
	}
	e.Message = msg
	switch {
	case e.Severity == "LOG" && strings.HasPrefix(msg, "connection authorized: "):
		e.Operation = OpConnect
		e.Command = "connection authorized"
		if e.User == "" {
			e.User = pgKeyValue(msg, "user=")
		}
		if e.Database == "" {
			e.Database = pgKeyValue(msg, "database=")
		}
	case e.Severity == "LOG" && strings.HasPrefix(msg, "disconnection: "):
		e.Operation = OpDisconnect
		e.Command = "disconnection"
		if e.User == "" {
			e.User = pgKeyValue(msg, "user=")
		}
		if e.Database == "" {
			e.Database = pgKeyValue(msg, "database=")
		}
		if e.ClientHost == "" {
			e.ClientHost = pgKeyValue(msg, "host=")
		}
	case e.Severity == "FATAL" && isPgAuthFailure(msg):
		e.Operation = OpFailedConnect
		e.Command = "authentication failed"
	}
	return nil
}

// pgAuthFailures are the FATAL messages with which PostgreSQL refuses a
// login (src/backend/libpq/auth.c, postinit.c).
var pgAuthFailures = []string{
	"password authentication failed for user ",
	"authentication failed for user ", // Ident, Peer, LDAP, RADIUS, cert, GSSAPI, SSPI, PAM, BSD
	"no pg_hba.conf entry for ",
	"pg_hba.conf rejects connection for ",
	"role \"",                         // role "x" does not exist / is not permitted to log in
	"database \"",                     // database "x" does not exist
	"permission denied for database ", // no CONNECT privilege
	"certificate authentication failed for user ",
	"connection requires a valid client certificate",
}

func isPgAuthFailure(msg string) bool {
	for _, p := range pgAuthFailures {
		if strings.HasPrefix(msg, p) || (strings.HasSuffix(p, "user ") && strings.Contains(msg, p)) {
			return true
		}
	}
	return false
}

func pgKeyValue(msg, key string) string {
	i := strings.Index(msg, key)
	if i < 0 {
		return ""
	}
	v := msg[i+len(key):]
	if sp := strings.IndexByte(v, ' '); sp >= 0 {
		v = v[:sp]
	}
	return v
}

// setPgAudit parses pgaudit's payload:
// AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,OBJECT_TYPE,OBJECT_NAME,STATEMENT,PARAMETER
// Fields holding a comma, quote or line break are CSV-quoted. PARAMETER,
// the last field, is kept as written ("<none>" or a CSV list).
func (e *Event) setPgAudit(p string) error {
	var f [8]string
	for i := range f {
		v, rest, err := csvField(p)
		if err != nil {
			return fmt.Errorf("pgaudit field %d: %v", i+1, err)
		}
		if rest == "" || rest[0] != ',' {
			return fmt.Errorf("pgaudit record has %d fields, want 9", i+1)
		}
		f[i], p = v, rest[1:]
	}
	if f[0] != "SESSION" && f[0] != "OBJECT" {
		return fmt.Errorf("pgaudit audit type %q is not SESSION or OBJECT", truncate(f[0]))
	}
	if !isDigits(f[1]) || !isDigits(f[2]) {
		return fmt.Errorf("pgaudit statement ids %q, %q are not numbers", truncate(f[1]), truncate(f[2]))
	}
	e.AuditType, e.StatementID, e.SubstatementID = f[0], atoi(f[1]), atoi(f[2])
	e.AuditClass, e.Command, e.ObjectType, e.Object, e.Statement = f[3], f[4], f[5], f[6], f[7]
	if p != "<none>" {
		e.Parameter = p
	}
	switch e.AuditClass {
	case "READ", "WRITE":
		e.Operation = OpQueryDML
	case "DDL":
		e.Operation = OpQueryDDL
	case "ROLE":
		e.Operation = OpQueryDCL
	case "FUNCTION", "MISC", "MISC_SET":
		e.Operation = OpQuery
	default:
		return fmt.Errorf("unknown pgaudit class %q", truncate(e.AuditClass))
	}
	return nil
}

// csvField reads one CSV field at the start of s: quoted (with ""
// standing for a quote) or running to the next comma.
func csvField(s string) (field, rest string, err error) {
	if s == "" || s[0] != '"' {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return s, "", nil
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), s[i+1:], nil
	}
	return "", "", errors.New("unterminated quote")
}

// PostgresJoiner joins the lines of the stderr log into records: a line
// that starts with a tab continues the message of the line before it.
// Push each line (without its newline) in order; a complete record comes
// back when the next one begins. Flush returns the last record at the end
// of input (or when the file has been idle long enough that no
// continuation can follow).
type PostgresJoiner struct {
	buf     strings.Builder
	pending bool
}

// Push adds a line and returns the record it completes, if any.
func (j *PostgresJoiner) Push(line string) (record string, ok bool) {
	if strings.HasPrefix(line, "\t") && j.pending {
		j.buf.WriteByte('\n')
		j.buf.WriteString(line)
		return "", false
	}
	record, ok = j.Flush()
	j.buf.WriteString(line)
	j.pending = true
	return record, ok
}

// Flush returns the record being assembled, if any.
func (j *PostgresJoiner) Flush() (record string, ok bool) {
	if !j.pending {
		return "", false
	}
	record = j.buf.String()
	j.buf.Reset()
	j.pending = false
	return record, true
}

// CSVRecordComplete reports whether s, one or more lines of a csvlog file
// joined with "\n", is a whole CSV record: one whose quotes are balanced.
// A message with a line break spans lines inside quotes.
func CSVRecordComplete(s string) bool {
	return strings.Count(s, `"`)%2 == 0
}

// csvlog columns of PostgreSQL 15 (26; 13 and 14 write the first 24 or
// 25, which parse too).
const (
	csvLogTime = iota
	csvUserName
	csvDatabaseName
	csvProcessID
	csvConnectionFrom
	csvSessionID
	csvSessionLineNum
	csvCommandTag
	csvSessionStartTime
	csvVirtualTransactionID
	csvTransactionID
	csvErrorSeverity
	csvSQLStateCode
	csvMessage
	csvDetail
	csvHint
	csvInternalQuery
	csvInternalQueryPos
	csvContext
	csvQuery
	csvQueryPos
	csvLocation
	csvApplicationName
	csvMinColumns = 23
)

// ParsePostgresCSV parses one csvlog record (which may span lines; see
// CSVRecordComplete).
func ParsePostgresCSV(record string, opt PostgresOptions) (*Event, error) {
	const format = "postgres-csv"
	var fields [27]string // one more than csvlog has, to tell too many
	var f []string
	if n, ok := readPostgresCSVFast(record, fields[:]); ok {
		f = fields[:n]
	} else {
		r := csv.NewReader(strings.NewReader(record))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		var err error
		if f, err = r.Read(); err != nil {
			return nil, syntaxError(format, "%v", err)
		}
		if _, err := r.Read(); err == nil {
			return nil, syntaxError(format, "more than one record")
		}
	}
	var err error
	if len(f) < csvMinColumns || len(f) > 26 {
		return nil, syntaxError(format, "%d columns, want 23 to 26", len(f))
	}
	e := &Event{Source: SourcePostgres, Raw: record}
	if e.Time, err = parsePostgresTime(f[csvLogTime], opt); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	e.User, e.Database, e.SessionID = f[csvUserName], f[csvDatabaseName], f[csvSessionID]
	if f[csvProcessID] != "" {
		if e.ProcessID, err = strconv.Atoi(f[csvProcessID]); err != nil {
			return nil, syntaxError(format, "bad process id %q", truncate(f[csvProcessID]))
		}
	}
	if from := f[csvConnectionFrom]; from != "" && from != "[local]" {
		// host:port
		if c := strings.LastIndexByte(from, ':'); c > 0 && isDigits(from[c+1:]) {
			e.ClientHost, e.ClientPort = from[:c], atoi(from[c+1:])
		} else {
			e.ClientHost = from
		}
	}
	e.Severity, e.ResultCode, e.Application = f[csvErrorSeverity], f[csvSQLStateCode], f[csvApplicationName]
	if _, _, ok := pgSeverityAt(e.Severity + ":  "); !ok {
		return nil, syntaxError(format, "unknown severity %q", truncate(e.Severity))
	}
	if err := e.setMessage(f[csvMessage]); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	e.Detail = f[csvDetail]
	if e.Statement == "" && f[csvQuery] != "" {
		e.Statement = f[csvQuery]
	}
	return e, nil
}

// postgresJSON is a jsonlog record; keys whose value is null are left out
// by the server.
type postgresJSON struct {
	Timestamp       string `json:"timestamp"`
	User            string `json:"user"`
	DBName          string `json:"dbname"`
	PID             int    `json:"pid"`
	RemoteHost      string `json:"remote_host"`
	RemotePort      int    `json:"remote_port"`
	SessionID       string `json:"session_id"`
	ErrorSeverity   string `json:"error_severity"`
	StateCode       string `json:"state_code"`
	Message         string `json:"message"`
	Detail          string `json:"detail"`
	Statement       string `json:"statement"`
	ApplicationName string `json:"application_name"`
}

// ParsePostgresJSON parses one jsonlog line (PostgreSQL 15 and later).
func ParsePostgresJSON(line string, opt PostgresOptions) (*Event, error) {
	const format = "postgres-json"
	var j postgresJSON
	if !decodePostgresJSONFast(line, &j) {
		// A record of its own, so that j, which json.Unmarshal would
		// make escape, stays on the stack for the fast reader.
		var std postgresJSON
		if err := json.Unmarshal([]byte(line), &std); err != nil {
			return nil, syntaxError(format, "%v", err)
		}
		j = std
	}
	if j.Timestamp == "" || j.ErrorSeverity == "" {
		return nil, syntaxError(format, "no timestamp or error_severity")
	}
	e := &Event{Source: SourcePostgres, Raw: line}
	var err error
	if e.Time, err = parsePostgresTime(j.Timestamp, opt); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	e.User, e.Database, e.ProcessID, e.SessionID = j.User, j.DBName, j.PID, j.SessionID
	if j.RemoteHost != "[local]" {
		e.ClientHost = j.RemoteHost
	}
	e.ClientPort = j.RemotePort
	e.Severity, e.ResultCode, e.Application = j.ErrorSeverity, j.StateCode, j.ApplicationName
	if _, _, ok := pgSeverityAt(e.Severity + ":  "); !ok {
		return nil, syntaxError(format, "unknown severity %q", truncate(e.Severity))
	}
	if err := e.setMessage(j.Message); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	e.Detail = j.Detail
	if e.Statement == "" && j.Statement != "" {
		e.Statement = j.Statement
	}
	return e, nil
}
