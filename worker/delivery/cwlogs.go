package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// CloudWatch Logs limits a delivery batch keeps to (reference/
// cloudwatch-logs.md: PutLogEvents), and the largest record CloudTrail
// sends there (reference/cloudtrail.md §6.3).
const (
	maxBatchEvents = 10_000
	maxBatchBytes  = 1_048_576
	eventOverhead  = 26
	maxLogRecord   = 256 * 1024
)

// deliverLogs sends the trail's events to its CloudWatch Logs log group,
// one log event per record in the stream ACCOUNT_CloudTrail_REGION
// (reference/cloudtrail.md §6.3), with its own cursor and plan in the
// trail's state. A replayed plan first checks which of its batches the
// stream already holds: PutLogEvents is not idempotent, and a batch is
// stored whole or not at all.
//
// It reports whether a full plan was delivered, so more may be waiting.
func (w *Worker) deliverLogs(ctx context.Context, t *trailwatch.Trail, st *state, now time.Time) (more bool, err error) {
	if t.CloudWatchLogsLogGroupARN == "" {
		return false, nil
	}
	group, account, region, err := parseLogGroupARN(t.CloudWatchLogsLogGroupARN)
	if err != nil {
		return false, w.logsFailed(ctx, t, now, "InvalidCloudWatchLogsLogGroupArn", err)
	}
	var c cwlState
	if err := w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
		*t = *tr
		if s.CWL == nil {
			return errStale // the log group changed during the pass
		}
		c = *s.CWL
		return errKeep
	}); err != nil {
		return false, err
	}
	replay := c.Plan != nil
	if c.Plan == nil && (t.IsLogging || !t.StopLoggingTime.IsZero()) {
		p, full, err := w.plan(ctx, c.Cursor, now)
		if err != nil || p == nil {
			return false, err
		}
		more = full
		if err := w.update(ctx, t, func(_ *trailwatch.Trail, s *state) error {
			if s.CWL == nil || s.CWL.Plan != nil || s.CWL.Cursor != c.Cursor {
				return errStale
			}
			s.CWL.Plan = p
			return nil
		}); err != nil {
			return false, err
		}
		c.Plan = p
	}
	if c.Plan == nil {
		return false, nil
	}
	files, err := w.files(ctx, t, c.Plan)
	if err != nil {
		return false, err
	}
	logs := w.opts.Store.Logs()
	for _, f := range files {
		stream := t.AccountID + "_CloudTrail_" + f.region
		err := logs.CreateLogStream(ctx, account, region, group, trailwatch.LogStream{Name: stream, CreatedAt: now})
		if errors.Is(err, storage.ErrNotFound) {
			return false, w.logsFailed(ctx, t, now, "LogGroupDoesNotExist", fmt.Errorf("log group %s: %w", group, err))
		}
		if err != nil && !errors.Is(err, storage.ErrExists) {
			return false, w.logsFailed(ctx, t, now, "InternalFailure", err)
		}
		for _, batch := range logBatches(f.records) {
			if replay {
				done, err := w.holds(ctx, account, region, group, stream, batch)
				if err != nil {
					return false, w.logsFailed(ctx, t, now, "InternalFailure", err)
				}
				if done {
					continue
				}
			}
			if _, err := logs.PutLogEvents(ctx, account, region, group, stream, now.UnixMilli(), batch); err != nil {
				return false, w.logsFailed(ctx, t, now, "InternalFailure", err)
			}
			oldest := batch[0].Timestamp
			for _, e := range batch {
				oldest = min(oldest, e.Timestamp)
			}
			w.opts.Delivered(TargetLogs, len(batch), now.Sub(time.UnixMilli(oldest)))
		}
	}
	p := c.Plan
	return more, w.update(ctx, t, func(tr *trailwatch.Trail, s *state) error {
		if s.CWL == nil || s.CWL.Plan == nil || *s.CWL.Plan != *p {
			return errStale
		}
		s.CWL.Cursor, s.CWL.Plan = p.To, nil
		tr.Delivery.LatestCloudWatchLogsDeliveryTime, tr.Delivery.LatestCloudWatchLogsDeliveryError = now, ""
		return nil
	})
}

// logBatches turns records into log events, timestamped by eventTime,
// in batches within PutLogEvents' limits. Records over 256 KB are left
// out, as CloudTrail leaves them out.
func logBatches(records []json.RawMessage) [][]trailwatch.LogEvent {
	var out [][]trailwatch.LogEvent
	var cur []trailwatch.LogEvent
	size := 0
	for _, r := range records {
		if len(r) > maxLogRecord {
			continue
		}
		var rec struct {
			EventTime string `json:"eventTime"`
		}
		json.Unmarshal(r, &rec)
		at, err := time.Parse(time.RFC3339, rec.EventTime)
		if err != nil {
			continue
		}
		n := len(r) + eventOverhead
		if len(cur) == maxBatchEvents || (len(cur) > 0 && size+n > maxBatchBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, trailwatch.LogEvent{Timestamp: at.UnixMilli(), Message: string(r)})
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// holds reports whether the stream already has the batch: its last
// event, with the same timestamp and message, is there.
func (w *Worker) holds(ctx context.Context, account, region, group, stream string, batch []trailwatch.LogEvent) (bool, error) {
	last := batch[len(batch)-1]
	q := storage.StreamRead{AccountID: account, Region: region, Group: group, Stream: stream,
		From: last.Timestamp, To: last.Timestamp + 1, Limit: maxBatchEvents}
	for {
		evs, err := w.opts.Store.Logs().ReadLogStream(ctx, q)
		if err != nil {
			return false, err
		}
		for _, e := range evs {
			if e.Message == last.Message {
				return true, nil
			}
		}
		if len(evs) < q.Limit {
			return false, nil
		}
		pos := storage.EventPos{Timestamp: evs[len(evs)-1].Timestamp, Seq: evs[len(evs)-1].Seq}
		q.Pos = &pos
	}
}

// logsFailed records a failed log group delivery and returns err.
func (w *Worker) logsFailed(ctx context.Context, t *trailwatch.Trail, now time.Time, code string, err error) error {
	w.opts.Failed(TargetLogs)
	w.recordFailure(ctx, t, now, func(d *trailwatch.TrailDelivery) { d.LatestCloudWatchLogsDeliveryError = code })
	return fmt.Errorf("deliver to log group: %w", err)
}

// parseLogGroupARN reads arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*].
func parseLogGroupARN(arn string) (group, account, region string, err error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group" {
		return "", "", "", fmt.Errorf("not a log group ARN: %q", arn)
	}
	group = strings.TrimSuffix(parts[6], ":*")
	return group, parts[4], parts[3], nil
}
