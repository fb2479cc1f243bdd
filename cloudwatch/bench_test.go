package cloudwatch_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/internal/testserver"
	"github.com/trailwatch/trailwatch/storage/storagetest"
)

// benchBatch is the size of one PutMetricData call: AWS's maximum, which
// agents that buffer fill.
const benchBatch = 1000

// BenchmarkPutMetricData sends batches of 1,000 datums through the
// aws-sdk-go-v2 CloudWatch client (Smithy RPC v2 CBOR, request compression
// on, as the client ships) from several concurrent clients to an
// in-process server over HTTP, on each backend. Each client publishes 100
// metrics for 10 instances of its own, so batches merge into buckets that
// already hold data, as an agent's do. datapoints/s is the figure the
// issue asks for; cpu-µs/datapoint (client and server together, one
// process) is steadier on a shared machine.
//
// The uncompressed sub-benchmarks set the client's DisableRequestCompression
// (AWS_DISABLE_REQUEST_COMPRESSION): the client's gzip of each batch takes
// about a fifth of the process's CPU, which on this machine the server
// competes for, though a real client runs elsewhere.
func BenchmarkPutMetricData(b *testing.B) {
	for _, compress := range []bool{true, false} {
		suffix := ""
		if !compress {
			suffix = "/uncompressed"
		}
		b.Run("sqlite"+suffix, func(b *testing.B) { benchmarkPutMetricData(b, testserver.Start(b), compress) })
		b.Run("postgres"+suffix, func(b *testing.B) {
			benchmarkPutMetricData(b, testserver.Start(b, testserver.WithBackend(testenv.Postgres(b))), compress)
		})
	}
}

func benchmarkPutMetricData(b *testing.B, s *testserver.Server, compress bool) {
	cfg := s.RootConfig()
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = 64
	})
	cw := awscw.NewFromConfig(cfg, func(o *awscw.Options) { o.DisableRequestCompression = !compress })
	var clients atomic.Int64
	b.SetParallelism(4) // 8 clients on 2 cores: enough in flight to batch commits
	b.ResetTimer()
	start := time.Now()
	cpu0, cpuOK := storagetest.ProcessCPU()
	b.RunParallel(func(pb *testing.PB) {
		id := clients.Add(1)
		in := &awscw.PutMetricDataInput{Namespace: aws.String("Bench"), MetricData: make([]types.MetricDatum, benchBatch)}
		for i := range in.MetricData {
			in.MetricData[i] = types.MetricDatum{
				MetricName: aws.String(fmt.Sprintf("Metric%03d", i%100)),
				Dimensions: []types.Dimension{
					{Name: aws.String("Client"), Value: aws.String(fmt.Sprint("client-", id))},
					{Name: aws.String("InstanceId"), Value: aws.String(fmt.Sprintf("i-%016x", i/100))},
				},
				Unit: types.StandardUnitMilliseconds,
			}
		}
		n := 0
		for pb.Next() {
			now := time.Now()
			for i := range in.MetricData {
				in.MetricData[i].Timestamp = aws.Time(now)
				in.MetricData[i].Value = aws.Float64(float64((n*benchBatch + i) % 977))
			}
			n++
			if _, err := cw.PutMetricData(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	points := float64(b.N * benchBatch)
	b.ReportMetric(points/elapsed.Seconds(), "datapoints/s")
	if cpu1, _ := storagetest.ProcessCPU(); cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/points, "cpu-µs/datapoint")
	}
}
