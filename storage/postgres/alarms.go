package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/storage"
)

// alarmStore implements storage.Alarms.
type alarmStore struct{ db *DB }

// Alarms returns the CloudWatch alarm store.
func (db *DB) Alarms() storage.Alarms { return alarmStore{db} }

var _ storage.Alarms = alarmStore{}

func (s alarmStore) PutAlarm(ctx context.Context, a storage.StoredAlarm, maxPerRegion int, update func([]byte) ([]byte, error)) (bool, error) {
	created := false
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		var old []byte
		// FOR UPDATE: under READ COMMITTED a plain read would let two
		// writers both change the same old record and one change be lost.
		err := tx.QueryRow(ctx, `SELECT data FROM cw_alarms WHERE account_id = $1 AND region = $2 AND name = $3 FOR UPDATE`,
			a.Account, a.Region, a.Name).Scan(&old)
		if err == nil {
			data, err := update(old)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE cw_alarms SET data = $1 WHERE account_id = $2 AND region = $3 AND name = $4`,
				data, a.Account, a.Region, a.Name)
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cw_alarms WHERE account_id = $1 AND region = $2`,
			a.Account, a.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerRegion {
			return storage.ErrLimitExceeded
		}
		created = true
		_, err = tx.Exec(ctx, `INSERT INTO cw_alarms (account_id, region, name, data) VALUES ($1, $2, $3, $4)`,
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
	err := s.db.pool.QueryRow(ctx, `SELECT data FROM cw_alarms WHERE account_id = $1 AND region = $2 AND name = $3`,
		account, region, name).Scan(&a.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("get alarm %s: %w", name, err)
	}
	return a, nil
}

func scanAlarm(r pgx.CollectableRow) (storage.StoredAlarm, error) {
	var a storage.StoredAlarm
	err := r.Scan(&a.Account, &a.Region, &a.Name, &a.Data)
	return a, err
}

func (s alarmStore) ListAlarms(ctx context.Context, account, region, prefix, after string, limit int) ([]storage.StoredAlarm, error) {
	// starts_with rather than LIKE: names may hold % and _.
	rows, err := s.db.pool.Query(ctx, `SELECT account_id, region, name, data FROM cw_alarms
		WHERE account_id = $1 AND region = $2 AND starts_with(name, $3) AND name > $4 ORDER BY name LIMIT $5`,
		account, region, prefix, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", err)
	}
	defer rows.Close()
	out, err := pgx.CollectRows(rows, scanAlarm)
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", err)
	}
	return out, nil
}

func (s alarmStore) AllAlarms(ctx context.Context, after storage.AlarmKey, limit int) ([]storage.StoredAlarm, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT account_id, region, name, data FROM cw_alarms
		WHERE (account_id, region, name) > ($1, $2, $3) ORDER BY account_id, region, name LIMIT $4`,
		after.Account, after.Region, after.Name, limit)
	if err != nil {
		return nil, fmt.Errorf("scan alarms: %w", err)
	}
	defer rows.Close()
	out, err := pgx.CollectRows(rows, scanAlarm)
	if err != nil {
		return nil, fmt.Errorf("scan alarms: %w", err)
	}
	return out, nil
}

func (s alarmStore) UpdateAlarm(ctx context.Context, account, region, name string, fn func([]byte) ([]byte, error)) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		var old []byte
		// FOR UPDATE, as in PutAlarm: fn's change must not be lost.
		err := tx.QueryRow(ctx, `SELECT data FROM cw_alarms WHERE account_id = $1 AND region = $2 AND name = $3 FOR UPDATE`,
			account, region, name).Scan(&old)
		if errors.Is(err, pgx.ErrNoRows) {
			return storage.ErrNotFound
		}
		if err != nil {
			return err
		}
		data, err := fn(old)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE cw_alarms SET data = $1 WHERE account_id = $2 AND region = $3 AND name = $4`,
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
	accounts, regions, names := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		accounts[i], regions[i], names[i] = k.Account, k.Region, k.Name
	}
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		// One read of every alarm, locked against a concurrent put, and
		// one round trip for the updates.
		rows, err := tx.Query(ctx, `SELECT k.i - 1, a.data FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(account_id, region, name, i)
			JOIN cw_alarms a ON a.account_id = k.account_id AND a.region = k.region AND a.name = k.name
			ORDER BY a.account_id, a.region, a.name FOR UPDATE OF a`, customPlan, accounts, regions, names)
		if err != nil {
			return err
		}
		type cur struct {
			i    int
			data []byte
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cur, error) {
			var c cur
			err := r.Scan(&c.i, &c.data)
			return c, err
		})
		if err != nil {
			return err
		}
		var b pgx.Batch
		for _, c := range found {
			if c.i < 0 || c.i >= len(keys) {
				return fmt.Errorf("BUG: alarm %d of %d", c.i, len(keys))
			}
			data := fn(c.i, c.data)
			if data == nil {
				continue
			}
			k := keys[c.i]
			b.Queue(`UPDATE cw_alarms SET data = $1 WHERE account_id = $2 AND region = $3 AND name = $4`, data, k.Account, k.Region, k.Name)
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("update alarms: %w", err)
	}
	return nil
}

