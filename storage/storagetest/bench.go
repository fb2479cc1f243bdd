package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// FixtureVersion names the output of FixtureEvent. Change it whenever that
// output changes, so cached benchmark fixtures are rebuilt.
const FixtureVersion = 2

// FixtureSize is how many events the LookupEvents benchmark stores.
const FixtureSize = 1_000_000

// The fixture's shape: a busy small organisation over CloudTrail's 90-day
// LookupEvents window.
var (
	fixtureEnd      = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fixtureSpan     = 90 * 24 * time.Hour
	fixtureAccounts = []string{"111111111111", "222222222222", "333333333333"}
	fixtureRegions  = []string{"us-east-1", "eu-west-1"}
	fixtureCalls    = []struct{ source, name string }{
		{"cloudtrail.amazonaws.com", "LookupEvents"}, {"cloudtrail.amazonaws.com", "DescribeTrails"},
		{"cloudtrail.amazonaws.com", "GetTrailStatus"}, {"cloudtrail.amazonaws.com", "CreateTrail"},
		{"cloudtrail.amazonaws.com", "StopLogging"}, {"iam.amazonaws.com", "GetUser"},
		{"iam.amazonaws.com", "ListUsers"}, {"iam.amazonaws.com", "CreateUser"},
		{"iam.amazonaws.com", "DeleteUser"}, {"iam.amazonaws.com", "CreateAccessKey"},
		{"iam.amazonaws.com", "PutUserPolicy"}, {"iam.amazonaws.com", "ListAccessKeys"},
		{"logs.amazonaws.com", "CreateLogGroup"}, {"logs.amazonaws.com", "DescribeLogGroups"},
		{"logs.amazonaws.com", "DeleteLogGroup"}, {"logs.amazonaws.com", "PutRetentionPolicy"},
		{"monitoring.amazonaws.com", "PutMetricAlarm"}, {"monitoring.amazonaws.com", "DescribeAlarms"},
		{"sts.amazonaws.com", "GetCallerIdentity"}, {"sns.amazonaws.com", "CreateTopic"},
	}
	fixtureResourceTypes = []struct{ service, typ string }{
		{"iam", "AWS::IAM::User"}, {"logs", "AWS::Logs::LogGroup"}, {"cloudtrail", "AWS::CloudTrail::Trail"}, {"sns", "AWS::SNS::Topic"},
	}
)

const (
	fixtureUsers     = 50
	fixtureKeys      = 20
	fixtureResources = 2000
)

// fixtureRand is the random source of fixture event i: the fixture is a pure
// function of i, so a benchmark can rebuild any event to query for it.
func fixtureRand(i int) *rand.Rand { return rand.New(rand.NewPCG(FixtureVersion, uint64(i))) }

