// Package snsdelivery is the worker that sends SNS deliveries from the
// outbox (storage.SNS): HTTP/HTTPS POSTs and email through an SMTP relay.
// A delivery leaves the outbox only when it succeeded or its retry policy
// is spent, so a restart loses nothing; one node at a time sends, under a
// lease.
package snsdelivery

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch/sns"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker"
)

// LeaseName is the lease the worker holds while it sends.
const LeaseName = "sns/delivery"

// DefaultInterval is how often the outbox is polled when nothing wakes the
// worker.
const DefaultInterval = time.Second

// httpTimeout is how long an endpoint has to answer: SNS's 15 s.
const httpTimeout = 15 * time.Second

// batch is how many due deliveries one pass reads.
const batch = 100

// SMTP configures the relay email goes through.
type SMTP struct {
	Addr     string // host:port; "" disables email delivery
	From     string // envelope and header sender
	Username string // PLAIN auth when set
	Password string
}

// Options configures a Worker.
type Options struct {
	Store    storage.SNS
	Leases   storage.Leases
	Holder   string
	Interval time.Duration
	SMTP     SMTP
	// Client sends HTTP/HTTPS deliveries; a client with SNS's 15 s
	// timeout when nil.
	Client *http.Client
	// Attempted, when set, is told of every delivery attempt's outcome,
	// from the sending goroutine.
	Attempted func(Attempt)
	Now       func() time.Time
	Logger    *slog.Logger
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	TopicARN, SubscriptionARN string
	Protocol                  string // http, https, email, email-json
	// Confirmation marks a subscription or unsubscribe confirmation,
	// which SNS's metrics do not count.
	Confirmation bool
	Delivered    bool
	// Final is true when the attempt ended the delivery: it succeeded,
	// or it failed and the retry policy is spent.
	Final bool
}

// CountsAsFailed reports whether SNS counts the attempt in
// NumberOfNotificationsFailed: every failed attempt to an HTTP/HTTPS
// endpoint, retries included, and for other endpoints the failure that
// ends the retries (the metric's definition in the SNS Developer Guide).
func (a Attempt) CountsAsFailed() bool {
	return !a.Delivered && (a.Final || a.Protocol == "http" || a.Protocol == "https")
}

// Counts are a topic's notification outcomes since the server started,
// counted as SNS counts its metrics: confirmations are left out.
type Counts struct {
	Delivered int64 // NumberOfNotificationsDelivered
	Failed    int64 // NumberOfNotificationsFailed (Attempt.CountsAsFailed)
}

// Worker sends deliveries.
type Worker struct {
	opts Options
	loop worker.Loop
	wake chan struct{}

	mu     sync.Mutex
	counts map[string]Counts // by topic ARN
}

// New returns a Worker; it panics on a wiring bug.
func New(opts Options) *Worker {
	if opts.Store == nil || opts.Leases == nil {
		panic("BUG: snsdelivery: Options.Store and Options.Leases are required")
	}
	if opts.Holder == "" {
		opts.Holder = worker.DefaultHolder()
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: httpTimeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{opts: opts, wake: make(chan struct{}, 1), counts: map[string]Counts{}}
	w.loop = worker.Loop{Name: "sns delivery", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Leases,
		Interval: opts.Interval, Logger: opts.Logger, Wake: w.wake, Pass: w.RunOnce}
	return w
}

// Wake makes the worker look at the outbox now; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.loop.Run(ctx) }

// Counts returns a topic's delivery counters, kept in memory.
func (w *Worker) Counts(topicARN string) Counts {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[topicARN]
}

// count tells Options.Attempted of an attempt, then records it in the
// counters, so that whoever sees the counters move knows Attempted has
// heard.
func (w *Worker) count(a Attempt) {
	if w.opts.Attempted != nil {
		w.opts.Attempted(a)
	}
	if !a.Confirmation && (a.Delivered || a.CountsAsFailed()) {
		w.mu.Lock()
		c := w.counts[a.TopicARN]
		if a.Delivered {
			c.Delivered++
		} else {
			c.Failed++
		}
		w.counts[a.TopicARN] = c
		w.mu.Unlock()
	}
}

// RunOnce sends every due delivery, if this node holds the lease.
func (w *Worker) RunOnce(ctx context.Context) error {
	held, err := w.loop.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("sns delivery lease: %w", err)
	}
	if !held {
		return nil
	}
	for ctx.Err() == nil {
		due, err := w.opts.Store.DueDeliveries(ctx, w.opts.Now(), batch)
		if err != nil {
			return err
		}
		for _, row := range due {
			if err := w.deliver(ctx, row.ID, row.TopicARN, row.SubscriptionARN, row.Attempts, row.Payload); err != nil {
				return err
			}
		}
		if len(due) < batch {
			return nil
		}
	}
	return ctx.Err()
}

