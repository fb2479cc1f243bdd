package frontdoor

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// requestMetrics counts requests by service, operation and HTTP status and
// times them. The label sets of every operation served are known when the
// door is built, so the request path finds its series through a map keyed
// by the operation's pointer, with no label hashing, string building or
// lock; only the first request of an (operation, status) pair goes
// through the vector.
//
// Labels never carry what a caller sent beyond a known operation: an
// unknown or unauthenticated Action is counted as "unknown", so a scanner
// cannot grow the label set.
type requestMetrics struct {
	requests *prometheus.CounterVec   // service, operation, code
	duration *prometheus.HistogramVec // service, operation
	byOp     map[*awsapi.Operation]*opMetrics
	// bySvc holds each service's "unknown" operation; unrouted requests
	// share noService.
	bySvc     map[*awsapi.Service]*opMetrics
	noService *opMetrics
}

// opMetrics are one label set's series.
type opMetrics struct {
	service, operation string
	once               sync.Once
	duration           prometheus.Observer // set by once
	codes              sync.Map            // int status → prometheus.Counter
}

// unknownLabel is the service or operation label of requests that name
// none the door serves.
const unknownLabel = "unknown"

// requestBuckets are the latency histogram's upper bounds in seconds:
// from the sub-millisecond reads up to the 10 s a slow storage commit
// could take.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newRequestMetrics(reg prometheus.Registerer, services []*awsapi.Service) *requestMetrics {
	m := &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailwatch_http_requests_total",
			Help: "AWS API requests answered, by SigV4 service, operation and HTTP status.",
		}, []string{"service", "operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trailwatch_http_request_duration_seconds",
			Help:    "Time from receiving an AWS API request to writing its response, recording included.",
			Buckets: requestBuckets,
		}, []string{"service", "operation"}),
		byOp:      map[*awsapi.Operation]*opMetrics{},
		bySvc:     map[*awsapi.Service]*opMetrics{},
		noService: &opMetrics{service: unknownLabel, operation: unknownLabel},
	}
	reg.MustRegister(m.requests, m.duration)
	for _, svc := range services {
		m.bySvc[svc] = &opMetrics{service: svc.SigningName, operation: unknownLabel}
		for _, op := range svc.Operations {
			m.byOp[op] = &opMetrics{service: svc.SigningName, operation: op.Name}
		}
	}
	return m
}

// observe counts one answered request. The maps are read-only after
// newRequestMetrics, so concurrent calls need no lock.
func (m *requestMetrics) observe(c *call, status int, d time.Duration) {
	om := m.noService
	if svc := c.rt.svc; svc != nil {
		op := c.op
		if op == nil {
			// Refused before the operation was resolved (signature,
			// validation): still counted under its name if it has one.
			op = svc.Operations[c.rt.opName]
		}
		if om = m.byOp[op]; om == nil {
			om = m.bySvc[svc]
		}
	}
	om.once.Do(func() { om.duration = m.duration.WithLabelValues(om.service, om.operation) })
	om.duration.Observe(d.Seconds())
	ctr, ok := om.codes.Load(status)
	if !ok {
		ctr, _ = om.codes.LoadOrStore(status, m.requests.WithLabelValues(om.service, om.operation, strconv.Itoa(status)))
	}
	ctr.(prometheus.Counter).Inc()
}

// statusWriter remembers the status a response was written with. It
// lives inside the call, so wrapping costs no allocation.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
