package trailfile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/trailwatch/trailwatch/internal/inflate"
	"github.com/trailwatch/trailwatch/trailfile"
)

// The verification benchmark's archive: TRAILWATCH_VERIFY_BENCH_MB of
// compressed log files (default 64) with their hourly digests, written
// once per process to a temporary directory, as trail delivery lays it out.
var benchArchive struct {
	once  sync.Once
	dir   string
	opts  trailfile.Options
	files []string
	bytes int64
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchArchive.dir != "" {
		os.RemoveAll(benchArchive.dir)
	}
	os.Exit(code)
}

// benchRecord is a management event shaped like AWS's, with the
// per-event randomness (IDs, keys, addresses, times) that decides how well
// real log files compress.
func benchRecord(r *rand.Rand, at time.Time) json.RawMessage {
	id := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
	names := []string{"CreateUser", "PutLogEvents", "DescribeTrails", "GetCallerIdentity", "CreateLogGroup", "ListUsers"}
	user := fmt.Sprintf("user-%d", r.IntN(500))
	return json.RawMessage(fmt.Sprintf(`{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA%016X","arn":"arn:aws:iam::111122223333:user/%s","accountId":"111122223333","accessKeyId":"AKIA%016X","userName":%q},"eventTime":%q,"eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"10.%d.%d.%d","userAgent":"aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off command/iam.create-user","requestParameters":{"userName":"%s-%x"},"responseElements":null,"requestID":"%08x-%04x-%04x-%04x-%012x","eventID":%q,"readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}}`,
		r.Uint64(), user, r.Uint64(), user, trailfile.FormatTime(at), names[r.IntN(len(names))],
		r.IntN(256), r.IntN(256), r.IntN(256), user, r.Uint32(), r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff, id))
}

func buildBenchArchive() error {
	mb := 64
	if s := os.Getenv("TRAILWATCH_VERIFY_BENCH_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return fmt.Errorf("TRAILWATCH_VERIFY_BENCH_MB=%q", s)
		}
		mb = n
	}
	dir, err := os.MkdirTemp("", "trailfile-bench")
	if err != nil {
		return err
	}
	benchArchive.dir = dir
	const bucket, account, region, trail = "bench", "111122223333", "us-east-1", "bench-trail"
	root := filepath.Join(dir, bucket)
	write := func(key string, body []byte, meta map[string]string) error {
		p := filepath.Join(root, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return err
		}
		if meta != nil {
			b, _ := json.Marshal(meta)
			return os.WriteFile(p+trailfile.MetaSuffix, b, 0o644)
		}
		return nil
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	// About 2 MB compressed per file, 20 files an hour.
	const recordsPerFile, filesPerHour = 12000, 20
	var (
		prev  *trailfile.Previous
		total int64
		hour  int
	)
	for total < int64(mb)<<20 {
		ws := start.Add(time.Duration(hour) * time.Hour)
		we := ws.Add(time.Hour)
		d := &trailfile.Digest{AWSAccountID: account, DigestStartTime: trailfile.FormatTime(ws), DigestEndTime: trailfile.FormatTime(we),
			DigestS3Bucket: bucket, DigestS3Object: trailfile.DigestKey("", account, region, trail, region, we)}
		for f := 0; f < filesPerHour && total < int64(mb)<<20; f++ {
			at := ws.Add(time.Duration(f+1) * time.Hour / (filesPerHour + 1))
			recs := make([]json.RawMessage, recordsPerFile)
			for i := range recs {
				recs[i] = benchRecord(r, at)
			}
			gz, raw, err := trailfile.EncodeLogFile(recs)
			if err != nil {
				return err
			}
			key := trailfile.LogFileKey("", account, region, at, trailfile.UniqueSuffix(fmt.Sprint(hour, f)))
			if err := write(key, gz, nil); err != nil {
				return err
			}
			benchArchive.files = append(benchArchive.files, filepath.Join(root, filepath.FromSlash(key)))
			total += int64(len(gz))
			d.LogFiles = append(d.LogFiles, trailfile.LogFileRef{S3Bucket: bucket, S3Object: key, HashValue: sha256hex(raw),
				HashAlgorithm: "SHA-256", NewestEventTime: trailfile.FormatTime(at), OldestEventTime: trailfile.FormatTime(at)})
		}
		d.SetEventTimes()
		d.Chain(prev)
		s, err := trailfile.Sign(d, testKey())
		if err != nil {
			return err
		}
		if err := write(d.DigestS3Object, s.Gz, s.Metadata); err != nil {
			return err
		}
		prev = s.Previous(bucket, d.DigestS3Object)
		hour++
	}
	benchArchive.bytes = total
	a := &archive{key: testKey(), start: start}
	benchArchive.opts = trailfile.Options{Bucket: bucket, AccountID: account, Region: region, HomeRegion: region, TrailName: trail,
		Start: start, End: start.Add(time.Duration(hour) * time.Hour), Keys: []trailfile.PublicKey{a.publicKey()},
		Open: func(b string) (trailfile.Reader, error) { return trailfile.NewDirReader(filepath.Join(dir, b)), nil }}
	return nil
}

