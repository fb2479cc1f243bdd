package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

type accounts struct{ db *DB }

func (s accounts) CreateAccount(ctx context.Context, a trailwatch.Account) error {
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO NOTHING`, a.ID, a.Name, nanos(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create account %s: %w", a.ID, storage.ErrExists)
	}
	return nil
}

func (s accounts) GetAccount(ctx context.Context, id string) (trailwatch.Account, error) {
	a, err := scanAccount(s.db.pool.QueryRow(ctx, `SELECT id, name, created_at FROM accounts WHERE id = $1`, id))
	if err != nil {
		return trailwatch.Account{}, fmt.Errorf("get account %s: %w", id, notFound(err))
	}
	return a, nil
}

func (s accounts) ListAccounts(ctx context.Context) ([]trailwatch.Account, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT id, name, created_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

func scanAccount(r pgx.Row) (trailwatch.Account, error) {
	var a trailwatch.Account
	var created *int64
	if err := r.Scan(&a.ID, &a.Name, &created); err != nil {
		return a, err
	}
	a.CreatedAt = fromNanos(created)
	return a, nil
}
