package agent

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// BenchmarkParseAndShip measures the bar: parse-and-ship audit
// lines on one core with the server on the same machine. The agent runs
// in this process with GOMAXPROCS=1; the server is a spawned `trailwatch
// server`, so its CPU is not counted. Each source file holds the real
// captured samples of auditlog/testdata repeated to benchLines records,
// and the clock stops when PutLogEvents has accepted every one of them.
//
// Reported: lines/s (wall clock), lines/cpu-s (records over the CPU
// seconds this process spent meanwhile: lines per second of one agent
// core, whatever the server took) and MB-maxrss (the process's peak
// resident memory). A PostgreSQL record that spans lines counts once.
func BenchmarkParseAndShip(b *testing.B) {
	for _, s := range []struct{ name, format, sample string }{
		{"mariadb", FormatMariaDB, "mariadb_server_audit.log"},
		{"postgres-stderr", FormatPostgresStderr, "postgres_pgaudit_stderr.log"},
		{"postgres-csv", FormatPostgresCSV, "postgres_pgaudit_csvlog.csv"},
		{"postgres-json", FormatPostgresJSON, "postgres_pgaudit_jsonlog.json"},
	} {
		b.Run(s.name, func(b *testing.B) { benchParseAndShip(b, s.format, s.sample) })
	}
}

// benchLines is how many records one benchmark iteration ships.
const benchLines = 100000

func benchParseAndShip(b *testing.B, format, sample string) {
	srv := startServerProcess(b)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ReportAllocs()
	var wall, cpu time.Duration
	records := 0
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		logPath := filepath.Join(dir, "audit.log")
		n := writeSampleCopies(b, logPath, format, sample)
		cfg := &Config{
			StateDir: filepath.Join(dir, "state"),
			Sources:  []Source{{Path: logPath, Format: format, Name: filepath.Base(dir), LogLinePrefix: "%m [%p] %q%u@%d %r %a "}},
		}
		if err := cfg.setDefaults(); err != nil {
			b.Fatal(err)
		}
		a, err := New(cfg, srv.client, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		runtime.GC()
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		go func() { done <- a.Run(ctx) }()
		for a.Stats.Shipped.Load()+a.Stats.Rejected.Load() < int64(n) {
			time.Sleep(time.Millisecond)
		}
		wall += time.Since(start)
		cpu += processCPU() - cpu0
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if r, u := a.Stats.Rejected.Load(), a.Stats.Unparsed.Load(); r != 0 || u != 0 || a.Stats.Records.Load() != int64(n) {
			b.Fatalf("records %d of %d, rejected %d, unparsed %d", a.Stats.Records.Load(), n, r, u)
		}
		records += n
		b.StartTimer()
	}
	b.ReportMetric(float64(records)/wall.Seconds(), "lines/s")
	b.ReportMetric(float64(records)/cpu.Seconds(), "lines/cpu-s")
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Maxrss)/1024, "MB-maxrss")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleDate is the day the samples were captured; writeSampleCopies
// moves their records to yesterday, so that PutLogEvents, which refuses
// events more than 14 days old or 2 hours ahead, accepts them all.
const sampleDate = "2026-11-21"

// writeSampleCopies writes the sample of auditlog/testdata to path as many
// times as it takes to hold benchLines records, and returns the number of
// records written.
func writeSampleCopies(tb testing.TB, path, format, sample string) int {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "auditlog", "testdata", sample))
	if err != nil {
		tb.Fatal(err)
	}
	day := time.Now().UTC().AddDate(0, 0, -1)
	s := strings.NewReplacer(sampleDate, day.Format("2006-01-02"), strings.ReplaceAll(sampleDate, "-", ""), day.Format("20060102")).Replace(string(data))
	// Count the records of one copy as the agent frames them.
	src := &Source{Format: format, LogLinePrefix: "%m [%p] %q%u@%d %r %a "}
	p, err := newParser(src)
	if err != nil {
		tb.Fatal(err)
	}
	a := &Agent{cfg: &Config{}, logf: func(string, ...any) {}}
	a.frame(src, p, &fileState{}, []byte(s), true, true, true, func(int64, []byte, int) {})
	recs := int(a.Stats.Records.Load())
	if int(a.Stats.Unparsed.Load()) != 0 {
		tb.Fatalf("%s: %d records do not parse", sample, a.Stats.Unparsed.Load())
	}
	copies := (benchLines + recs - 1) / recs
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for range copies {
		w.WriteString(s)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return copies * recs
}

// serverProcess is a spawned `trailwatch server` and a client of it.
type serverProcess struct {
	client *cwl.Client
}

var (
	buildOnce   sync.Once
	builtBinary string
	buildErr    error
)

var listenLine = regexp.MustCompile(`trailwatch listening on (https?://\S+)`)

// startServerProcess builds the trailwatch binary (once per test binary)
// and spawns its server on a free loopback port until the benchmark ends.
func startServerProcess(tb testing.TB) *serverProcess {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trailwatch-agentbench")
		if err != nil {
			buildErr = err
			return
		}
		builtBinary = filepath.Join(dir, "trailwatch")
		out, err := exec.Command("go", "build", "-o", builtBinary, "../cmd/trailwatch").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build trailwatch: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	const key, secret = "AKIAAGENTBENCHROOT01", "agentBenchRootSecretKey0123456789abcdefg"
	cmd := exec.Command(builtBinary, "server", "--listen", "127.0.0.1:0", "--data-dir", tb.TempDir())
	cmd.Env = append(os.Environ(), "TRAILWATCH_ROOT_ACCESS_KEY_ID="+key, "TRAILWATCH_ROOT_SECRET_ACCESS_KEY="+secret)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-urlc:
	case <-time.After(60 * time.Second):
		tb.Fatal("trailwatch server did not start in 60s")
	}
	return &serverProcess{client: cwl.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(url),
	})}
}
