package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// trails implements storage.Trails.
//
// The placement rules span every trail of an account, so the writers that
// check them (CreateTrail, and UpdateTrail) first take a transaction-scoped
// advisory lock on the account's trails: two nodes creating trails at once
// would otherwise both see room for one more.
type trails struct{ db *DB }

// Trails returns the CloudTrail trail store.
func (db *DB) Trails() storage.Trails { return trails{db} }

var _ storage.Trails = trails{}

const trailColumns = `account_id, home_region, name, multi_region, s3_bucket, s3_key_prefix, sns_topic_arn,
	global_service_events, log_file_validation, cwl_log_group_arn, cwl_role_arn, kms_key_id, organization,
	custom_selectors, event_selectors, advanced_event_selectors, tags, created_at,
	is_logging, start_logging_time, stop_logging_time,
	delivery_time, delivery_attempt_time, delivery_error,
	notification_time, notification_attempt_time, notification_error,
	cwl_delivery_time, cwl_delivery_error, digest_delivery_time, digest_delivery_error`

// scanTrail reads a row of trailColumns.
func scanTrail(r pgx.Row) (trailwatch.Trail, error) {
	var (
		t                                trailwatch.Trail
		selectors, advanced, tags        string
		created, start, stop             *int64
		dTime, dAttempt, nTime, nAttempt *int64
		cwlTime, digestTime              *int64
		dErr, nErr, cwlErr, digestErr    *string
	)
	err := r.Scan(&t.AccountID, &t.HomeRegion, &t.Name, &t.IsMultiRegionTrail, &t.S3BucketName, &t.S3KeyPrefix,
		&t.SnsTopicARN, &t.IncludeGlobalServiceEvents, &t.LogFileValidationEnabled, &t.CloudWatchLogsLogGroupARN,
		&t.CloudWatchLogsRoleARN, &t.KMSKeyID, &t.IsOrganizationTrail, &t.HasCustomEventSelectors,
		&selectors, &advanced, &tags, &created, &t.IsLogging, &start, &stop,
		&dTime, &dAttempt, &dErr, &nTime, &nAttempt, &nErr, &cwlTime, &cwlErr, &digestTime, &digestErr)
	if err != nil {
		return t, err
	}
	if err := decodeTrailJSON(&t, selectors, advanced, tags); err != nil {
		return t, err
	}
	t.CreatedAt, t.StartLoggingTime, t.StopLoggingTime = fromNanos(created), fromNanos(start), fromNanos(stop)
	t.Delivery = trailwatch.TrailDelivery{
		LatestDeliveryTime: fromNanos(dTime), LatestDeliveryAttemptTime: fromNanos(dAttempt), LatestDeliveryError: deref(dErr),
		LatestNotificationTime: fromNanos(nTime), LatestNotificationAttemptTime: fromNanos(nAttempt), LatestNotificationError: deref(nErr),
		LatestCloudWatchLogsDeliveryTime: fromNanos(cwlTime), LatestCloudWatchLogsDeliveryError: deref(cwlErr),
		LatestDigestDeliveryTime: fromNanos(digestTime), LatestDigestDeliveryError: deref(digestErr),
	}
	return t, nil
}

// trailJSON holds a trail's JSON-encoded columns.
type trailJSON struct{ selectors, advanced, tags string }

func encodeTrailJSON(t *trailwatch.Trail) (trailJSON, error) {
	var j trailJSON
	for _, f := range []struct {
		dst *string
		v   any
	}{{&j.selectors, t.EventSelectors}, {&j.advanced, t.AdvancedEventSelectors}, {&j.tags, t.Tags}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return j, fmt.Errorf("encode trail %s: %w", t.Name, err)
		}
		*f.dst = string(b)
	}
	return j, nil
}

func decodeTrailJSON(t *trailwatch.Trail, selectors, advanced, tags string) error {
	for _, f := range []struct {
		src string
		dst any
	}{{selectors, &t.EventSelectors}, {advanced, &t.AdvancedEventSelectors}, {tags, &t.Tags}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return fmt.Errorf("decode trail %s: %w", t.Name, err)
		}
	}
	return nil
}

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// getTrail finds a trail; ErrNotFound. lock takes the row's lock until the
// transaction ends.
func getTrail(ctx context.Context, q querier, account, region, name string, lock bool) (trailwatch.Trail, error) {
	sql := `SELECT ` + trailColumns + ` FROM trails WHERE account_id = $1 AND home_region = $2 AND name = $3`
	if lock {
		sql += ` FOR UPDATE`
	}
	t, err := scanTrail(q.QueryRow(ctx, sql, account, region, name))
	return t, notFound(err)
}

