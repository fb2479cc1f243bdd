package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// trailKeys implements storage.TrailKeys.
type trailKeys struct{ db *DB }

// TrailKeys returns the digest signing key store.
func (db *DB) TrailKeys() storage.TrailKeys { return trailKeys{db} }

var _ storage.TrailKeys = trailKeys{}

const trailKeyColumns = `account_id, region, fingerprint, public_key, sealed_key, valid_from, valid_until`

func scanTrailKey(r scanner) (storage.TrailKey, error) {
	var k storage.TrailKey
	var from, until int64
	err := r.Scan(&k.AccountID, &k.Region, &k.Fingerprint, &k.PublicKey, &k.SealedPrivateKey, &from, &until)
	k.ValidFrom, k.ValidUntil = time.Unix(0, from).UTC(), time.Unix(0, until).UTC()
	return k, err
}

func currentTrailKey(ctx context.Context, q querier, account, region string) (storage.TrailKey, error) {
	k, err := scanTrailKey(q.QueryRowContext(ctx, `SELECT `+trailKeyColumns+` FROM trail_keys
		WHERE account_id = ? AND region = ? ORDER BY valid_from DESC LIMIT 1`, account, region))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return k, err
}

func (s trailKeys) AddTrailKey(ctx context.Context, k storage.TrailKey, current string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
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
		return insertNew(ctx, tx, `INSERT INTO trail_keys (`+trailKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`,
			k.AccountID, k.Region, k.Fingerprint, k.PublicKey, k.SealedPrivateKey, k.ValidFrom.UnixNano(), k.ValidUntil.UnixNano())
	})
	if err != nil {
		return fmt.Errorf("add trail key %s: %w", k.Fingerprint, err)
	}
	return nil
}

func (s trailKeys) CurrentTrailKey(ctx context.Context, account, region string) (storage.TrailKey, error) {
	k, err := currentTrailKey(ctx, s.db.r, account, region)
	if err != nil {
		return k, fmt.Errorf("current trail key of %s %s: %w", account, region, err)
	}
	return k, nil
}

func (s trailKeys) ListTrailKeys(ctx context.Context, account, region string, start, end time.Time) ([]storage.TrailKey, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+trailKeyColumns+` FROM trail_keys
		WHERE account_id = ? AND region = ? AND valid_from <= ? AND valid_until >= ? ORDER BY valid_from`,
		account, region, end.UnixNano(), start.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("list trail keys: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanTrailKey)
	if err != nil {
		return nil, fmt.Errorf("list trail keys: %w", err)
	}
	return out, nil
}
