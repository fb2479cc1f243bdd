package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

type accounts struct{ db *DB }

func (s accounts) CreateAccount(ctx context.Context, a trailwatch.Account) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, a.ID, a.Name, nanos(a.CreatedAt))
		if err != nil {
			return fmt.Errorf("create account %s: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("create account %s: %w", a.ID, storage.ErrExists)
		}
		return nil
	})
}

func (s accounts) GetAccount(ctx context.Context, id string) (trailwatch.Account, error) {
	a, err := scanAccount(s.db.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return trailwatch.Account{}, fmt.Errorf("get account %s: %w", id, err)
	}
	return a, nil
}

func (s accounts) ListAccounts(ctx context.Context) ([]trailwatch.Account, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, name, created_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// collectRows reads every row of rows with scan; no rows give a nil
// slice. The caller still closes rows.
func collectRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func scanAccount(r scanner) (trailwatch.Account, error) {
	var a trailwatch.Account
	var created sql.NullInt64
	if err := r.Scan(&a.ID, &a.Name, &created); err != nil {
		return a, err
	}
	a.CreatedAt = fromNanos(created)
	return a, nil
}
