package auditlog

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendJSONFields appends the members of e's JSON encoding, without the
// enclosing braces: "{" + AppendJSONFields + "}" is byte for byte what
// json.Marshal(e) writes, so a caller can put members of its own before
// them (the agent's eventId) without decoding anything. The agent calls it,
// or AppendJSONFieldsInString, for every record it ships, which is why it
// is written by hand: it allocates nothing and is several times faster
// than encoding/json.
//
// It fails, as json.Marshal does, when e.Time has no RFC 3339 form (a year
// outside 0–9999 or a zone offset of 24 hours or more); dst is then
// returned unchanged.
func (e *Event) AppendJSONFields(dst []byte) ([]byte, error) {
	return e.appendJSONFields(dst, &fieldWriter{})
}

// AppendJSONFieldsInString appends what AppendJSONFields appends, escaped
// as the inside of a JSON string: a backslash before each quote and
// backslash, and DEL as \u007f (the members hold no other byte that needs
// an escape: no control character, no invalid UTF-8, no U+2028). That is
// byte for byte how aws-sdk-go-v2 escapes the members when they are a
// string of its request, so the agent writes an event straight into its
// PutLogEvents body in one pass instead of encoding it and then escaping
// the encoding. size is the length of the members unescaped, the length
// AppendJSONFields would have appended.
func (e *Event) AppendJSONFieldsInString(dst []byte) (out []byte, size int, err error) {
	w := fieldWriter{inString: true}
	out, err = e.appendJSONFields(dst, &w)
	return out, len(out) - len(dst) - w.extra, err
}

// fieldWriter writes the keys and strings of the members, as they are or
// escaped in a string.
type fieldWriter struct {
	inString bool
	extra    int // bytes the escaping in a string added
}

func (w *fieldWriter) key(dst []byte, k int) []byte {
	if w.inString {
		w.extra += len(jsonKeysInString[k]) - len(jsonKeys[k])
		return append(dst, jsonKeysInString[k]...)
	}
	return append(dst, jsonKeys[k]...)
}

func (w *fieldWriter) str(dst []byte, s string) []byte {
	if w.inString {
		return w.appendInString(dst, s)
	}
	return AppendJSONString(dst, s)
}

// The keys of Event's JSON encoding with the punctuation around them, in
// the order AppendJSONFields writes them, as they are and escaped.
const (
	keySource = iota
	keyTime
	keyOperation
	keyCommand
	keyAuditClass
	keyAuditType
	keyUser
	keyClientHost
	keyClientPort
	keyServerHost
	keyDatabase
	keyObjectType
	keyObject
	keyStatement
	keyParameter
	keyResultCode
	keyConnectionID
	keyQueryID
	keySessionID
	keyProcessID
	keyStatementID
	keySubstatementID
	keyApplication
	keySeverity
	keyMessage
	keyDetail
	keyRaw
	numKeys
)

var jsonKeys = [numKeys]string{
	`"source":`, `,"time":"`, `","operation":`, `,"command":`, `,"auditClass":`, `,"auditType":`,
	`,"user":`, `,"clientHost":`, `,"clientPort":`, `,"serverHost":`, `,"database":`,
	`,"objectType":`, `,"object":`, `,"statement":`, `,"parameter":`, `,"resultCode":`,
	`,"connectionId":`, `,"queryId":`, `,"sessionId":`, `,"processId":`, `,"statementId":`,
	`,"substatementId":`, `,"application":`, `,"severity":`, `,"message":`, `,"detail":`, `,"raw":`,
}

var jsonKeysInString = func() (k [numKeys]string) {
	for i, s := range jsonKeys {
		k[i] = strings.ReplaceAll(s, `"`, `\"`)
	}
	return k
}()

