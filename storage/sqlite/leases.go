package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

type leases struct{ db *DB }

func (s leases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.db.Now()
	var got bool
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		// One conditional upsert: insert a new lease, or take over the row
		// if we already hold it (renewal) or it has expired.
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
			WHERE leases.holder = excluded.holder OR leases.expires <= ?`,
			name, holder, now.Add(ttl).UnixNano(), now.UnixNano())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		got = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return got, nil
}

func (s leases) ReleaseLease(ctx context.Context, name, holder string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
