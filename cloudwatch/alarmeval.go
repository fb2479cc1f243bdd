package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/storage"
)

// evalPage is how many alarms an evaluation pass reads, evaluates and
// writes together: one metric read, one state write and one history
// write a page, rather than one of each an alarm.
const evalPage = 500

// EvaluateAlarms evaluates every metric alarm of every account at now
// with alarm.Evaluate over the datapoints storage holds (§10), stores
// changed states with their history and runs the actions; then the
// composite alarms above the alarms that changed follow, and composites
// run the actions they held while suppressed once that has run out (§14).
// changed counts both kinds. Alarms are evaluated
// every minute whatever their period (§10.1). An alarm that fails to
// evaluate does not stop the others; the first error is returned.
func (s *Service) EvaluateAlarms(ctx context.Context, now time.Time) (evaluated, changed int, err error) {
	store, err := s.alarmStore()
	if err != nil {
		return 0, 0, err
	}
	var (
		after             storage.AlarmKey
		firstErr          error
		moved, composites []storage.AlarmKey
	)
	for {
		batch, err := store.AllAlarms(ctx, after, evalPage)
		if err != nil {
			return evaluated, changed, err
		}
		var metricAlarms []storage.StoredAlarm
		for _, a := range batch {
			after = storage.AlarmKey{Account: a.Account, Region: a.Region, Name: a.Name}
			if isComposite(a.Data) {
				// Composites move with their children, below.
				composites = append(composites, after)
				continue
			}
			metricAlarms = append(metricAlarms, a)
		}
		n, ch, err := s.evaluatePage(ctx, metricAlarms, now)
		evaluated += n
		changed += len(ch)
		moved = append(moved, ch...)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if len(batch) < evalPage {
			n, err := s.compositesAfterPass(ctx, moved, composites, now)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			return evaluated, changed + n, firstErr
		}
	}
}

// evaluation is one metric alarm's way through a page.
type evaluation struct {
	alarm storage.StoredAlarm
	rec   *alarmRecord
	// read is the index of the alarm's range in the page's metric read,
	// -1 for metric-math alarms, which read their own.
	read int
	res  alarm.Result
	// written is the record as stored with its new state; nil when the
	// state did not change or the alarm changed meanwhile.
	written *alarmRecord
}

// evaluatePage evaluates metric alarms: one read of every single-metric
// alarm's data, then one write of every changed state, then one of their
// history. It returns how many were evaluated, those whose state it
// changed and the first error; an alarm that fails does not stop the
// others.
func (s *Service) evaluatePage(ctx context.Context, page []storage.StoredAlarm, now time.Time) (evaluated int, moved []storage.AlarmKey, firstErr error) {
	fail := func(a storage.StoredAlarm, err error) {
		if firstErr == nil {
			firstErr = fmt.Errorf("evaluate alarm %s in %s/%s: %w", a.Name, a.Account, a.Region, err)
		}
	}
	var (
		evs   []*evaluation
		reads []storage.MetricRead
	)
	for _, a := range page {
		rec, err := decodeAlarm(a.Data)
		if err != nil {
			fail(a, err)
			continue
		}
		ev := &evaluation{alarm: a, rec: rec, read: -1}
		if len(rec.Def.Metrics) == 0 {
			ev.read = len(reads)
			reads = append(reads, metricRead(a.Account, a.Region, &rec.Def, now))
		}
		evs = append(evs, ev)
	}
	buckets, err := s.metrics.ReadMetrics(ctx, reads)
	if err != nil {
		return 0, nil, fmt.Errorf("evaluate alarms: %w", err)
	}
	var changed []*evaluation
	for _, ev := range evs {
		var dps []alarm.Datapoint
		if ev.read >= 0 {
			dps, err = datapoints(&ev.rec.Def, now, buckets[ev.read])
		} else {
			dps, err = s.mathDatapoints(ctx, ev.alarm.Account, ev.alarm.Region, &ev.rec.Def, now)
		}
		if err != nil {
			fail(ev.alarm, err)
			continue
		}
		evaluated++
		ev.res = alarm.Evaluate(&ev.rec.Def, ev.rec.State, now, dps)
		if ev.res.Changed {
			changed = append(changed, ev)
		}
	}
	if len(changed) == 0 {
		return evaluated, nil, firstErr
	}
	keys := make([]storage.AlarmKey, len(changed))
	for i, ev := range changed {
		keys[i] = storage.AlarmKey{Account: ev.alarm.Account, Region: ev.alarm.Region, Name: ev.alarm.Name}
	}
	err = s.alarms.UpdateAlarms(ctx, keys, func(i int, data []byte) []byte {
		ev := changed[i]
		r := ev.rec
		if !bytes.Equal(data, ev.alarm.Data) {
			// Changed since the page was read: decode what is there.
			var err error
			if r, err = decodeAlarm(data); err != nil {
				fail(ev.alarm, err)
				return nil
			}
		}
		// A PutMetricAlarm or SetAlarmState in between wins: the
		// evaluation was made on what they replaced.
		if !r.ConfigUpdated.Equal(ev.rec.ConfigUpdated) || !r.State.UpdatedTimestamp.Equal(ev.rec.State.UpdatedTimestamp) {
			return nil
		}
		r.State = ev.res.State
		ev.written = r
		return encodeAlarm(r)
	})
	if err != nil {
		// Nothing was written: the changed alarms were not evaluated.
		return evaluated - len(changed), nil, fmt.Errorf("evaluate alarms: %w", err)
	}
	var items []storage.AlarmHistoryRecord
	for i, ev := range changed {
		if ev.written == nil {
			continue
		}
		moved = append(moved, keys[i])
		items = append(items, s.transitionHistory(ctx, ev.alarm.Account, ev.alarm.Region, ev.written, ev.res)...)
	}
	if err := s.alarms.AddAlarmHistory(ctx, items); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("evaluate alarms: %w", err)
	}
	return evaluated, moved, firstErr
}

