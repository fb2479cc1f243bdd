package alarm

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// formatNumber writes a double as Java's Double.toString does, which is how
// CloudWatch (a Java service) prints thresholds and datapoints in reasons and
// in StateReasonData: always a fraction part ("21.0"), plain notation from
// 10^-3 up to 10^7, computerized scientific notation outside it ("1.0E7",
// "1.5E-4"). The digits are the shortest that round-trip, as in Java 19+.
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(v)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// reasonDate is the format of datapoint times inside StateReason text,
// day first: "14/11/23 22:13:00".
func reasonDate(t time.Time) string {
	return t.UTC().Format("02/01/06 15:04:05")
}

// jsonDate is the format of every date in StateReasonData and HistoryData:
// "2024-05-01T12:05:40.985+0000".
func jsonDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000+0000")
}

// longDate is the format composite alarm reasons use for a child's
// transition time: "Friday 04 August, 2023 12:54:46 UTC".
func longDate(t time.Time) string {
	return t.UTC().Format("Monday 02 January, 2006 15:04:05 UTC")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
