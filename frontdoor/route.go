package frontdoor

import (
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/restxml"
)

// route is where a request is going, as far as can be told before its
// signature is checked.
type route struct {
	protocol awsapi.Protocol
	svc      *awsapi.Service // nil when no service answers to the address
	opName   string          // "" when the request names no operation
}

// services indexes the service tables the ways requests address them.
type services struct {
	byTarget  map[string]*awsapi.Service // X-Amz-Target prefix
	bySigning map[string]*awsapi.Service // SigV4 credential-scope service
}

func newServices(list []*awsapi.Service) *services {
	s := &services{byTarget: map[string]*awsapi.Service{}, bySigning: map[string]*awsapi.Service{}}
	for _, svc := range list {
		if _, dup := s.bySigning[svc.SigningName]; dup {
			panic("BUG: two services signed as " + svc.SigningName)
		}
		s.bySigning[svc.SigningName] = svc
		for _, p := range svc.TargetPrefixes {
			s.byTarget[p] = svc
		}
	}
	return s
}

// classify picks the protocol from headers alone (reference/protocols.md §7),
// so that even a request too large to read gets an answer in its protocol.
func (s *services) classify(r *http.Request, scopeService string) route {
	if svcName, op, ok := rpcPath(r); ok {
		// Smithy RPC v2 CBOR (§7, rule 1). The absolute service id
		// (com.amazonaws.cloudwatch.GraniteServiceVersion20100801) names
		// the same service as its bare name.
		if i := strings.LastIndexByte(svcName, '.'); i >= 0 {
			svcName = svcName[i+1:]
		}
		return route{protocol: awsapi.RPCv2CBOR, svc: s.byTarget[svcName], opName: op}
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		proto := awsapi.JSON11
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-amz-json-1.0" {
			proto = awsapi.JSON10
		}
		i := strings.LastIndexByte(target, '.')
		if i < 0 {
			return route{protocol: proto}
		}
		svc := s.byTarget[target[:i]]
		return route{protocol: proto, svc: svc, opName: target[i+1:]}
	}
	// A service with HTTP routes (S3, CloudTrail Data) owns every other request signed for
	// it (reference/protocols.md §7, rule 5).
	if svc := s.bySigning[scopeService]; svc != nil && len(svc.Routes) > 0 {
		op, _ := restxml.Match(svc.Routes, r)
		proto := awsapi.RESTXML
		if slices.Contains(svc.Protocols, awsapi.RESTJSON) {
			// cloudtrail-data: POST /PutAuditEvents (§7, rule 4).
			proto = awsapi.RESTJSON
		}
		return route{protocol: proto, svc: svc, opName: op}
	}
	// Everything else we serve today is the query protocol; a request that
	// is neither is answered in it too, since that is what a bare form POST
	// or GET most likely is.
	return route{protocol: awsapi.Query, svc: s.bySigning[scopeService]}
}

// rpcPath reads POST …/service/{Service}/operation/{Operation} of a request
// that says it speaks rpc-v2-cbor (reference/protocols.md §5: route on the
// last four path segments).
func rpcPath(r *http.Request) (svc, op string, ok bool) {
	if !strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") {
		return "", "", false
	}
	parts := strings.Split(r.URL.Path, "/")
	if len(parts) < 5 {
		return "", "", false
	}
	parts = parts[len(parts)-4:]
	if parts[0] != "service" || parts[2] != "operation" {
		return "", "", false
	}
	return parts[1], parts[3], true
}