// metricRead is the range of its metric that a single-metric alarm
// evaluated at now reads.
func metricRead(account, region string, def *alarm.Definition, now time.Time) storage.MetricRead {
	rg := alarm.EvaluationRange(def, now)
	m := storage.Metric{Namespace: def.Namespace, Name: def.MetricName}
	for _, d := range def.Dimensions {
		m.Dimensions = append(m.Dimensions, storage.Dimension{Name: d.Name, Value: d.Value})
	}
	return storage.MetricRead{Account: account, Region: region, Metric: m, Start: rg.Start, End: rg.End}
}

// datapoints computes the alarm's statistic for each period of its
// evaluation range at now that has data, from the buckets its
// metricRead returned. Data of every unit count when the alarm names none.
func datapoints(def *alarm.Definition, now time.Time, buckets []storage.MetricBucket) ([]alarm.Datapoint, error) {
	rg := alarm.EvaluationRange(def, now)
	var ext storage.ExtendedStatistic
	if def.ExtendedStatistic != "" {
		var ok bool
		if ext, ok = storage.ParseExtendedStatistic(def.ExtendedStatistic); !ok {
			return nil, fmt.Errorf("bad extended statistic %q", def.ExtendedStatistic)
		}
	}
	aggs := make([]*storage.Aggregate, rg.Slots)
	for _, b := range buckets {
		if def.Unit != "" && b.Unit != def.Unit {
			continue
		}
		i := int(b.Time.Sub(rg.Start) / rg.Period)
		if i < 0 || i >= rg.Slots {
			continue
		}
		if aggs[i] == nil {
			aggs[i] = &storage.Aggregate{}
		}
		aggs[i].Merge(b.Agg)
	}
	var out []alarm.Datapoint
	for i, ag := range aggs {
		if ag == nil || ag.SampleCount == 0 {
			continue
		}
		dp := alarm.Datapoint{Timestamp: rg.Start.Add(time.Duration(i) * rg.Period), SampleCount: ag.SampleCount}
		if def.ExtendedStatistic != "" {
			v, ok := ext.Eval(*ag)
			if !ok {
				continue
			}
			dp.Value = v
		} else {
			dp.Value = basic(def.Statistic, *ag)
		}
		out = append(out, dp)
	}
	return out, nil
}

// afterTransition records a state change and runs its actions.
func (s *Service) afterTransition(ctx context.Context, account, region string, rec *alarmRecord, res alarm.Result) error {
	return s.alarms.AddAlarmHistory(ctx, s.transitionHistory(ctx, account, region, rec, res))
}

