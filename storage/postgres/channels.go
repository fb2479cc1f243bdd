package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// channels implements storage.Channels.
//
// CreateChannel and UpdateChannel take a transaction-scoped advisory lock
// on the account and region first: two nodes creating channels at once
// would otherwise both count below the limit, or both find a name free.
type channels struct{ db *DB }

// Channels returns the CloudTrail Lake channel store.
func (db *DB) Channels() storage.Channels { return channels{db} }

var _ storage.Channels = channels{}

const channelColumns = `account_id, region, id, name, source, destinations, tags, ingestion, created_at`

func scanChannel(r pgx.Row) (trailwatch.Channel, error) {
	var (
		c                      trailwatch.Channel
		dests, tags, ingestion string
		created                int64
	)
	if err := r.Scan(&c.AccountID, &c.Region, &c.ID, &c.Name, &c.Source, &dests, &tags, &ingestion, &created); err != nil {
		return c, err
	}
	c.CreatedAt = time.Unix(0, created).UTC()
	return c, storage.DecodeChannelJSON(&c, dests, tags, ingestion)
}

func getChannel(ctx context.Context, q querier, account, region, id string) (trailwatch.Channel, error) {
	c, err := scanChannel(q.QueryRow(ctx, `SELECT `+channelColumns+` FROM channels
		WHERE account_id = $1 AND region = $2 AND id = $3`, account, region, id))
	return c, notFound(err)
}

func lockChannels(ctx context.Context, tx pgx.Tx, account, region string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('channels/' || $1 || '/' || $2, 0))`, account, region)
	return err
}

func nameTaken(ctx context.Context, tx pgx.Tx, account, region, name, id string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM channels
		WHERE account_id = $1 AND region = $2 AND name = $3 AND id <> $4`, account, region, name, id).Scan(&n)
	return n > 0, err
}

func (s channels) CreateChannel(ctx context.Context, c trailwatch.Channel, maxPerRegion int) error {
	dests, tags, ingestion, err := storage.EncodeChannelJSON(&c)
	if err != nil {
		return err
	}
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockChannels(ctx, tx, c.AccountID, c.Region); err != nil {
			return err
		}
		if taken, err := nameTaken(ctx, tx, c.AccountID, c.Region, c.Name, c.ID); err != nil {
			return err
		} else if taken {
			return storage.ErrExists
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM channels WHERE account_id = $1 AND region = $2`,
			c.AccountID, c.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerRegion {
			return storage.ErrLimitExceeded
		}
		tag, err := tx.Exec(ctx, `INSERT INTO channels (`+channelColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT DO NOTHING`,
			c.AccountID, c.Region, c.ID, c.Name, c.Source, dests, tags, ingestion, c.CreatedAt.UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create channel %s: %w", c.Name, err)
	}
	return nil
}

func (s channels) GetChannel(ctx context.Context, account, region, id string) (trailwatch.Channel, error) {
	c, err := getChannel(ctx, s.db.pool, account, region, id)
	if err != nil {
		return c, fmt.Errorf("get channel %s: %w", id, err)
	}
	return c, nil
}

func (s channels) ListChannels(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Channel, error) {
	// Byte order, as SQLite compares, whatever the database's collation.
	rows, err := s.db.pool.Query(ctx, `SELECT `+channelColumns+` FROM channels
		WHERE account_id = $1 AND region = $2 AND id COLLATE "C" > $3 ORDER BY id COLLATE "C" LIMIT $4`,
		account, region, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.Channel, error) { return scanChannel(r) })
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	if len(out) == 0 {
		return nil, nil // as the SQLite backend answers
	}
	return out, nil
}

func (s channels) UpdateChannel(ctx context.Context, account, region, id string, fn func(*trailwatch.Channel) error) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockChannels(ctx, tx, account, region); err != nil {
			return err
		}
		c, err := getChannel(ctx, tx, account, region, id)
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if taken, err := nameTaken(ctx, tx, account, region, c.Name, id); err != nil {
			return err
		} else if taken {
			return storage.ErrExists
		}
		dests, _, _, err := storage.EncodeChannelJSON(&c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE channels SET name = $1, destinations = $2
			WHERE account_id = $3 AND region = $4 AND id = $5`, c.Name, dests, account, region, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("update channel %s: %w", id, err)
	}
	return nil
}

func (s channels) DeleteChannel(ctx context.Context, account, region, id string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM channels WHERE account_id = $1 AND region = $2 AND id = $3`, account, region, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete channel %s: %w", id, err)
	}
	return nil
}

func (s channels) SetChannelIngestion(ctx context.Context, account, region, id string, st trailwatch.ChannelIngestion) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode channel ingestion: %w", err)
	}
	tag, err := s.db.pool.Exec(ctx, `UPDATE channels SET ingestion = $1 WHERE account_id = $2 AND region = $3 AND id = $4`,
		string(b), account, region, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set channel %s ingestion: %w", id, err)
	}
	return nil
}