// deliver makes one attempt and records its outcome in the outbox.
func (w *Worker) deliver(ctx context.Context, id int64, topic, sub string, attempts int, payload []byte) error {
	d, err := sns.DecodeDelivery(payload)
	if err != nil {
		w.opts.Logger.Error("sns delivery dropped: unreadable payload", "subscription", sub, "err", err)
		return w.opts.Store.DeleteDelivery(ctx, id)
	}
	var sendErr error
	switch d.Protocol {
	case "http", "https":
		sendErr = w.post(ctx, d)
	default:
		sendErr = w.mail(d)
	}
	attempts++
	a := Attempt{TopicARN: topic, SubscriptionARN: sub, Protocol: d.Protocol, Confirmation: d.Confirmation,
		Delivered: sendErr == nil, Final: sendErr == nil}
	if sendErr == nil {
		w.count(a)
		w.opts.Logger.Info("sns delivery succeeded", "topic", topic, "subscription", sub, "protocol", d.Protocol, "attempts", attempts)
		return w.opts.Store.DeleteDelivery(ctx, id)
	}
	delay, retry := d.Retry.Delay(attempts)
	a.Final = !retry
	w.count(a)
	if !retry {
		w.opts.Logger.Warn("sns delivery failed; retries spent", "topic", topic, "subscription", sub, "protocol", d.Protocol,
			"attempts", attempts, "err", sendErr)
		return w.opts.Store.DeleteDelivery(ctx, id)
	}
	w.opts.Logger.Info("sns delivery attempt failed; will retry", "topic", topic, "subscription", sub, "attempts", attempts,
		"retry_in", delay, "err", sendErr)
	if err := w.opts.Store.RescheduleDelivery(ctx, id, attempts, w.opts.Now().Add(delay)); err != nil && ctx.Err() == nil {
		// Unsubscribed meanwhile: nothing left to retry.
		w.opts.Logger.Info("sns delivery not rescheduled", "subscription", sub, "err", err)
	}
	return nil
}

// post sends an HTTP/HTTPS delivery. Any status from 200 to 499 counts as
// delivered, as on SNS; 5xx and transport errors are retried.
func (w *Worker) post(ctx context.Context, d sns.Delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint, strings.NewReader(d.Body))
	if err != nil {
		return err
	}
	for k, v := range d.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 500 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

// mail sends an email or email-json delivery through the relay.
func (w *Worker) mail(d sns.Delivery) error {
	cfg := w.opts.SMTP
	if cfg.Addr == "" {
		return fmt.Errorf("no SMTP relay configured (--smtp-addr)")
	}
	from := cfg.From
	header := from
	if d.From != "" {
		header = fmt.Sprintf("%q <%s>", d.From, from)
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n", header, d.Endpoint, oneLine(d.Subject))
	if d.Protocol == "email-json" {
		msg.WriteString("Content-Type: application/json; charset=UTF-8\r\n")
	} else {
		msg.WriteString("Content-Type: text/plain; charset=UTF-8\r\n")
	}
	msg.WriteString("\r\n")
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(d.Body, "\r\n", "\n"), "\n", "\r\n"))
	msg.WriteString("\r\n")
	var auth smtp.Auth
	if cfg.Username != "" {
		host, _, _ := strings.Cut(cfg.Addr, ":")
		auth = smtp.PlainAuth("", cfg.Username, cfg.Password, host)
	}
	return smtp.SendMail(cfg.Addr, auth, from, []string{d.Endpoint}, msg.Bytes())
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
