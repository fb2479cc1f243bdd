package sqlite

// SetMergeEvents changes how many pending events trigger a merge of the
// event index.
func (db *DB) SetMergeEvents(n int64) { db.mergeEvents = n }
