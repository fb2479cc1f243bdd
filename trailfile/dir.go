package trailfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MetaSuffix names the sidecar file that holds an object's metadata in a
// local archive directory: KEY.s3meta.json, a JSON object of lower-case
// metadata names without the x-amz-meta- prefix. The archive package
// writes it; DirReader reads it.
const MetaSuffix = ".s3meta.json"

// DirReader reads one bucket of a local archive: the directory root holds
// the bucket's objects at their keys (slashes are directories), each with
// an optional metadata sidecar.
type DirReader struct {
	root string
}

// NewDirReader returns the Reader of the bucket in directory root.
func NewDirReader(root string) *DirReader { return &DirReader{root: root} }

var _ Reader = (*DirReader)(nil)

// path maps a key to its file, refusing keys that would leave the root.
func (r *DirReader) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || slices.Contains(strings.Split(key, "/"), "..") {
		return "", fmt.Errorf("key %q: %w", key, ErrNotFound)
	}
	return filepath.Join(r.root, filepath.FromSlash(key)), nil
}

// Get reads an object and its sidecar. A missing object is ErrNotFound
// (fs.ErrNotExist); a missing sidecar is no metadata.
func (r *DirReader) Get(_ context.Context, key string) ([]byte, map[string]string, error) {
	if strings.HasSuffix(key, MetaSuffix) {
		return nil, nil, fmt.Errorf("key %q: %w", key, ErrNotFound)
	}
	p, err := r.path(key)
	if err != nil {
		return nil, nil, err
	}
	body, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	meta := map[string]string{}
	if b, err := os.ReadFile(p + MetaSuffix); err == nil {
		if err := json.Unmarshal(b, &meta); err != nil {
			return nil, nil, fmt.Errorf("metadata of %s: %w", key, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	return body, meta, nil
}

// Open opens an object's file for streaming. A missing object is
// ErrNotFound (fs.ErrNotExist).
func (r *DirReader) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if strings.HasSuffix(key, MetaSuffix) {
		return nil, fmt.Errorf("key %q: %w", key, ErrNotFound)
	}
	p, err := r.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("key %q: %w", key, ErrNotFound)
	}
	return f, nil
}

var _ Opener = (*DirReader)(nil)

// List walks the directories the prefix can reach, in key order. Sidecars
// are not objects and are left out.
func (r *DirReader) List(_ context.Context, prefix, startAfter string, limit int) ([]ObjectInfo, error) {
	// Start at the deepest directory the prefix names whole.
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i]
	}
	var out []ObjectInfo
	errDone := errors.New("done")
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(filepath.Join(r.root, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		// Keys order by bytes, and a directory "a" holds keys "a/…", which
		// sort after a file "a.b" ('.' < '/'): sort names as their keys'
		// beginnings.
		slices.SortFunc(entries, func(a, b fs.DirEntry) int {
			return strings.Compare(entryKey(a), entryKey(b))
		})
		for _, e := range entries {
			key := e.Name()
			if rel != "" {
				key = rel + "/" + key
			}
			if e.IsDir() {
				// Skip directories wholly before startAfter or outside prefix.
				if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
					continue
				}
				if startAfter != "" && key+"/" < startAfter && !strings.HasPrefix(startAfter, key+"/") {
					continue
				}
				if err := walk(key); err != nil {
					return err
				}
				continue
			}
			if strings.HasSuffix(key, MetaSuffix) || !strings.HasPrefix(key, prefix) || key <= startAfter {
				continue
			}
			info, err := e.Info()
			if err != nil {
				return err
			}
			out = append(out, ObjectInfo{Key: key, Size: info.Size()})
			if len(out) == limit {
				return errDone
			}
		}
		return nil
	}
	if err := walk(dir); err != nil && err != errDone {
		return nil, err
	}
	return out, nil
}

func entryKey(e fs.DirEntry) string {
	if e.IsDir() {
		return e.Name() + "/"
	}
	return e.Name()
}
