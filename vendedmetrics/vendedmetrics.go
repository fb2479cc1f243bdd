// Package vendedmetrics publishes the CloudWatch metrics trailwatch's
// services report about themselves, in the namespaces and with the names,
// units and dimensions AWS's services use (AWS/Logs IncomingLogEvents and
// IncomingBytes, AWS/SNS NumberOfMessagesPublished, PublishSize,
// NumberOfNotificationsDelivered and NumberOfNotificationsFailed).
//
// The request paths only add to counters held in memory, per metric and
// minute; Run writes them to the metric store every Interval through the
// same put path as PutMetricData, so a storage write never sits on a hot
// path. Bucket merges are additive, so every node of a cluster publishes
// its own counts and the store sums them. What a crash loses is what was
// counted since the last flush: at most Interval of counts. A flush that
// fails keeps its counts for the next one.
package vendedmetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// DefaultInterval is how often counts are written when Options.Interval
// is zero.
const DefaultInterval = 10 * time.Second

// Namespaces and metric names, as the services' CloudWatch documentation
// lists them.
const (
	LogsNamespace     = "AWS/Logs"
	IncomingLogEvents = "IncomingLogEvents" // unit None, dimensions LogGroupName or none
	IncomingBytes     = "IncomingBytes"     // unit Bytes, dimensions LogGroupName or none

	SNSNamespace                   = "AWS/SNS"
	NumberOfMessagesPublished      = "NumberOfMessagesPublished"      // unit Count, dimension TopicName
	PublishSize                    = "PublishSize"                    // unit Bytes, dimension TopicName
	NumberOfNotificationsDelivered = "NumberOfNotificationsDelivered" // unit Count, dimension TopicName
	NumberOfNotificationsFailed    = "NumberOfNotificationsFailed"    // unit Count, dimension TopicName
)

// Options configure a Publisher.
type Options struct {
	// Put stores a flush: storage.Metrics.PutMetricData. Required.
	Put func(ctx context.Context, account, region string, data []storage.MetricDatum) error
	// Interval is the time between flushes; 0 means DefaultInterval.
	Interval time.Duration
	// Now stamps counts with their minute; nil means time.Now.
	Now func() time.Time
	// Logger receives failed flushes; nil discards.
	Logger *slog.Logger
}

// Publisher counts and publishes. Its methods are safe for concurrent use.
type Publisher struct {
	opts Options

	mu      sync.Mutex         // guards pending
	pending map[key]*statistic // counts not yet written
}

// key names one minute of one metric series in an account and region. A
// series has at most one dimension, so it is held inline.
type key struct {
	account, region string
	namespace, name string
	dimName         string // "" for the account-level series
	dimValue        string
	unit            string
	minute          int64 // Unix seconds, a multiple of 60
}

// statistic is a StatisticSet being gathered.
type statistic struct{ count, sum, min, max float64 }

func (s *statistic) add(v, n float64) {
	if s.count == 0 {
		s.min, s.max = v, v
	}
	s.count += n
	s.sum += v * n
	s.min = math.Min(s.min, v)
	s.max = math.Max(s.max, v)
}

func (s *statistic) merge(o *statistic) {
	if s.count == 0 {
		*s = *o
		return
	}
	s.count += o.count
	s.sum += o.sum
	s.min = math.Min(s.min, o.min)
	s.max = math.Max(s.max, o.max)
}

