package filterpattern

import "unsafe"

// Kind is the form of a filter pattern, decided by its first non-blank
// character (§5).
type Kind uint8

const (
	// KindAll is the empty or blank pattern, which matches every event.
	KindAll Kind = iota
	// KindTerms is a pattern of words and quoted phrases.
	KindTerms
	// KindRegex is a pattern that is one %regex%.
	KindRegex
	// KindJSON is a { ... } pattern.
	KindJSON
	// KindDelimited is a [ ... ] space-delimited pattern.
	KindDelimited
)

func (k Kind) String() string {
	switch k {
	case KindAll:
		return "all"
	case KindTerms:
		return "terms"
	case KindRegex:
		return "regex"
	case KindJSON:
		return "json"
	case KindDelimited:
		return "delimited"
	}
	return "unknown"
}

// Pattern is a compiled filter pattern. It is immutable, so one Pattern
// may be used by any number of goroutines at once.
type Pattern struct {
	src   string
	kind  Kind
	terms *termMatcher
	regex *regexTerm
	json  *jsonMatcher
	delim *delimMatcher
	// required is RequiredTerms' answer, computed once.
	required []string
}

// Compile parses a filter pattern. A pattern CloudWatch Logs would refuse
// yields a *SyntaxError. Compile does not check the 1,024-character limit
// of the filterPattern members, which their shapes enforce.
func Compile(pattern string) (*Pattern, error) {
	p := &Pattern{src: pattern}
	s := trimSpace(pattern)
	var err error
	switch {
	case s == "":
		p.kind = KindAll
	case s[0] == '{':
		p.kind = KindJSON
		if p.json, err = parseJSON(s); err == nil {
			p.required = p.json.required()
		}
	case s[0] == '[':
		p.kind = KindDelimited
		if p.delim, err = parseDelimited(s); err == nil {
			p.required = p.delim.required()
		}
	case s[0] == '%':
		// A regex is a pattern of its own: "regex can be used to create
		// standalone filter patterns" (WEB). One mixed with other terms
		// is refused like any unquoted term holding '%' (unverified).
		p.kind = KindRegex
		if len(s) < 2 || s[len(s)-1] != '%' {
			return nil, invalidTerm(s)
		}
		if p.regex, err = compileRegex(s[1 : len(s)-1]); err == nil {
			p.required = p.regex.lits
		}
	default:
		p.kind = KindTerms
		if p.terms, err = parseTerms(s); err == nil {
			p.required = p.terms.required()
		}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MustCompile is Compile for patterns known to be valid, such as those in
// tests; it panics on an error.
func MustCompile(pattern string) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic("filterpattern: Compile(" + pattern + "): " + err.Error())
	}
	return p
}

// String returns the pattern as it was given to Compile.
func (p *Pattern) String() string { return p.src }

// Kind returns the pattern's form. Only KindJSON and KindDelimited
// patterns bind values, so only they support metric dimensions and
// $-references in metric values (§6).
func (p *Pattern) Kind() Kind { return p.kind }

// Match reports whether the event message matches the pattern. Every
// event matches the empty pattern. Match does not allocate, except to
// unescape a JSON string or member name the pattern needs when the event
// escapes it, for JSON patterns of more than 16 selectors, and for
// space-delimited patterns with "..." on events of more than 32 fields.
func (p *Pattern) Match(message string) bool {
	switch p.kind {
	case KindTerms:
		return p.terms.match(message)
	case KindRegex:
		return p.regex.match(message)
	case KindJSON:
		return p.json.match(message)
	case KindDelimited:
		return p.delim.match(message)
	}
	return true
}

// MatchBytes is Match for a message held in a byte slice, such as a
// decompressed storage chunk; it neither copies nor retains message.
func (p *Pattern) MatchBytes(message []byte) bool {
	return p.Match(unsafe.String(unsafe.SliceData(message), len(message)))
}

// RequiredTerms returns substrings that every matching message contains,
// compared case-sensitively, as matching is; a scan may skip any chunk of
// events known to lack one of them. The strings are not necessarily whole
// words: "ERROR" also matches "ERRORCODE" (see termMatcher). RequiredTerms
// returns nil when nothing is certain, as for exclusions alone,
// alternatives, numeric comparisons and every JSON pattern. The caller
// owns the returned slice.
func (p *Pattern) RequiredTerms() []string {
	if len(p.required) == 0 {
		return nil
	}
	return append([]string(nil), p.required...)
}

// Extract matches message and returns the values the match binds, as
// TestMetricFilter reports them in extractedValues: for a space-delimited
// pattern every field of the event, keyed "$name" for a named field and
// "$N" (N counted from 1) for the others; for every other kind of pattern
// an empty map, because "if you are not using a space-delimited filter,
// this will be empty" (UG23), as the AWS CLI's test-metric-filter example
// shows for ERROR. ok is false, and values nil, when message does not
// match.
func (p *Pattern) Extract(message string) (values map[string]string, ok bool) {
	if p.kind == KindDelimited {
		return p.delim.extract(message)
	}
	if !p.Match(message) {
		return nil, false
	}
	return map[string]string{}, true
}
