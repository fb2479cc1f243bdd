package policy

import (
	"strings"
	"unicode/utf8"
)

// pieceKind says what one piece of a compiled pattern matches.
type pieceKind uint8

const (
	pieceLit  pieceKind = iota // lit, exactly
	pieceStar                  // any run of characters
	pieceOne                   // any one character
	pieceVar                   // the value of a policy variable, literally
)

// piece is one element of a compiled pattern.
type piece struct {
	kind pieceKind
	// lit is the literal text for pieceLit and the context key for pieceVar.
	lit string
	// cross reports whether a pieceStar may match a colon; see compileOpts.arn.
	cross bool
	// def is a pieceVar's default value, used when hasDef and the key has
	// no single value in the request.
	def    string
	hasDef bool
}

// pattern is a compiled Action, Resource or condition value.
type pattern struct {
	pieces []piece
	// hasVar marks patterns that must be resolved against a request first.
	hasVar bool
	// narrow marks patterns holding a star that must not match a colon;
	// those need the exhaustive matcher instead of the greedy one.
	narrow bool
	// text is the pattern with variables unresolved; for patterns without
	// wildcards or variables it is exactly what must match.
	text string
}

// compileOpts chooses how compile reads a pattern.
type compileOpts struct {
	// wildcards makes * and ? wildcards; otherwise they are literal, as in
	// StringEquals.
	wildcards bool
	// vars expands ${...} policy variables, which exist only in documents
	// of Version 2012-10-17; older documents see the text literally.
	vars bool
	// arn applies IAM's ARN rule: a star within one of the first five
	// colon-separated segments matches within that segment only, unless it
	// is the segment's last character, in which case it may run past the
	// colons (IAM User Guide, "Using wildcards in resource ARNs"). Stars in
	// the sixth segment, which may itself hold colons, match anything.
	arn bool
}

// compile turns a policy string into a pattern.
func compile(s string, o compileOpts) pattern {
	p := pattern{text: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.pieces = append(p.pieces, piece{kind: pieceLit, lit: lit.String()})
			lit.Reset()
		}
	}
	colons := 0
	for i := 0; i < len(s); {
		c := s[i]
		if o.vars && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
				body := s[i+2 : i+2+end]
				i += end + 3
				switch body {
				case "*", "?", "$":
					// ${*}, ${?} and ${$} are how a policy spells the
					// characters themselves.
					lit.WriteString(body)
				default:
					flush()
					p.pieces = append(p.pieces, parseVar(body))
					p.hasVar = true
				}
				continue
			}
		}
		switch {
		case o.wildcards && c == '*':
			flush()
			cross := true
			if o.arn && colons < 5 {
				cross = i+1 == len(s) || s[i+1] == ':'
			}
			if !cross {
				p.narrow = true
			}
			p.pieces = append(p.pieces, piece{kind: pieceStar, cross: cross})
		case o.wildcards && c == '?':
			flush()
			p.pieces = append(p.pieces, piece{kind: pieceOne})
		default:
			if c == ':' {
				colons++
			}
			lit.WriteByte(c)
		}
		i++
	}
	flush()
	return p
}

// parseVar reads the inside of ${...}: a context key, optionally followed by
// a default value as in ${aws:username, 'nobody'}.
func parseVar(body string) piece {
	v := piece{kind: pieceVar, lit: strings.TrimSpace(body)}
	key, rest, ok := strings.Cut(body, ",")
	if !ok {
		return v
	}
	rest = strings.TrimSpace(rest)
	if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
		v.lit = strings.TrimSpace(key)
		v.def = rest[1 : len(rest)-1]
		v.hasDef = true
	}
	return v
}

// variable returns the value a policy variable stands for in ctx. Only a key
// with exactly one value can be a variable (multivalued keys cannot, per the
// IAM User Guide); a key without one resolves to the default if the policy
// gave one and to nothing otherwise.
func variable(ctx map[string][]string, v *piece) (string, bool) {
	if vals := lookup(ctx, v.lit); len(vals) == 1 {
		return vals[0], true
	}
	if v.hasDef {
		return v.def, true
	}
	return "", false
}

