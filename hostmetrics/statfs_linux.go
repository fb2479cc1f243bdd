package hostmetrics

import "syscall"

// statfs reads a mounted filesystem's size as df does: total blocks, the
// blocks available to unprivileged users as free, and used as total less
// all free blocks (root's reserve counts as neither used nor free).
func statfs(m Mount) (DiskUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(m.Path, &st); err != nil {
		return DiskUsage{}, err
	}
	bs := uint64(st.Bsize)
	return DiskUsage{
		Mount:       m,
		Total:       st.Blocks * bs,
		Free:        st.Bavail * bs,
		Used:        (st.Blocks - st.Bfree) * bs,
		InodesTotal: st.Files,
		InodesFree:  st.Ffree,
	}, nil
}
