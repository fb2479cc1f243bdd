package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// trails implements storage.Trails.
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
func scanTrail(r scanner) (trailwatch.Trail, error) {
	var (
		t                                trailwatch.Trail
		selectors, advanced, tags        string
		created, start, stop             sql.NullInt64
		dTime, dAttempt, nTime, nAttempt sql.NullInt64
		cwlTime, digestTime              sql.NullInt64
		dErr, nErr, cwlErr, digestErr    sql.NullString
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
		LatestDeliveryTime: fromNanos(dTime), LatestDeliveryAttemptTime: fromNanos(dAttempt), LatestDeliveryError: dErr.String,
		LatestNotificationTime: fromNanos(nTime), LatestNotificationAttemptTime: fromNanos(nAttempt), LatestNotificationError: nErr.String,
		LatestCloudWatchLogsDeliveryTime: fromNanos(cwlTime), LatestCloudWatchLogsDeliveryError: cwlErr.String,
		LatestDigestDeliveryTime: fromNanos(digestTime), LatestDigestDeliveryError: digestErr.String,
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
// nullBlob stores a nil slice as NULL, which this driver would store as
// an empty blob, so that it reads back as nil.
func nullBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func getTrail(ctx context.Context, q querier, account, region, name string) (trailwatch.Trail, error) {
	t, err := scanTrail(q.QueryRowContext(ctx, `SELECT `+trailColumns+` FROM trails
		WHERE account_id = ? AND home_region = ? AND name = ?`, account, region, name))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return t, err
}

// placements returns where the account's trails are, leaving out the one
// in (skipRegion, skipName).
func placements(ctx context.Context, tx *sql.Tx, account, skipRegion, skipName string) ([]storage.TrailPlacement, error) {
	rows, err := tx.QueryContext(ctx, `SELECT home_region, name, multi_region FROM trails
		WHERE account_id = ? AND NOT (home_region = ? AND name = ?)`, account, skipRegion, skipName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collectRows(rows, func(r scanner) (storage.TrailPlacement, error) {
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
	err = s.db.write(ctx, func(tx *sql.Tx) error {
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
		_, err = tx.ExecContext(ctx, `INSERT INTO trails (`+trailColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
	t, err := getTrail(ctx, s.db.r, account, homeRegion, name)
	if err != nil {
		return trailwatch.Trail{}, fmt.Errorf("get trail %s: %w", name, err)
	}
	return t, nil
}

func (s trails) ListTrails(ctx context.Context, account string) ([]trailwatch.Trail, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+trailColumns+` FROM trails WHERE account_id = ?
		ORDER BY home_region, name`, account)
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanTrail)
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	return out, nil
}

func (s trails) UpdateTrail(ctx context.Context, account, homeRegion, name string, maxPerRegion int, fn func(*trailwatch.Trail) error) error {
	var fnErr error
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		t, err := getTrail(ctx, tx, account, homeRegion, name)
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
		_, err = tx.ExecContext(ctx, `UPDATE trails SET multi_region = ?, s3_bucket = ?, s3_key_prefix = ?,
			sns_topic_arn = ?, global_service_events = ?, log_file_validation = ?, cwl_log_group_arn = ?,
			cwl_role_arn = ?, kms_key_id = ?, organization = ?, custom_selectors = ?, event_selectors = ?,
			advanced_event_selectors = ?, tags = ?, is_logging = ?, start_logging_time = ?, stop_logging_time = ?
			WHERE account_id = ? AND home_region = ? AND name = ?`,
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM trails WHERE account_id = ? AND home_region = ? AND name = ?`,
			account, homeRegion, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		t, err := getTrail(ctx, tx, account, homeRegion, name)
		if err != nil {
			return err
		}
		var state []byte
		if err := tx.QueryRowContext(ctx, `SELECT delivery_state FROM trails WHERE account_id = ? AND home_region = ? AND name = ?`,
			account, homeRegion, name).Scan(&state); err != nil {
			return err
		}
		if err := fn(&t, &state); err != nil {
			return err
		}
		d := t.Delivery
		_, err = tx.ExecContext(ctx, `UPDATE trails SET delivery_time = ?, delivery_attempt_time = ?, delivery_error = ?,
			notification_time = ?, notification_attempt_time = ?, notification_error = ?,
			cwl_delivery_time = ?, cwl_delivery_error = ?, digest_delivery_time = ?, digest_delivery_error = ?,
			delivery_state = ?
			WHERE account_id = ? AND home_region = ? AND name = ?`,
			nanos(d.LatestDeliveryTime), nanos(d.LatestDeliveryAttemptTime), nullString(d.LatestDeliveryError),
			nanos(d.LatestNotificationTime), nanos(d.LatestNotificationAttemptTime), nullString(d.LatestNotificationError),
			nanos(d.LatestCloudWatchLogsDeliveryTime), nullString(d.LatestCloudWatchLogsDeliveryError),
			nanos(d.LatestDigestDeliveryTime), nullString(d.LatestDigestDeliveryError), nullBlob(state), account, homeRegion, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("update delivery state of trail %s: %w", name, err)
	}
	return nil
}
