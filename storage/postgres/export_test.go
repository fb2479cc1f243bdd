package postgres

// NumMigrations is how many schema migrations this version applies.
var NumMigrations = len(migrations)

// SetMergeEvents changes how many pending events trigger a merge of the
// event index.
func (db *DB) SetMergeEvents(n int64) { db.mergeEvents = n }

// BucketLookup is the statement a journal merge reads stored buckets with.
const BucketLookup = bucketLookup
