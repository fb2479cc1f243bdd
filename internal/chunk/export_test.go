package chunk

import "testing"

// SetBlockTarget makes blocks close after n message bytes until the test
// ends, so that small inputs make chunks of many blocks. Tests that call
// it must not run in parallel with others of the package.
func SetBlockTarget(tb testing.TB, n int64) {
	old := blockTarget
	blockTarget = n
	tb.Cleanup(func() { blockTarget = old })
}