// transitionHistory runs the actions of a state change and returns its
// history: the StateUpdate item and one Action item per action.
func (s *Service) transitionHistory(ctx context.Context, account, region string, rec *alarmRecord, res alarm.Result) []storage.AlarmHistoryRecord {
	if res.History == nil {
		return nil
	}
	h := res.History
	items := []storage.AlarmHistoryRecord{{Account: account, Region: region, AlarmName: h.AlarmName, AlarmType: h.AlarmType,
		Time: h.Timestamp, ItemType: h.HistoryItemType, Summary: h.HistorySummary, Data: h.HistoryData}}
	if len(res.Actions) > 0 {
		old := ""
		// "Alarm updated from OLD to NEW"
		if f := strings.Fields(h.HistorySummary); len(f) == 6 {
			old = f[3]
		}
		items = append(items, s.runActions(ctx, account, region, rec, res.State, old, res.Actions)...)
	}
	return items
}

// runActions runs the actions of an alarm now in state st (which it
// entered from old) and returns their Action history items. Only SNS
// actions can be run here; the others (EC2, Auto Scaling, Lambda, Systems
// Manager) name resources trailwatch does not have and are recorded as
// failed.
func (s *Service) runActions(ctx context.Context, account, region string, rec *alarmRecord, st alarm.State, old string, actions []string) []storage.AlarmHistoryRecord {
	var msg, subject string
	if rec.Composite != nil {
		msg, subject = compositeNotification(account, region, rec, st, old)
	} else {
		msg, subject = notification(account, region, rec, st, old)
	}
	var items []storage.AlarmHistoryRecord
	for _, arn := range actions {
		err := fmt.Errorf("action %s is not supported by this server", arn)
		if strings.HasPrefix(arn, "arn:aws:sns:") && s.publish != nil {
			err = s.publish(ctx, account, arn, subject, msg)
		}
		items = append(items, actionHistory(account, region, rec, arn, msg, err, s.now().UTC()))
	}
	return items
}

// actionHistory is the Action item of one executed action. The summary is
// CloudWatch's "Successfully executed action <arn>"; the failure wording and
// the HistoryData fields are unverified.
func actionHistory(account, region string, rec *alarmRecord, arn, msg string, err error, now time.Time) storage.AlarmHistoryRecord {
	data := map[string]any{"actionState": "Succeeded", "stateUpdateTimestamp": rec.State.UpdatedTimestamp.UnixMilli(),
		"notificationResource": arn, "publishedMessage": msg}
	summary := "Successfully executed action " + arn
	if err != nil {
		data = map[string]any{"actionState": "Failed", "stateUpdateTimestamp": rec.State.UpdatedTimestamp.UnixMilli(),
			"notificationResource": arn, "error": err.Error()}
		summary = "Failed to execute action " + arn
	}
	b, _ := json.Marshal(data)
	return storage.AlarmHistoryRecord{Account: account, Region: region, AlarmName: rec.Def.Name, AlarmType: rec.alarmType(),
		Time: now, ItemType: "Action", Summary: summary, Data: string(b)}
}

// regionNames are the long region names alarm notifications carry (§13.1).
var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
	"us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
	"af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
	"ap-south-1": "Asia Pacific (Mumbai)", "ap-south-2": "Asia Pacific (Hyderabad)",
	"ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-southeast-3": "Asia Pacific (Jakarta)", "ap-southeast-4": "Asia Pacific (Melbourne)",
	"ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-northeast-3": "Asia Pacific (Osaka)", "ca-central-1": "Canada (Central)",
	"ca-west-1": "Canada West (Calgary)", "eu-central-1": "EU (Frankfurt)",
	"eu-central-2": "EU (Zurich)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)",
	"eu-west-3": "EU (Paris)", "eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)",
	"eu-south-2": "EU (Spain)", "il-central-1": "Israel (Tel Aviv)",
	"me-south-1": "Middle East (Bahrain)", "me-central-1": "Middle East (UAE)",
	"sa-east-1": "South America (Sao Paulo)",
}

func regionName(r string) string {
	if n, ok := regionNames[r]; ok {
		return n
	}
	return r
}

func notifyDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// notification is the SNS message and subject of a metric alarm's state
// change (§13.1). Field order follows AWS's recorded messages.
func notification(account, region string, rec *alarmRecord, st alarm.State, old string) (msg, subject string) {
	d := &rec.Def
	type dim struct {
		Value string `json:"value"`
		Name  string `json:"name"`
	}
	type trigger struct {
		MetricName                       string  `json:"MetricName"`
		Namespace                        string  `json:"Namespace"`
		StatisticType                    string  `json:"StatisticType"`
		Statistic                        string  `json:"Statistic,omitempty"`
		ExtendedStatistic                string  `json:"ExtendedStatistic,omitempty"`
		Unit                             *string `json:"Unit"`
		Dimensions                       []dim   `json:"Dimensions"`
		Period                           int32   `json:"Period"`
		EvaluationPeriods                int32   `json:"EvaluationPeriods"`
		DatapointsToAlarm                int32   `json:"DatapointsToAlarm,omitempty"`
		ComparisonOperator               string  `json:"ComparisonOperator"`
		Threshold                        float64 `json:"Threshold"`
		TreatMissingData                 string  `json:"TreatMissingData"`
		EvaluateLowSampleCountPercentile string  `json:"EvaluateLowSampleCountPercentile"`
	}
	t := trigger{MetricName: d.MetricName, Namespace: d.Namespace, StatisticType: "Statistic", Dimensions: []dim{},
		Period: d.Period, EvaluationPeriods: d.EvaluationPeriods, DatapointsToAlarm: d.DatapointsToAlarm,
		ComparisonOperator: d.ComparisonOperator, Threshold: d.Threshold, TreatMissingData: d.TreatMissingData,
		EvaluateLowSampleCountPercentile: d.EvaluateLowSampleCountPercentile}
	if d.ExtendedStatistic != "" {
		t.StatisticType, t.ExtendedStatistic = "ExtendedStatistic", d.ExtendedStatistic
	} else {
		t.Statistic = upperSnake(d.Statistic)
	}
	if d.Unit != "" {
		t.Unit = &d.Unit
	}
	for _, x := range d.Dimensions {
		t.Dimensions = append(t.Dimensions, dim{Value: x.Value, Name: x.Name})
	}
	body := struct {
		AlarmName                          string   `json:"AlarmName"`
		AlarmDescription                   *string  `json:"AlarmDescription"`
		AWSAccountID                       string   `json:"AWSAccountId"`
		AlarmConfigurationUpdatedTimestamp string   `json:"AlarmConfigurationUpdatedTimestamp"`
		NewStateValue                      string   `json:"NewStateValue"`
		NewStateReason                     string   `json:"NewStateReason"`
		StateChangeTime                    string   `json:"StateChangeTime"`
		Region                             string   `json:"Region"`
		AlarmArn                           string   `json:"AlarmArn"`
		OldStateValue                      string   `json:"OldStateValue"`
		OKActions                          []string `json:"OKActions"`
		AlarmActions                       []string `json:"AlarmActions"`
		InsufficientDataActions            []string `json:"InsufficientDataActions"`
		Trigger                            any      `json:"Trigger"`
	}{
		AlarmName: d.Name, AWSAccountID: account, AlarmConfigurationUpdatedTimestamp: notifyDate(rec.ConfigUpdated),
		NewStateValue: string(st.Value), NewStateReason: st.Reason, StateChangeTime: notifyDate(st.UpdatedTimestamp),
		Region: regionName(region), AlarmArn: d.ARN, OldStateValue: old,
		OKActions: nonNil(d.OKActions), AlarmActions: nonNil(d.AlarmActions), InsufficientDataActions: nonNil(d.InsufficientDataActions),
		Trigger: t,
	}
	if d.Description != "" {
		body.AlarmDescription = &d.Description
	}
	if len(d.Metrics) > 0 {
		body.Trigger = mathTrigger(d, int32(alarm.EvaluationRange(d, rec.State.UpdatedTimestamp).Period/time.Second))
	}
	// AWS writes <, > and & as they are.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		panic("BUG: cloudwatch: encode notification: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n"), notificationSubject(string(st.Value), d.Name, region)
}

// notificationSubject is `ALARM: "name" in US East (N. Virginia)`, cut
// to SNS's 100 characters.
func notificationSubject(state, name, region string) string {
	subject := state + `: "` + name + `" in ` + regionName(region)
	if r := []rune(subject); len(r) > 100 {
		subject = string(r[:100])
	}
	return subject
}

// upperSnake writes a statistic the way notifications do: SampleCount is
// SAMPLE_COUNT.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
