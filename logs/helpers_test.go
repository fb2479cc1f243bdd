package logs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/logs"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
)

const (
	accountA = "111122223333"
	accountB = "444455556666"
	east     = "us-east-1"
	west     = "us-west-2"
)

// base is the service clock's start; test events sit around it.
var base = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// baseMillis is base in epoch milliseconds.
var baseMillis = base.UnixMilli()

// MustOpenLogs opens a fresh SQLite store in a temporary directory.
func MustOpenLogs(tb testing.TB) storage.Logs {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "trailwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db.Logs()
}

// fixture is a service over a fresh store, with a settable clock.
type fixture struct {
	store storage.Logs
	svc   *logs.Service
	api   *awsapi.Service

	mu  sync.Mutex
	now time.Time
}

// newFixture returns a service whose clock reads base until moved.
func newFixture(tb testing.TB, opts ...func(*logs.Options)) *fixture {
	tb.Helper()
	f := &fixture{store: MustOpenLogs(tb), now: base}
	o := logs.Options{Logs: f.store, Now: f.clock}
	for _, fn := range opts {
		fn(&o)
	}
	f.svc = logs.New(o)
	f.api = f.svc.API()
	return f
}

// with returns another fixture over the same store and clock, its service
// configured by opts.
func (f *fixture) with(opts ...func(*logs.Options)) *fixture {
	o := logs.Options{Logs: f.store, Now: f.clock}
	for _, fn := range opts {
		fn(&o)
	}
	svc := logs.New(o)
	return &fixture{store: f.store, svc: svc, api: svc.API(), now: f.now}
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// advance moves the clock forward.
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// caller is the root user of account in region.
func caller(account, region string) *trailwatch.Caller {
	return &trailwatch.Caller{AccountID: account, Type: trailwatch.PrincipalRoot, PrincipalID: account,
		ARN: trailwatch.RootARN(account), AccessKeyID: "AKIAROOT" + account[:4], Region: region}
}

// rootA is account A's root in us-east-1, the caller most tests use.
var rootA = caller(accountA, east)

// do runs an operation as the front door does: validation against the
// shape's constraints first, then the handler.
func do[O any](f *fixture, c *trailwatch.Caller, op string, in any) (*O, error) {
	o, ok := f.api.Operations[op]
	if !ok {
		panic("no operation " + op)
	}
	if err := awsapi.Validate(in); err != nil {
		var v *awsapi.ValidationError
		if errors.As(err, &v) {
			return nil, v.AWSError(f.api.ValidationCode)
		}
		return nil, err
	}
	ctx := trailwatch.NewContextWithCaller(context.Background(), c)
	out, err := o.Call(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.(*O), nil
}

// must is do that fails the test on error.
func must[O any](tb testing.TB, f *fixture, c *trailwatch.Caller, op string, in any) *O {
	tb.Helper()
	out, err := do[O](f, c, op, in)
	if err != nil {
		tb.Fatalf("%s: %v", op, err)
	}
	return out
}

// wantError checks that err is the AWS error code with message msg ("" =
// any message).
func wantError(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	e := awserr.As(err)
	if e == nil {
		tb.Fatalf("got %v, want %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		tb.Fatalf("got %s: %q\nwant %s: %q", e.Code, e.Message, code, msg)
	}
	if e.HTTPStatus() != 400 {
		tb.Errorf("%s has status %d, want 400", e.Code, e.HTTPStatus())
	}
}

// MustGroup creates a log group for c.
func MustGroup(tb testing.TB, f *fixture, c *trailwatch.Caller, name string) {
	tb.Helper()
	must[logs.CreateLogGroupOutput](tb, f, c, "CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: name})
}

// MustStream creates a log group's stream for c.
func MustStream(tb testing.TB, f *fixture, c *trailwatch.Caller, group, stream string) {
	tb.Helper()
	must[logs.CreateLogStreamOutput](tb, f, c, "CreateLogStream", &logs.CreateLogStreamInput{LogGroupName: group, LogStreamName: stream})
}

// ev is an input event at base+offset ms.
func ev(offsetMillis int64, msg string) logs.InputLogEvent {
	ts := baseMillis + offsetMillis
	return logs.InputLogEvent{Timestamp: &ts, Message: &msg}
}

// MustPut stores events and fails if any were rejected.
func MustPut(tb testing.TB, f *fixture, c *trailwatch.Caller, group, stream string, events ...logs.InputLogEvent) {
	tb.Helper()
	out := must[logs.PutLogEventsOutput](tb, f, c, "PutLogEvents", &logs.PutLogEventsInput{LogGroupName: group, LogStreamName: stream, LogEvents: events})
	if out.RejectedLogEventsInfo != nil {
		tb.Fatalf("PutLogEvents rejected events: %+v", *out.RejectedLogEventsInfo)
	}
}

// MustPutN stores n events "msg-<i>" one millisecond apart from start, in
// batches of at most 10,000.
func MustPutN(tb testing.TB, f *fixture, c *trailwatch.Caller, group, stream string, start int64, n int) {
	tb.Helper()
	for i := 0; i < n; i += 10000 {
		var batch []logs.InputLogEvent
		for j := i; j < min(n, i+10000); j++ {
			batch = append(batch, ev(start+int64(j), fmt.Sprintf("msg-%d", j)))
		}
		MustPut(tb, f, c, group, stream, batch...)
	}
}

func ptr[T any](v T) *T { return &v }
