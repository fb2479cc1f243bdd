package cloudwatch

import (
	"context"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/metricmath"
	"github.com/trailwatch/trailwatch/storage"
)

// arithmeticMessage is the result message AWS adds when metric math drops
// points whose value is not a finite number (division by zero and the
// like).
var arithmeticMessage = MessageData{Code: "ArithmeticError",
	Value: "One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)"}

// isInsightsQuery reports whether an Expression is a Metrics Insights
// query (SQL) rather than metric math.
func isInsightsQuery(expr string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(expr)), "SELECT ")
}

// compileMath compiles a request's queries. Invalid expressions are
// ValidationError, the code AWS answers metric math errors with ("Error in
// expression 'query': Invalid syntax", status 400, as grafana/grafana's
// CloudWatch tests quote a GetMetricData response).
func compileMath(qs []metricmath.Query) (*metricmath.Program, error) {
	for _, q := range qs {
		if isInsightsQuery(q.Expression) {
			return nil, validationError("Error in expression '%s': Metrics Insights queries are not supported by this server", q.ID)
		}
	}
	p, err := metricmath.Compile(qs)
	if err != nil {
		return nil, validationError("%s", err.Error())
	}
	return p, nil
}

// statPoint is one period of a MetricStat: its start, the statistic and
// the number of samples behind it.
type statPoint struct {
	t     time.Time
	v     float64
	count float64
}

// statPoints computes a statistic per period from from (the first
// period's start) to end. Without a unit, data of every unit are merged:
// a MetricStat yields a single time series.
func (s *Service) statPoints(ctx context.Context, account, region string, m storage.Metric, period int, stat, unit string, from, end time.Time) ([]statPoint, error) {
	buckets, err := s.metrics.ReadMetric(ctx, account, region, m, from, end)
	if err != nil {
		return nil, err
	}
	if unit == "" {
		for i := range buckets {
			buckets[i].Unit = ""
		}
	}
	var ext storage.ExtendedStatistic
	basicStat := isBasic(stat)
	if !basicStat {
		ext, _ = storage.ParseExtendedStatistic(stat)
	}
	var out []statPoint
	for _, g := range aggregate(buckets, from, period, unit) {
		p := statPoint{t: g.start, count: g.agg.SampleCount}
		if basicStat {
			p.v = basic(stat, g.agg)
		} else if v, ok := ext.Eval(g.agg); ok {
			p.v = v
		} else {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// toMathSeries turns computed points into a metricmath series.
func toMathSeries(ts []time.Time, vs []float64, period int) metricmath.Series {
	s := metricmath.Series{Period: int64(period), Timestamps: make([]int64, len(ts)), Values: vs}
	for i, t := range ts {
		s.Timestamps[i] = t.Unix()
	}
	return s
}

func fromUnix(ts []int64) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = time.Unix(t, 0).UTC()
	}
	return out
}
