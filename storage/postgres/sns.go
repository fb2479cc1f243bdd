package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// snsStore implements storage.SNS.
//
// CreateTopic takes a transaction-scoped advisory lock on the account and
// region first: two nodes creating topics at once would otherwise both
// count below the limit.
type snsStore struct{ db *DB }

// SNS returns the SNS topic, subscription and outbox store.
func (db *DB) SNS() storage.SNS { return snsStore{db} }

var _ storage.SNS = snsStore{}

func getTopic(ctx context.Context, q querier, arn string, lock bool) (trailwatch.Topic, error) {
	var (
		t    trailwatch.Topic
		data string
	)
	query := `SELECT data FROM sns_topics WHERE arn = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := q.QueryRow(ctx, query, arn).Scan(&data); err != nil {
		return t, notFound(err)
	}
	return t, storage.DecodeSNSJSON(data, &t)
}

func getSubscription(ctx context.Context, q querier, arn string, lock bool) (trailwatch.Subscription, error) {
	var (
		s    trailwatch.Subscription
		data string
	)
	query := `SELECT data FROM sns_subscriptions WHERE arn = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := q.QueryRow(ctx, query, arn).Scan(&data); err != nil {
		return s, notFound(err)
	}
	return s, storage.DecodeSNSJSON(data, &s)
}

func (s snsStore) CreateTopic(ctx context.Context, t trailwatch.Topic, maxPerAccount int) (trailwatch.Topic, error) {
	data, err := storage.EncodeSNSJSON(t)
	if err != nil {
		return t, err
	}
	var existing trailwatch.Topic
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sns_topics/' || $1 || '/' || $2, 0))`,
			t.AccountID, t.Region); err != nil {
			return err
		}
		old, err := getTopic(ctx, tx, t.ARN, false)
		if err == nil {
			existing = old
			return storage.ErrExists
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM sns_topics WHERE account_id = $1 AND region = $2`,
			t.AccountID, t.Region).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerAccount {
			return storage.ErrLimitExceeded
		}
		_, err = tx.Exec(ctx, `INSERT INTO sns_topics (arn, account_id, region, data) VALUES ($1, $2, $3, $4)`,
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
	t, err := getTopic(ctx, s.db.pool, arn, false)
	if err != nil {
		return t, fmt.Errorf("get topic %s: %w", arn, err)
	}
	return t, nil
}

func collectData[T any](rows pgx.Rows) ([]T, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) {
		var (
			v    T
			data string
		)
		if err := r.Scan(&data); err != nil {
			return v, err
		}
		return v, storage.DecodeSNSJSON(data, &v)
	})
}

func (s snsStore) ListTopics(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Topic, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT data FROM sns_topics
		WHERE account_id = $1 AND region = $2 AND arn > $3 ORDER BY arn COLLATE "C" LIMIT $4`, account, region, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out, err := collectData[trailwatch.Topic](rows)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	return out, nil
}

func (s snsStore) UpdateTopic(ctx context.Context, arn string, fn func(*trailwatch.Topic) error) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		t, err := getTopic(ctx, tx, arn, true)
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
		_, err = tx.Exec(ctx, `UPDATE sns_topics SET data = $1 WHERE arn = $2`, data, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("update topic %s: %w", arn, err)
	}
	return nil
}

// deleteOne runs a DELETE or UPDATE that must touch a row: ErrNotFound
// when it touched none.
func deleteOne(ctx context.Context, db *DB, query string, args ...any) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
}

func (s snsStore) DeleteTopic(ctx context.Context, arn string) error {
	// The foreign keys cascade to subscriptions and their deliveries.
	if err := deleteOne(ctx, s.db, `DELETE FROM sns_topics WHERE arn = $1`, arn); err != nil {
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
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		// Locking the topic row serialises subscribers of one topic, so
		// two nodes cannot both find the endpoint unsubscribed.
		if _, err := getTopic(ctx, tx, sub.TopicARN, true); err != nil {
			return err
		}
		var old string
		err := tx.QueryRow(ctx, `SELECT data FROM sns_subscriptions WHERE topic_arn = $1 AND protocol = $2 AND endpoint = $3`,
			sub.TopicARN, sub.Protocol, sub.Endpoint).Scan(&old)
		if err == nil {
			if err := storage.DecodeSNSJSON(old, &existing); err != nil {
				return err
			}
			return storage.ErrExists
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sns_subscriptions (arn, topic_arn, account_id, region, protocol, endpoint, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, sub.ARN, sub.TopicARN, sub.AccountID, sub.Region, sub.Protocol, sub.Endpoint, data)
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
	sub, err := getSubscription(ctx, s.db.pool, arn, false)
	if err != nil {
		return sub, fmt.Errorf("get subscription %s: %w", arn, err)
	}
	return sub, nil
}

func (s snsStore) ListSubscriptions(ctx context.Context, account, region, topicARN, after string, limit int) ([]trailwatch.Subscription, error) {
	q := `SELECT data FROM sns_subscriptions WHERE account_id = $1 AND region = $2 AND arn > $3`
	args := []any{account, region, after}
	if topicARN != "" {
		q += ` AND topic_arn = $4`
		args = append(args, topicARN)
	}
	args = append(args, limit)
	rows, err := s.db.pool.Query(ctx, q+` ORDER BY arn COLLATE "C" LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	out, err := collectData[trailwatch.Subscription](rows)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return out, nil
}

func (s snsStore) UpdateSubscription(ctx context.Context, arn string, fn func(*trailwatch.Subscription) error) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		sub, err := getSubscription(ctx, tx, arn, true)
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
		_, err = tx.Exec(ctx, `UPDATE sns_subscriptions SET data = $1 WHERE arn = $2`, data, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) DeleteSubscription(ctx context.Context, arn string) error {
	if err := deleteOne(ctx, s.db, `DELETE FROM sns_subscriptions WHERE arn = $1`, arn); err != nil {
		return fmt.Errorf("delete subscription %s: %w", arn, err)
	}
	return nil
}

func (s snsStore) EnqueueDeliveries(ctx context.Context, ds []trailwatch.SNSDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		for _, d := range ds {
			// INSERT … SELECT drops the delivery when the subscription
			// went away since the caller listed it.
			if _, err := tx.Exec(ctx, `INSERT INTO sns_deliveries (topic_arn, subscription_arn, due_at, attempts, payload)
				SELECT $1, arn, $2, $3, $4 FROM sns_subscriptions WHERE arn = $5`,
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
	rows, err := s.db.pool.Query(ctx, `SELECT id, topic_arn, subscription_arn, due_at, attempts, payload
		FROM sns_deliveries WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.SNSDelivery, error) {
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
	if err := deleteOne(ctx, s.db, `UPDATE sns_deliveries SET attempts = $1, due_at = $2 WHERE id = $3`, attempts, due.UnixNano(), id); err != nil {
		return fmt.Errorf("reschedule delivery %d: %w", id, err)
	}
	return nil
}

func (s snsStore) DeleteDelivery(ctx context.Context, id int64) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sns_deliveries WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete delivery %d: %w", id, err)
	}
	return nil
}
