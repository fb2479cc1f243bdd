//go:build !unix

package storagetest

import "time"

// processCPU returns the CPU time this process has used; here it cannot
// be read.
func processCPU() (time.Duration, bool) { return 0, false }
