package frontdoor

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trailwatch/trailwatch/internal/awsapi"
)

// BenchmarkRequestMetrics is what counting costs a request: the
// front door calls observe once per response.
func BenchmarkRequestMetrics(b *testing.B) {
	type in struct{}
	svc := awsapi.NewService(awsapi.Service{SigningName: "sts"}, awsapi.Op(awsapi.Def[in, in]{Name: "GetCallerIdentity",
		Handle: func(context.Context, *in) (*in, error) { return nil, nil }}))
	m := newRequestMetrics(prometheus.NewRegistry(), []*awsapi.Service{svc})
	c := &call{rt: route{svc: svc, opName: "GetCallerIdentity"}, op: svc.Operations["GetCallerIdentity"]}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observe(c, 200, 300*time.Microsecond)
		}
	})
}
