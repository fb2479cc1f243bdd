// Package auditlog turns the audit output of databases into structured
// events: the MariaDB/MySQL server_audit plugin (file and syslog output),
// the MySQL Enterprise and Percona JSON audit logs, PostgreSQL logs with
// pgaudit lines and connection failures (stderr with a log_line_prefix,
// csvlog, jsonlog, syslog), and MongoDB/DocumentDB audit JSON. ParseSyslog
// splits RFC 5424 and RFC 3164 messages.
//
// Each parser takes one record (one line, or one CSV/JSON record) and
// returns an Event or a *ParseError. Parsing is pure: nothing here reads
// files or ships events. A record that does not parse is the caller's to
// ship as is and count. Filter applies the server_audit plugin's
// server_audit_events, server_audit_incl_users and server_audit_excl_users
// semantics to events of every source.
//
// The JSON encoding of Event is a stable interface: metric filters name its
// fields. docs/audit-events.md documents them.
package auditlog

import (
	"errors"
	"fmt"
	"time"
)

// Sources, the value of Event.Source.
const (
	SourceMariaDB   = "mariadb"    // server_audit plugin, file or syslog output
	SourceMySQLJSON = "mysql-json" // MySQL Enterprise or Percona JSON audit log
	SourcePostgres  = "postgres"   // PostgreSQL log with pgaudit
	SourceMongoDB   = "mongodb"    // MongoDB or Amazon DocumentDB audit JSON
)

// Operations, the value of Event.Operation: one vocabulary for every source,
// named after the server_audit plugin's event classes so that one metric
// filter finds, say, failed logins whatever the database.
const (
	OpConnect       = "CONNECT"        // a session was established
	OpDisconnect    = "DISCONNECT"     // a session ended
	OpFailedConnect = "FAILED_CONNECT" // a login was refused
	OpChangeUser    = "CHANGE_USER"    // a session switched user
	OpQuery         = "QUERY"          // a statement of no class below
	OpQueryDDL      = "QUERY_DDL"      // CREATE, ALTER, DROP, RENAME, TRUNCATE of objects
	OpQueryDML      = "QUERY_DML"      // SELECT, INSERT, UPDATE, DELETE, CALL, …
	OpQueryDCL      = "QUERY_DCL"      // users, roles, grants, passwords
	OpTable         = "TABLE"          // a table was read, written, created, … (server_audit TABLE events)
	OpMessage       = "MESSAGE"        // a server log line that is not an audit record
)

// Event is one audit record. Field names in the JSON encoding are part of
// the package's interface (docs/audit-events.md); empty fields are left out
// except source, time, operation and raw.
type Event struct {
	Source    string    `json:"source"`
	Time      time.Time `json:"time"` // RFC 3339 with fractional seconds and zone
	Operation string    `json:"operation"`

	// Command is the source's own word for what happened: the
	// server_audit operation (QUERY, READ, WRITE, CREATE, …, CONNECT), the
	// pgaudit command (SELECT, CREATE TABLE, …), the MySQL JSON event or
	// the MongoDB atype.
	Command string `json:"command,omitempty"`
	// AuditClass is the source's class of the record: pgaudit's READ,
	// WRITE, FUNCTION, ROLE, DDL, MISC or MISC_SET; MySQL JSON's class.
	AuditClass string `json:"auditClass,omitempty"`
	// AuditType is pgaudit's SESSION or OBJECT.
	AuditType string `json:"auditType,omitempty"`

	User       string `json:"user,omitempty"`
	ClientHost string `json:"clientHost,omitempty"` // client IP address or host name
	ClientPort int    `json:"clientPort,omitempty"`
	ServerHost string `json:"serverHost,omitempty"`
	Database   string `json:"database,omitempty"`
	ObjectType string `json:"objectType,omitempty"`
	Object     string `json:"object,omitempty"`
	Statement  string `json:"statement,omitempty"`
	Parameter  string `json:"parameter,omitempty"`
	// ResultCode is the error the operation ended with as the source
	// writes it: "0" for success, a MySQL error number ("1045"), a
	// PostgreSQL SQLSTATE ("28P01") or a MongoDB error code ("18"). It is
	// empty when the source does not say.
	ResultCode string `json:"resultCode,omitempty"`

	ConnectionID   string `json:"connectionId,omitempty"`
	QueryID        string `json:"queryId,omitempty"`
	SessionID      string `json:"sessionId,omitempty"`
	ProcessID      int    `json:"processId,omitempty"`
	StatementID    int    `json:"statementId,omitempty"`
	SubstatementID int    `json:"substatementId,omitempty"`
	Application    string `json:"application,omitempty"`
	Severity       string `json:"severity,omitempty"`
	Message        string `json:"message,omitempty"`
	Detail         string `json:"detail,omitempty"`

	// Raw is the record exactly as read, so nothing the parser does not
	// understand is lost.
	Raw string `json:"raw"`
}

// ErrSyntax is wrapped by every *ParseError.
var ErrSyntax = errors.New("auditlog: record does not parse")

// ParseError reports a record that a parser does not recognise.
type ParseError struct {
	Format string // the parser's format, e.g. "mariadb"
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("auditlog: %s record does not parse: %s", e.Format, e.Reason)
}

func (e *ParseError) Unwrap() error { return ErrSyntax }

func syntaxError(format, reason string, args ...any) *ParseError {
	return &ParseError{Format: format, Reason: fmt.Sprintf(reason, args...)}
}
