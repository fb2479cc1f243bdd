package storage

import (
	"math"
	"regexp"
	"strconv"
)

// ExtendedStatistic is a parsed extended statistic (reference/cloudwatch-metrics.md
// §4): a percentile, or a trimmed/winsorized mean, trimmed count or sum,
// or percentile rank over a range of ranks (Percent) or of values.
type ExtendedStatistic struct {
	Kind string // "p", "TM", "WM", "TC", "TS", "PR"
	// P is the percentile of a "p" statistic, 0–100.
	P float64
	// Lo and Hi bound the range; HasLo/HasHi say whether a side was given.
	// With Percent they are ranks in percent, else absolute values
	// (lower excluded, upper included).
	Lo, Hi       float64
	HasLo, HasHi bool
	Percent      bool
}

var (
	rePercentile = regexp.MustCompile(`^p(\d{1,3}(?:\.\d{1,10})?)$`)
	reShort      = regexp.MustCompile(`^(tm|wm|tc|ts)(\d{1,3}(?:\.\d{1,10})?)$`)
	reRange      = regexp.MustCompile(`^(TM|WM|TC|TS|PR)\(([^:()]*):([^:()]*)\)$`)
	rePercentArg = regexp.MustCompile(`^\d{1,3}(?:\.\d{1,10})?%$`)
)

// ParseExtendedStatistic parses an extended statistic; ok is false when s is not one.
func ParseExtendedStatistic(s string) (ExtendedStatistic, bool) {
	if m := rePercentile.FindStringSubmatch(s); m != nil {
		p, _ := strconv.ParseFloat(m[1], 64)
		return ExtendedStatistic{Kind: "p", P: p}, p <= 100
	}
	if s == "IQM" {
		return ExtendedStatistic{Kind: "TM", Lo: 25, Hi: 75, HasLo: true, HasHi: true, Percent: true}, true
	}
	if m := reShort.FindStringSubmatch(s); m != nil {
		p, _ := strconv.ParseFloat(m[2], 64)
		kinds := map[string]string{"tm": "TM", "wm": "WM", "tc": "TC", "ts": "TS"}
		// One bare number means (:NN%): drop the top.
		return ExtendedStatistic{Kind: kinds[m[1]], Hi: p, HasHi: true, Percent: true}, p <= 100
	}
	m := reRange.FindStringSubmatch(s)
	if m == nil || (m[2] == "" && m[3] == "") {
		return ExtendedStatistic{}, false
	}
	e := ExtendedStatistic{Kind: m[1]}
	pct := [2]bool{}
	for i, arg := range []string{m[2], m[3]} {
		if arg == "" {
			continue
		}
		var v float64
		if rePercentArg.MatchString(arg) {
			pct[i] = true
			v, _ = strconv.ParseFloat(arg[:len(arg)-1], 64)
			if v > 100 {
				return ExtendedStatistic{}, false
			}
		} else {
			f, err := strconv.ParseFloat(arg, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return ExtendedStatistic{}, false
			}
			v = f
		}
		if i == 0 {
			e.Lo, e.HasLo = v, true
		} else {
			e.Hi, e.HasHi = v, true
		}
	}
	// Both given sides must agree on the form; PR takes values only.
	switch {
	case e.HasLo && e.HasHi && pct[0] != pct[1]:
		return ExtendedStatistic{}, false
	case e.Kind == "PR" && (pct[0] || pct[1]):
		return ExtendedStatistic{}, false
	}
	e.Percent = pct[0] || pct[1]
	if e.HasLo && e.HasHi && e.Lo > e.Hi {
		return ExtendedStatistic{}, false
	}
	return e, true
}

// Eval computes e over b. ok is false when the statistic has no value for
// the bucket: no sketch (percentiles unavailable) or nothing in range.
func (e ExtendedStatistic) Eval(b Aggregate) (float64, bool) {
	if b.Empty() || b.Sketch == nil {
		return 0, false
	}
	clamp := func(v float64) float64 { return math.Min(math.Max(v, b.Minimum), b.Maximum) }
	if e.Kind == "p" {
		v, ok := b.Sketch.Quantile(e.P / 100)
		return clamp(v), ok
	}
	ps := b.Sketch.points()
	for i := range ps {
		ps[i].v = clamp(ps[i].v)
	}
	total := b.Sketch.Total()
	// weights[i] is how much of point i lies inside the range.
	in := make([]float64, len(ps))
	var loVal, hiVal float64 // the bounds as values, for WM
	if e.Percent {
		lo, hi := 0.0, total
		if e.HasLo {
			lo = e.Lo / 100 * total
		}
		if e.HasHi {
			hi = e.Hi / 100 * total
		}
		cum := 0.0
		for i, p := range ps {
			c0, c1 := cum, cum+p.w
			cum = c1
			in[i] = math.Max(0, math.Min(c1, hi)-math.Max(c0, lo))
		}
		loVal, _ = b.Sketch.Quantile(lo / total)
		hiVal, _ = b.Sketch.Quantile(hi / total)
		loVal, hiVal = clamp(loVal), clamp(hiVal)
	} else {
		loVal, hiVal = math.Inf(-1), math.Inf(1)
		if e.HasLo {
			loVal = e.Lo
		}
		if e.HasHi {
			hiVal = e.Hi
		}
		for i, p := range ps {
			if p.v > loVal && p.v <= hiVal {
				in[i] = p.w
			}
		}
	}
	var cnt, sum float64
	for i, p := range ps {
		cnt += in[i]
		sum += in[i] * p.v
	}
	switch e.Kind {
	case "TC":
		return cnt, true
	case "PR":
		return 100 * cnt / total, true
	case "TS":
		return sum, cnt > 0
	case "TM":
		if cnt == 0 {
			return 0, false
		}
		return sum / cnt, true
	case "WM":
		// Values outside the range count as the bound they lie beyond.
		ws := 0.0
		for _, p := range ps {
			ws += p.w * math.Min(math.Max(p.v, loVal), hiVal)
		}
		return ws / total, true
	}
	return 0, false
}
