package hostmetrics

import (
	"os"
	"path/filepath"
	"slices"
)

// DefaultIgnoreFSTypes are the filesystem types Reader leaves out of the
// disk metrics unless told otherwise: kernel interfaces and memory-backed
// or read-only image filesystems, whose fullness says nothing about disks.
var DefaultIgnoreFSTypes = []string{
	"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
	"efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs",
	"rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
}

// Reader reads Samples from the running host.
type Reader struct {
	// ProcRoot is where procfs is mounted; default /proc. A container
	// watching its host mounts the host's /proc elsewhere.
	ProcRoot string
	// DiskPaths limits the disk metrics to these mount points; empty
	// means every mounted filesystem whose type IgnoreFSTypes does not
	// name.
	DiskPaths []string
	// IgnoreFSTypes; nil means DefaultIgnoreFSTypes.
	IgnoreFSTypes []string
}

// Read takes one Sample. A filesystem that statfs cannot read (a hung
// network mount answers with an error only after a while; an unmounted
// path at once) is left out rather than failing the whole sample.
func (r *Reader) Read() (*Sample, error) {
	root := r.ProcRoot
	if root == "" {
		root = "/proc"
	}
	var s Sample
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return nil, err
	}
	if s.CPU, err = ParseStat(b); err != nil {
		return nil, err
	}
	if b, err = os.ReadFile(filepath.Join(root, "meminfo")); err != nil {
		return nil, err
	}
	if s.Mem, err = ParseMeminfo(b); err != nil {
		return nil, err
	}
	if b, err = os.ReadFile(filepath.Join(root, "net", "dev")); err != nil {
		return nil, err
	}
	if s.Net, err = ParseNetDev(b); err != nil {
		return nil, err
	}
	if b, err = os.ReadFile(filepath.Join(root, "mounts")); err != nil {
		return nil, err
	}
	mounts, err := ParseMounts(b)
	if err != nil {
		return nil, err
	}
	ignore := r.IgnoreFSTypes
	if ignore == nil {
		ignore = DefaultIgnoreFSTypes
	}
	// A path mounted over shows the top mount, the last one listed.
	top := map[string]int{}
	for i, m := range mounts {
		top[m.Path] = i
	}
	for i, m := range mounts {
		if top[m.Path] != i {
			continue
		}
		if len(r.DiskPaths) > 0 {
			if !slices.Contains(r.DiskPaths, m.Path) {
				continue
			}
		} else if slices.Contains(ignore, m.FSType) {
			continue
		}
		d, err := statfs(m)
		if err != nil || d.Total == 0 {
			continue
		}
		s.Disks = append(s.Disks, d)
	}
	return &s, nil
}
