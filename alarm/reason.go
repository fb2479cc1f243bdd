package alarm

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// mostRecentListed is how many datapoints a reason names once it switches
// to "The most recent datapoints which crossed the threshold: [...]".
const mostRecentListed = 5

// opWords is how reasons say each static comparison.
var opWords = map[string]string{
	GreaterThanOrEqualToThreshold: "greater than or equal to",
	GreaterThanThreshold:          "greater than",
	LessThanThreshold:             "less than",
	LessThanOrEqualToThreshold:    "less than or equal to",
}

// explain writes StateReason and StateReasonData for a decided outcome
// (§11). The shapes, all taken from reasons AWS sent:
//
//   - alarms that set DatapointsToAlarm: "Threshold Crossed: 2 out of the
//     last 2 datapoints [10.25 (05/10/20 06:25:00), 10.0 (05/10/20
//     06:20:00)] were greater than or equal to the threshold (10.0)
//     (minimum 2 datapoints for OK -> ALARM transition)." — naming the
//     points that carry the verdict, newest first; OK needs N-M+1 good
//     points, so that is its minimum. From five points on, the list moves
//     behind "The most recent datapoints which crossed the threshold:" and
//     holds the newest five (AWS shows both layouts for five points; the
//     cut between them is unverified);
//   - alarms without it: "Threshold Crossed: 1 datapoint [21.5 (14/11/23
//     22:13:00)] was greater than the threshold (21.0)." for one point,
//     "Threshold Crossed: 5 datapoints were greater than or equal to the
//     threshold (80.0). The most recent datapoints which crossed the
//     threshold: [...]." for more;
//   - all periods missing and filled: "Threshold Crossed: no datapoints
//     were received for 2 periods and 2 missing datapoints were treated as
//     [Breaching]." ([NonBreaching] for notBreaching);
//   - all missing under missing: "Insufficient Data: 5 datapoints were
//     unknown."
func explain(def *Definition, from StateValue, now time.Time, rg Range, out outcome) (string, string) {
	n := def.N()
	if out.unknown {
		var slots []time.Time
		for i := 0; i < n && i < rg.Slots; i++ {
			slots = append(slots, rg.End.Add(-time.Duration(i+1)*rg.Period))
		}
		reason := fmt.Sprintf("Insufficient Data: %d %s unknown.", n, plural(n, "datapoint was", "datapoints were"))
		return reason, reasonData(def, now, time.Time{}, nil, nil, slots)
	}
	alarm := out.value == StateAlarm
	// listed: the real points behind the verdict, newest first.
	var listed []point
	for i := len(out.pool) - 1; i >= 0; i-- {
		if out.pool[i].breaching == alarm {
			listed = append(listed, out.pool[i])
		}
	}
	// The filled slots are evaluated datapoints without a value.
	var filled []time.Time
	if out.fillBreaching == alarm {
		for i := len(out.filled) - 1; i >= 0; i-- {
			filled = append(filled, rg.Start.Add(time.Duration(out.filled[i])*rg.Period))
		}
	}
	// startDate: the start of the oldest period evaluated, at least N
	// periods back from the newest.
	start := rg.End.Add(-time.Duration(n) * rg.Period)
	if len(out.pool) > 0 && out.pool[0].dp.Timestamp.Before(start) {
		start = out.pool[0].dp.Timestamp
	}
	if len(out.filled) > 0 {
		if t := rg.Start.Add(time.Duration(out.filled[0]) * rg.Period); t.Before(start) {
			start = t
		}
	}
	data := reasonData(def, now, start, out.pool, listed, filled)

	if len(out.pool) == 0 {
		word := "NonBreaching"
		if out.fillBreaching {
			word = "Breaching"
		}
		k := len(out.filled)
		return fmt.Sprintf("Threshold Crossed: no datapoints were received for %d %s and %d missing %s treated as [%s].",
			k, plural(k, "period", "periods"), k, plural(k, "datapoint was", "datapoints were"), word), data
	}

	not := ""
	if !alarm {
		not = "not "
	}
	k := len(listed)
	transitionNote := func() string {
		min := def.M()
		if !alarm {
			min = n - def.M() + 1
		}
		return fmt.Sprintf(" (minimum %d %s for %s -> %s transition)", min, plural(min, "datapoint", "datapoints"), from, out.value)
	}
	if isBand(def.ComparisonOperator) {
		// Anomaly-band wording, from an AWS ALARM reason; the OK form
		// negates it the way static reasons do (unverified).
		return fmt.Sprintf("Thresholds Crossed: %d out of the last %d datapoints [%s] %s %s%s%s.",
			k, n, pointList(listed, len(listed)), plural(k, "was", "were"), not, bandWords(def.ComparisonOperator, listed), transitionNote()), data
	}
	words := opWords[def.ComparisonOperator]
	thr := formatNumber(def.Threshold)
	if def.DatapointsToAlarm == 0 {
		if k == 1 {
			return fmt.Sprintf("Threshold Crossed: 1 datapoint [%s] was %s%s the threshold (%s).", pointList(listed, 1), not, words, thr), data
		}
		return fmt.Sprintf("Threshold Crossed: %d datapoints were %s%s the threshold (%s). The most recent datapoints which crossed the threshold: [%s].",
			k, not, words, thr, pointList(listed, mostRecentListed)), data
	}
	if k < mostRecentListed {
		return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] %s %s%s the threshold (%s)%s.",
			k, n, pointList(listed, k), plural(k, "was", "were"), not, words, thr, transitionNote()), data
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints were %s%s the threshold (%s). The most recent datapoints which crossed the threshold: [%s]%s.",
		k, n, not, words, thr, pointList(listed, mostRecentListed), transitionNote()), data
}