// New returns a Publisher; it panics on a wiring bug.
func New(opts Options) *Publisher {
	if opts.Put == nil {
		panic("BUG: vendedmetrics: Options.Put is nil")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{opts: opts, pending: map[key]*statistic{}}
}

// sample is one value to add to a series.
type sample struct {
	name, unit string
	value      float64
}

// add counts samples in the current minute, each both under the
// dimension given and, when account-level is set, with no dimension.
func (p *Publisher) add(account, region, namespace, dimName, dimValue string, accountLevel bool, samples ...sample) {
	minute := p.opts.Now().Unix()
	minute -= minute % 60
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range samples {
		k := key{account: account, region: region, namespace: namespace, name: s.name,
			dimName: dimName, dimValue: dimValue, unit: s.unit, minute: minute}
		p.stat(k).add(s.value, 1)
		if accountLevel {
			k.dimName, k.dimValue = "", ""
			p.stat(k).add(s.value, 1)
		}
	}
}

// stat returns k's statistic, creating it; p.mu is held.
func (p *Publisher) stat(k key) *statistic {
	st := p.pending[k]
	if st == nil {
		st = &statistic{}
		p.pending[k] = st
	}
	return st
}

// LogEventsIngested counts a batch of events stored in a log group:
// IncomingLogEvents and IncomingBytes, for the group (LogGroupName) and
// for the account and region as a whole (no dimension), as CloudWatch
// Logs publishes them. Each batch is one sample, so Sum is what the
// metrics are read with. bytes is the uncompressed size of the events'
// messages.
func (p *Publisher) LogEventsIngested(account, region, group string, events, bytes int) {
	if events == 0 {
		return
	}
	p.add(account, region, LogsNamespace, "LogGroupName", group, true,
		sample{IncomingLogEvents, "None", float64(events)}, sample{IncomingBytes, "Bytes", float64(bytes)})
}

// MessagePublished counts a message published to a topic:
// NumberOfMessagesPublished (1) and PublishSize (its size in bytes).
func (p *Publisher) MessagePublished(topicARN string, size int) {
	account, region, name, ok := topic(topicARN)
	if !ok {
		return
	}
	p.add(account, region, SNSNamespace, "TopicName", name, false,
		sample{NumberOfMessagesPublished, "Count", 1}, sample{PublishSize, "Bytes", float64(size)})
}

// NotificationDelivered counts a notification delivered to a subscription
// of topicARN.
func (p *Publisher) NotificationDelivered(topicARN string) {
	if account, region, name, ok := topic(topicARN); ok {
		p.add(account, region, SNSNamespace, "TopicName", name, false, sample{NumberOfNotificationsDelivered, "Count", 1})
	}
}

// NotificationFailed counts a failed notification of topicARN. Which
// failures count is the caller's business: SNS counts every failed
// attempt to an HTTP/HTTPS endpoint, and other endpoints once, when it
// stops retrying.
func (p *Publisher) NotificationFailed(topicARN string) {
	if account, region, name, ok := topic(topicARN); ok {
		p.add(account, region, SNSNamespace, "TopicName", name, false, sample{NumberOfNotificationsFailed, "Count", 1})
	}
}

// topic reads arn:aws:sns:REGION:ACCOUNT:NAME.
func topic(arn string) (account, region, name string, ok bool) {
	a, err := trailwatch.ParseARN(arn)
	if err != nil || a.Service != "sns" || a.Resource == "" {
		return "", "", "", false
	}
	return a.AccountID, a.Region, a.Resource, true
}

// Flush writes every pending count, one PutMetricData call per account
// and region. Counts of a call that fails are kept for the next flush and
// the first error is returned.
func (p *Publisher) Flush(ctx context.Context) error {
	p.mu.Lock()
	taken := p.pending
	p.pending = make(map[key]*statistic, len(taken))
	p.mu.Unlock()
	if len(taken) == 0 {
		return nil
	}
	type scope struct{ account, region string }
	byScope := map[scope][]key{}
	for k := range taken {
		s := scope{k.account, k.region}
		byScope[s] = append(byScope[s], k)
	}
	var errs []error
	for s, keys := range byScope {
		data := make([]storage.MetricDatum, 0, len(keys))
		for _, k := range keys {
			st := taken[k]
			d := storage.MetricDatum{
				Metric:     storage.Metric{Namespace: k.namespace, Name: k.name},
				Unit:       k.unit,
				Resolution: 60,
				Time:       time.Unix(k.minute, 0).UTC(),
				Agg:        storage.AggregateStatisticSet(st.count, st.sum, st.min, st.max),
			}
			if k.dimName != "" {
				d.Metric.Dimensions = []storage.Dimension{{Name: k.dimName, Value: k.dimValue}}
			}
			data = append(data, d)
		}
		if err := p.opts.Put(ctx, s.account, s.region, data); err != nil {
			errs = append(errs, fmt.Errorf("publish %d vended metric buckets for %s/%s: %w", len(data), s.account, s.region, err))
			p.restore(taken, keys)
		}
	}
	return errors.Join(errs...)
}

// restore puts counts a failed flush took back into pending.
func (p *Publisher) restore(taken map[key]*statistic, keys []key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range keys {
		p.stat(k).merge(taken[k])
	}
}

// Run flushes every Interval until ctx is done, then flushes once more
// so that a clean shutdown loses nothing, and returns ctx's error.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Flush(fctx); err != nil {
				p.opts.Logger.Error("vended metrics final flush failed", "err", err)
			}
			return ctx.Err()
		case <-t.C:
			if err := p.Flush(ctx); err != nil && ctx.Err() == nil {
				p.opts.Logger.Warn("vended metrics flush failed; kept for the next", "err", err)
			}
		}
	}
}
