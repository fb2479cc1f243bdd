package alarm

// breaches reports whether one datapoint crosses the alarm's threshold:
// the statistic is the left operand (§10.2), the band's bounds stand in
// for the threshold with the anomaly operators.
func breaches(def *Definition, dp Datapoint) bool {
	v, t := dp.Value, def.Threshold
	switch def.ComparisonOperator {
	case GreaterThanOrEqualToThreshold:
		return v >= t
	case GreaterThanThreshold:
		return v > t
	case LessThanThreshold:
		return v < t
	case LessThanOrEqualToThreshold:
		return v <= t
	case LessThanLowerOrGreaterThanUpperThreshold:
		return v < dp.Lower || v > dp.Upper
	case LessThanLowerThreshold:
		return v < dp.Lower
	case GreaterThanUpperThreshold:
		return v > dp.Upper
	}
	return false
}

// decide is the M-out-of-N procedure of the CloudWatch User Guide
// (reference §10.2) over the slots of the evaluation range, oldest first,
// nil where the period has no datapoint:
//
//  1. at least N real datapoints in the range: the N most recent decide,
//     TreatMissingData is not consulted;
//  2. some but fewer than N: all of them decide; breaching and
//     notBreaching fill the remaining slots up to N with breaching or good
//     points, as few as possible; missing and ignore fill nothing, go to
//     ALARM on M breaching points, to OK when any real point in the range
//     is good, and otherwise wait — except that missing alarms early when
//     the oldest breaching point of the last N slots is at least M slots
//     old (the premature-alarm rule), where ignore waits too;
//  3. none: missing gives INSUFFICIENT_DATA, ignore keeps the state,
//     breaching and notBreaching fill all N slots.
//
// The rule "any good real point gives OK" is what makes the User Guide's
// table hold for "0 - X - -" with M = 2, which the premature-alarm prose
// alone would put in ALARM; that table is the oracle (TestUserGuideTable).
// "Wait" — the state stays — is the choice for the cases the guide leaves
// open, such as "- - - - X" with M = N = 3 (unverified).
func decide(def *Definition, current StateValue, slots []*Datapoint) outcome {
	n, m := def.N(), def.M()
	var real []point
	for i, dp := range slots {
		if dp != nil {
			real = append(real, point{slot: i, dp: *dp, breaching: breaches(def, *dp)})
		}
	}
	mode := def.missingMode()
	if len(real) >= n {
		pool := real[len(real)-n:]
		return verdict(pool, nil, false, m)
	}
	if len(real) == 0 {
		switch mode {
		case MissingDataMissing:
			return outcome{value: StateInsufficientData, unknown: true}
		case MissingDataIgnore:
			return outcome{keep: true}
		}
		filled := newestMissing(slots, n)
		return verdict(nil, filled, mode == MissingDataBreaching, m)
	}
	switch mode {
	case MissingDataBreaching, MissingDataNotBreaching:
		filled := newestMissing(slots, n-len(real))
		return verdict(real, filled, mode == MissingDataBreaching, m)
	}
	bad := 0
	for _, p := range real {
		if p.breaching {
			bad++
		}
	}
	if bad >= m || bad < len(real) {
		return verdict(real, nil, false, m)
	}
	// Every real point breaches but fewer than M of them: the
	// premature-alarm rule. Slot ages count from 1 for the newest.
	for i := len(slots) - n; i < len(slots); i++ {
		if slots[i] == nil {
			continue
		}
		if age := len(slots) - i; age >= m && mode == MissingDataMissing {
			return outcome{value: StateAlarm, pool: real}
		}
		break
	}
	return outcome{keep: true}
}

// verdict decides on a pool of real points plus filled slots.
func verdict(pool []point, filled []int, fillBreaching bool, m int) outcome {
	bad := 0
	for _, p := range pool {
		if p.breaching {
			bad++
		}
	}
	if fillBreaching {
		bad += len(filled)
	}
	v := StateOK
	if bad >= m {
		v = StateAlarm
	}
	return outcome{value: v, pool: pool, filled: filled, fillBreaching: fillBreaching}
}

// newestMissing returns the k newest missing slots, oldest first: the
// fillers of TreatMissingData stand for the most recent gaps.
func newestMissing(slots []*Datapoint, k int) []int {
	var idx []int
	for i := len(slots) - 1; i >= 0 && len(idx) < k; i-- {
		if slots[i] == nil {
			idx = append(idx, i)
		}
	}
	for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx
}

// lowSample reports whether a datapoint the alarm decides on has too few
// samples for its percentile (§10.3): fewer than 10/(1-p) for p in
// [0.5, 1), fewer than 10/p for p in (0, 0.5). p0 and p100 are the minimum
// and maximum, meaningful with any count (unverified).
func lowSample(def *Definition, pool []point) bool {
	p, ok := def.percentile()
	if !ok || p <= 0 || p >= 100 {
		return false
	}
	// In percent, so that p90 needs exactly 100 samples, not 1 - 0.9's
	// rounding of it.
	need := 1000 / p
	if p >= 50 {
		need = 1000 / (100 - p)
	}
	for _, pt := range pool {
		if pt.dp.SampleCount < need {
			return true
		}
	}
	return false
}
