package agent

// syslogFramer cuts a TCP syslog stream into messages (RFC 6587). Each
// message is framed on its own: one that starts with a digit is
// octet-counted ("LEN SP MSG", MSG exactly LEN bytes, as rsyslog's and
// syslog-ng's forwarders and `logger --octet-count` send), any other ends
// at the next LF (non-transparent framing, as `logger --tcp` and RFC 3164
// forwarders send). A trailing CR or LF inside a counted frame is dropped:
// rsyslog counts the LF it sends after each message, logger does not.
//
// A message longer than max is cut to its first max bytes and the rest
// of it is skipped, so a sender cannot make the agent buffer without
// bound.
type syslogFramer struct {
	max      int
	skip     int  // bytes of an over-long counted message still to drop
	skipLine bool // an over-long LF-framed message: drop up to its LF
}

// next returns the next message in data and how many bytes of data it
// used. advance 0 with a nil msg means more data is needed. atEOF says no
// more data will come: what is left is then a message of its own. msg
// points into data.
func (f *syslogFramer) next(data []byte, atEOF bool) (advance int, msg []byte, truncated bool) {
	if f.skip > 0 {
		n := min(f.skip, len(data))
		f.skip -= n
		return n, nil, false
	}
	if f.skipLine {
		for i, c := range data {
			if c == '\n' {
				f.skipLine = false
				return i + 1, nil, false
			}
		}
		return len(data), nil, false
	}
	// Separators a sender may leave between frames.
	lead := 0
	for lead < len(data) && (data[lead] == '\n' || data[lead] == '\r' || data[lead] == 0) {
		lead++
	}
	if lead > 0 {
		return lead, nil, false
	}
	if len(data) == 0 {
		return 0, nil, false
	}
	if c := data[0]; c >= '1' && c <= '9' {
		n, i := 0, 0
		for i < len(data) && i < 10 && data[i] >= '0' && data[i] <= '9' {
			n = n*10 + int(data[i]-'0')
			i++
		}
		switch {
		case i == len(data) && !atEOF:
			return 0, nil, false // the count may go on
		case i < len(data) && data[i] == ' ':
			start := i + 1
			if n > f.max {
				if len(data)-start >= f.max {
					f.skip = n - f.max
					return start + f.max, trimFrame(data[start : start+f.max]), true
				}
			} else if len(data)-start >= n {
				return start + n, trimFrame(data[start : start+n]), false
			}
			if atEOF {
				return len(data), trimFrame(data[start:]), true
			}
			return 0, nil, false
		}
		// Digits not followed by a space: not a count, an LF-framed
		// message that starts with a digit.
	}
	for i, c := range data {
		if c == '\n' {
			if i > f.max {
				return i + 1, trimFrame(data[:f.max]), true
			}
			return i + 1, trimFrame(data[:i]), false
		}
	}
	if len(data) >= f.max {
		f.skipLine = true
		return f.max, trimFrame(data[:f.max]), true
	}
	if atEOF {
		return len(data), trimFrame(data), false
	}
	return 0, nil, false
}

// trimFrame drops the line end a sender put after a message.
func trimFrame(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
