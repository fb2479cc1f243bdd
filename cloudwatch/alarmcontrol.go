package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// DescribeAlarmHistoryInput is DescribeAlarmHistory's request.
type DescribeAlarmHistoryInput struct {
	AlarmName          string    `json:"AlarmName" min:"1" max:"255"`
	AlarmContributorID string    `json:"AlarmContributorId" min:"1" max:"1024"`
	AlarmTypes         []string  `json:"AlarmTypes" enum:"CompositeAlarm|MetricAlarm"`
	HistoryItemType    string    `json:"HistoryItemType" enum:"ConfigurationUpdate|StateUpdate|Action|AlarmContributorStateUpdate|AlarmContributorAction"`
	StartDate          time.Time `json:"StartDate"`
	EndDate            time.Time `json:"EndDate"`
	MaxRecords         *int32    `json:"MaxRecords" min:"1" max:"100"`
	NextToken          string    `json:"NextToken"`
	ScanBy             string    `json:"ScanBy" enum:"TimestampDescending|TimestampAscending"`
}

// DescribeAlarmHistoryOutput is DescribeAlarmHistory's result.
type DescribeAlarmHistoryOutput struct {
	AlarmHistoryItems []AlarmHistoryItem `json:"AlarmHistoryItems"`
	NextToken         string             `json:"NextToken"`
}

// AlarmHistoryItem is one history item.
type AlarmHistoryItem struct {
	AlarmName       string    `json:"AlarmName"`
	AlarmType       string    `json:"AlarmType"`
	Timestamp       time.Time `json:"Timestamp"`
	HistoryItemType string    `json:"HistoryItemType"`
	HistorySummary  string    `json:"HistorySummary"`
	HistoryData     string    `json:"HistoryData"`
}

type historyToken struct {
	Time  int64  `json:"t"`
	ID    int64  `json:"i"`
	Query string `json:"q"`
}

func historyDigest(in *DescribeAlarmHistoryInput) string {
	b, _ := json.Marshal([]any{in.AlarmName, in.AlarmContributorID, in.AlarmTypes, in.HistoryItemType, in.StartDate, in.EndDate, in.ScanBy})
	return string(b)
}

// DescribeAlarmHistory pages through history, newest first unless ScanBy
// says TimestampAscending. History outlives its alarm (§9.2).
func (s *Service) DescribeAlarmHistory(ctx context.Context, in *DescribeAlarmHistoryInput) (*DescribeAlarmHistoryOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	out := &DescribeAlarmHistoryOutput{AlarmHistoryItems: []AlarmHistoryItem{}}
	if in.AlarmContributorID != "" || in.HistoryItemType == "AlarmContributorStateUpdate" || in.HistoryItemType == "AlarmContributorAction" {
		// Contributors belong to multi-series Insights alarms, which
		// do not exist here.
		return out, nil
	}
	limit := historyPage
	if in.MaxRecords != nil {
		limit = int(*in.MaxRecords)
	}
	types := in.AlarmTypes
	if len(types) == 0 {
		// "If you omit this parameter, only metric alarms are returned."
		types = []string{"MetricAlarm"}
	}
	q := storage.AlarmHistoryQuery{Account: c.AccountID, Region: c.Region, AlarmName: in.AlarmName, AlarmTypes: types,
		ItemType: in.HistoryItemType, Start: in.StartDate, End: in.EndDate, Oldest: in.ScanBy == "TimestampAscending", Limit: limit + 1}
	if in.NextToken != "" {
		var tok historyToken
		if !decodeToken(in.NextToken, &tok) || tok.Query != historyDigest(in) || tok.ID == 0 {
			return nil, awsNextToken()
		}
		q.After = &storage.AlarmHistoryRecord{Time: time.Unix(0, tok.Time), ID: tok.ID}
	}
	recs, err := store.ListAlarmHistory(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(recs) > limit {
		last := recs[limit-1]
		out.NextToken = encodeToken(historyToken{Time: last.Time.UnixNano(), ID: last.ID, Query: historyDigest(in)})
		recs = recs[:limit]
	}
	for _, r := range recs {
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, AlarmHistoryItem{AlarmName: r.AlarmName, AlarmType: r.AlarmType,
			Timestamp: r.Time, HistoryItemType: r.ItemType, HistorySummary: r.Summary, HistoryData: r.Data})
	}
	return out, nil
}

// SetAlarmStateInput is SetAlarmState's request.
type SetAlarmStateInput struct {
	AlarmName       string `json:"AlarmName" required:"true" min:"1" max:"255"`
	StateValue      string `json:"StateValue" required:"true" enum:"INSUFFICIENT_DATA|ALARM|OK"`
	StateReason     string `json:"StateReason" required:"true" max:"1023"`
	StateReasonData string `json:"StateReasonData" max:"4000"`
}

// SetAlarmStateOutput is SetAlarmState's (empty) result.
type SetAlarmStateOutput struct{}

func resourceNotFound(format string, args ...any) *awserr.Error {
	return awserr.New("ResourceNotFound", http.StatusNotFound, format, args...)
}