// lockAccountTrails serialises placement checks of one account's trails
// across nodes until tx ends.
func lockAccountTrails(ctx context.Context, tx pgx.Tx, account string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('trails/' || $1, 0))`, account)
	return err
}

// placements returns where the account's trails are, leaving out the one
// in (skipRegion, skipName).
func placements(ctx context.Context, tx pgx.Tx, account, skipRegion, skipName string) ([]storage.TrailPlacement, error) {
	rows, err := tx.Query(ctx, `SELECT home_region, name, multi_region FROM trails
		WHERE account_id = $1 AND NOT (home_region = $2 AND name = $3)`, account, skipRegion, skipName)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.TrailPlacement, error) {
		var p storage.TrailPlacement
		err := r.Scan(&p.HomeRegion, &p.Name, &p.MultiRegion)
		return p, err
	})
}

func (s trails) CreateTrail(ctx context.Context, t trailwatch.Trail, maxPerRegion int) error {
	j, err := encodeTrailJSON(&t)
	if err != nil {
		return err
	}
	err = s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockAccountTrails(ctx, tx, t.AccountID); err != nil {
			return err
		}
		// No trail has an empty name: every trail of the account counts,
		// a trail of the same name and home region among them.
		others, err := placements(ctx, tx, t.AccountID, "", "")
		if err != nil {
			return err
		}
		if err := storage.CheckTrailPlacement(others, storage.TrailPlacement{HomeRegion: t.HomeRegion, Name: t.Name, MultiRegion: t.IsMultiRegionTrail}, maxPerRegion); err != nil {
			return err
		}
		d := t.Delivery
		_, err = tx.Exec(ctx, `INSERT INTO trails (`+trailColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
				$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)`,
			t.AccountID, t.HomeRegion, t.Name, t.IsMultiRegionTrail, t.S3BucketName, t.S3KeyPrefix, t.SnsTopicARN,
			t.IncludeGlobalServiceEvents, t.LogFileValidationEnabled, t.CloudWatchLogsLogGroupARN, t.CloudWatchLogsRoleARN,
			t.KMSKeyID, t.IsOrganizationTrail, t.HasCustomEventSelectors, j.selectors, j.advanced, j.tags,
			nanos(t.CreatedAt), t.IsLogging, nanos(t.StartLoggingTime), nanos(t.StopLoggingTime),
			nanos(d.LatestDeliveryTime), nanos(d.LatestDeliveryAttemptTime), nullString(d.LatestDeliveryError),
			nanos(d.LatestNotificationTime), nanos(d.LatestNotificationAttemptTime), nullString(d.LatestNotificationError),
			nanos(d.LatestCloudWatchLogsDeliveryTime), nullString(d.LatestCloudWatchLogsDeliveryError),
			nanos(d.LatestDigestDeliveryTime), nullString(d.LatestDigestDeliveryError))
		return err
	})
	if err != nil {
		return fmt.Errorf("create trail %s: %w", t.Name, err)
	}
	return nil
}

func (s trails) GetTrail(ctx context.Context, account, homeRegion, name string) (trailwatch.Trail, error) {
	t, err := getTrail(ctx, s.db.pool, account, homeRegion, name, false)
	if err != nil {
		return trailwatch.Trail{}, fmt.Errorf("get trail %s: %w", name, err)
	}
	return t, nil
}

func (s trails) ListTrails(ctx context.Context, account string) ([]trailwatch.Trail, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+trailColumns+` FROM trails WHERE account_id = $1
		ORDER BY home_region, name`, account)
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.Trail, error) { return scanTrail(r) })
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	return out, nil
}

