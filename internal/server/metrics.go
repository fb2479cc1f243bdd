package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/vendedmetrics"
	"github.com/trailwatch/trailwatch/worker/alarms"
	"github.com/trailwatch/trailwatch/worker/snsdelivery"
)

// MetricsPath is where the listener serves Prometheus metrics to
// requests that carry no SigV4 signature.
const MetricsPath = "/metrics"

// metrics are the server's Prometheus series beyond the front door's. No
// label carries an account, a name or anything else a caller chose: the
// endpoint is unauthenticated, so it shows counts and nothing more.
type metrics struct {
	reg *prometheus.Registry

	recordedEvents  prometheus.Counter
	logEvents       prometheus.Counter
	logBytes        prometheus.Counter
	storageWrites   *prometheus.HistogramVec // operation
	trailRecords    *prometheus.CounterVec   // target
	trailLag        *prometheus.HistogramVec // target
	trailErrors     *prometheus.CounterVec   // target
	snsPublished    prometheus.Counter
	snsAttempts     *prometheus.CounterVec // protocol, outcome
	alarmsEvaluated prometheus.Counter
	alarmsChanged   prometheus.Counter
	alarmPasses     *prometheus.CounterVec // result
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		recordedEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_recorded_events_total",
			Help: "CloudTrail records stored: every recorded API call, and PutAuditEvents' accepted events.",
		}),
		logEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_log_events_ingested_total",
			Help: "Log events stored, by PutLogEvents and by trail delivery to log groups.",
		}),
		logBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_log_bytes_ingested_total",
			Help: "Uncompressed bytes of the log event messages stored.",
		}),
		storageWrites: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trailwatch_storage_write_duration_seconds",
			Help:    "Time of the durable storage writes on request paths, commit included, by storage operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
		trailRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailwatch_trail_delivered_records_total",
			Help: "Records trails delivered, by target: s3 (log files) or logs (CloudWatch Logs log groups).",
		}, []string{"target"}),
		trailLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trailwatch_trail_delivery_lag_seconds",
			Help:    "Age of the oldest record of each log file or log event batch when a trail delivered it.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400},
		}, []string{"target"}),
		trailErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailwatch_trail_delivery_errors_total",
			Help: "Failed trail deliveries, by target: s3, digest, logs or sns.",
		}, []string{"target"}),
		snsPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_sns_messages_published_total",
			Help: "Messages accepted by SNS Publish and PublishBatch, alarm and trail notifications included.",
		}),
		snsAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailwatch_sns_delivery_attempts_total",
			Help: "SNS delivery attempts by protocol and outcome: delivered, retry (failed, will be retried) or failed (retries spent).",
		}, []string{"protocol", "outcome"}),
		alarmsEvaluated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_alarm_evaluations_total",
			Help: "CloudWatch alarm evaluations made.",
		}),
		alarmsChanged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailwatch_alarm_state_changes_total",
			Help: "Alarm evaluations that changed an alarm's state.",
		}),
		alarmPasses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailwatch_alarm_evaluation_passes_total",
			Help: "Alarm evaluation passes by result: ok or error.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.recordedEvents, m.logEvents, m.logBytes, m.storageWrites, m.trailRecords, m.trailLag,
		m.trailErrors, m.snsPublished, m.snsAttempts, m.alarmsEvaluated, m.alarmsChanged, m.alarmPasses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// snsAttempt counts an SNS delivery attempt here and in the AWS/SNS
// metrics.
func (m *metrics) snsAttempt(v *vendedmetrics.Publisher, a snsdelivery.Attempt) {
	outcome := "delivered"
	switch {
	case !a.Delivered && a.Final:
		outcome = "failed"
	case !a.Delivered:
		outcome = "retry"
	}
	protocol := a.Protocol
	switch protocol {
	case "http", "https", "email", "email-json":
	default:
		protocol = "other" // a label never grows with stored data
	}
	m.snsAttempts.WithLabelValues(protocol, outcome).Inc()
	if a.Confirmation {
		return
	}
	if a.Delivered {
		v.NotificationDelivered(a.TopicARN)
	} else if a.CountsAsFailed() {
		v.NotificationFailed(a.TopicARN)
	}
}

// metricsEndpoint serves GET /metrics to scrapers, which do not sign
// requests; a request with a SigV4 signature goes on to the front door,
// where it is an S3 request for bucket "metrics".
type metricsEndpoint struct {
	metrics http.Handler
	next    http.Handler
}

func newMetricsEndpoint(reg *prometheus.Registry, next http.Handler) *metricsEndpoint {
	return &metricsEndpoint{metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), next: next}
}

