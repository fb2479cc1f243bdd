package auditlog

// The server_audit plugin decides whether a statement is DDL, DML or DCL
// from its first one or two words alone (filter_query_type in
// plugin/server_audit/server_audit.c). These tables and functions follow
// it word for word, quirks included: "CREATE OR REPLACE USER" counts as DDL
// there, because only the word right after CREATE is looked at, and so it
// does here.

type saKeyword struct {
	word, next string
}

var (
	saKeywordsToSkip = []saKeyword{{"SET", "STATEMENT"}}
	saNotDDL         = []saKeyword{
		{"DROP", "FUNCTION"}, {"DROP", "PROCEDURE"}, {"DROP", "USER"},
		{"CREATE", "USER"}, {"CREATE", "FUNCTION"}, {"CREATE", "PROCEDURE"},
		{"RENAME", "USER"},
	}
	saDDL = []saKeyword{{"DROP", ""}, {"ALTER", ""}, {"CREATE", ""}, {"RENAME", ""}, {"TRUNCATE", ""}}
	saDML = []saKeyword{
		{"DO", ""}, {"CALL", ""}, {"LOAD", "DATA"}, {"LOAD", "XML"}, {"DELETE", ""},
		{"INSERT", ""}, {"SELECT", ""}, {"UPDATE", ""}, {"HANDLER", ""}, {"REPLACE", ""},
	}
	saDMLNoSelect = []saKeyword{
		{"DO", ""}, {"CALL", ""}, {"LOAD", "DATA"}, {"LOAD", "XML"}, {"DELETE", ""},
		{"INSERT", ""}, {"UPDATE", ""}, {"HANDLER", ""}, {"REPLACE", ""},
	}
	saDCL = []saKeyword{
		{"CREATE", "USER"}, {"DROP", "USER"}, {"RENAME", "USER"}, {"GRANT", ""},
		{"REVOKE", ""}, {"SET", "PASSWORD"},
	}
)

// saMaxKeyword is the plugin's MAX_KEYWORD: a longer first word matches
// nothing.
const saMaxKeyword = 20

func saIsSpace(c byte) bool { return c == ' ' || c == '\r' || c == '\n' || c == '\t' }

// saNextWord returns the upper-cased run of ASCII letters at the start of
// q, or "" when there is none or it is longer than saMaxKeyword.
func saNextWord(q string) (word string, n int) {
	for n < len(q) {
		c := q[n]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			break
		}
		if n == saMaxKeyword {
			return "", 0
		}
		n++
	}
	return q[:n], n
}

func saEqualFold(word, upper string) bool {
	if len(word) != len(upper) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// saMatch reports whether q starts with one of the keywords, skipping
// blanks, '(' and comments first as the plugin does.
func saMatch(q string, kw []saKeyword) bool {
	for len(q) > 0 && (saIsSpace(q[0]) || q[0] == '(' || q[0] == '/') {
		if q[0] == '/' && len(q) > 1 && q[1] == '*' {
			if len(q) > 2 && q[2] == '!' {
				q = q[3:]
				for len(q) > 0 && q[0] >= '0' && q[0] <= '9' {
					q = q[1:]
				}
				continue
			}
			q = q[2:]
			for len(q) > 0 {
				if q[0] == '*' && len(q) > 1 && q[1] == '/' {
					q = q[2:]
					break
				}
				q = q[1:]
			}
			continue
		}
		q = q[1:]
	}
	first, n := saNextWord(q)
	if n == 0 {
		return false
	}
	// The plugin steps over the word and the character after it.
	rest := ""
	if n+1 < len(q) {
		rest = q[n+1:]
	}
	var second string
	secondRead := false
	for _, k := range kw {
		if !saEqualFold(first, k.word) {
			continue
		}
		if k.next != "" {
			if !secondRead {
				r := rest
				for len(r) > 0 && saIsSpace(r[0]) {
					r = r[1:]
				}
				second, _ = saNextWord(r)
				secondRead = true
			}
			if !saEqualFold(second, k.next) {
				continue
			}
		}
		return true
	}
	return false
}

// saSkipSetStatement steps over "SET STATEMENT var=value,… FOR", whose
// class is that of the statement after FOR. ok is false when there is
// no FOR, which the plugin does not log under the QUERY_* classes.
func saSkipSetStatement(q string) (rest string, ok bool) {
	if !saMatch(q, saKeywordsToSkip) {
		return q, true
	}
	for len(q) > 0 {
		w, n := saNextWord(q)
		if n == 0 {
			n = 1
		}
		q = q[n:]
		if saEqualFold(w, "FOR") {
			break
		}
	}
	return q, q != ""
}

// classifyMariaDBQuery returns the first of QUERY_DDL, QUERY_DML and
// QUERY_DCL whose server_audit_events class would log the statement, in
// the order the plugin tests them, or QUERY when none would.
func classifyMariaDBQuery(q string) string {
	q, ok := saSkipSetStatement(q)
	switch {
	case !ok:
		return OpQuery
	case !saMatch(q, saNotDDL) && saMatch(q, saDDL):
		return OpQueryDDL
	case saMatch(q, saDML):
		return OpQueryDML
	case saMatch(q, saDCL):
		return OpQueryDCL
	}
	return OpQuery
}

// mariaDBDMLNoSelect reports whether QUERY_DML_NO_SELECT logs q.
func mariaDBDMLNoSelect(q string) bool {
	q, ok := saSkipSetStatement(q)
	return ok && saMatch(q, saDMLNoSelect)
}