func (s trails) UpdateTrail(ctx context.Context, account, homeRegion, name string, maxPerRegion int, fn func(*trailwatch.Trail) error) error {
	var fnErr error
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		// The account lock comes before the row lock, in the order
		// CreateTrail takes them, so the two never wait on each other in
		// a cycle.
		if err := lockAccountTrails(ctx, tx, account); err != nil {
			return err
		}
		t, err := getTrail(ctx, tx, account, homeRegion, name, true)
		if err != nil {
			return err
		}
		wasMulti := t.IsMultiRegionTrail
		if err := fn(&t); err != nil {
			fnErr = err
			return err
		}
		if t.IsMultiRegionTrail && !wasMulti {
			others, err := placements(ctx, tx, account, homeRegion, name)
			if err != nil {
				return err
			}
			if err := storage.CheckTrailPlacement(others, storage.TrailPlacement{HomeRegion: homeRegion, Name: name, MultiRegion: true}, maxPerRegion); err != nil {
				return err
			}
		}
		j, err := encodeTrailJSON(&t)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE trails SET multi_region = $1, s3_bucket = $2, s3_key_prefix = $3,
			sns_topic_arn = $4, global_service_events = $5, log_file_validation = $6, cwl_log_group_arn = $7,
			cwl_role_arn = $8, kms_key_id = $9, organization = $10, custom_selectors = $11, event_selectors = $12,
			advanced_event_selectors = $13, tags = $14, is_logging = $15, start_logging_time = $16,
			stop_logging_time = $17
			WHERE account_id = $18 AND home_region = $19 AND name = $20`,
			t.IsMultiRegionTrail, t.S3BucketName, t.S3KeyPrefix, t.SnsTopicARN, t.IncludeGlobalServiceEvents,
			t.LogFileValidationEnabled, t.CloudWatchLogsLogGroupARN, t.CloudWatchLogsRoleARN, t.KMSKeyID,
			t.IsOrganizationTrail, t.HasCustomEventSelectors, j.selectors, j.advanced, j.tags, t.IsLogging,
			nanos(t.StartLoggingTime), nanos(t.StopLoggingTime), account, homeRegion, name)
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("update trail %s: %w", name, err)
	}
	return nil
}

func (s trails) DeleteTrail(ctx context.Context, account, homeRegion, name string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM trails WHERE account_id = $1 AND home_region = $2 AND name = $3`,
		account, homeRegion, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete trail %s: %w", name, err)
	}
	return nil
}

func (s trails) UpdateTrailDelivery(ctx context.Context, account, homeRegion, name string, fn func(*trailwatch.TrailDelivery)) error {
	return s.UpdateTrailDeliveryState(ctx, account, homeRegion, name, func(t *trailwatch.Trail, _ *[]byte) error {
		fn(&t.Delivery)
		return nil
	})
}

func (s trails) UpdateTrailDeliveryState(ctx context.Context, account, homeRegion, name string, fn func(*trailwatch.Trail, *[]byte) error) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		t, err := getTrail(ctx, tx, account, homeRegion, name, true)
		if err != nil {
			return err
		}
		var state []byte
		if err := tx.QueryRow(ctx, `SELECT delivery_state FROM trails WHERE account_id = $1 AND home_region = $2 AND name = $3`,
			account, homeRegion, name).Scan(&state); err != nil {
			return err
		}
		if err := fn(&t, &state); err != nil {
			return err
		}
		d := t.Delivery
		_, err = tx.Exec(ctx, `UPDATE trails SET delivery_time = $1, delivery_attempt_time = $2, delivery_error = $3,
			notification_time = $4, notification_attempt_time = $5, notification_error = $6,
			cwl_delivery_time = $7, cwl_delivery_error = $8, digest_delivery_time = $9, digest_delivery_error = $10,
			delivery_state = $11
			WHERE account_id = $12 AND home_region = $13 AND name = $14`,
			nanos(d.LatestDeliveryTime), nanos(d.LatestDeliveryAttemptTime), nullString(d.LatestDeliveryError),
			nanos(d.LatestNotificationTime), nanos(d.LatestNotificationAttemptTime), nullString(d.LatestNotificationError),
			nanos(d.LatestCloudWatchLogsDeliveryTime), nullString(d.LatestCloudWatchLogsDeliveryError),
			nanos(d.LatestDigestDeliveryTime), nullString(d.LatestDigestDeliveryError), state, account, homeRegion, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("update delivery state of trail %s: %w", name, err)
	}
	return nil
}
