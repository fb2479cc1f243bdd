package metricmath_test

import (
	"errors"
	"testing"

	"github.com/trailwatch/trailwatch/metricmath"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		exprs []string // e1, e2, … in order
		want  string
	}{
		{[]string{"m1 +"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"m1 m2"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"(m1"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"[m1, m2"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"SUM(m1,)"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"m1 % 2"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"METRICS(\"x)"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"M1 + 1"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"m1 + REPEAT"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"\"a\" + m1"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"m1", "m1 ++ 2"}, "Error in expression 'e2': Invalid syntax"},
		{[]string{"avg(m1)"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"FOO(m1)"}, "Error in expression 'e1': Function 'FOO' not found"},
		{[]string{"ANOMALY_DETECTOR(m1)"}, "Error in expression 'e1': Function 'ANOMALY_DETECTOR' not found"},
		{[]string{"SEARCH('{AWS/EC2,InstanceId} MetricName=\"CPUUtilization\"', 'Average', 300)"}, "Error in expression 'e1': Invalid syntax"},
		{[]string{"SEARCH(\"{AWS/EC2} CPUUtilization\", \"Average\", 300)"}, "Error in expression 'e1': Function 'SEARCH' is not supported by this server"},
		{[]string{"ANOMALY_DETECTION_BAND(m1, 2)"}, "Error in expression 'e1': Function 'ANOMALY_DETECTION_BAND' is not supported by this server"},
		{[]string{"m1 + m9"}, "Error in expression 'e1': Unrecognized metric or expression id 'm9'"},
		{[]string{"e2 + 1", "e1 * 2"}, "Error in expression 'e1': Circular reference: e1 -> e2 -> e1"},
		{[]string{"e1 + 1"}, "Error in expression 'e1': Circular reference: e1 -> e1"},
		{[]string{"m1", "e3", "e2"}, "Error in expression 'e2': Circular reference: e2 -> e3 -> e2"},
		{[]string{"AVG(m1)"}, "Error in expression 'e1': The expression must return a time series or an array of time series"},
		{[]string{"1 + 2"}, "Error in expression 'e1': The expression must return a time series or an array of time series"},
		{[]string{"METRICS() + METRICS()"}, "Error in expression 'e1': Operator '+' cannot combine two arrays of time series"},
		{[]string{"ABS(2)"}, "Error in expression 'e1': Invalid arguments for function 'ABS'"},
		{[]string{"ABS(m1, m2)"}, "Error in expression 'e1': Invalid arguments for function 'ABS'"},
		{[]string{"METRICS(m1)"}, "Error in expression 'e1': Invalid arguments for function 'METRICS'"},
		{[]string{"FILL(m1)"}, "Error in expression 'e1': Invalid arguments for function 'FILL'"},
		{[]string{"FILL(m1, ZERO)"}, "Error in expression 'e1': Invalid arguments for function 'FILL'"},
		{[]string{"FIRST(m1)"}, "Error in expression 'e1': Invalid arguments for function 'FIRST'"},
		{[]string{"m1 * 0 + METRIC_COUNT(m1)"}, "Error in expression 'e1': Invalid arguments for function 'METRIC_COUNT'"},
		{[]string{"m1", "m1 / PERIOD(e1)"}, "Error in expression 'e2': Invalid arguments for function 'PERIOD'"},
		{[]string{"TIME_SERIES(m1)"}, "Error in expression 'e1': Invalid arguments for function 'TIME_SERIES'"},
		{[]string{"MINUTE(METRICS())"}, "Error in expression 'e1': Invalid arguments for function 'MINUTE'"},
		{[]string{"IF(METRICS(), m1)"}, "Error in expression 'e1': Invalid arguments for function 'IF'"},
		{[]string{"IF(1, 2, 3)"}, "Error in expression 'e1': Invalid arguments for function 'IF'"},
		{[]string{"SORT(METRICS(), STDDEV, ASC)"}, "Error in expression 'e1': Invalid arguments for function 'SORT'"},
		{[]string{"SORT(METRICS(), AVG, UP)"}, "Error in expression 'e1': Invalid arguments for function 'SORT'"},
		{[]string{"SLICE(METRICS(), m1)"}, "Error in expression 'e1': Invalid arguments for function 'SLICE'"},
		{[]string{"[m1, 2]"}, "Error in expression 'e1': An array can only hold time series"},
	}
	for _, c := range cases {
		qs := []metricmath.Query{{ID: "m1", Period: 60}, {ID: "m2", Period: 60}}
		for i, e := range c.exprs {
			qs = append(qs, metricmath.Query{ID: "e" + string(rune('1'+i)), Expression: e})
		}
		_, err := metricmath.Compile(qs)
		var me *metricmath.Error
		if !errors.As(err, &me) || err.Error() != c.want {
			t.Errorf("%q: err = %v, want %s", c.exprs, err, c.want)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	deep := ""
	for range 1000 {
		deep += "("
	}
	_, err := metricmath.Compile([]metricmath.Query{{ID: "m1"}, {ID: "e1", Expression: deep + "m1"}})
	if err == nil || err.Error() != "Error in expression 'e1': Invalid syntax" {
		t.Errorf("err = %v", err)
	}
}