// resolve returns p's pieces with variables replaced by their values. It
// reports false when a variable has no value: IAM treats such a value as
// null, which equals and matches nothing.
func (p *pattern) resolve(ctx map[string][]string, buf []piece) ([]piece, bool) {
	if !p.hasVar {
		return p.pieces, true
	}
	out := buf[:0]
	for i := range p.pieces {
		pc := &p.pieces[i]
		if pc.kind != pieceVar {
			out = append(out, *pc)
			continue
		}
		val, ok := variable(ctx, pc)
		if !ok {
			return nil, false
		}
		out = append(out, piece{kind: pieceLit, lit: val})
	}
	return out, true
}

// literal returns the text of a pattern compiled without wildcards, with its
// variables resolved.
func (p *pattern) literal(ctx map[string][]string) (string, bool) {
	if !p.hasVar {
		return p.text, true
	}
	var b strings.Builder
	for i := range p.pieces {
		pc := &p.pieces[i]
		if pc.kind != pieceVar {
			b.WriteString(pc.lit)
			continue
		}
		val, ok := variable(ctx, pc)
		if !ok {
			return "", false
		}
		b.WriteString(val)
	}
	return b.String(), true
}

// match reports whether s matches p in the request ctx.
func (p *pattern) match(s string, ctx map[string][]string) bool {
	if p.hasVar {
		return p.matchResolved(s, ctx)
	}
	if p.narrow {
		return matchExhaustive(p.pieces, s)
	}
	return matchGreedy(p.pieces, s)
}

// matchResolved is match for patterns holding variables, kept apart so
// that the common case does not pay for the scratch array.
func (p *pattern) matchResolved(s string, ctx map[string][]string) bool {
	var buf [8]piece
	ps, ok := p.resolve(ctx, buf[:])
	if !ok {
		return false
	}
	if p.narrow {
		return matchExhaustive(ps, s)
	}
	return matchGreedy(ps, s)
}

// matchGreedy is the classic wildcard matcher: on a mismatch it lets the
// most recent star swallow one more character and retries. That is complete
// only when every star may match every character, so patterns holding a
// narrow star go to matchExhaustive instead.
func matchGreedy(ps []piece, s string) bool {
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for {
		if pi < len(ps) {
			switch p := &ps[pi]; p.kind {
			case pieceStar:
				starPi, starSi = pi, si
				pi++
				continue
			case pieceOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					pi++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], p.lit) {
					si += len(p.lit)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starPi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		pi, si = starPi+1, starSi
	}
}

// matchExhaustive decides the match by dynamic programming over (piece,
// position) pairs, from the last piece back: O(pieces × len(s)) time and
// O(len(s)) space whatever the pattern, so a hostile policy cannot make
// authorisation slow.
func matchExhaustive(ps []piece, s string) bool {
	n := len(s)
	// next[i] reports whether ps[pi+1:] matches s[i:]; cur is the same for
	// ps[pi:].
	next := make([]bool, n+1)
	cur := make([]bool, n+1)
	next[n] = true
	for pi := len(ps) - 1; pi >= 0; pi-- {
		p := &ps[pi]
		for i := n; i >= 0; i-- {
			switch p.kind {
			case pieceLit:
				cur[i] = strings.HasPrefix(s[i:], p.lit) && next[i+len(p.lit)]
			case pieceOne:
				cur[i] = false
				if i < n {
					_, w := utf8.DecodeRuneInString(s[i:])
					cur[i] = next[i+w]
				}
			case pieceStar:
				cur[i] = next[i]
				if !cur[i] && i < n {
					r, w := utf8.DecodeRuneInString(s[i:])
					cur[i] = (p.cross || r != ':') && cur[i+w]
				}
			}
		}
		next, cur = cur, next
	}
	return next[0]
}