// SetAlarmState sets an alarm's state until its next evaluation (for a
// composite alarm, until a child changes or its configuration is
// updated); a change fires the new state's actions, is recorded and moves
// the composite alarms above it (§9.2, §14).
func (s *Service) SetAlarmState(ctx context.Context, in *SetAlarmStateInput) (*SetAlarmStateOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	if in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)) {
		return nil, awserr.New("InvalidFormat", http.StatusBadRequest, "Invalid value for StateReasonData: must be valid JSON.")
	}
	now := s.now().UTC()
	var (
		res alarm.Result
		rec *alarmRecord
	)
	err = store.UpdateAlarm(ctx, c.AccountID, c.Region, in.AlarmName, func(data []byte) ([]byte, error) {
		r, err := decodeAlarm(data)
		if err != nil {
			return nil, err
		}
		d := &r.Def
		res = alarm.SetState(d.Name, r.alarmType(), d.ActionsEnabled, d.OKActions, d.AlarmActions, d.InsufficientDataActions,
			r.State, alarm.StateValue(in.StateValue), in.StateReason, in.StateReasonData, now)
		if r.Composite != nil && res.Changed {
			if r.Composite.Suppressor != "" {
				r.Composite.Suppression.Transitioned(r.Composite.suppressor(), &res, now)
			}
			r.Composite.PreviousValue = r.State.Value
		}
		r.State = res.State
		rec = r
		return encodeAlarm(r), nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, resourceNotFound("Alarm %s not found", in.AlarmName)
	}
	if err != nil {
		return nil, err
	}
	if err := s.afterTransition(ctx, c.AccountID, c.Region, rec, res); err != nil {
		return nil, err
	}
	if res.Changed {
		// The composites above the alarm follow it at once (§14).
		g, err := s.loadRegion(ctx, c.AccountID, c.Region)
		if err != nil {
			return nil, err
		}
		if _, err := s.settle(ctx, g, []string{in.AlarmName}, now); err != nil {
			return nil, err
		}
	}
	return &SetAlarmStateOutput{}, nil
}

// DeleteAlarmsInput is DeleteAlarms' request.
type DeleteAlarmsInput struct {
	AlarmNames []string `json:"AlarmNames" required:"true" max:"100"`
}

// DeleteAlarmsOutput is DeleteAlarms' (empty) result.
type DeleteAlarmsOutput struct{}

// DeleteAlarms deletes the named alarms; unknown names are skipped (§9.2).
// Their history stays. At most one of them may be a composite alarm, and
// an alarm that a composite alarm's rule references cannot be deleted
// unless that composite goes in the same call: then nothing is deleted
// and the error names them, as AWS words it ("Cannot delete a,b as there
// are composite alarm(s) depending on them.").
func (s *Service) DeleteAlarms(ctx context.Context, in *DeleteAlarmsInput) (*DeleteAlarmsOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	now := s.now().UTC()
	g, err := s.loadRegion(ctx, c.AccountID, c.Region)
	if err != nil {
		return nil, err
	}
	names := slices.Compact(slices.Sorted(slices.Values(in.AlarmNames)))
	var (
		composites int
		blocked    []string
	)
	for _, name := range names {
		r, ok := g.recs[name]
		if !ok {
			continue
		}
		if r.Composite != nil {
			composites++
		}
		for _, p := range g.parents[name] {
			if !slices.Contains(names, p) {
				blocked = append(blocked, name)
				break
			}
		}
	}
	if composites > 1 {
		// The limit is documented; the wording is unverified.
		return nil, validationError("You can delete at most one composite alarm in one request.")
	}
	if len(blocked) > 0 {
		word := "it"
		if len(blocked) > 1 {
			word = "them"
		}
		return nil, validationError("Cannot delete %s as there are composite alarm(s) depending on %s.", strings.Join(blocked, ","), word)
	}
	var hist []storage.AlarmHistoryRecord
	for _, name := range names {
		a, err := store.GetAlarm(ctx, c.AccountID, c.Region, name)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rec, err := decodeAlarm(a.Data)
		if err != nil {
			return nil, err
		}
		if err := store.DeleteAlarm(ctx, c.AccountID, c.Region, name); errors.Is(err, storage.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		hist = append(hist, configHistory(c, rec, "Delete", "deleted", now))
	}
	if err := store.AddAlarmHistory(ctx, hist); err != nil {
		return nil, err
	}
	return &DeleteAlarmsOutput{}, nil
}

// AlarmNamesInput is EnableAlarmActions' and DisableAlarmActions' request.
type AlarmNamesInput struct {
	AlarmNames []string `json:"AlarmNames" required:"true" max:"100"`
}

// AlarmActionsOutput is their (empty) result.
type AlarmActionsOutput struct{}

// EnableAlarmActions turns the named alarms' actions on; unknown names are
// skipped.
func (s *Service) EnableAlarmActions(ctx context.Context, in *AlarmNamesInput) (*AlarmActionsOutput, error) {
	return s.setActionsEnabled(ctx, in.AlarmNames, true)
}

// DisableAlarmActions turns them off; evaluation goes on (§9.2).
func (s *Service) DisableAlarmActions(ctx context.Context, in *AlarmNamesInput) (*AlarmActionsOutput, error) {
	return s.setActionsEnabled(ctx, in.AlarmNames, false)
}

func (s *Service) setActionsEnabled(ctx context.Context, names []string, on bool) (*AlarmActionsOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	for _, name := range names {
		err := store.UpdateAlarm(ctx, c.AccountID, c.Region, name, func(data []byte) ([]byte, error) {
			r, err := decodeAlarm(data)
			if err != nil {
				return nil, err
			}
			r.Def.ActionsEnabled = on
			return encodeAlarm(r), nil
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	return &AlarmActionsOutput{}, nil
}
