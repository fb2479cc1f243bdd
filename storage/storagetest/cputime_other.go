//go:build !unix

package storagetest

import "time"

// ProcessCPU returns the CPU time this process has used; here it cannot
// be read.
func ProcessCPU() (time.Duration, bool) { return 0, false }
