package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// alarmStore implements storage.Alarms.
type alarmStore struct{ db *DB }

// Alarms returns the CloudWatch alarm store.
func (db *DB) Alarms() storage.Alarms { return alarmStore{db} }

var _ storage.Alarms = alarmStore{}

func (s alarmStore) PutAlarm(ctx context.Context, a storage.StoredAlarm, maxPerRegion int, update func([]byte) ([]byte, error)) (bool, error) {
	created := false
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM cw_alarms WHERE account_id = ? AND region = ? AND name = ?`,
			a.Account, a.Region, a.Name).Scan(&old)
		if err == nil {
			data, err := update(old)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE cw_alarms SET data = ? WHERE account_id = ? AND region = ? AND name = ?`,
				data, a.Account, a.Region, a.Name)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cw_alarms WHERE account_id = ? AND region = ?`,
			a.Account, a.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerRegion {
			return storage.ErrLimitExceeded
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO cw_alarms (account_id, region, name, data) VALUES (?, ?, ?, ?)`,
			a.Account, a.Region, a.Name, a.Data)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put alarm %s: %w", a.Name, err)
	}
	return created, nil
}

func (s alarmStore) GetAlarm(ctx context.Context, account, region, name string) (storage.StoredAlarm, error) {
	a := storage.StoredAlarm{Account: account, Region: region, Name: name}
	err := s.db.r.QueryRowContext(ctx, `SELECT data FROM cw_alarms WHERE account_id = ? AND region = ? AND name = ?`,
		account, region, name).Scan(&a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("get alarm %s: %w", name, err)
	}
	return a, nil
}

func scanAlarm(r scanner) (storage.StoredAlarm, error) {
	var a storage.StoredAlarm
	err := r.Scan(&a.Account, &a.Region, &a.Name, &a.Data)
	return a, err
}

func (s alarmStore) ListAlarms(ctx context.Context, account, region, prefix, after string, limit int) ([]storage.StoredAlarm, error) {
	// substr rather than LIKE: names may hold % and _.
	rows, err := s.db.r.QueryContext(ctx, `SELECT account_id, region, name, data FROM cw_alarms
		WHERE account_id = ? AND region = ? AND substr(name, 1, length(?)) = ? AND name > ? ORDER BY name LIMIT ?`,
		account, region, prefix, prefix, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanAlarm)
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", err)
	}
	return out, nil
}

func (s alarmStore) AllAlarms(ctx context.Context, after storage.AlarmKey, limit int) ([]storage.StoredAlarm, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT account_id, region, name, data FROM cw_alarms
		WHERE (account_id, region, name) > (?, ?, ?) ORDER BY account_id, region, name LIMIT ?`,
		after.Account, after.Region, after.Name, limit)
	if err != nil {
		return nil, fmt.Errorf("scan alarms: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanAlarm)
	if err != nil {
		return nil, fmt.Errorf("scan alarms: %w", err)
	}
	return out, nil
}

func (s alarmStore) UpdateAlarm(ctx context.Context, account, region, name string, fn func([]byte) ([]byte, error)) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM cw_alarms WHERE account_id = ? AND region = ? AND name = ?`,
			account, region, name).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return storage.ErrNotFound
		}
		if err != nil {
			return err
		}
		data, err := fn(old)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE cw_alarms SET data = ? WHERE account_id = ? AND region = ? AND name = ?`,
			data, account, region, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("update alarm %s: %w", name, err)
	}
	return nil
}

func (s alarmStore) UpdateAlarms(ctx context.Context, keys []storage.AlarmKey, fn func(int, []byte) []byte) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		get, err := tx.PrepareContext(ctx, `SELECT data FROM cw_alarms WHERE account_id = ? AND region = ? AND name = ?`)
		if err != nil {
			return err
		}
		defer get.Close()
		put, err := tx.PrepareContext(ctx, `UPDATE cw_alarms SET data = ? WHERE account_id = ? AND region = ? AND name = ?`)
		if err != nil {
			return err
		}
		defer put.Close()
		for i, k := range keys {
			var old []byte
			err := get.QueryRowContext(ctx, k.Account, k.Region, k.Name).Scan(&old)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			data := fn(i, old)
			if data == nil {
				continue
			}
			if _, err := put.ExecContext(ctx, data, k.Account, k.Region, k.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update alarms: %w", err)
	}
	return nil
}

func (s alarmStore) DeleteAlarm(ctx context.Context, account, region, name string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cw_alarms WHERE account_id = ? AND region = ? AND name = ?`, account, region, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = storage.ErrNotFound
			}
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete alarm %s: %w", name, err)
	}
	return nil
}

func (s alarmStore) AddAlarmHistory(ctx context.Context, items []storage.AlarmHistoryRecord) error {
	if len(items) == 0 {
		return nil
	}
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		// A worker pass adds thousands at once: prepared once.
		ins, err := tx.PrepareContext(ctx, `INSERT INTO cw_alarm_history
			(account_id, region, alarm_name, alarm_type, ts, item_type, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, it := range items {
			if _, err := ins.ExecContext(ctx, it.Account, it.Region, it.AlarmName, it.AlarmType, it.Time.UnixNano(), it.ItemType, it.Summary, it.Data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add alarm history: %w", err)
	}
	return nil
}

func (s alarmStore) ListAlarmHistory(ctx context.Context, q storage.AlarmHistoryQuery) ([]storage.AlarmHistoryRecord, error) {
	var (
		where = []string{"account_id = ?", "region = ?"}
		args  = []any{q.Account, q.Region}
	)
	if q.AlarmName != "" {
		where, args = append(where, "alarm_name = ?"), append(args, q.AlarmName)
	}
	if len(q.AlarmTypes) > 0 {
		where = append(where, "alarm_type IN (?"+strings.Repeat(", ?", len(q.AlarmTypes)-1)+")")
		for _, t := range q.AlarmTypes {
			args = append(args, t)
		}
	}
	if q.ItemType != "" {
		where, args = append(where, "item_type = ?"), append(args, q.ItemType)
	}
	if !q.Start.IsZero() {
		where, args = append(where, "ts >= ?"), append(args, q.Start.UnixNano())
	}
	if !q.End.IsZero() {
		where, args = append(where, "ts <= ?"), append(args, q.End.UnixNano())
	}
	order, cmp := "DESC", "<"
	if q.Oldest {
		order, cmp = "ASC", ">"
	}
	if q.After != nil {
		where, args = append(where, "(ts, id) "+cmp+" (?, ?)"), append(args, q.After.Time.UnixNano(), q.After.ID)
	}
	args = append(args, q.Limit)
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, account_id, region, alarm_name, alarm_type, ts, item_type, summary, data
		FROM cw_alarm_history WHERE `+strings.Join(where, " AND ")+` ORDER BY ts `+order+`, id `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list alarm history: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(r scanner) (storage.AlarmHistoryRecord, error) {
		var (
			h  storage.AlarmHistoryRecord
			ts int64
		)
		err := r.Scan(&h.ID, &h.Account, &h.Region, &h.AlarmName, &h.AlarmType, &ts, &h.ItemType, &h.Summary, &h.Data)
		h.Time = time.Unix(0, ts).UTC()
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("list alarm history: %w", err)
	}
	return out, nil
}

func (s alarmStore) DeleteAlarmHistoryBefore(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cw_alarm_history WHERE ts < ?`, t.UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete alarm history: %w", err)
	}
	return n, nil
}
