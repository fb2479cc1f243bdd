package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/trailwatch/trailwatch/storage"
)

// SetMergeEvents changes how many pending events trigger a merge of the
// event index.
func (db *DB) SetMergeEvents(n int64) { db.mergeEvents = n }

// FailAfterPutMetricData stores data in a write transaction that then
// fails, as a PutLogEvents whose chunk insert failed after its metric
// filters' data were merged would.
func (db *DB) FailAfterPutMetricData(ctx context.Context, account, region string, data []storage.MetricDatum) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.putMetricRows(ctx, tx, account, region, data); err != nil {
			return err
		}
		return errors.New("injected failure")
	})
}
