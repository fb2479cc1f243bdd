//go:build unix

package storagetest

import (
	"syscall"
	"time"
)

// ProcessCPU returns the CPU time this process has used, user and
// system; ok is false where it cannot be read. Benchmarks report CPU time
// per operation beside their rates: on a shared machine it is far less
// disturbed by other load than wall-clock time.
func ProcessCPU() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
