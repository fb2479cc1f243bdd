package filterpattern

// termMatcher applies a term pattern (§5.1): words and quoted phrases,
// ?alternatives and -exclusions.
//
// How a term matches is decided here and nowhere else: a term matches when
// the message contains it as a substring, case-sensitively. UG23 says
// "ERROR" matches "Exiting with ERRORCODE: -1" and "ERROR Exception" matches
// "[ERROR] Caught IllegalArgumentException", and users report the same of
// the service today ("ERROR" matches "ERRORNEOUS PROGRAM"). The reference's
// whole-word reading, inferred from the regex page, is not followed.
type termMatcher struct {
	// all must each occur; every one is non-empty.
	all []string
	// any are the ?terms, at least one of which must occur when the
	// pattern has no plain term.
	any []string
	// none must not occur.
	none []string
	// mandatory records that the pattern has a plain term, even one that
	// matches everything and so is not in all.
	mandatory bool
	// anyAll and noneAll record a ?" " or -" " term: a blank phrase
	// matches every event, so one satisfies any and the other excludes
	// every event.
	anyAll, noneAll bool
	// allLit, anyLit and noneLit are all, any and none prepared for
	// searching.
	allLit, anyLit, noneLit []literal
}

// parseTerms compiles a term pattern; s is trimmed and non-empty.
func parseTerms(s string) (*termMatcher, error) {
	m := &termMatcher{}
	l := lexer{src: s}
	for l.skipSpace(); !l.eof(); l.skipSpace() {
		start := l.pos
		prefix := l.peek()
		if prefix == '?' || prefix == '-' {
			l.pos++
		} else {
			prefix = 0
		}
		var text string
		if l.peek() == '"' {
			q, err := l.quoted()
			if err != nil {
				return nil, err
			}
			// The closing quote must end the term; and "" is refused:
			// "Invalid character(s) in term '\"\"'" (StartLiveTail, 2025).
			if q == "" || !l.eof() && !isSpace(l.peek()) {
				l.pos = start
				return nil, invalidTerm(l.upTo(""))
			}
			text = q
		} else {
			text = l.word(isWordByte)
			if text == "" || !l.eof() && !isSpace(l.peek()) {
				l.pos = start
				return nil, invalidTerm(l.upTo(""))
			}
		}
		// A phrase of blanks matches every event: UG23's "match
		// everything" example is the pattern " ".
		blank := trimSpace(text) == ""
		switch prefix {
		case '?':
			if blank {
				m.anyAll = true
			} else {
				m.any = appendUnique(m.any, text)
			}
		case '-':
			if blank {
				m.noneAll = true
			} else {
				m.none = appendUnique(m.none, text)
			}
		default:
			m.mandatory = true
			if !blank {
				m.all = appendUnique(m.all, text)
			}
		}
	}
	m.allLit, m.anyLit, m.noneLit = newLiterals(m.all), newLiterals(m.any), newLiterals(m.none)
	rarestFirst(m.allLit)
	return m, nil
}

func appendUnique(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

// match applies the pattern. When plain terms and ?terms are mixed the
// ?terms are ignored, as users observe of the service ("combination of
// optional terms and mandatory terms will ignore all optional terms");
// AWS documents neither that nor how -terms combine with ?terms, which
// here always exclude (unverified).
func (m *termMatcher) match(msg string) bool {
	if m.noneAll {
		return false
	}
	for _, t := range m.noneLit {
		if t.in(msg) {
			return false
		}
	}
	if m.mandatory {
		for _, t := range m.allLit {
			if !t.in(msg) {
				return false
			}
		}
		return true
	}
	if len(m.any) == 0 || m.anyAll {
		return true
	}
	for _, t := range m.anyLit {
		if t.in(msg) {
			return true
		}
	}
	return false
}

// required lists substrings every match contains.
func (m *termMatcher) required() []string {
	if m.noneAll {
		return nil
	}
	if m.mandatory {
		return m.all
	}
	if len(m.any) == 1 && !m.anyAll {
		return m.any
	}
	return nil
}
