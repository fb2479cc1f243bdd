package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch/storage"
)

// trailKeys implements storage.TrailKeys.
//
// AddTrailKey takes a transaction-scoped advisory lock on the account and
// region first: two nodes rotating at once would otherwise both read the
// same current key and both add a successor.
type trailKeys struct{ db *DB }

// TrailKeys returns the digest signing key store.
func (db *DB) TrailKeys() storage.TrailKeys { return trailKeys{db} }

var _ storage.TrailKeys = trailKeys{}

const trailKeyColumns = `account_id, region, fingerprint, public_key, sealed_key, valid_from, valid_until`

func scanTrailKey(r pgx.Row) (storage.TrailKey, error) {
	var k storage.TrailKey
	var from, until int64
	err := r.Scan(&k.AccountID, &k.Region, &k.Fingerprint, &k.PublicKey, &k.SealedPrivateKey, &from, &until)
	k.ValidFrom, k.ValidUntil = time.Unix(0, from).UTC(), time.Unix(0, until).UTC()
	return k, err
}

func currentTrailKey(ctx context.Context, q querier, account, region string) (storage.TrailKey, error) {
	k, err := scanTrailKey(q.QueryRow(ctx, `SELECT `+trailKeyColumns+` FROM trail_keys
		WHERE account_id = $1 AND region = $2 ORDER BY valid_from DESC LIMIT 1`, account, region))
	return k, notFound(err)
}

func (s trailKeys) AddTrailKey(ctx context.Context, k storage.TrailKey, current string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('trail_keys/' || $1 || '/' || $2, 0))`,
			k.AccountID, k.Region); err != nil {
			return err
		}
		cur, err := currentTrailKey(ctx, tx, k.AccountID, k.Region)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			if current != "" {
				return storage.ErrConflict
			}
		case err != nil:
			return err
		case cur.Fingerprint != current:
			return storage.ErrConflict
		}
		tag, err := tx.Exec(ctx, `INSERT INTO trail_keys (`+trailKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT DO NOTHING`,
			k.AccountID, k.Region, k.Fingerprint, k.PublicKey, k.SealedPrivateKey, k.ValidFrom.UnixNano(), k.ValidUntil.UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add trail key %s: %w", k.Fingerprint, err)
	}
	return nil
}

func (s trailKeys) CurrentTrailKey(ctx context.Context, account, region string) (storage.TrailKey, error) {
	k, err := currentTrailKey(ctx, s.db.pool, account, region)
	if err != nil {
		return k, fmt.Errorf("current trail key of %s %s: %w", account, region, err)
	}
	return k, nil
}

func (s trailKeys) ListTrailKeys(ctx context.Context, account, region string, start, end time.Time) ([]storage.TrailKey, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+trailKeyColumns+` FROM trail_keys
		WHERE account_id = $1 AND region = $2 AND valid_from <= $3 AND valid_until >= $4 ORDER BY valid_from`,
		account, region, end.UnixNano(), start.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("list trail keys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.TrailKey, error) { return scanTrailKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list trail keys: %w", err)
	}
	if len(out) == 0 {
		return nil, nil // as the SQLite backend answers
	}
	return out, nil
}
