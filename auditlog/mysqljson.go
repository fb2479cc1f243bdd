package auditlog

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// mysqlJSON covers both JSON audit formats: MySQL Enterprise Audit
// (audit_log_format=JSON: class/event objects) and Percona's audit_log
// plugin (audit_log_format=JSON: {"audit_record":{…}}).
type mysqlJSON struct {
	// MySQL Enterprise
	Timestamp    string          `json:"timestamp"`
	Class        string          `json:"class"`
	Event        string          `json:"event"`
	ConnectionID json.RawMessage `json:"connection_id"`
	Account      struct {
		User string `json:"user"`
		Host string `json:"host"`
	} `json:"account"`
	Login struct {
		User string `json:"user"`
		IP   string `json:"ip"`
	} `json:"login"`
	ConnectionData struct {
		Status int    `json:"status"`
		DB     string `json:"db"`
	} `json:"connection_data"`
	GeneralData struct {
		Command    string `json:"command"`
		SQLCommand string `json:"sql_command"`
		Query      string `json:"query"`
		Status     int    `json:"status"`
	} `json:"general_data"`
	TableAccessData struct {
		DB    string `json:"db"`
		Table string `json:"table"`
		Query string `json:"query"`
	} `json:"table_access_data"`

	// Percona
	AuditRecord *struct {
		Name         string `json:"name"`
		Timestamp    string `json:"timestamp"`
		ConnectionID string `json:"connection_id"`
		Status       int    `json:"status"`
		SQLText      string `json:"sqltext"`
		User         string `json:"user"`
		PrivUser     string `json:"priv_user"`
		Host         string `json:"host"`
		IP           string `json:"ip"`
		DB           string `json:"db"`
		CommandClass string `json:"command_class"`
	} `json:"audit_record"`
}

// ParseMySQLJSON parses one record of a MySQL Enterprise or Percona JSON
// audit log. Both write the file as a JSON array or a stream of objects;
// a record is one object, and the "[", "," or "]" around it are ignored.
// Timestamps without a zone (MySQL Enterprise) are UTC, as documented.
func ParseMySQLJSON(record string) (*Event, error) {
	const format = "mysql-json"
	s := strings.TrimSpace(record)
	s = strings.TrimSpace(strings.TrimPrefix(s, "["))
	s = strings.TrimPrefix(s, ",")
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(s, "]")), ","))
	var j mysqlJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	e := &Event{Source: SourceMySQLJSON, Raw: record}
	if r := j.AuditRecord; r != nil {
		t, err := time.Parse("2006-01-02T15:04:05 MST", r.Timestamp)
		if err != nil || (!strings.HasSuffix(r.Timestamp, " UTC") && !strings.HasSuffix(r.Timestamp, " GMT")) {
			return nil, syntaxError(format, "timestamp %q is not YYYY-MM-DDTHH:MM:SS UTC", truncate(r.Timestamp))
		}
		e.Time, e.Command, e.ConnectionID, e.Database = t, r.Name, r.ConnectionID, r.DB
		e.AuditClass = r.CommandClass
		e.User = r.PrivUser
		if e.User == "" {
			// "user[priv_user] @ host [ip]" on query records.
			e.User, _, _ = strings.Cut(r.User, "[")
			e.User = strings.TrimSpace(e.User)
		}
		e.ClientHost = r.IP
		if e.ClientHost == "" {
			e.ClientHost = r.Host
		}
		e.ResultCode = strconv.Itoa(r.Status)
		switch r.Name {
		case "Connect":
			e.Operation = OpConnect
			if r.Status != 0 {
				e.Operation = OpFailedConnect
			}
		case "Quit":
			e.Operation = OpDisconnect
		case "Change user":
			e.Operation = OpChangeUser
		case "Query", "Prepare", "Execute":
			e.Statement = r.SQLText
			e.Operation = classifyMariaDBQuery(r.SQLText)
		case "Audit", "NoAudit":
			e.Operation = OpMessage
		default:
			return nil, syntaxError(format, "unknown record name %q", truncate(r.Name))
		}
		return e, nil
	}
	if j.Class == "" || j.Event == "" {
		return nil, syntaxError(format, "no class and event")
	}
	t, err := time.Parse("2006-01-02 15:04:05", j.Timestamp)
	if err != nil {
		return nil, syntaxError(format, "timestamp %q is not YYYY-MM-DD HH:MM:SS", truncate(j.Timestamp))
	}
	e.Time, e.AuditClass, e.Command = t, j.Class, j.Event
	e.ConnectionID = strings.Trim(string(j.ConnectionID), `"`)
	e.User = j.Account.User
	if e.User == "" {
		e.User = j.Login.User
	}
	e.ClientHost = j.Login.IP
	if e.ClientHost == "" {
		e.ClientHost = j.Account.Host
	}
	switch j.Class {
	case "connection":
		e.Database, e.ResultCode = j.ConnectionData.DB, strconv.Itoa(j.ConnectionData.Status)
		switch j.Event {
		case "connect":
			e.Operation = OpConnect
			if j.ConnectionData.Status != 0 {
				e.Operation = OpFailedConnect
			}
		case "disconnect":
			e.Operation = OpDisconnect
		case "change_user":
			e.Operation = OpChangeUser
		default:
			e.Operation = OpMessage
		}
	case "general":
		e.Statement, e.ResultCode = j.GeneralData.Query, strconv.Itoa(j.GeneralData.Status)
		e.Operation = classifyMariaDBQuery(e.Statement)
	case "table_access":
		e.Database, e.Object, e.ObjectType, e.Statement = j.TableAccessData.DB, j.TableAccessData.Table, "TABLE", j.TableAccessData.Query
		e.Operation = OpTable
	default:
		e.Operation = OpMessage
	}
	return e, nil
}
