package worker

import "time"

// NextAligned exposes Loop.nextAligned.
func NextAligned(l *Loop, now time.Time) time.Time { return l.nextAligned(now) }
