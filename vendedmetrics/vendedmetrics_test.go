package vendedmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/vendedmetrics"
)

// store gathers what flushes put, one line per datum, or fails while
// failing is set.
type store struct {
	mu      sync.Mutex
	failing bool
	lines   []string
}

func (s *store) put(_ context.Context, account, region string, data []storage.MetricDatum) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errors.New("database is down")
	}
	for _, d := range data {
		dims := ""
		for _, dim := range d.Metric.Dimensions {
			dims += " " + dim.Name + "=" + dim.Value
		}
		s.lines = append(s.lines, fmt.Sprintf("%s %s %s %s%s %s %s n=%g sum=%g min=%g max=%g", account, region,
			d.Time.Format("15:04"), d.Metric.Name, dims, d.Unit, d.Metric.Namespace, d.Agg.SampleCount, d.Agg.Sum, d.Agg.Minimum, d.Agg.Maximum))
	}
	return nil
}

func (s *store) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.lines
	s.lines = nil
	slices.Sort(out)
	return out
}

func TestPublisher(t *testing.T) {
	ctx := context.Background()
	st := &store{}
	now := time.Date(2026, 3, 1, 10, 0, 59, 0, time.UTC)
	p := vendedmetrics.New(vendedmetrics.Options{Put: st.put, Now: func() time.Time { return now }})

	p.LogEventsIngested("111111111111", "us-east-1", "/a", 3, 30)
	p.LogEventsIngested("111111111111", "us-east-1", "/b", 1, 5)
	p.LogEventsIngested("111111111111", "us-east-1", "/b", 0, 0) // nothing stored, nothing counted
	p.LogEventsIngested("222222222222", "eu-west-1", "/a", 2, 7)
	now = now.Add(time.Second) // the next minute
	p.LogEventsIngested("111111111111", "us-east-1", "/a", 1, 1)
	p.MessagePublished("arn:aws:sns:us-east-1:111111111111:t", 100)
	p.MessagePublished("arn:aws:sns:us-east-1:111111111111:t", 40)
	p.MessagePublished("not an arn", 1)
	p.NotificationDelivered("arn:aws:sns:us-east-1:111111111111:t")
	p.NotificationFailed("arn:aws:sns:us-east-1:111111111111:t")
	p.NotificationFailed("arn:aws:sns:us-east-1:111111111111:t")

	st.failing = true
	if err := p.Flush(ctx); err == nil || !strings.Contains(err.Error(), "database is down") {
		t.Fatalf("Flush while the store fails = %v", err)
	}
	// The failed flush kept its counts; more arrive before the next.
	p.LogEventsIngested("111111111111", "us-east-1", "/a", 2, 2)
	st.failing = false
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"111111111111 us-east-1 10:00 IncomingBytes Bytes AWS/Logs n=2 sum=35 min=5 max=30",
		"111111111111 us-east-1 10:00 IncomingBytes LogGroupName=/a Bytes AWS/Logs n=1 sum=30 min=30 max=30",
		"111111111111 us-east-1 10:00 IncomingBytes LogGroupName=/b Bytes AWS/Logs n=1 sum=5 min=5 max=5",
		"111111111111 us-east-1 10:00 IncomingLogEvents LogGroupName=/a None AWS/Logs n=1 sum=3 min=3 max=3",
		"111111111111 us-east-1 10:00 IncomingLogEvents LogGroupName=/b None AWS/Logs n=1 sum=1 min=1 max=1",
		"111111111111 us-east-1 10:00 IncomingLogEvents None AWS/Logs n=2 sum=4 min=1 max=3",
		"111111111111 us-east-1 10:01 IncomingBytes Bytes AWS/Logs n=2 sum=3 min=1 max=2",
		"111111111111 us-east-1 10:01 IncomingBytes LogGroupName=/a Bytes AWS/Logs n=2 sum=3 min=1 max=2",
		"111111111111 us-east-1 10:01 IncomingLogEvents LogGroupName=/a None AWS/Logs n=2 sum=3 min=1 max=2",
		"111111111111 us-east-1 10:01 IncomingLogEvents None AWS/Logs n=2 sum=3 min=1 max=2",
		"111111111111 us-east-1 10:01 NumberOfMessagesPublished TopicName=t Count AWS/SNS n=2 sum=2 min=1 max=1",
		"111111111111 us-east-1 10:01 NumberOfNotificationsDelivered TopicName=t Count AWS/SNS n=1 sum=1 min=1 max=1",
		"111111111111 us-east-1 10:01 NumberOfNotificationsFailed TopicName=t Count AWS/SNS n=2 sum=2 min=1 max=1",
		"111111111111 us-east-1 10:01 PublishSize TopicName=t Bytes AWS/SNS n=2 sum=140 min=40 max=100",
		"222222222222 eu-west-1 10:00 IncomingBytes Bytes AWS/Logs n=1 sum=7 min=7 max=7",
		"222222222222 eu-west-1 10:00 IncomingBytes LogGroupName=/a Bytes AWS/Logs n=1 sum=7 min=7 max=7",
		"222222222222 eu-west-1 10:00 IncomingLogEvents LogGroupName=/a None AWS/Logs n=1 sum=2 min=2 max=2",
		"222222222222 eu-west-1 10:00 IncomingLogEvents None AWS/Logs n=1 sum=2 min=2 max=2",
	}
	if d := cmp.Diff(want, st.take()); d != "" {
		t.Errorf("flushed (-want +got):\n%s", d)
	}
	// Everything was written once: the next flush has nothing.
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := st.take(); len(got) != 0 {
		t.Errorf("second flush wrote %v", got)
	}
}

// TestRunFlushesOnStop: what is counted before the publisher stops is
// written by its last flush.
func TestRunFlushesOnStop(t *testing.T) {
	st := &store{}
	p := vendedmetrics.New(vendedmetrics.Options{Put: st.put, Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	p.NotificationDelivered("arn:aws:sns:us-east-1:111111111111:t")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	if got := st.take(); len(got) != 1 || !strings.Contains(got[0], "NumberOfNotificationsDelivered TopicName=t") {
		t.Errorf("last flush wrote %v", got)
	}
}