func mustBenchArchive(b *testing.B) {
	benchArchive.once.Do(func() { benchArchive.err = buildBenchArchive() })
	if benchArchive.err != nil {
		b.Fatal(benchArchive.err)
	}
}

// BenchmarkVerify measures Verify over the archive; MB/s counts the
// compressed log files, as sha256sum's does in BenchmarkSha256sum.
func BenchmarkVerify(b *testing.B) {
	mustBenchArchive(b)
	b.SetBytes(benchArchive.bytes)
	start := cpuTime()
	for b.Loop() {
		r, err := trailfile.Verify(context.Background(), benchArchive.opts)
		if err != nil {
			b.Fatal(err)
		}
		if !r.OK() {
			b.Fatalf("bench archive invalid: %q", failures(r))
		}
	}
	reportCPU(b, cpuTime()-start, benchArchive.bytes)
}

// BenchmarkSha256sum runs coreutils' sha256sum over the same log files: the
// yardstick (Verify must reach at least half its speed).
func BenchmarkSha256sum(b *testing.B) {
	mustBenchArchive(b)
	if _, err := exec.LookPath("sha256sum"); err != nil {
		b.Skip("no sha256sum")
	}
	b.SetBytes(benchArchive.bytes)
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.Command("sha256sum", benchArchive.files...)
		if out, err := cmd.Output(); err != nil {
			b.Fatalf("sha256sum: %v %s", err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	reportCPU(b, cpu, benchArchive.bytes)
}

// cpuTime is the CPU time the process has used, user and system, on all
// its threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU time per operation, and the bytes per CPU
// second, to a benchmark's figures: on a shared machine they move less
// with what else runs than the wall-clock ones.
func reportCPU(b *testing.B, cpu time.Duration, bytes int64) {
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(bytes)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// BenchmarkInflate inflates the archive's log files (read into memory
// once) with the decoder Verify uses and with klauspost/compress's gzip;
// MB/s counts inflated bytes, and nothing is hashed.
func BenchmarkInflate(b *testing.B) {
	mustBenchArchive(b)
	var files [][]byte
	var size int64
	for _, p := range benchArchive.files {
		gz, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, gz)
		size += int64(binary.LittleEndian.Uint32(gz[len(gz)-4:]))
	}
	b.Run("inflate", func(b *testing.B) {
		d := inflate.NewDecoder()
		b.SetBytes(size)
		start := cpuTime()
		for b.Loop() {
			for _, gz := range files {
				if err := d.GunzipBytes(io.Discard, gz); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportCPU(b, cpuTime()-start, size)
	})
	b.Run("klauspost", func(b *testing.B) {
		var zr kgzip.Reader
		buf := make([]byte, 256<<10)
		b.SetBytes(size)
		start := cpuTime()
		for b.Loop() {
			for _, gz := range files {
				if err := zr.Reset(bytes.NewReader(gz)); err != nil {
					b.Fatal(err)
				}
				zr.Multistream(false)
				if _, err := io.CopyBuffer(io.Discard, &zr, buf); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportCPU(b, cpuTime()-start, size)
	})
}
