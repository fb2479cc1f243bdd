package agent

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/trailwatch/trailwatch/hostmetrics"
)

// Limits of PutMetricData (reference/cloudwatch-metrics.md).
const maxMetricDatums = 1000

// maxPendingDatums bounds what the agent keeps while the endpoint is
// down: about an hour of a busy host's metrics at the default interval.
// Older data are dropped first; metrics are a sample, not a record, so
// they do not go through the on-disk spool.
const maxPendingDatums = 100000

// metricsLoop reads the host every interval and sends what it read with
// PutMetricData, in calls of at most 1000 data. A failed call is retried
// with backoff (100 ms doubling to retry_max) while collection goes on
// on schedule.
func (a *Agent) metricsLoop(ctx context.Context) error {
	mc := a.cfg.Metrics
	r := &hostmetrics.Reader{ProcRoot: mc.ProcRoot, DiskPaths: mc.DiskPaths, IgnoreFSTypes: mc.IgnoreFSTypes}
	opts := hostmetrics.Options{Host: mc.Host, PerCPU: mc.PerCPU, Interfaces: mc.Interfaces}
	interval := time.Duration(mc.Interval)
	// The CloudWatch agent sends metrics collected more often than once
	// a minute as high-resolution metrics.
	var resolution *int32
	if interval < time.Minute {
		resolution = aws.Int32(1)
	}
	prev, err := r.Read()
	if err != nil {
		return err
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var pending []types.MetricDatum
	wait := time.Duration(0) // backoff before the next send, 0 when the last one worked
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			cur, err := r.Read()
			if err != nil {
				a.logf("host metrics: %v", err)
				continue
			}
			for _, d := range hostmetrics.Metrics(prev, cur, opts) {
				md := types.MetricDatum{MetricName: aws.String(d.Name), Unit: types.StandardUnit(d.Unit), Value: aws.Float64(d.Value),
					Timestamp: aws.Time(now.UTC()), StorageResolution: resolution}
				for _, dim := range d.Dimensions {
					md.Dimensions = append(md.Dimensions, types.Dimension{Name: aws.String(dim.Name), Value: aws.String(dim.Value)})
				}
				pending = append(pending, md)
			}
			prev = cur
			if over := len(pending) - maxPendingDatums; over > 0 {
				a.logf("host metrics: endpoint unreachable; %d oldest data dropped", over)
				pending = append(pending[:0], pending[over:]...)
			}
			if retry != nil {
				continue // a retry is already scheduled
			}
		case <-retry:
			retry = nil
		}
		for len(pending) > 0 {
			n := min(len(pending), maxMetricDatums)
			_, err := a.metrics.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(mc.Namespace), MetricData: pending[:n]})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				wait = min(max(2*wait, 100*time.Millisecond), time.Duration(a.cfg.RetryMax))
				a.logf("host metrics: PutMetricData of %d data: %v; retrying in %v", n, err, wait)
				retry = time.After(wait)
				break
			}
			wait = 0
			a.Stats.MetricsSent.Add(int64(n))
			pending = pending[n:]
		}
		if len(pending) == 0 {
			pending = nil
		}
	}
}
