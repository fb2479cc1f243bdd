package frontdoor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

const gciBody = "Action=GetCallerIdentity&Version=2011-06-15"

// signedGCI returns the headers of one signed GetCallerIdentity request for
// url. A SigV4 signature stays valid for the 15-minute window, so the
// benchmarks replay the same bytes and measure only the server.
func signedGCI(b *testing.B, url, key, secret string) http.Header {
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(gciBody))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(gciBody))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "sts", testserver.Region, time.Now()); err != nil {
		b.Fatal(err)
	}
	return req.Header
}

// hammer sends the request from many goroutines over keep-alive
// connections and reports requests per second.
func hammer(b *testing.B, url string, hdr http.Header) {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	b.SetParallelism(16) // enough callers in flight for group commit to batch
	b.ResetTimer()
	start := time.Now()
	cpu0, cpuOK := storagetest.ProcessCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url+"/", strings.NewReader(gciBody))
			req.Header = hdr.Clone()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// CPU time per request, of client and server together (one process):
	// on a busy machine the rates drift with other load, this far less.
	if cpu1, _ := storagetest.ProcessCPU(); cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/req")
	}
}

// reportBatching reads the server's counters of recorded events and of
// storage commits of them now, and returns a function that reports the
// events per commit since: how well group commit gathered the calls,
// which decides most of what recording a call costs.
func reportBatching(b *testing.B, url string) func() {
	read := func() (events, commits float64) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(body), "\n") {
			name, value, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			switch name {
			case "trailwatch_recorded_events_total":
				events, _ = strconv.ParseFloat(value, 64)
			case `trailwatch_storage_write_duration_seconds_count{operation="PutEvents"}`:
				commits, _ = strconv.ParseFloat(value, 64)
			}
		}
		return events, commits
	}
	e0, c0 := read()
	return func() {
		e1, c1 := read()
		if c1 > c0 {
			b.ReportMetric((e1-e0)/(c1-c0), "events/commit")
		}
	}
}

// BenchmarkFrontDoor pits an authenticated, authorised, recorded
// GetCallerIdentity through the whole server against a bare net/http
// handler returning the same bytes, on each backend. Compare the req/s of
// the sub-benchmarks (the target is at least half of bare).
func BenchmarkFrontDoor(b *testing.B) {
	s := testserver.Start(b)
	hdr := signedGCI(b, s.URL, s.Root.AccessKeyID, s.Root.SecretAccessKey)

	// Capture the exact response once, for the bare handler to repeat.
	req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader(gciBody))
	req.Header = hdr.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GetCallerIdentity: %d %s", resp.StatusCode, body)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.Write(body)
	}))
	defer bare.Close()

	b.Run("bare", func(b *testing.B) { hammer(b, bare.URL, hdr) })
	b.Run("trailwatch-sqlite", func(b *testing.B) {
		defer reportBatching(b, s.URL)()
		hammer(b, s.URL, hdr)
	})
	b.Run("trailwatch-postgres", func(b *testing.B) {
		pg := testserver.Start(b, testserver.WithBackend(testenv.Postgres(b)))
		defer reportBatching(b, pg.URL)()
		hammer(b, pg.URL, signedGCI(b, pg.URL, pg.Root.AccessKeyID, pg.Root.SecretAccessKey))
	})
}