// FixtureEvent returns event i of n of the benchmark fixture. Events come
// in time order, spread evenly over 90 days with a little jitter, as a live
// system records them.
func FixtureEvent(i, n int) trailwatch.Event {
	rng := fixtureRand(i)
	account := fixtureAccounts[rng.IntN(len(fixtureAccounts))]
	region := fixtureRegions[rng.IntN(len(fixtureRegions))]
	call := fixtureCalls[rng.IntN(len(fixtureCalls))]
	at := fixtureEnd.Add(-fixtureSpan).Add(time.Duration(int64(fixtureSpan) / int64(n) * int64(i))).
		Add(time.Duration(rng.IntN(120)-60) * time.Second).Truncate(time.Second)
	user := fmt.Sprintf("user%02d", rng.IntN(fixtureUsers))
	readOnly := false
	for _, p := range []string{"Describe", "Get", "List", "Lookup"} {
		readOnly = readOnly || strings.HasPrefix(call.name, p)
	}
	e := trailwatch.Event{
		EventVersion: trailwatch.EventVersion,
		UserIdentity: trailwatch.UserIdentity{
			Type: trailwatch.PrincipalIAMUser, PrincipalID: "AIDA" + account + user, ARN: trailwatch.UserARN(account, "/", user),
			AccountID: account, AccessKeyID: fmt.Sprintf("AKIAFIXTURE%09d", rng.IntN(fixtureKeys)), UserName: user,
		},
		EventTime:       at,
		EventSource:     call.source,
		EventName:       call.name,
		AWSRegion:       region,
		SourceIPAddress: fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(250)),
		UserAgent:       "aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off command/" + call.name,
		RequestParameters: json.RawMessage(fmt.Sprintf(`{"maxResults":50,"name":"resource-%d","includeShadowTrails":true}`,
			rng.IntN(fixtureResources))),
		ResponseElements:   json.RawMessage(`null`),
		RequestID:          fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16),
		EventID:            fixtureEventID(i),
		ReadOnly:           readOnly,
		EventType:          trailwatch.EventTypeAPICall,
		ManagementEvent:    true,
		RecipientAccountID: account,
		EventCategory:      trailwatch.CategoryManagement,
		TLSDetails: &trailwatch.TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
			ClientProvidedHostHeader: "cloudtrail." + region + ".example.internal"},
	}
	if rng.IntN(100) == 0 {
		e.UserIdentity = trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, PrincipalID: account, ARN: trailwatch.RootARN(account),
			AccountID: account, AccessKeyID: "AKIAFIXTUREROOT" + account[:5]}
	}
	for range rng.IntN(3) {
		r := rng.IntN(fixtureResources)
		rt := fixtureResourceTypes[r%len(fixtureResourceTypes)]
		name := fmt.Sprintf("resource-%d", r)
		e.Resources = append(e.Resources, trailwatch.Resource{
			ARN: fmt.Sprintf("arn:aws:%s:%s:%s:%s", rt.service, region, account, name), AccountID: account, Type: rt.typ, Name: name,
		})
	}
	return e
}

func fixtureEventID(i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", FixtureVersion, i)
}

// LoadFixture stores the n events of the benchmark fixture in s, in
// batches of batch events, reporting progress through logf.
func LoadFixture(ctx context.Context, s storage.Events, n, batch int, logf func(format string, args ...any)) error {
	start := time.Now()
	evs := make([]trailwatch.Event, 0, batch)
	for i := 0; i < n; i += batch {
		evs = evs[:0]
		for j := i; j < min(i+batch, n); j++ {
			evs = append(evs, FixtureEvent(j, n))
		}
		if err := s.PutEvents(ctx, evs); err != nil {
			return fmt.Errorf("load fixture events %d-%d: %w", i, i+len(evs)-1, err)
		}
		if done := i + len(evs); n >= 10 && done%(n/10) < batch {
			logf("fixture: %d/%d events stored in %v", done, n, time.Since(start).Round(time.Second))
		}
	}
	return nil
}

