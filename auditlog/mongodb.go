package auditlog

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

type mongoAudit struct {
	AType string          `json:"atype"`
	TS    json.RawMessage `json:"ts"`
	// MongoDB
	Remote struct {
		IP   string `json:"ip"`
		Port int    `json:"port"`
	} `json:"remote"`
	Users []struct {
		User string `json:"user"`
		DB   string `json:"db"`
	} `json:"users"`
	Result *int `json:"result"`
	// Amazon DocumentDB
	RemoteIP string `json:"remote_ip"`
	User     string `json:"user"`

	Param map[string]any `json:"param"`
}

// mongoDDL and mongoDCL are the audit atypes MongoDB writes for schema
// and for user and role changes.
var (
	mongoDDL = map[string]bool{"createCollection": true, "createDatabase": true, "createIndex": true, "renameCollection": true,
		"dropCollection": true, "dropDatabase": true, "dropIndex": true, "shardCollection": true, "enableSharding": true, "createView": true}
	mongoDCL = map[string]bool{"createUser": true, "dropUser": true, "dropAllUsersFromDatabase": true, "updateUser": true,
		"grantRolesToUser": true, "revokeRolesFromUser": true, "createRole": true, "updateRole": true, "dropRole": true,
		"dropAllRolesFromDatabase": true, "grantRolesToRole": true, "revokeRolesFromRole": true,
		"grantPrivilegesToRole": true, "revokePrivilegesFromRole": true}
	mongoDML = map[string]bool{"find": true, "insert": true, "update": true, "delete": true, "findAndModify": true,
		"aggregate": true, "count": true, "distinct": true, "getMore": true}
)

// ParseMongoDB parses one line of a MongoDB audit log
// (auditLog.format: JSON, relaxed Extended JSON) or an Amazon DocumentDB
// audit event: {"atype": "authenticate", "ts": …, "param": {…}, …}.
func ParseMongoDB(line string) (*Event, error) {
	const format = "mongodb"
	var m mongoAudit
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return nil, syntaxError(format, "%v", err)
	}
	if m.AType == "" {
		return nil, syntaxError(format, "no atype")
	}
	t, ok := mongoTime(m.TS)
	if !ok {
		return nil, syntaxError(format, "ts %q is not a date", truncate(string(m.TS)))
	}
	e := &Event{Source: SourceMongoDB, Raw: line, Time: t, Command: m.AType}
	e.ClientHost, e.ClientPort = m.Remote.IP, m.Remote.Port
	if m.RemoteIP != "" {
		// DocumentDB: "ip:port".
		e.ClientHost = m.RemoteIP
		if c := strings.LastIndexByte(m.RemoteIP, ':'); c > 0 && isDigits(m.RemoteIP[c+1:]) {
			e.ClientHost, e.ClientPort = m.RemoteIP[:c], atoi(m.RemoteIP[c+1:])
		}
	}
	if len(m.Users) > 0 {
		e.User, e.Database = m.Users[0].User, m.Users[0].DB
	} else {
		e.User = m.User
	}
	str := func(k string) string { s, _ := m.Param[k].(string); return s }
	if m.Result != nil {
		e.ResultCode = strconv.Itoa(*m.Result)
	} else if code, ok := m.Param["error"].(float64); ok {
		e.ResultCode = strconv.Itoa(int(code))
	} else if ok, isBool := m.Param["success"].(bool); isBool {
		e.ResultCode = "0"
		if !ok {
			e.ResultCode = "18" // AuthenticationFailed, when DocumentDB gives no code
		}
	}
	if ns := str("ns"); ns != "" {
		e.Object = ns
		e.Database, _, _ = strings.Cut(ns, ".")
		e.ObjectType = "COLLECTION"
	}
	if db := str("db"); db != "" {
		e.Database = db
	}
	switch {
	case m.AType == "authenticate":
		if u := str("user"); u != "" {
			e.User = u
		}
		e.Operation = OpConnect
		if e.ResultCode != "0" && e.ResultCode != "" {
			e.Operation = OpFailedConnect
		}
	case m.AType == "logout":
		e.Operation = OpDisconnect
	case mongoDDL[m.AType]:
		e.Operation = OpQueryDDL
	case mongoDCL[m.AType]:
		e.Operation = OpQueryDCL
		if u := str("user"); u != "" {
			e.Object, e.ObjectType = u, "USER"
		} else if r := str("role"); r != "" {
			e.Object, e.ObjectType = r, "ROLE"
		}
	case m.AType == "authCheck":
		cmd := str("command")
		e.AuditClass = cmd
		e.Operation = OpQuery
		if mongoDML[cmd] {
			e.Operation = OpQueryDML
		}
		if args, ok := m.Param["args"]; ok {
			if b, err := json.Marshal(args); err == nil {
				e.Statement = string(b)
			}
		}
	default:
		e.Operation = OpMessage
	}
	return e, nil
}

// mongoTime reads ts: {"$date": "2024-05-01T12:00:00.000+00:00"},
// {"$date": {"$numberLong": "…"}} or {"$date": 1714564800000} (MongoDB),
// or milliseconds since the epoch (DocumentDB).
func mongoTime(raw json.RawMessage) (time.Time, bool) {
	var ms int64
	if err := json.Unmarshal(raw, &ms); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	var d struct {
		Date json.RawMessage `json:"$date"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.Date == nil {
		return time.Time{}, false
	}
	var s string
	if err := json.Unmarshal(d.Date, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	if err := json.Unmarshal(d.Date, &ms); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	var l struct {
		N string `json:"$numberLong"`
	}
	if err := json.Unmarshal(d.Date, &l); err == nil {
		if n, err := strconv.ParseInt(l.N, 10, 64); err == nil {
			return time.UnixMilli(n).UTC(), true
		}
	}
	return time.Time{}, false
}
