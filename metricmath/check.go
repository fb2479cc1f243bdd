package metricmath

import "fmt"

// Functions AWS has that trailwatch does not evaluate: they need data
// trailwatch does not hold (anomaly models, Contributor Insights rules,
// service quotas, Performance Insights, Lambda) or search the metric
// catalogue (SEARCH). They are refused like an unknown function, with a
// message that says why.
var unsupported = map[string]bool{
	"ANOMALY_DETECTION_BAND": true, "SEARCH": true, "INSIGHT_RULE_METRIC": true,
	"SERVICE_QUOTA": true, "DB_PERF_INSIGHTS": true, "LAMBDA": true,
}

// sortStats are the functions SORT orders by.
var sortStats = map[string]bool{"AVG": true, "MIN": true, "MAX": true, "SUM": true}

type checker struct{ p *Program }

func errArgs(name string) error {
	// Wording unverified.
	return fmt.Errorf("Invalid arguments for function '%s'", name)
}

func (c checker) check(n node) (Kind, error) {
	switch n := n.(type) {
	case numNode:
		return Scalar, nil
	case refNode:
		return c.p.kinds[n.id], nil
	case strNode, keyNode:
		// Strings and keywords only exist as certain functions' arguments.
		return 0, errSyntax
	case negNode:
		return c.check(n.x)
	case arrayNode:
		for _, e := range n.elems {
			k, err := c.check(e)
			if err != nil {
				return 0, err
			}
			if k == Scalar {
				// Wording unverified.
				return 0, fmt.Errorf("An array can only hold time series")
			}
		}
		return Array, nil
	case binNode:
		l, err := c.check(n.l)
		if err != nil {
			return 0, err
		}
		r, err := c.check(n.r)
		if err != nil {
			return 0, err
		}
		switch {
		case l == Array && r == Array:
			// The User Guide lists S, TS and TS[] with TS or S, never
			// two arrays. Wording unverified.
			return 0, fmt.Errorf("Operator '%s' cannot combine two arrays of time series", n.op)
		case l == Array || r == Array:
			return Array, nil
		case l == TimeSeries || r == TimeSeries:
			return TimeSeries, nil
		}
		return Scalar, nil
	case callNode:
		return c.call(n)
	}
	return 0, errSyntax
}

// kinds checks every argument that is an ordinary value.
func (c checker) kinds(args []node) ([]Kind, error) {
	ks := make([]Kind, len(args))
	for i, a := range args {
		switch a.(type) {
		case strNode, keyNode:
			continue
		}
		k, err := c.check(a)
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	return ks, nil
}

func (c checker) call(n callNode) (Kind, error) {
	if unsupported[n.name] {
		return 0, fmt.Errorf("Function '%s' is not supported by this server", n.name)
	}
	ks, err := c.kinds(n.args)
	if err != nil {
		return 0, err
	}
	series := func(i int) bool { return i < len(ks) && (ks[i] == TimeSeries || ks[i] == Array) }
	isKey := func(i int, ok map[string]bool) bool {
		if i >= len(n.args) {
			return false
		}
		k, isK := n.args[i].(keyNode)
		return isK && ok[k.name]
	}
	bad := errArgs(n.name)
	switch n.name {
	case "METRICS":
		switch len(n.args) {
		case 0:
			return Array, nil
		case 1:
			if _, ok := n.args[0].(strNode); ok {
				return Array, nil
			}
		}
		return 0, bad
	case "ABS", "CEIL", "FLOOR", "LOG", "LOG10", "DIFF", "DIFF_TIME", "RATE", "RUNNING_SUM":
		if len(n.args) != 1 || !series(0) {
			return 0, bad
		}
		return ks[0], nil
	case "AVG", "SUM", "MIN", "MAX", "STDDEV", "DATAPOINT_COUNT":
		if len(n.args) != 1 || !series(0) {
			return 0, bad
		}
		if ks[0] == Array {
			return TimeSeries, nil
		}
		return Scalar, nil
	case "METRIC_COUNT":
		if len(n.args) != 1 || ks[0] != Array {
			return 0, bad
		}
		return Scalar, nil
	case "FIRST", "LAST":
		if len(n.args) != 1 || ks[0] != Array {
			return 0, bad
		}
		return TimeSeries, nil
	case "REMOVE_EMPTY":
		if len(n.args) != 1 || ks[0] != Array {
			return 0, bad
		}
		return Array, nil
	case "PERIOD":
		// "Valid input is metrics, not the results of other expressions."
		if len(n.args) != 1 {
			return 0, bad
		}
		r, ok := n.args[0].(refNode)
		if !ok || c.p.queries[c.p.index[r.id]].Expression != "" {
			return 0, bad
		}
		return Scalar, nil
	case "TIME_SERIES":
		if len(n.args) != 1 || ks[0] != Scalar {
			return 0, bad
		}
		return TimeSeries, nil
	case "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH":
		if len(n.args) != 1 || ks[0] != TimeSeries {
			return 0, bad
		}
		return TimeSeries, nil
	case "FILL":
		if len(n.args) != 2 || !series(0) {
			return 0, bad
		}
		if isKey(1, map[string]bool{"REPEAT": true, "LINEAR": true}) || ks[1] == Scalar || ks[1] == TimeSeries {
			return ks[0], nil
		}
		return 0, bad
	case "IF":
		if len(n.args) < 2 || len(n.args) > 3 {
			return 0, bad
		}
		for _, k := range ks {
			if k == Array || k == 0 {
				return 0, bad
			}
		}
		// IF(S, …) chooses between whole series, so both branches must
		// be series; the User Guide lists no IF over scalars only.
		if ks[0] == Scalar {
			for _, k := range ks[1:] {
				if k != TimeSeries {
					return 0, bad
				}
			}
		}
		return TimeSeries, nil
	case "SLICE":
		if len(n.args) < 2 || len(n.args) > 3 || ks[0] != Array {
			return 0, bad
		}
		for _, k := range ks[1:] {
			if k != Scalar {
				return 0, bad
			}
		}
		return Array, nil
	case "SORT":
		if len(n.args) < 3 || len(n.args) > 4 || ks[0] != Array || !isKey(1, sortStats) ||
			!isKey(2, map[string]bool{"ASC": true, "DESC": true}) || (len(n.args) == 4 && ks[3] != Scalar) {
			return 0, bad
		}
		return Array, nil
	}
	// The form AWS answered for an unknown function:
	// "Error in expression 'e1': Function 'ANOMALY_DETECTOR' not found".
	return 0, fmt.Errorf("Function '%s' not found", n.name)
}
