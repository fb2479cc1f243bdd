package auditlog

import (
	"fmt"
	"strings"
)

// Filter chooses events as the server_audit plugin chooses what to log,
// for events of every source:
//
//   - Events is server_audit_events: a comma-separated list of CONNECT,
//     QUERY, TABLE, QUERY_DDL, QUERY_DML, QUERY_DML_NO_SELECT and
//     QUERY_DCL, plus MESSAGE for server lines that are not audit records.
//     Empty means every event. CONNECT covers CONNECT, DISCONNECT,
//     FAILED_CONNECT and CHANGE_USER; QUERY covers every statement.
//   - InclUsers is server_audit_incl_users: when set, only these users'
//     statements and table events pass, and ExclUsers is ignored.
//   - ExclUsers is server_audit_excl_users: these users' statements and
//     table events are dropped.
//
// As in the plugin, user lists do not apply to connection events (a
// failed login by an excluded user still passes) and user names are
// compared exactly.
type Filter struct {
	events    map[string]bool // nil: everything
	inclUsers map[string]bool
	exclUsers map[string]bool
}

var filterClasses = []string{"CONNECT", "QUERY", "TABLE", "QUERY_DDL", "QUERY_DML", "QUERY_DML_NO_SELECT", "QUERY_DCL", "MESSAGE"}

// NewFilter builds a Filter from the three settings, written as in the
// plugin's configuration. An unknown event class is an error, as it is
// for the plugin.
func NewFilter(events, inclUsers, exclUsers string) (*Filter, error) {
	f := &Filter{inclUsers: userSet(inclUsers), exclUsers: userSet(exclUsers)}
	for _, w := range strings.FieldsFunc(events, func(r rune) bool { return r == ',' || r == ' ' }) {
		w = strings.ToUpper(w)
		known := false
		for _, c := range filterClasses {
			known = known || c == w
		}
		if !known {
			return nil, fmt.Errorf("auditlog: unknown event class %q in server_audit_events", w)
		}
		if f.events == nil {
			f.events = map[string]bool{}
		}
		f.events[w] = true
	}
	return f, nil
}

func userSet(list string) map[string]bool {
	var m map[string]bool
	for _, u := range strings.Split(list, ",") {
		// The plugin removes blanks around names.
		if u = strings.TrimSpace(u); u != "" {
			if m == nil {
				m = map[string]bool{}
			}
			m[u] = true
		}
	}
	return m
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *Event) bool {
	switch e.Operation {
	case OpConnect, OpDisconnect, OpFailedConnect, OpChangeUser:
		return f.events == nil || f.events["CONNECT"]
	case OpMessage:
		return f.events == nil || f.events["MESSAGE"]
	}
	if !f.userMatch(e.User) {
		return false
	}
	if f.events == nil {
		return true
	}
	if e.Operation == OpTable {
		return f.events["TABLE"]
	}
	if f.events["QUERY"] {
		return true
	}
	switch e.Operation {
	case OpQueryDDL:
		return f.events["QUERY_DDL"]
	case OpQueryDCL:
		return f.events["QUERY_DCL"]
	case OpQueryDML:
		return f.events["QUERY_DML"] || (f.events["QUERY_DML_NO_SELECT"] && !isSelect(e))
	}
	return false
}

func (f *Filter) userMatch(user string) bool {
	if f.inclUsers != nil {
		return f.inclUsers[user]
	}
	return !f.exclUsers[user]
}

// isSelect reports whether a DML event only reads, which
// QUERY_DML_NO_SELECT leaves out.
func isSelect(e *Event) bool {
	switch e.Source {
	case SourceMariaDB, SourceMySQLJSON:
		return !mariaDBDMLNoSelect(e.Statement)
	case SourcePostgres:
		return e.AuditClass == "READ"
	case SourceMongoDB:
		return mongoReads[e.AuditClass]
	}
	return false
}

// mongoReads are the authCheck commands that only read.
var mongoReads = map[string]bool{"find": true, "aggregate": true, "count": true, "distinct": true, "getMore": true}