func (s alarmStore) DeleteAlarm(ctx context.Context, account, region, name string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM cw_alarms WHERE account_id = $1 AND region = $2 AND name = $3`, account, region, name)
		if err != nil {
			return err
		}
		if res.RowsAffected() == 0 {
			return storage.ErrNotFound
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
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		// A worker pass adds thousands at once: one round trip.
		var b pgx.Batch
		for _, it := range items {
			b.Queue(`INSERT INTO cw_alarm_history
				(account_id, region, alarm_name, alarm_type, ts, item_type, summary, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				it.Account, it.Region, it.AlarmName, it.AlarmType, it.Time.UnixNano(), it.ItemType, it.Summary, it.Data)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("add alarm history: %w", err)
	}
	return nil
}

func (s alarmStore) ListAlarmHistory(ctx context.Context, q storage.AlarmHistoryQuery) ([]storage.AlarmHistoryRecord, error) {
	var (
		where []string
		args  argList
	)
	arg := args.add
	where = append(where, "account_id = "+arg(q.Account), "region = "+arg(q.Region))
	if q.AlarmName != "" {
		where = append(where, "alarm_name = "+arg(q.AlarmName))
	}
	if len(q.AlarmTypes) > 0 {
		where = append(where, "alarm_type = ANY("+arg(q.AlarmTypes)+")")
	}
	if q.ItemType != "" {
		where = append(where, "item_type = "+arg(q.ItemType))
	}
	if !q.Start.IsZero() {
		where = append(where, "ts >= "+arg(q.Start.UnixNano()))
	}
	if !q.End.IsZero() {
		where = append(where, "ts <= "+arg(q.End.UnixNano()))
	}
	order, cmp := "DESC", "<"
	if q.Oldest {
		order, cmp = "ASC", ">"
	}
	if q.After != nil {
		where = append(where, "(ts, id) "+cmp+" ("+arg(q.After.Time.UnixNano())+", "+arg(q.After.ID)+")")
	}
	limit := arg(q.Limit)
	rows, err := s.db.pool.Query(ctx, `SELECT id, account_id, region, alarm_name, alarm_type, ts, item_type, summary, data
		FROM cw_alarm_history WHERE `+strings.Join(where, " AND ")+` ORDER BY ts `+order+`, id `+order+` LIMIT `+limit, args...)
	if err != nil {
		return nil, fmt.Errorf("list alarm history: %w", err)
	}
	defer rows.Close()
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.AlarmHistoryRecord, error) {
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
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM cw_alarm_history WHERE ts < $1`, t.UnixNano())
		if err != nil {
			return err
		}
		n = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete alarm history: %w", err)
	}
	return n, nil
}
