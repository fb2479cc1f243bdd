package frontdoor

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// maxRecordField is CloudTrail's limit for requestParameters and
// responseElements; larger values are omitted (reference/cloudtrail.md §2.1).
const maxRecordField = 100 << 10

// maxShortField bounds userAgent, errorCode and errorMessage (1 KB each).
const maxShortField = 1024

// event builds the CloudTrail record of a call whose caller is known,
// all but its parameters (addParameters).
func (h *Handler) event(c *call) trailwatch.Event {
	caller := c.caller
	ev := trailwatch.Event{
		EventVersion: trailwatch.EventVersion,
		UserIdentity: trailwatch.UserIdentity{
			Type:        caller.Type,
			PrincipalID: caller.PrincipalID,
			ARN:         caller.ARN,
			AccountID:   caller.AccountID,
			AccessKeyID: caller.AccessKeyID,
			UserName:    caller.UserName,
		},
		EventTime:          c.start.UTC().Truncate(1e9),
		EventName:          c.rt.opName,
		AWSRegion:          caller.Region,
		SourceIPAddress:    sourceIP(c.r),
		UserAgent:          truncate(c.r.UserAgent(), maxShortField),
		RequestID:          c.requestID,
		EventID:            newEventID(c.start),
		EventType:          trailwatch.EventTypeAPICall,
		ManagementEvent:    true,
		RecipientAccountID: caller.AccountID,
		EventCategory:      trailwatch.CategoryManagement,
		TLSDetails:         tlsDetails(c.r.TLS, c.r.Host),
	}
	if svc := c.rt.svc; svc != nil {
		ev.EventSource = svc.EventSource
		if svc.GlobalRegion != "" {
			ev.AWSRegion = svc.GlobalRegion
		}
	} else {
		ev.EventSource = scopeEventSource(c)
	}
	if c.op != nil {
		ev.ReadOnly = c.op.ReadOnly
		if c.op.Category == trailwatch.CategoryData {
			ev.ManagementEvent = false
			ev.EventCategory = trailwatch.CategoryData
		}
		if c.input != nil {
			ev.Resources = c.resources
		}
	}
	if c.err != nil {
		ev.ErrorCode = truncate(c.err.Code, maxShortField)
		ev.ErrorMessage = truncate(c.err.Message, maxShortField)
	}
	return ev
}

// addParameters fills in ev's requestParameters and responseElements,
// which event leaves out: they are the costly part of a record (a
// PutMetricData batch's are a thousand datums), and no selector reads
// them, so a data event no trail selects never pays for them.
func addParameters(ev *trailwatch.Event, c *call) {
	if c.op == nil {
		return
	}
	if c.input != nil {
		ev.RequestParameters = limitField(awsapi.RecordJSON(c.input))
	}
	// Read-only calls carry no responseElements (reference/cloudtrail.md §2.1).
	if c.output != nil && c.err == nil && !c.op.ReadOnly {
		ev.ResponseElements = limitField(awsapi.RecordJSON(c.output))
	}
}

// scopeEventSource names the service of a request no table answered for,
// from its signing name.
func scopeEventSource(c *call) string {
	if c.scope.Service != "" {
		return c.scope.Service + ".amazonaws.com"
	}
	return "unknown.amazonaws.com"
}

// newEventID returns a time-ordered UUID (version 7): a GUID like
// CloudTrail's, but one whose index entries land next to each other, so
// recording an event touches one index page instead of a random one.
func newEventID(t time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	ms := uint64(t.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func limitField(b json.RawMessage) json.RawMessage {
	if len(b) > maxRecordField {
		return nil
	}
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func tlsDetails(cs *tls.ConnectionState, host string) *trailwatch.TLSDetails {
	if cs == nil {
		return nil
	}
	version := map[uint16]string{tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[cs.Version]
	d := &trailwatch.TLSDetails{TLSVersion: version, CipherSuite: tls.CipherSuiteName(cs.CipherSuite), ClientProvidedHostHeader: host}
	d.KeyExchange = keyExchange(cs.CurveID)
	return d
}

// keyExchange names the TLS group as CloudTrail does (x25519, secp256r1,
// X25519MLKEM768).
func keyExchange(id tls.CurveID) string {
	switch id {
	case 0:
		return ""
	case tls.X25519:
		return "x25519"
	case tls.CurveP256:
		return "secp256r1"
	case tls.CurveP384:
		return "secp384r1"
	case tls.CurveP521:
		return "secp521r1"
	}
	return id.String()
}
