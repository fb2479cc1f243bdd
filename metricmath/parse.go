package metricmath

import (
	"errors"
	"strconv"
)

// errSyntax is what AWS answers for any expression it cannot parse:
// "Error in expression 'query': Invalid syntax" (a GetMetricData response
// quoted in grafana/grafana's CloudWatch tests). AWS gives no position.
var errSyntax = errors.New("Invalid syntax")

// node is a parsed expression.
type node interface{ isNode() }

type (
	numNode struct{ v float64 }
	strNode struct{ s string }
	// refNode names another query by its Id.
	refNode struct{ id string }
	// keyNode is a bare upper-case word: REPEAT, LINEAR, ASC, DESC, or a
	// function named as SORT's ordering statistic.
	keyNode  struct{ name string }
	callNode struct {
		name string
		args []node
	}
	arrayNode struct{ elems []node }
	negNode   struct{ x node }
	binNode   struct {
		op   string
		l, r node
	}
)

func (numNode) isNode()   {}
func (strNode) isNode()   {}
func (refNode) isNode()   {}
func (keyNode) isNode()   {}
func (callNode) isNode()  {}
func (arrayNode) isNode() {}
func (negNode) isNode()   {}
func (binNode) isNode()   {}

// maxDepth bounds nesting, so a hostile expression of 2,048 parentheses
// cannot exhaust the stack of the recursive parser and evaluator.
const maxDepth = 100

// Parse parses one metric math expression. The only error is errSyntax.
func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, errSyntax
	}
	return n, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) isOp(ops ...string) (string, bool) {
	t := p.peek()
	if t.kind != tOp {
		return "", false
	}
	for _, o := range ops {
		if t.text == o {
			return o, true
		}
	}
	return "", false
}

func (p *parser) expect(op string) error {
	if _, ok := p.isOp(op); !ok {
		return errSyntax
	}
	p.i++
	return nil
}

// Precedence, loosest first: || ; && ; comparisons ; + - ; * / ; unary - ;
// ^ (right-associative, so -2^2 is -4 and 2^3^2 is 512 as in mathematics;
// AWS does not document either, unverified).
func (p *parser) expr() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, errSyntax
	}
	return p.binary(0)
}

var levels = [][]string{{"||"}, {"&&"}, {"==", "!=", "<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/"}}

func (p *parser) binary(level int) (node, error) {
	if level == len(levels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp(levels[level]...)
		if !ok {
			return l, nil
		}
		p.i++
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = binNode{op: op, l: l, r: r}
	}
}

func (p *parser) unary() (node, error) {
	if _, ok := p.isOp("-"); ok {
		p.i++
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, errSyntax
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return negNode{x}, nil
	}
	return p.power()
}

func (p *parser) power() (node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if _, ok := p.isOp("^"); !ok {
		return base, nil
	}
	p.i++
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, errSyntax
	}
	exp, err := p.unary()
	if err != nil {
		return nil, err
	}
	return binNode{op: "^", l: base, r: exp}, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errSyntax
		}
		return numNode{v}, nil
	case tString:
		return strNode{t.text}, nil
	case tIdent:
		return refNode{t.text}, nil
	case tName:
		if _, ok := p.isOp("("); !ok {
			return keyNode{t.text}, nil
		}
		p.i++
		var args []node
		if _, ok := p.isOp(")"); ok {
			p.i++
			return callNode{name: t.text}, nil
		}
		for {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if _, ok := p.isOp(","); ok {
				p.i++
				continue
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return callNode{name: t.text, args: args}, nil
		}
	case tOp:
		switch t.text {
		case "(":
			n, err := p.expr()
			if err != nil {
				return nil, err
			}
			return n, p.expect(")")
		case "[":
			var elems []node
			for {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
				if _, ok := p.isOp(","); ok {
					p.i++
					continue
				}
				if err := p.expect("]"); err != nil {
					return nil, err
				}
				return arrayNode{elems}, nil
			}
		}
	}
	return nil, errSyntax
}
