//go:build !linux

package hostmetrics

import "errors"

func statfs(m Mount) (DiskUsage, error) {
	return DiskUsage{}, errors.New("hostmetrics: disk metrics are read on Linux only")
}
