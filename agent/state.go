package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
)

// fileState is where reading of one source file stands: its identity
// (device and inode, which a rename keeps and a new file does not) and the
// offset of the first byte not yet in the spool.
type fileState struct {
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	Offset int64  `json:"offset"`
	// Gen counts the times the file was truncated in place: offsets
	// start again, so event ids carry it to stay unique.
	Gen int64 `json:"gen,omitempty"`
	// Tail is the last bytes (up to tailBytes) before Offset: a file
	// whose bytes there differ was truncated or replaced even if it has
	// grown past Offset since, and a copytruncate copy is the file of the
	// same directory that has them there.
	Tail []byte `json:"tail,omitempty"`
}

// same reports whether fs and o record the same position.
func (fs *fileState) same(o *fileState) bool {
	return fs.Dev == o.Dev && fs.Ino == o.Ino && fs.Offset == o.Offset && fs.Gen == o.Gen && bytes.Equal(fs.Tail, o.Tail)
}

// tailBytes is how much of what was read a fileState remembers.
const tailBytes = 64

// advance returns the state after used more bytes of data, which starts
// at fs.Offset.
func (fs *fileState) advance(data []byte, used int) *fileState {
	next := &fileState{Dev: fs.Dev, Ino: fs.Ino, Gen: fs.Gen, Offset: fs.Offset + int64(used), Tail: fs.Tail}
	if used == 0 {
		return next
	}
	if used >= tailBytes {
		next.Tail = append([]byte(nil), data[used-tailBytes:used]...)
		return next
	}
	t := append(append([]byte(nil), fs.Tail...), data[:used]...)
	next.Tail = t[max(0, len(t)-tailBytes):]
	return next
}

// state is the agent's durable state: one fileState per source file path
// and the spool's read position (segment number and offset).
type state struct {
	Files    map[string]*fileState `json:"files"`
	SpoolSeg int64                 `json:"spool_segment"`
	SpoolOff int64                 `json:"spool_offset"`
}

func loadState(path string) (*state, error) {
	st := &state{Files: map[string]*fileState{}}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, err
	}
	if st.Files == nil {
		st.Files = map[string]*fileState{}
	}
	return st, nil
}

// save replaces the state file atomically and durably: a kill -9 or a
// power cut leaves either the old state or the new one, never a mix.
func (st *state) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