// bandWords: "less than the lower thresholds [l1, l2] or greater than the
// upper thresholds [u1, u2]", bounds in the order of the listed points.
func bandWords(op string, listed []point) string {
	lower := make([]string, len(listed))
	upper := make([]string, len(listed))
	for i, p := range listed {
		lower[i], upper[i] = formatNumber(p.dp.Lower), formatNumber(p.dp.Upper)
	}
	l := "less than the lower thresholds [" + strings.Join(lower, ", ") + "]"
	u := "greater than the upper thresholds [" + strings.Join(upper, ", ") + "]"
	switch op {
	case LessThanLowerThreshold:
		return l
	case GreaterThanUpperThreshold:
		return u
	}
	return l + " or " + u
}

// pointList: "21.5 (14/11/23 22:13:00), 9.5 (...)", at most max points.
func pointList(pts []point, max int) string {
	var b strings.Builder
	for i, p := range pts {
		if i == max {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatNumber(p.dp.Value))
		b.WriteString(" (")
		b.WriteString(reasonDate(p.dp.Timestamp))
		b.WriteString(")")
	}
	return b.String()
}

// reasonData is StateReasonData for metric alarms, keys in AWS's order:
// version, queryDate, startDate (absent when nothing was evaluated), unit
// and statistic (absent when unset, so math alarms have neither), period,
// recentDatapoints (the values decided on, oldest first), threshold, and
// evaluatedDatapoints (the points behind the verdict, newest first; a
// period without data has only its timestamp). Band alarms carry
// recentLowerThresholds and recentUpperThresholds instead of threshold
// (unverified). An extended statistic is written as "statistic" too
// (unverified).
func reasonData(def *Definition, now, start time.Time, pool, listed []point, empty []time.Time) string {
	var b strings.Builder
	b.WriteString(`{"version":"1.0","queryDate":"`)
	b.WriteString(jsonDate(now))
	b.WriteString(`"`)
	if !start.IsZero() {
		b.WriteString(`,"startDate":"` + jsonDate(start) + `"`)
	}
	if def.Unit != "" && len(def.Metrics) == 0 {
		b.WriteString(`,"unit":`)
		writeJSONString(&b, def.Unit)
	}
	if s := def.stat(); s != "" && len(def.Metrics) == 0 {
		b.WriteString(`,"statistic":`)
		writeJSONString(&b, s)
	}
	b.WriteString(`,"period":` + strconv.Itoa(int(periodOf(def))))
	writeNumbers(&b, "recentDatapoints", pool, func(p point) float64 { return p.dp.Value })
	if isBand(def.ComparisonOperator) {
		writeNumbers(&b, "recentLowerThresholds", pool, func(p point) float64 { return p.dp.Lower })
		writeNumbers(&b, "recentUpperThresholds", pool, func(p point) float64 { return p.dp.Upper })
	} else {
		b.WriteString(`,"threshold":` + formatNumber(def.Threshold))
	}
	type entry struct {
		t  time.Time
		pt *point
	}
	var entries []entry
	for i := range listed {
		entries = append(entries, entry{listed[i].dp.Timestamp, &listed[i]})
	}
	for _, t := range empty {
		entries = append(entries, entry{t: t})
	}
	if len(entries) > 0 {
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].t.After(entries[j].t) })
		b.WriteString(`,"evaluatedDatapoints":[`)
		for i, e := range entries {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"timestamp":"` + jsonDate(e.t) + `"`)
			if e.pt != nil {
				if e.pt.dp.SampleCount > 0 {
					b.WriteString(`,"sampleCount":` + formatNumber(e.pt.dp.SampleCount))
				}
				b.WriteString(`,"value":` + formatNumber(e.pt.dp.Value))
			}
			b.WriteString("}")
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

func writeNumbers(b *strings.Builder, key string, pool []point, f func(point) float64) {
	b.WriteString(`,"` + key + `":[`)
	for i, p := range pool {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(formatNumber(f(p)))
	}
	b.WriteString("]")
}

// writeJSONString writes s as a JSON string without escaping <, > and &,
// as Jackson does not.
func writeJSONString(b *strings.Builder, s string) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
}

func validJSON(s string) bool { return json.Valid([]byte(s)) }
