package storage

import (
	"context"
	"time"
)

// StoredAlarm is one CloudWatch alarm. Data is the service's own record of
// the alarm (its configuration and state, JSON); storage keeps it opaque
// and only keys and orders alarms by account, region and name.
type StoredAlarm struct {
	Account, Region, Name string
	Data                  []byte
}

// AlarmKey is the position of an alarm in the order of AllAlarms.
type AlarmKey struct{ Account, Region, Name string }

// AlarmHistoryRecord is one stored AlarmHistoryItem.
type AlarmHistoryRecord struct {
	// ID is assigned by storage, increasing in insertion order.
	ID              int64
	Account, Region string
	AlarmName       string
	AlarmType       string
	Time            time.Time
	ItemType        string
	Summary         string
	Data            string
}

// AlarmHistoryQuery filters ListAlarmHistory. Empty strings and zero
// times match everything.
type AlarmHistoryQuery struct {
	Account, Region string
	AlarmName       string
	AlarmTypes      []string
	ItemType        string
	// Start and End bound Time, both inclusive.
	Start, End time.Time
	// Oldest lists oldest first; the default is newest first.
	Oldest bool
	// After is the last record of the previous page (nil = from the start).
	After *AlarmHistoryRecord
	Limit int
}

// Alarms holds CloudWatch alarms and their history.
type Alarms interface {
	// PutAlarm creates the alarm, or when one of that name exists lets
	// update turn the stored record into the new one, atomically (so a
	// configuration update keeps the state the worker wrote meanwhile).
	// ErrLimitExceeded when creating would give the account more than
	// maxPerRegion alarms in the region.
	PutAlarm(ctx context.Context, a StoredAlarm, maxPerRegion int, update func(old []byte) ([]byte, error)) (created bool, err error)
	// GetAlarm returns ErrNotFound.
	GetAlarm(ctx context.Context, account, region, name string) (StoredAlarm, error)
	// ListAlarms returns up to limit alarms of the account in the region
	// whose name starts with prefix and sorts after `after`, by name.
	ListAlarms(ctx context.Context, account, region, prefix, after string, limit int) ([]StoredAlarm, error)
	// AllAlarms returns up to limit alarms of every account after the
	// key, in (account, region, name) order: the evaluation worker's scan.
	AllAlarms(ctx context.Context, after AlarmKey, limit int) ([]StoredAlarm, error)
	// UpdateAlarm reads the alarm, lets fn change its Data and stores it,
	// atomically. ErrNotFound; fn's error is returned as is and nothing is
	// written.
	UpdateAlarm(ctx context.Context, account, region, name string, fn func(data []byte) ([]byte, error)) error
	// UpdateAlarms is UpdateAlarm for many alarms in one transaction, the
	// evaluation worker's write: fn gets the index in keys and the Data of
	// each alarm that exists and returns its new Data, or nil to leave it.
	UpdateAlarms(ctx context.Context, keys []AlarmKey, fn func(i int, data []byte) []byte) error
	// DeleteAlarm removes the alarm (its history stays). ErrNotFound.
	DeleteAlarm(ctx context.Context, account, region, name string) error

	// AddAlarmHistory stores the records; IDs are assigned by storage.
	AddAlarmHistory(ctx context.Context, items []AlarmHistoryRecord) error
	// ListAlarmHistory returns up to q.Limit records matching q, ordered by
	// (Time, ID), newest first unless q.Oldest.
	ListAlarmHistory(ctx context.Context, q AlarmHistoryQuery) ([]AlarmHistoryRecord, error)
	// DeleteAlarmHistoryBefore deletes history older than t; it returns
	// how many records it deleted.
	DeleteAlarmHistoryBefore(ctx context.Context, t time.Time) (int64, error)
}
