package agent

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// BenchmarkParseAndShip measures the whole path, from lines in a
// server_audit file to events PutLogEvents accepted by a trailwatch server
// on the same machine, and reports lines/s. Run with -cpu 1 for the
// one-core figure (the server shares the core).
func BenchmarkParseAndShip(b *testing.B) {
	srv := testserver.Start(b)
	client := cwl.NewFromConfig(srv.RootConfig())
	const lines = 100000
	b.ReportAllocs()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		logPath := filepath.Join(dir, "server_audit.log")
		appendLines(b, logPath, 0, lines)
		cfg := testConfig(dir, logPath)
		cfg.Sources[0].Name = filepath.Base(dir)
		cfg.Sources[0].LogGroup = ""
		cfg.setDefaults()
		a, err := New(cfg, client, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- a.Run(ctx) }()
		for a.Stats.Shipped.Load() < lines {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(lines*b.N)/total.Seconds(), "lines/s")
}
