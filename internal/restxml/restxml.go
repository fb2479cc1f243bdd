// Package restxml is the REST-XML wire protocol (S3): requests bound to
// operations by method, path and query (awsapi.Route); inputs filled from
// the path, query string and headers by struct tags; outputs written as
// headers plus an XML document or a raw payload; errors in S3's <Error>
// shape (reference/protocols.md §1, §8.6).
//
// Input and output members are tagged with where they travel:
//
//	location:"uri" name:"Bucket"         a path label
//	location:"querystring" name:"prefix" a query parameter
//	location:"header" name:"Range"       a header
//	location:"headers" name:"x-amz-meta-" (output, map[string]string) every
//	                                     header with that prefix, names as given
//	location:"statusCode"                (output, int) the HTTP status
//	payload:"true"                       (output, []byte) the body as is
//
// An output with no payload member is marshalled with encoding/xml.
package restxml

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Match returns the operation of the first route r matches and the path
// labels it binds, or "" when none matches.
func Match(routes []awsapi.Route, r *http.Request) (string, map[string]string) {
	q := r.URL.Query()
	for _, rt := range routes {
		if rt.Method != r.Method {
			continue
		}
		labels, ok := matchPath(rt.Path, r.URL.Path)
		if !ok || !matchQuery(rt.Query, q) {
			continue
		}
		return rt.Op, labels
	}
	return "", nil
}

// matchPath matches a decoded path against a pattern. Labels match one
// non-empty segment; a final {Label+} matches the non-empty rest, slashes
// and all (S3 keys may hold any byte sequence, empty segments included).
func matchPath(pattern, path string) (map[string]string, bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, false
	}
	pat := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	rest := path[1:]
	labels := map[string]string{}
	for i, seg := range pat {
		if seg == "" { // the pattern "/"
			return labels, rest == ""
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			if rest == "" || i != len(pat)-1 {
				return nil, false
			}
			labels[seg[1:len(seg)-2]] = rest
			return labels, true
		}
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		if i == len(pat)-1 && rest != "" {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if part == "" {
				return nil, false
			}
			labels[seg[1:len(seg)-1]] = part
		} else if part != seg {
			return nil, false
		}
	}
	return labels, rest == ""
}

func matchQuery(want []string, q url.Values) bool {
	for _, w := range want {
		name, value, hasValue := strings.Cut(w, "=")
		if !q.Has(name) || hasValue && q.Get(name) != value {
			return false
		}
	}
	return true
}

// Decode fills in (a pointer to a struct) from r, using the labels of the
// route that matched. A query or header value of the wrong type is S3's
// InvalidArgument.
func Decode(routes []awsapi.Route, r *http.Request, in any) error {
	_, labels := Match(routes, r)
	q := r.URL.Query()
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("name")
		var raw string
		var ok bool
		switch f.Tag.Get("location") {
		case "uri":
			raw, ok = labels[name]
		case "querystring":
			ok = q.Has(name)
			raw = q.Get(name)
		case "header":
			raw = r.Header.Get(name)
			ok = raw != ""
		default:
			continue
		}
		if !ok {
			continue
		}
		if err := set(v.Field(i), raw); err != nil {
			return awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid value for %s: %s", name, raw)
		}
	}
	return nil
}

func set(f reflect.Value, raw string) error {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := set(p.Elem(), raw); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, f.Type().Bits())
		if err != nil {
			return err
		}
		f.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		f.SetBool(b)
	default:
		panic("BUG: restxml cannot bind a " + f.Type().String())
	}
	return nil
}

// TimeFormat is how S3 writes timestamps inside XML documents.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// WriteOutput writes out (a pointer to a struct): its header members, then
// its payload or its XML document.
func WriteOutput(w http.ResponseWriter, out any, requestID string) {
	writeIDs(w, requestID)
	v := reflect.ValueOf(out).Elem()
	t := v.Type()
	status := http.StatusOK
	var payload []byte
	hasPayload := false
	h := w.Header()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Tag.Get("payload") == "true" {
			payload, hasPayload = fv.Bytes(), true
			continue
		}
		name := f.Tag.Get("name")
		switch f.Tag.Get("location") {
		case "statusCode":
			if n := int(fv.Int()); n != 0 {
				status = n
			}
		case "header":
			if s, ok := headerValue(fv); ok {
				h.Set(name, s)
			}
		case "headers":
			for _, k := range fv.MapKeys() {
				// Assigned directly: Set would canonicalise the name, and
				// botocore keeps the case it receives, so readers looking
				// up "signature" would miss "Signature"
				// (reference/cloudtrail.md §0.2).
				h[name+strings.ToLower(k.String())] = []string{fv.MapIndex(k).String()}
			}
		}
	}
	if hasPayload {
		w.WriteHeader(status)
		_, _ = w.Write(payload)
		return
	}
	body, err := xml.Marshal(out)
	if err != nil {
		panic("BUG: restxml output does not marshal: " + err.Error())
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func headerValue(v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case string:
		return x, x != ""
	case int64:
		return strconv.FormatInt(x, 10), true
	case time.Time:
		return x.UTC().Format(http.TimeFormat), !x.IsZero()
	}
	panic("BUG: restxml cannot write a " + v.Type().String() + " header")
}

// writeIDs sets the request id headers S3 clients read.
func writeIDs(w http.ResponseWriter, requestID string) {
	w.Header().Set("x-amz-request-id", requestID)
	w.Header().Set("x-amz-id-2", hostID(requestID))
}

// hostID stands in for S3's extended request id, which names the host that
// served the request; trailwatch has one id per request.
func hostID(requestID string) string { return strings.ReplaceAll(requestID, "-", "") }

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

// WriteError writes e in S3's error shape. A HEAD answer has no body, which
// net/http enforces, so clients see only the status, as with S3.
func WriteError(w http.ResponseWriter, e *awserr.Error, requestID string) {
	writeIDs(w, requestID)
	body, _ := xml.Marshal(errorBody{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: hostID(requestID)})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
