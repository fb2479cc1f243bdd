package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// channels implements storage.Channels.
type channels struct{ db *DB }

// Channels returns the CloudTrail Lake channel store.
func (db *DB) Channels() storage.Channels { return channels{db} }

var _ storage.Channels = channels{}

const channelColumns = `account_id, region, id, name, source, destinations, tags, ingestion, created_at`

func scanChannel(r scanner) (trailwatch.Channel, error) {
	var (
		c                      trailwatch.Channel
		dests, tags, ingestion string
		created                int64
	)
	if err := r.Scan(&c.AccountID, &c.Region, &c.ID, &c.Name, &c.Source, &dests, &tags, &ingestion, &created); err != nil {
		return c, err
	}
	c.CreatedAt = time.Unix(0, created).UTC()
	if err := storage.DecodeChannelJSON(&c, dests, tags, ingestion); err != nil {
		return c, err
	}
	return c, nil
}

func getChannel(ctx context.Context, q querier, account, region, id string) (trailwatch.Channel, error) {
	c, err := scanChannel(q.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM channels
		WHERE account_id = ? AND region = ? AND id = ?`, account, region, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return c, err
}

// nameTaken reports whether another channel of the account and region has
// the name.
func nameTaken(ctx context.Context, tx *sql.Tx, account, region, name, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM channels
		WHERE account_id = ? AND region = ? AND name = ? AND id <> ?`, account, region, name, id).Scan(&n)
	return n > 0, err
}

func (s channels) CreateChannel(ctx context.Context, c trailwatch.Channel, maxPerRegion int) error {
	dests, tags, ingestion, err := storage.EncodeChannelJSON(&c)
	if err != nil {
		return err
	}
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		if taken, err := nameTaken(ctx, tx, c.AccountID, c.Region, c.Name, c.ID); err != nil {
			return err
		} else if taken {
			return storage.ErrExists
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM channels WHERE account_id = ? AND region = ?`,
			c.AccountID, c.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerRegion {
			return storage.ErrLimitExceeded
		}
		return insertNew(ctx, tx, `INSERT INTO channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`,
			c.AccountID, c.Region, c.ID, c.Name, c.Source, dests, tags, ingestion, c.CreatedAt.UnixNano())
	})
	if err != nil {
		return fmt.Errorf("create channel %s: %w", c.Name, err)
	}
	return nil
}

func (s channels) GetChannel(ctx context.Context, account, region, id string) (trailwatch.Channel, error) {
	c, err := getChannel(ctx, s.db.r, account, region, id)
	if err != nil {
		return c, fmt.Errorf("get channel %s: %w", id, err)
	}
	return c, nil
}

func (s channels) ListChannels(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Channel, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+channelColumns+` FROM channels
		WHERE account_id = ? AND region = ? AND id > ? ORDER BY id LIMIT ?`, account, region, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanChannel)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return out, nil
}

func (s channels) UpdateChannel(ctx context.Context, account, region, id string, fn func(*trailwatch.Channel) error) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
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
		_, err = tx.ExecContext(ctx, `UPDATE channels SET name = ?, destinations = ?
			WHERE account_id = ? AND region = ? AND id = ?`, c.Name, dests, account, region, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("update channel %s: %w", id, err)
	}
	return nil
}

func (s channels) DeleteChannel(ctx context.Context, account, region, id string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM channels WHERE account_id = ? AND region = ? AND id = ?`, account, region, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
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
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE channels SET ingestion = ? WHERE account_id = ? AND region = ? AND id = ?`,
			string(b), account, region, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set channel %s ingestion: %w", id, err)
	}
	return nil
}