// BenchmarkLookupEvents measures LookupEvents with Limit 50 on a store
// holding the FixtureSize events of LoadFixture: one sub-benchmark per
// lookup attribute key and one by time window alone, each reporting the
// p50 and p99 latency of its queries.
func BenchmarkLookupEvents(b *testing.B, s storage.Events) {
	const n = FixtureSize
	ctx := context.Background()
	type query func(rng *rand.Rand) storage.EventQuery
	// base picks a random account and region and, half the time, a
	// random one-week window.
	base := func(rng *rand.Rand) storage.EventQuery {
		q := storage.EventQuery{
			AccountID: fixtureAccounts[rng.IntN(len(fixtureAccounts))],
			Region:    fixtureRegions[rng.IntN(len(fixtureRegions))],
			Limit:     50,
		}
		if rng.IntN(2) == 0 {
			q.Start = fixtureEnd.Add(-time.Duration(rng.Int64N(int64(fixtureSpan))))
			q.End = q.Start.Add(7 * 24 * time.Hour)
		}
		return q
	}
	attr := func(key string, value func(rng *rand.Rand) string) query {
		return func(rng *rand.Rand) storage.EventQuery {
			q := base(rng)
			q.AttributeKey, q.AttributeValue = key, value(rng)
			return q
		}
	}
	kinds := []struct {
		name string
		q    query
	}{
		{"TimeWindow", func(rng *rand.Rand) storage.EventQuery {
			q := base(rng)
			q.Start = fixtureEnd.Add(-time.Duration(rng.Int64N(int64(fixtureSpan))))
			q.End = q.Start.Add(24 * time.Hour)
			return q
		}},
		{trailwatch.AttrEventID, func(rng *rand.Rand) storage.EventQuery {
			e := FixtureEvent(rng.IntN(n), n)
			return storage.EventQuery{AccountID: e.RecipientAccountID, Region: e.AWSRegion, Limit: 50,
				AttributeKey: trailwatch.AttrEventID, AttributeValue: e.EventID}
		}},
		{trailwatch.AttrEventName, attr(trailwatch.AttrEventName, func(rng *rand.Rand) string { return fixtureCalls[rng.IntN(len(fixtureCalls))].name })},
		{trailwatch.AttrReadOnly, attr(trailwatch.AttrReadOnly, func(rng *rand.Rand) string { return []string{"true", "false"}[rng.IntN(2)] })},
		{trailwatch.AttrUsername, attr(trailwatch.AttrUsername, func(rng *rand.Rand) string { return fmt.Sprintf("user%02d", rng.IntN(fixtureUsers)) })},
		{trailwatch.AttrResourceType, attr(trailwatch.AttrResourceType, func(rng *rand.Rand) string {
			return fixtureResourceTypes[rng.IntN(len(fixtureResourceTypes))].typ
		})},
		{trailwatch.AttrResourceName, attr(trailwatch.AttrResourceName, func(rng *rand.Rand) string {
			return fmt.Sprintf("resource-%d", rng.IntN(fixtureResources))
		})},
		{trailwatch.AttrEventSource, attr(trailwatch.AttrEventSource, func(rng *rand.Rand) string { return fixtureCalls[rng.IntN(len(fixtureCalls))].source })},
		{trailwatch.AttrAccessKeyID, attr(trailwatch.AttrAccessKeyID, func(rng *rand.Rand) string { return fmt.Sprintf("AKIAFIXTURE%09d", rng.IntN(fixtureKeys)) })},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(42, 0))
			lat := make([]time.Duration, 0, 1024)
			found := 0
			for b.Loop() {
				q := k.q(rng)
				t0 := time.Now()
				evs, err := s.LookupEvents(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatalf("lookup %+v: %v", q, err)
				}
				found += len(evs)
			}
			if found == 0 {
				b.Fatalf("no query found any event: the fixture or the queries are wrong")
			}
			slices.Sort(lat)
			ms := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(found)/float64(len(lat)), "events/op")
		})
	}
}

// BenchmarkPutEvents measures storing batches of 1, 10, 100 and 10,000
// fixture events into a fresh store from newEvents, one per sub-benchmark:
// events of the 90-day fixture, and "live" events a millisecond apart,
// as a busy front door records them.
func BenchmarkPutEvents(b *testing.B, newEvents func(b *testing.B) storage.Events) {
	for _, live := range []bool{false, true} {
		for _, batch := range []int{1, 10, 100, 10_000} {
			name := fmt.Sprint("batch=", batch)
			if live {
				name = fmt.Sprint("live/batch=", batch)
			}
			b.Run(name, func(b *testing.B) { benchmarkPutEvents(b, newEvents(b), batch, live) })
		}
	}
}

func benchmarkPutEvents(b *testing.B, s storage.Events, batch int, live bool) {
	n := FixtureSize
	if live {
		n = int(fixtureSpan / time.Millisecond)
	}
	evs := make([]trailwatch.Event, batch)
	i := 0
	cpu0, cpuOK := ProcessCPU()
	for b.Loop() {
		b.StopTimer()
		for j := range evs {
			evs[j] = FixtureEvent(i*batch+j, n)
		}
		b.StartTimer()
		if err := s.PutEvents(context.Background(), evs); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(batch*i)/b.Elapsed().Seconds(), "events/s")
	if cpu1, _ := ProcessCPU(); cpuOK {
		// Includes building the events, which the timer leaves out.
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(batch*i), "cpu-µs/event")
	}
}
