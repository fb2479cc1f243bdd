package alarm

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// series turns "1 5 - 7" into one datapoint a minute from t0, "-" missing;
// "5/3" is value 5 from 3 samples (default 10).
func series(t *testing.T, s string) []Datapoint {
	t.Helper()
	var out []Datapoint
	for i, f := range strings.Fields(s) {
		if f == "-" {
			continue
		}
		v, n, _ := strings.Cut(f, "/")
		val, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("bad value %q", f)
		}
		count := 10.0
		if n != "" {
			if count, err = strconv.ParseFloat(n, 64); err != nil {
				t.Fatalf("bad count %q", f)
			}
		}
		out = append(out, Datapoint{Timestamp: t0.Add(time.Duration(i) * time.Minute), Value: val, SampleCount: count})
	}
	return out
}

// at is the evaluation time whose newest period is the i-th minute.
func at(i int) time.Time {
	return t0.Add(time.Duration(i+1)*time.Minute + 30*time.Second)
}

func metricDef(n, m int32, op string, thr float64, missing string) *Definition {
	return &Definition{
		Name: "errors", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors",
		ActionsEnabled:          true,
		OKActions:               []string{"arn:aws:sns:us-east-1:123456789012:ok"},
		AlarmActions:            []string{"arn:aws:sns:us-east-1:123456789012:alarm"},
		InsufficientDataActions: []string{"arn:aws:sns:us-east-1:123456789012:insufficient"},
		Namespace:               "Trailwatch/Audit", MetricName: "FailedConnects", Statistic: "Sum",
		Period: 60, EvaluationPeriods: n, DatapointsToAlarm: m,
		ComparisonOperator: op, Threshold: thr, TreatMissingData: missing,
	}
}