func (e *Event) appendJSONFields(dst []byte, w *fieldWriter) ([]byte, error) {
	n0 := len(dst)
	dst = w.key(dst, keySource)
	dst = w.str(dst, e.Source)
	dst = w.key(dst, keyTime)
	if err := checkRFC3339(e.Time); err != nil {
		return dst[:n0], err
	}
	// An RFC 3339 time holds nothing that needs an escape.
	dst = e.Time.AppendFormat(dst, time.RFC3339Nano)
	dst = w.key(dst, keyOperation)
	dst = w.str(dst, e.Operation)
	dst = w.omitEmpty(dst, keyCommand, e.Command)
	dst = w.omitEmpty(dst, keyAuditClass, e.AuditClass)
	dst = w.omitEmpty(dst, keyAuditType, e.AuditType)
	dst = w.omitEmpty(dst, keyUser, e.User)
	dst = w.omitEmpty(dst, keyClientHost, e.ClientHost)
	dst = w.intOmitEmpty(dst, keyClientPort, e.ClientPort)
	dst = w.omitEmpty(dst, keyServerHost, e.ServerHost)
	dst = w.omitEmpty(dst, keyDatabase, e.Database)
	dst = w.omitEmpty(dst, keyObjectType, e.ObjectType)
	dst = w.omitEmpty(dst, keyObject, e.Object)
	dst = w.omitEmpty(dst, keyStatement, e.Statement)
	dst = w.omitEmpty(dst, keyParameter, e.Parameter)
	dst = w.omitEmpty(dst, keyResultCode, e.ResultCode)
	dst = w.omitEmpty(dst, keyConnectionID, e.ConnectionID)
	dst = w.omitEmpty(dst, keyQueryID, e.QueryID)
	dst = w.omitEmpty(dst, keySessionID, e.SessionID)
	dst = w.intOmitEmpty(dst, keyProcessID, e.ProcessID)
	dst = w.intOmitEmpty(dst, keyStatementID, e.StatementID)
	dst = w.intOmitEmpty(dst, keySubstatementID, e.SubstatementID)
	dst = w.omitEmpty(dst, keyApplication, e.Application)
	dst = w.omitEmpty(dst, keySeverity, e.Severity)
	dst = w.omitEmpty(dst, keyMessage, e.Message)
	dst = w.omitEmpty(dst, keyDetail, e.Detail)
	dst = w.key(dst, keyRaw)
	return w.str(dst, e.Raw), nil
}

func (w *fieldWriter) omitEmpty(dst []byte, k int, v string) []byte {
	if v == "" {
		return dst
	}
	return w.str(w.key(dst, k), v)
}

func (w *fieldWriter) intOmitEmpty(dst []byte, k int, v int) []byte {
	if v == 0 {
		return dst
	}
	return strconv.AppendInt(w.key(dst, k), int64(v), 10)
}

// checkRFC3339 refuses the times time.Time.MarshalJSON refuses.
func checkRFC3339(t time.Time) error {
	if y := t.Year(); y < 0 || y > 9999 {
		return errors.New("auditlog: time year outside of range [0,9999]")
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return errors.New("auditlog: time zone hour outside of range [0,23]")
	}
	return nil
}

// AppendJSONString appends s as a JSON string, quotes included, escaped
// exactly as encoding/json escapes it by default: control characters,
// quote, backslash and the HTML characters <, > and & escaped, invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && jsonSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe is encoding/json's htmlSafeSet: the bytes written as they are
// without a look (bytes of multi-byte characters are looked at).
var jsonSafe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

// appendInString appends what AppendJSONString appends, escaped as the
// inside of a JSON string (see AppendJSONFieldsInString) in the same pass:
// a quote becomes \", an escape \n becomes \\n, \u003c becomes \\u003c,
// DEL becomes \u007f. It counts the bytes the outer escaping adds.
func (w *fieldWriter) appendInString(dst []byte, s string) []byte {
	w.extra += 2 // the quotes
	dst = append(dst, '\\', '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && jsonInStringSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				w.extra++ // \\\" is \" with two backslashes more
				dst = append(dst, '\\', '\\', '\\', b)
			case '\b':
				dst = append(dst, '\\', '\\', 'b')
			case '\f':
				dst = append(dst, '\\', '\\', 'f')
			case '\n':
				dst = append(dst, '\\', '\\', 'n')
			case '\r':
				dst = append(dst, '\\', '\\', 'r')
			case '\t':
				dst = append(dst, '\\', '\\', 't')
			case 0x7f:
				// Written as it is in the JSON, escaped in the string.
				w.extra += len(`\u007f`) - 1
				dst = append(dst, `\u007f`...)
				i++
				start = i
				continue
			default:
				dst = append(dst, '\\', '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			w.extra++ // the escape's backslash is escaped
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			w.extra++
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			w.extra++
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '\\', '"')
}

// jsonInStringSafe is jsonSafe without DEL, which the JSON holds as it is
// and the string around it escapes.
var jsonInStringSafe = func() (t [256]bool) {
	t = jsonSafe
	t[0x7f] = false
	return t
}()
