package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

type leases struct{ db *DB }

// AcquireLease measures expiry on the database server's clock, the one
// clock every node shares, so skew between nodes cannot let two of them
// hold a lease at once.
func (s leases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	// One conditional upsert: insert a new lease, or take over the row if we
	// already hold it (renewal) or it has expired. A concurrent taker waits
	// on the row lock and then sees our row.
	var got bool
	err := s.db.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires)
		VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= clock_timestamp()
		RETURNING true`, name, holder, ttl.Seconds()).Scan(&got)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return got, nil
}

func (s leases) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
