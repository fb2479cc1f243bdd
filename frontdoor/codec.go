package frontdoor

import (
	"net/http"
	"net/url"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awscbor"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/internal/awsjson"
	"github.com/trailwatch/trailwatch/internal/awsquery"
	"github.com/trailwatch/trailwatch/internal/restjson"
	"github.com/trailwatch/trailwatch/internal/restxml"
)

// codec reads inputs and writes outputs and errors in one protocol.
type codec interface {
	decode(r *http.Request, body []byte, form url.Values, in any) error
	output(w http.ResponseWriter, svc *awsapi.Service, op string, out any, requestID string)
	error(w http.ResponseWriter, svc *awsapi.Service, e *awserr.Error, requestID string)
}

func codecFor(rt route) codec {
	switch rt.protocol {
	case awsapi.RESTXML:
		return restXMLCodec{svc: rt.svc}
	case awsapi.RESTJSON:
		return restJSONCodec{}
	case awsapi.RPCv2CBOR:
		return cborCodec{}
	case awsapi.JSON10:
		return jsonCodec{contentType: "application/x-amz-json-1.0"}
	case awsapi.JSON11:
		return jsonCodec{contentType: "application/x-amz-json-1.1"}
	default:
		return queryCodec{}
	}
}

type jsonCodec struct{ contentType string }

func (c jsonCodec) decode(_ *http.Request, body []byte, _ url.Values, in any) error {
	return awsjson.Decode(body, in)
}

func (c jsonCodec) output(w http.ResponseWriter, _ *awsapi.Service, _ string, out any, _ string) {
	_ = awsjson.WriteResponse(w, c.contentType, out)
}

func (c jsonCodec) error(w http.ResponseWriter, svc *awsapi.Service, e *awserr.Error, _ string) {
	opt := awsjson.ErrorOptions{MessageKey: "message"}
	if svc != nil && svc.ErrorMessageKey != "" {
		opt.MessageKey = svc.ErrorMessageKey
	}
	if svc != nil {
		opt.QueryCompatible = svc.QueryCompatible
		opt.TypeOf = svc.ErrorType
		opt.MessageKeyOf = svc.ErrorMessageKeyOf
	}
	awsjson.WriteError(w, c.contentType, e, opt)
}

type queryCodec struct{}

func (queryCodec) decode(_ *http.Request, _ []byte, form url.Values, in any) error {
	return awsquery.Decode(form, in)
}

func (queryCodec) output(w http.ResponseWriter, svc *awsapi.Service, op string, out any, requestID string) {
	_ = awsquery.WriteResponse(w, svc.XMLNamespace, op, out, requestID)
}

func (queryCodec) error(w http.ResponseWriter, svc *awsapi.Service, e *awserr.Error, requestID string) {
	ns := ""
	if svc != nil {
		ns = svc.XMLNamespace
	}
	awsquery.WriteError(w, ns, e, requestID)
}

// restXMLCodec binds inputs from the request itself (path, query,
// headers); REST services have no body to decode for the reads served.
type restXMLCodec struct{ svc *awsapi.Service }

func (c restXMLCodec) decode(r *http.Request, _ []byte, _ url.Values, in any) error {
	return restxml.Decode(c.svc.Routes, r, in)
}

func (restXMLCodec) output(w http.ResponseWriter, _ *awsapi.Service, _ string, out any, requestID string) {
	restxml.WriteOutput(w, out, requestID)
}

func (restXMLCodec) error(w http.ResponseWriter, _ *awsapi.Service, e *awserr.Error, requestID string) {
	restxml.WriteError(w, e, requestID)
}

// restJSONCodec binds query parameters and reads the rest of the input
// from the JSON body.
type restJSONCodec struct{}

func (restJSONCodec) decode(r *http.Request, body []byte, _ url.Values, in any) error {
	return restjson.Decode(r, body, in)
}

func (restJSONCodec) output(w http.ResponseWriter, _ *awsapi.Service, _ string, out any, _ string) {
	restjson.WriteOutput(w, out)
}

func (restJSONCodec) error(w http.ResponseWriter, _ *awsapi.Service, e *awserr.Error, _ string) {
	restjson.WriteError(w, e)
}

// cborCodec is Smithy RPC v2 CBOR.
type cborCodec struct{}

func (cborCodec) decode(_ *http.Request, body []byte, _ url.Values, in any) error {
	return awscbor.Decode(body, in)
}

func (cborCodec) output(w http.ResponseWriter, _ *awsapi.Service, _ string, out any, _ string) {
	_ = awscbor.WriteResponse(w, out)
}

func (cborCodec) error(w http.ResponseWriter, svc *awsapi.Service, e *awserr.Error, _ string) {
	var opt awscbor.ErrorOptions
	if svc != nil {
		opt.TypeOf = svc.ErrorType
		opt.QueryCompatible = svc.QueryCompatible
		opt.MessageKeyOf = svc.ErrorMessageKeyOf
	}
	awscbor.WriteError(w, e, opt)
}
