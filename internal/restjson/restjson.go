// Package restjson is the REST-JSON wire protocol (restJson1, CloudTrail
// Data; reference/protocols.md §4): requests bound to operations by method
// and path (awsapi.Route, matched as for REST-XML), query parameters bound
// to input members tagged location:"querystring" name:"…", the other
// members read from a JSON body; outputs written as a JSON body; errors as
// an X-Amzn-ErrorType header plus {"message": …}.
package restjson

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/trailwatch/trailwatch"

	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
)

// ContentType is what REST-JSON bodies are sent as.
const ContentType = "application/json"

// Decode fills in (a pointer to a struct) from r and its body. Bound
// members take their value from the query string only, even when the body
// names them too; a body that is not JSON, or a member of the wrong type,
// is a SerializationException as in AWS JSON.
func Decode(r *http.Request, body []byte, in any) error {
	if err := awsjson.Decode(body, in); err != nil {
		return err
	}
	q := r.URL.Query()
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("location") != "querystring" {
			continue
		}
		fv := v.Field(i)
		fv.SetZero()
		name := f.Tag.Get("name")
		if !q.Has(name) {
			continue
		}
		if fv.Kind() != reflect.String {
			panic("BUG: restjson binds only strings from the query, not " + fv.Type().String())
		}
		fv.SetString(q.Get(name))
	}
	return nil
}

// WriteOutput writes out as a 200 JSON response. The caller sets
// x-amzn-RequestId first.
func WriteOutput(w http.ResponseWriter, out any) {
	body, err := awsjson.Marshal(out)
	if err != nil {
		panic("BUG: restjson output does not marshal: " + err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// WriteError writes e: status e.HTTPStatus(), the code in X-Amzn-ErrorType
// (where botocore and aws-sdk-go-v2 look first) and {"message": …} as the
// body.
func WriteError(w http.ResponseWriter, e *awserr.Error) {
	body := make([]byte, 0, 16+len(e.Message))
	body = append(body, `{"message":`...)
	body = trailwatch.AppendJSONString(body, e.Message)
	body = append(body, '}')
	h := w.Header()
	h.Set("X-Amzn-ErrorType", e.Code)
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}
