package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func metricsTestConfig(t *testing.T, m *MetricsConfig) *Config {
	c := &Config{
		StateDir:     filepath.Join(t.TempDir(), "state"),
		PollInterval: Duration(50 * time.Millisecond),
		RetryMax:     Duration(300 * time.Millisecond),
		Metrics:      m,
	}
	if err := c.setDefaults(); err != nil {
		t.Fatal(err)
	}
	return c
}

func listMetrics(t *testing.T, c *cloudwatch.Client, in *cloudwatch.ListMetricsInput) []types.Metric {
	t.Helper()
	var out []types.Metric
	p := cloudwatch.NewListMetricsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Metrics...)
	}
	return out
}

func dims(m types.Metric) string {
	var s []string
	for _, d := range m.Dimensions {
		s = append(s, *d.Name+"="+*d.Value)
	}
	slices.Sort(s) // CloudWatch lists dimensions sorted by name
	return strings.Join(s, ",")
}

// TestHostMetricsArrive runs the agent on this host's /proc and reads
// its metrics back as a CloudWatch user would.
func TestHostMetricsArrive(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no procfs")
	}
	srv := testserver.Start(t)
	cw := cloudwatch.NewFromConfig(srv.RootConfig())
	cfg := metricsTestConfig(t, &MetricsConfig{Interval: Duration(time.Second), Host: "db-host-1", DiskPaths: []string{"/"}})
	a, err := New(cfg, nil, cw, nil)
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)

	// Two collections: the second has CPU and network rates.
	deadline := time.Now().Add(30 * time.Second)
	var got []types.Metric
	for {
		got = listMetrics(t, cw, &cloudwatch.ListMetricsInput{Namespace: aws.String("CWAgent")})
		names := map[string]bool{}
		for _, m := range got {
			names[*m.MetricName] = true
		}
		if names["cpu_usage_idle"] && names["mem_used_percent"] && names["disk_used_percent"] && names["swap_used_percent"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics so far: %d", len(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := map[string]bool{
		"cpu_usage_idle cpu=cpu-total,host=db-host-1": false,
		"cpu_usage_user cpu=cpu-total,host=db-host-1": false,
		"mem_used_percent host=db-host-1":             false,
		"mem_available host=db-host-1":                false,
		"swap_used_percent host=db-host-1":            false,
	}
	for _, m := range got {
		k := *m.MetricName + " " + dims(m)
		if _, ok := want[k]; ok {
			want[k] = true
		}
		if *m.MetricName == "disk_used_percent" {
			d := dims(m)
			if !strings.HasPrefix(d, "device=") || !strings.Contains(d, ",fstype=") || !strings.HasSuffix(d, ",host=db-host-1,path=/") {
				t.Errorf("disk_used_percent dimensions %s", d)
			}
		}
		if strings.HasPrefix(*m.MetricName, "net_") && strings.Contains(dims(m), "interface=lo") {
			t.Errorf("loopback reported: %s", dims(m))
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("%s not listed", k)
		}
	}

	now := time.Now()
	st, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("CWAgent"), MetricName: aws.String("mem_used_percent"),
		Dimensions: []types.Dimension{{Name: aws.String("host"), Value: aws.String("db-host-1")}},
		StartTime:  aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)),
		Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticAverage, types.StatisticSampleCount},
	})
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, p := range st.Datapoints {
		if p.Unit != types.StandardUnitPercent || *p.Average <= 0 || *p.Average > 100 {
			t.Fatalf("datapoint %+v", p)
		}
		n += *p.SampleCount
	}
	if n < 1 {
		t.Fatalf("no samples: %+v", st.Datapoints)
	}
	if a.Stats.MetricsSent.Load() == 0 {
		t.Fatal("MetricsSent is 0")
	}
}

// TestHostMetricsBatches gives the agent a procfs with 150 interfaces:
// 1,200 network data a collection, more than one PutMetricData may carry,
// so they must go in two calls (the server refuses 1,001).
func TestHostMetricsBatches(t *testing.T) {
	proc := t.TempDir()
	write := func(name, body string) {
		os.MkdirAll(filepath.Dir(filepath.Join(proc, name)), 0o755)
		if err := os.WriteFile(filepath.Join(proc, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stat", "cpu  100 0 50 800 0 0 0 0 0 0\n")
	write("meminfo", "MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 600 kB\n")
	write("mounts", "")
	var dev strings.Builder
	dev.WriteString("Inter-|   Receive\n face |bytes\n")
	for i := range 150 {
		fmt.Fprintf(&dev, "veth%d: %d 10 0 0 0 0 0 0 %d 5 0 0 0 0 0 0\n", i, 1000*(i+1), 500*(i+1))
	}
	write("net/dev", dev.String())

	srv := testserver.Start(t)
	cw := cloudwatch.NewFromConfig(srv.RootConfig())
	cfg := metricsTestConfig(t, &MetricsConfig{Interval: Duration(time.Second), Host: "h", ProcRoot: proc, Namespace: "Batch"})
	a, err := New(cfg, nil, cw, nil)
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := listMetrics(t, cw, &cloudwatch.ListMetricsInput{Namespace: aws.String("Batch"), MetricName: aws.String("net_bytes_recv")})
		if len(got) == 150 && a.Stats.MetricsSent.Load() >= 1200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d interfaces listed, %d data sent", len(got), a.Stats.MetricsSent.Load())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestHostMetricsRetry takes the endpoint away for a few collections:
// what was collected meanwhile is sent once it is back.
func TestHostMetricsRetry(t *testing.T) {
	srv := testserver.Start(t)
	proxy, proxyURL := startProxy(t, srv.URL)
	proxy.down.Store(true)
	agentCfg := srv.RootConfig()
	agentCfg.BaseEndpoint = aws.String(proxyURL)
	agentCfg.RetryMaxAttempts = 1
	cw := cloudwatch.NewFromConfig(srv.RootConfig())
	start := time.Now()
	cfg := metricsTestConfig(t, &MetricsConfig{Interval: Duration(time.Second), Host: "h", Namespace: "Retry", DiskPaths: []string{"/"}})
	a, err := New(cfg, nil, cloudwatch.NewFromConfig(agentCfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	time.Sleep(3500 * time.Millisecond)
	if a.Stats.MetricsSent.Load() != 0 {
		t.Fatal("sent through a down endpoint")
	}
	proxy.down.Store(false)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("Retry"), MetricName: aws.String("mem_total"),
			Dimensions: []types.Dimension{{Name: aws.String("host"), Value: aws.String("h")}},
			StartTime:  aws.Time(start.Add(-time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
			Period: aws.Int32(3600), Statistics: []types.Statistic{types.StatisticSampleCount},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Three collections at least happened while it was down.
		if len(st.Datapoints) == 1 && *st.Datapoints[0].SampleCount >= 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("datapoints %+v", st.Datapoints)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
