package metricmath

import (
	"fmt"
	"strings"
)

// Kind is the type of a metric math value, in the User Guide's terms.
type Kind int

// The three kinds: S, TS and TS[].
const (
	Scalar Kind = iota + 1
	TimeSeries
	Array
)

func (k Kind) String() string {
	switch k {
	case Scalar:
		return "S"
	case TimeSeries:
		return "TS"
	case Array:
		return "TS[]"
	}
	return "?"
}

// Query is one entry of a request: a metric (Expression empty), whose
// series the caller reads, or an expression over the others.
type Query struct {
	ID string
	// Expression is the metric math; "" for a MetricStat query.
	Expression string
	// Label is the query's effective label: the series' label where the
	// query's data ends up in an array (METRICS(), [m1, m2]).
	Label string
	// Period is the metric's period, or the expression's own Period
	// (0 when it gives none), in seconds.
	Period int64
}

// Error is an invalid expression. AWS's wording, where it is known, is
// "Error in expression '<id>': <detail>" with code ValidationError.
type Error struct {
	ID     string
	Detail string
}

func (e *Error) Error() string { return "Error in expression '" + e.ID + "': " + e.Detail }

// Program is a compiled set of queries; safe for concurrent use.
type Program struct {
	queries []Query
	index   map[string]int
	nodes   map[string]node
	kinds   map[string]Kind
	// order lists the expression queries so that each comes after those
	// it refers to.
	order []string
}

// Compile parses and type-checks every expression of a request. Ids are
// assumed valid and unique (the API checks them first). The error is an
// *Error naming an invalid expression — syntax errors first, then unknown
// references, cycles and kinds, each in request order: a syntax error, an unknown or unsupported function, a reference to an
// Id that is not in the request, a reference cycle, operands or arguments
// of the wrong kind, or a result that is a scalar rather than a time
// series or an array of them (the User Guide: "The final result of any
// math expression must be a single time series or an array of time
// series").
func Compile(queries []Query) (*Program, error) {
	p := &Program{queries: queries, index: map[string]int{}, nodes: map[string]node{}, kinds: map[string]Kind{}}
	for i, q := range queries {
		p.index[q.ID] = i
		if q.Expression == "" {
			p.kinds[q.ID] = TimeSeries
		}
	}
	for _, q := range queries {
		if q.Expression == "" {
			continue
		}
		n, err := parse(q.Expression)
		if err != nil {
			return nil, &Error{ID: q.ID, Detail: err.Error()}
		}
		p.nodes[q.ID] = n
	}
	// Unknown references and cycles, before kinds: a kind depends on
	// the kinds of what is referred to.
	for _, q := range queries {
		if n, ok := p.nodes[q.ID]; ok {
			for _, r := range refs(n, nil) {
				if _, ok := p.index[r]; !ok {
					// Wording unverified: AWS's text for an unknown Id
					// is not published.
					return nil, &Error{ID: q.ID, Detail: "Unrecognized metric or expression id '" + r + "'"}
				}
			}
		}
	}
	state := map[string]int{} // 0 new, 1 on the stack, 2 done
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		n, isExpr := p.nodes[id]
		if !isExpr || state[id] == 2 {
			return nil
		}
		if state[id] == 1 {
			// Wording unverified.
			return &Error{ID: path[0], Detail: "Circular reference: " + strings.Join(append(path, id), " -> ")}
		}
		state[id] = 1
		for _, r := range refs(n, nil) {
			if err := visit(r, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		p.order = append(p.order, id)
		return nil
	}
	for _, q := range queries {
		if err := visit(q.ID, nil); err != nil {
			return nil, err
		}
	}
	for _, id := range p.order {
		c := checker{p: p}
		k, err := c.check(p.nodes[id])
		if err == nil && k == Scalar {
			// Wording unverified.
			err = fmt.Errorf("The expression must return a time series or an array of time series")
		}
		if err != nil {
			return nil, &Error{ID: id, Detail: err.Error()}
		}
		p.kinds[id] = k
	}
	return p, nil
}

// Kind is the kind of a query's result: TimeSeries for metrics.
func (p *Program) Kind(id string) Kind { return p.kinds[id] }

// refs lists the Ids an expression refers to, in order of appearance.
func refs(n node, out []string) []string {
	switch n := n.(type) {
	case refNode:
		out = append(out, n.id)
	case callNode:
		for _, a := range n.args {
			out = refs(a, out)
		}
	case arrayNode:
		for _, e := range n.elems {
			out = refs(e, out)
		}
	case negNode:
		out = refs(n.x, out)
	case binNode:
		out = refs(n.l, out)
		out = refs(n.r, out)
	}
	return out
}
