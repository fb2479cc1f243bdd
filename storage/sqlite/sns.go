package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// snsStore implements storage.SNS.
type snsStore struct{ db *DB }

// SNS returns the SNS topic, subscription and outbox store.
func (db *DB) SNS() storage.SNS { return snsStore{db} }

var _ storage.SNS = snsStore{}

func getTopic(ctx context.Context, q querier, arn string) (trailwatch.Topic, error) {
	var (
		t    trailwatch.Topic
		data string
	)
	err := q.QueryRowContext(ctx, `SELECT data FROM sns_topics WHERE arn = ?`, arn).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return t, storage.ErrNotFound
	}
	if err != nil {
		return t, err
	}
	return t, storage.DecodeSNSJSON(data, &t)
}

func getSubscription(ctx context.Context, q querier, arn string) (trailwatch.Subscription, error) {
	var (
		s    trailwatch.Subscription
		data string
	)
	err := q.QueryRowContext(ctx, `SELECT data FROM sns_subscriptions WHERE arn = ?`, arn).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return s, storage.ErrNotFound
	}
	if err != nil {
		return s, err
	}
	return s, storage.DecodeSNSJSON(data, &s)
}

func (s snsStore) CreateTopic(ctx context.Context, t trailwatch.Topic, maxPerAccount int) (trailwatch.Topic, error) {
	data, err := storage.EncodeSNSJSON(t)
	if err != nil {
		return t, err
	}
	var existing trailwatch.Topic
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		old, err := getTopic(ctx, tx, t.ARN)
		if err == nil {
			existing = old
			return storage.ErrExists
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sns_topics WHERE account_id = ? AND region = ?`,
			t.AccountID, t.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerAccount {
			return storage.ErrLimitExceeded
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sns_topics (arn, account_id, region, data) VALUES (?, ?, ?, ?)`,
			t.ARN, t.AccountID, t.Region, data)
		return err
	})
	if errors.Is(err, storage.ErrExists) {
		return existing, fmt.Errorf("create topic %s: %w", t.Name, err)
	}
	if err != nil {
		return t, fmt.Errorf("create topic %s: %w", t.Name, err)
	}
	return t, nil
}

func (s snsStore) GetTopic(ctx context.Context, arn string) (trailwatch.Topic, error) {
	t, err := getTopic(ctx, s.db.r, arn)
	if err != nil {
		return t, fmt.Errorf("get topic %s: %w", arn, err)
	}
	return t, nil
}

func (s snsStore) ListTopics(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Topic, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT data FROM sns_topics
		WHERE account_id = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?`, account, region, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(r scanner) (trailwatch.Topic, error) {
		var (
			t    trailwatch.Topic
			data string
		)
		if err := r.Scan(&data); err != nil {
			return t, err
		}
		return t, storage.DecodeSNSJSON(data, &t)
	})
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	return out, nil
}

func (s snsStore) UpdateTopic(ctx context.Context, arn string, fn func(*trailwatch.Topic) error) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		t, err := getTopic(ctx, tx, arn)
		if err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
		data, err := storage.EncodeSNSJSON(t)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sns_topics SET data = ? WHERE arn = ?`, data, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("update topic %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) DeleteTopic(ctx context.Context, arn string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		// The foreign keys cascade to subscriptions and their deliveries.
		res, err := tx.ExecContext(ctx, `DELETE FROM sns_topics WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) CreateSubscription(ctx context.Context, sub trailwatch.Subscription) (trailwatch.Subscription, error) {
	data, err := storage.EncodeSNSJSON(sub)
	if err != nil {
		return sub, err
	}
	var existing trailwatch.Subscription
	err = s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := getTopic(ctx, tx, sub.TopicARN); err != nil {
			return err
		}
		var old string
		err := tx.QueryRowContext(ctx, `SELECT data FROM sns_subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?`,
			sub.TopicARN, sub.Protocol, sub.Endpoint).Scan(&old)
		if err == nil {
			if err := storage.DecodeSNSJSON(old, &existing); err != nil {
				return err
			}
			return storage.ErrExists
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sns_subscriptions (arn, topic_arn, account_id, region, protocol, endpoint, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sub.ARN, sub.TopicARN, sub.AccountID, sub.Region, sub.Protocol, sub.Endpoint, data)
		return err
	})
	if errors.Is(err, storage.ErrExists) {
		return existing, fmt.Errorf("create subscription: %w", err)
	}
	if err != nil {
		return sub, fmt.Errorf("create subscription: %w", err)
	}
	return sub, nil
}

func (s snsStore) GetSubscription(ctx context.Context, arn string) (trailwatch.Subscription, error) {
	sub, err := getSubscription(ctx, s.db.r, arn)
	if err != nil {
		return sub, fmt.Errorf("get subscription %s: %w", arn, err)
	}
	return sub, nil
}

func (s snsStore) ListSubscriptions(ctx context.Context, account, region, topicARN, after string, limit int) ([]trailwatch.Subscription, error) {
	q := `SELECT data FROM sns_subscriptions WHERE account_id = ? AND region = ? AND arn > ?`
	args := []any{account, region, after}
	if topicARN != "" {
		q += ` AND topic_arn = ?`
		args = append(args, topicARN)
	}
	rows, err := s.db.r.QueryContext(ctx, q+` ORDER BY arn LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(r scanner) (trailwatch.Subscription, error) {
		var (
			sub  trailwatch.Subscription
			data string
		)
		if err := r.Scan(&data); err != nil {
			return sub, err
		}
		return sub, storage.DecodeSNSJSON(data, &sub)
	})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return out, nil
}

func (s snsStore) UpdateSubscription(ctx context.Context, arn string, fn func(*trailwatch.Subscription) error) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		sub, err := getSubscription(ctx, tx, arn)
		if err != nil {
			return err
		}
		if err := fn(&sub); err != nil {
			return err
		}
		data, err := storage.EncodeSNSJSON(sub)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sns_subscriptions SET data = ? WHERE arn = ?`, data, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) DeleteSubscription(ctx context.Context, arn string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sns_subscriptions WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) EnqueueDeliveries(ctx context.Context, ds []trailwatch.SNSDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			// INSERT … SELECT drops the delivery when the subscription
			// went away since the caller listed it.
			if _, err := tx.ExecContext(ctx, `INSERT INTO sns_deliveries (topic_arn, subscription_arn, due_at, attempts, payload)
				SELECT ?, arn, ?, ?, ? FROM sns_subscriptions WHERE arn = ?`,
				d.TopicARN, d.Due.UnixNano(), d.Attempts, d.Payload, d.SubscriptionARN); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	return nil
}

func (s snsStore) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]trailwatch.SNSDelivery, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, topic_arn, subscription_arn, due_at, attempts, payload
		FROM sns_deliveries WHERE due_at <= ? ORDER BY due_at, id LIMIT ?`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, func(r scanner) (trailwatch.SNSDelivery, error) {
		var (
			d   trailwatch.SNSDelivery
			due int64
		)
		err := r.Scan(&d.ID, &d.TopicARN, &d.SubscriptionARN, &due, &d.Attempts, &d.Payload)
		d.Due = time.Unix(0, due).UTC()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

func (s snsStore) RescheduleDelivery(ctx context.Context, id int64, attempts int, due time.Time) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sns_deliveries SET attempts = ?, due_at = ? WHERE id = ?`, attempts, due.UnixNano(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reschedule delivery %d: %w", id, err)
	}
	return nil
}

func (s snsStore) DeleteDelivery(ctx context.Context, id int64) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sns_deliveries WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete delivery %d: %w", id, err)
	}
	return nil
}