func (h *metricsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == MetricsPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !sigV4Signed(r) {
		h.metrics.ServeHTTP(w, r)
		return
	}
	h.next.ServeHTTP(w, r)
}

// sigV4Signed reports whether r carries a SigV4 signature, in the header
// or presigned form. A Basic or Bearer Authorization, which a scraper may
// be set up to send, is not one.
func sigV4Signed(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") || r.URL.Query().Has("X-Amz-Credential")
}

// instrumentedStore times the storage writes on request paths and counts
// what they store: CloudTrail records, log events (every writer of log
// events, trail delivery included, goes through Logs.PutLogEvents, so
// AWS/Logs counts them all, as CloudWatch Logs counts CloudTrail's
// deliveries in the log group's IncomingLogEvents), metric data and SNS
// deliveries queued.
type instrumentedStore struct {
	storage.Store
	events  instrumentedEvents
	logs    instrumentedLogs
	metrics instrumentedMetrics
	sns     instrumentedSNS
}

func instrument(s storage.Store, m *metrics, v *vendedmetrics.Publisher) *instrumentedStore {
	w := func(op string) prometheus.Observer { return m.storageWrites.WithLabelValues(op) }
	return &instrumentedStore{
		Store:   s,
		events:  instrumentedEvents{Events: s.Events(), took: w("PutEvents"), stored: m.recordedEvents},
		logs:    instrumentedLogs{Logs: s.Logs(), took: w("PutLogEvents"), m: m, v: v},
		metrics: instrumentedMetrics{Metrics: s.Metrics(), took: w("PutMetricData")},
		sns:     instrumentedSNS{SNS: s.SNS(), took: w("EnqueueDeliveries")},
	}
}

func (s *instrumentedStore) Events() storage.Events   { return &s.events }
func (s *instrumentedStore) Logs() storage.Logs       { return &s.logs }
func (s *instrumentedStore) Metrics() storage.Metrics { return &s.metrics }
func (s *instrumentedStore) SNS() storage.SNS         { return &s.sns }

type instrumentedEvents struct {
	storage.Events
	took   prometheus.Observer
	stored prometheus.Counter
}

func (e *instrumentedEvents) PutEvents(ctx context.Context, events []trailwatch.Event) error {
	start := time.Now()
	err := e.Events.PutEvents(ctx, events)
	e.took.Observe(time.Since(start).Seconds())
	if err == nil {
		e.stored.Add(float64(len(events)))
	}
	return err
}

type instrumentedLogs struct {
	storage.Logs
	took prometheus.Observer
	m    *metrics
	v    *vendedmetrics.Publisher
}

func (l *instrumentedLogs) PutLogEvents(ctx context.Context, account, region, group, stream string, ingestionTime int64, events []trailwatch.LogEvent) ([]trailwatch.LogEvent, error) {
	start := time.Now()
	out, err := l.Logs.PutLogEvents(ctx, account, region, group, stream, ingestionTime, events)
	l.took.Observe(time.Since(start).Seconds())
	if err == nil {
		bytes := 0
		for i := range events {
			bytes += len(events[i].Message)
		}
		l.m.logEvents.Add(float64(len(events)))
		l.m.logBytes.Add(float64(bytes))
		l.v.LogEventsIngested(account, region, group, len(events), bytes)
	}
	return out, err
}

type instrumentedMetrics struct {
	storage.Metrics
	took prometheus.Observer
}

func (s *instrumentedMetrics) PutMetricData(ctx context.Context, account, region string, data []storage.MetricDatum) error {
	start := time.Now()
	err := s.Metrics.PutMetricData(ctx, account, region, data)
	s.took.Observe(time.Since(start).Seconds())
	return err
}

type instrumentedSNS struct {
	storage.SNS
	took prometheus.Observer
}

func (s *instrumentedSNS) EnqueueDeliveries(ctx context.Context, ds []trailwatch.SNSDelivery) error {
	start := time.Now()
	err := s.SNS.EnqueueDeliveries(ctx, ds)
	s.took.Observe(time.Since(start).Seconds())
	return err
}

// countingEvaluator counts the alarm worker's evaluations.
type countingEvaluator struct {
	alarms.Evaluator
	m *metrics
}

func (e countingEvaluator) EvaluateAlarms(ctx context.Context, now time.Time) (evaluated, changed int, err error) {
	evaluated, changed, err = e.Evaluator.EvaluateAlarms(ctx, now)
	e.m.alarmsEvaluated.Add(float64(evaluated))
	e.m.alarmsChanged.Add(float64(changed))
	result := "ok"
	if err != nil {
		result = "error"
	}
	e.m.alarmPasses.WithLabelValues(result).Inc()
	return evaluated, changed, err
}
