package policy

import (
	"strconv"
	"strings"
)

// instant is a point in time as seconds and nanoseconds since the Unix
// epoch. It is not a time.Time because IAM accepts years from -292275054 to
// 292278993 and epoch values up to 2^63-1 seconds, beyond what time.Time
// can add and compare without overflowing.
type instant struct {
	sec  int64
	nsec int64
}

func (a instant) compare(b instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

// The year range IAM's legacy parser accepts: that of a Java date held as
// milliseconds in a long.
const (
	minYear = -292275054
	maxYear = 292278993
)

// parseDate reads a Date condition value the way IAM's legacy parser does:
// a string holding a "t" or a "-" is an ISO 8601 date and time, anything
// else is a count of seconds since the epoch. A value it refuses in a policy
// makes the document fail legacy parsing.
func parseDate(s string) (instant, bool) {
	l := strings.ToLower(s)
	if !strings.ContainsAny(l, "t-") {
		if !allDigits(l) {
			return instant{}, false
		}
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			return instant{}, false
		}
		return instant{sec: n}, true
	}
	return parseISO8601(l)
}

// parseISO8601 reads [-]YYYY[-MM[-DD]][tHH[:MM[:SS[.fffffffff]]][zone]],
// already lower-cased, where zone is "z", ±HH, ±HHMM or ±HH:MM. Missing
// parts default to the start of the period; a missing zone means UTC.
func parseISO8601(l string) (instant, bool) {
	datePart, timePart, _ := strings.Cut(l, "t")
	neg := strings.HasPrefix(datePart, "-")
	if neg {
		datePart = datePart[1:]
	}
	fields := strings.Split(datePart, "-")
	if len(fields) > 3 {
		return instant{}, false
	}
	year, ok := number(fields[0], 9)
	if !ok {
		return instant{}, false
	}
	if neg {
		year = -year
	}
	if year < minYear || year > maxYear {
		return instant{}, false
	}
	month, day := int64(1), int64(1)
	if len(fields) > 1 {
		if month, ok = number(fields[1], 2); !ok || month < 1 || month > 12 {
			return instant{}, false
		}
	}
	if len(fields) > 2 {
		// Like IAM's legacy parser, any day 1-31 is accepted in any month;
		// 2021-02-30 means two days after 2021-02-28.
		if day, ok = number(fields[2], 2); !ok || day < 1 || day > 31 {
			return instant{}, false
		}
	}
	clock, offset, ok := splitZone(timePart)
	if !ok {
		return instant{}, false
	}
	secs, nsec, ok := parseClock(clock)
	if !ok {
		return instant{}, false
	}
	sec := daysFromCivil(year, month, day)*86400 + secs - offset
	return instant{sec: sec, nsec: nsec}, true
}

// splitZone separates a time of day from its zone designator and returns
// the zone's offset east of UTC in seconds.
func splitZone(t string) (clock string, offset int64, ok bool) {
	i := strings.IndexAny(t, "z+-")
	if i < 0 {
		return t, 0, true
	}
	clock, zone := t[:i], t[i:]
	if zone == "z" {
		return clock, 0, true
	}
	sign := int64(1)
	if zone[0] == '-' {
		sign = -1
	}
	zone = zone[1:]
	var hh, mm string
	switch {
	case len(zone) == 2:
		hh = zone
	case len(zone) == 4:
		hh, mm = zone[:2], zone[2:]
	case len(zone) == 5 && zone[2] == ':':
		hh, mm = zone[:2], zone[3:]
	default:
		return "", 0, false
	}
	h, ok := number(hh, 2)
	if !ok || h > 23 {
		return "", 0, false
	}
	m := int64(0)
	if mm != "" {
		if m, ok = number(mm, 2); !ok || m > 59 {
			return "", 0, false
		}
	}
	return clock, sign * (h*3600 + m*60), true
}

// parseClock reads HH[:MM[:SS[.fffffffff]]]; an empty clock is midnight.
func parseClock(c string) (secs, nsec int64, ok bool) {
	if c == "" {
		return 0, 0, true
	}
	fields := strings.Split(c, ":")
	if len(fields) > 3 {
		return 0, 0, false
	}
	limits := [3]int64{23, 59, 59}
	units := [3]int64{3600, 60, 1}
	for i, f := range fields {
		if i == 2 {
			whole, frac, hasFrac := strings.Cut(f, ".")
			if hasFrac {
				if frac == "" || len(frac) > 9 || !allDigits(frac) {
					return 0, 0, false
				}
				n, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
				nsec = n
			}
			f = whole
		}
		v, ok := number(f, 2)
		if !ok || v > limits[i] {
			return 0, 0, false
		}
		secs += v * units[i]
	}
	return secs, nsec, true
}

// number parses a non-empty run of at most maxDigits decimal digits.
func number(s string, maxDigits int) (int64, bool) {
	if s == "" || len(s) > maxDigits || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// daysFromCivil counts days from 1970-01-01 to the given proleptic
// Gregorian date (Howard Hinnant's algorithm), valid far beyond IAM's range.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
