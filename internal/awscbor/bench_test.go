package awscbor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/awscbor"
)

// BenchmarkDecode decodes a 1,000-datum PutMetricData-like body with
// Decode and with the map-based decoder it replaced.
func BenchmarkDecode(b *testing.B) {
	in := input{Namespace: "Bench"}
	now := time.Now().Truncate(time.Millisecond)
	for i := range 1000 {
		v := float64(i)
		in.MetricData = append(in.MetricData, datum{MetricName: fmt.Sprintf("Metric%03d", i%100),
			Dimensions: []dim{{"Client", "client-1"}, {"InstanceId", fmt.Sprintf("i-%016x", i/100)}}, Timestamp: now, Value: &v})
	}
	body, err := awscbor.Marshal(&in)
	if err != nil {
		b.Fatal(err)
	}
	for _, dec := range []struct {
		name string
		fn   func([]byte, any) error
	}{{"Decode", awscbor.Decode}, {"reference", awscbor.DecodeReference}} {
		b.Run(dec.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var out input
				if err := dec.fn(body, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000/1000, "µs/datum")
		})
	}
}
