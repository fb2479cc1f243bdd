package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

func testAlarms(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	s, _ := h.openNamed(t, h.newName())
	al := s.Alarms()
	const acct, region = "111111111111", "us-east-1"
	put := func(name, data string, limit int) (bool, error) {
		return al.PutAlarm(ctx, storage.StoredAlarm{Account: acct, Region: region, Name: name, Data: []byte(data)}, limit,
			func(old []byte) ([]byte, error) { return append(old, data...), nil })
	}
	for _, n := range []string{"b%", "a_1", "a_2"} {
		if created, err := put(n, "v", 3); err != nil || !created {
			t.Fatalf("PutAlarm %s = %v, %v", n, created, err)
		}
	}
	if _, err := put("c", "v", 3); !errors.Is(err, storage.ErrLimitExceeded) {
		t.Errorf("PutAlarm over the limit: %v", err)
	}
	// An update is not a creation and is not limited; update sees the old data.
	if created, err := put("a_1", "w", 3); err != nil || created {
		t.Errorf("PutAlarm update = %v, %v", created, err)
	}
	if a, err := al.GetAlarm(ctx, acct, region, "a_1"); err != nil || string(a.Data) != "vw" {
		t.Errorf("GetAlarm = %q, %v", a.Data, err)
	}
	if _, err := al.GetAlarm(ctx, acct, "eu-west-1", "a_1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetAlarm other region: %v", err)
	}
	names := func(as []storage.StoredAlarm) (out []string) {
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	// Prefix match is literal: "a_" must not match as a LIKE pattern would.
	if got, err := al.ListAlarms(ctx, acct, region, "a_", "", 10); err != nil || len(got) != 2 || got[0].Name != "a_1" {
		t.Errorf("ListAlarms a_ = %v, %v", names(got), err)
	}
	if got, err := al.ListAlarms(ctx, acct, region, "a%", "", 10); err != nil || len(got) != 0 {
		t.Errorf("ListAlarms a%% = %v, %v", names(got), err)
	}
	if got, err := al.ListAlarms(ctx, acct, region, "", "a_1", 1); err != nil || len(got) != 1 || got[0].Name != "a_2" {
		t.Errorf("ListAlarms after a_1 = %v, %v", names(got), err)
	}
	if _, err := al.PutAlarm(ctx, storage.StoredAlarm{Account: "222222222222", Region: region, Name: "z", Data: []byte("x")}, 1, nil); err != nil {
		t.Fatal(err)
	}
	all, err := al.AllAlarms(ctx, storage.AlarmKey{}, 10)
	if err != nil || len(all) != 4 || all[3].Account != "222222222222" {
		t.Errorf("AllAlarms = %v, %v", names(all), err)
	}
	if rest, err := al.AllAlarms(ctx, storage.AlarmKey{Account: acct, Region: region, Name: "a_2"}, 10); err != nil || len(rest) != 2 || rest[0].Name != "b%" {
		t.Errorf("AllAlarms after a_2 = %v, %v", names(rest), err)
	}
	boom := errors.New("boom")
	if err := al.UpdateAlarm(ctx, acct, region, "a_2", func([]byte) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateAlarm fn error: %v", err)
	}
	if err := al.UpdateAlarm(ctx, acct, region, "a_2", func(d []byte) ([]byte, error) { return append(d, '!'), nil }); err != nil {
		t.Error(err)
	}
	if a, _ := al.GetAlarm(ctx, acct, region, "a_2"); string(a.Data) != "v!" {
		t.Errorf("after UpdateAlarm data = %q", a.Data)
	}
	if err := al.UpdateAlarm(ctx, acct, region, "nope", func(d []byte) ([]byte, error) { return d, nil }); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateAlarm missing: %v", err)
	}
	// UpdateAlarms: fn sees each existing alarm with its index; nil
	// leaves an alarm as it is; missing alarms are skipped.
	keys := []storage.AlarmKey{{Account: acct, Region: region, Name: "b%"}, {Account: acct, Region: region, Name: "nope"},
		{Account: "222222222222", Region: region, Name: "z"}, {Account: acct, Region: region, Name: "a_2"}}
	gotData := map[int]string{}
	err = al.UpdateAlarms(ctx, keys, func(i int, d []byte) []byte {
		gotData[i] = string(d)
		if i == 3 {
			return nil
		}
		return append(d, '+')
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]string{0: "v", 2: "x", 3: "v!"}; len(gotData) != len(want) || gotData[0] != want[0] || gotData[2] != want[2] || gotData[3] != want[3] {
		t.Errorf("UpdateAlarms fn saw %v, want %v", gotData, want)
	}
	for k, want := range map[storage.AlarmKey]string{keys[0]: "v+", keys[2]: "x+", keys[3]: "v!"} {
		if a, err := al.GetAlarm(ctx, k.Account, k.Region, k.Name); err != nil || string(a.Data) != want {
			t.Errorf("after UpdateAlarms %s = %q, %v; want %q", k.Name, a.Data, err, want)
		}
	}
	if err := al.UpdateAlarms(ctx, nil, nil); err != nil {
		t.Errorf("UpdateAlarms(nil): %v", err)
	}
	// Concurrent updates of one alarm are serialised: none is lost
	// (tagging and the evaluation worker both rewrite the record).
	const writers = 8
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := al.UpdateAlarm(ctx, acct, region, "a_2", func(d []byte) ([]byte, error) {
				return append(d, byte('0'+i)), nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if a, _ := al.GetAlarm(ctx, acct, region, "a_2"); len(a.Data) != len("v!")+writers {
		t.Errorf("after %d concurrent UpdateAlarm data = %q", writers, a.Data)
	}
	if err := al.DeleteAlarm(ctx, acct, region, "a_2"); err != nil {
		t.Error(err)
	}
	if err := al.DeleteAlarm(ctx, acct, region, "a_2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteAlarm twice: %v", err)
	}

	base := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	var items []storage.AlarmHistoryRecord
	for i := range 5 {
		typ, kind := "MetricAlarm", "StateUpdate"
		if i == 3 {
			typ, kind = "CompositeAlarm", "ConfigurationUpdate"
		}
		items = append(items, storage.AlarmHistoryRecord{Account: acct, Region: region, AlarmName: "a_1", AlarmType: typ,
			Time: base.Add(time.Duration(i/2) * time.Minute), ItemType: kind, Summary: "s", Data: "{}"})
	}
	items = append(items, storage.AlarmHistoryRecord{Account: "222222222222", Region: region, AlarmName: "a_1", AlarmType: "MetricAlarm",
		Time: base, ItemType: "StateUpdate", Summary: "other", Data: "{}"})
	if err := al.AddAlarmHistory(ctx, items); err != nil {
		t.Fatal(err)
	}
	q := storage.AlarmHistoryQuery{Account: acct, Region: region, Limit: 2}
	var seen []storage.AlarmHistoryRecord
	for {
		page, err := al.ListAlarmHistory(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page...)
		if len(page) < q.Limit {
			break
		}
		q.After = &page[len(page)-1]
	}
	if len(seen) != 5 {
		t.Fatalf("ListAlarmHistory pages gave %d records, want 5", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Time.After(seen[i-1].Time) || (seen[i].Time.Equal(seen[i-1].Time) && seen[i].ID > seen[i-1].ID) {
			t.Errorf("newest first broken at %d: %+v after %+v", i, seen[i], seen[i-1])
		}
	}
	if !seen[0].Time.Equal(base.Add(2*time.Minute)) || seen[0].Summary != "s" || seen[0].Data != "{}" {
		t.Errorf("newest = %+v", seen[0])
	}
	old, err := al.ListAlarmHistory(ctx, storage.AlarmHistoryQuery{Account: acct, Region: region, Oldest: true, Limit: 10,
		Start: base.Add(time.Minute), ItemType: "StateUpdate", AlarmTypes: []string{"MetricAlarm"}})
	if err != nil || len(old) != 2 || !old[0].Time.Equal(base.Add(time.Minute)) || old[0].ID > old[1].ID {
		t.Errorf("ListAlarmHistory oldest filtered = %+v, %v", old, err)
	}
	if got, err := al.ListAlarmHistory(ctx, storage.AlarmHistoryQuery{Account: acct, Region: region, AlarmName: "other", Limit: 10}); err != nil || len(got) != 0 {
		t.Errorf("ListAlarmHistory other name = %+v, %v", got, err)
	}
	if got, err := al.ListAlarmHistory(ctx, storage.AlarmHistoryQuery{Account: acct, Region: region, End: base, Limit: 10}); err != nil || len(got) != 2 {
		t.Errorf("ListAlarmHistory end = %+v, %v", got, err)
	}
	if n, err := al.DeleteAlarmHistoryBefore(ctx, base.Add(time.Minute)); err != nil || n != 3 {
		t.Errorf("DeleteAlarmHistoryBefore = %d, %v", n, err)
	}
}
