// Package dir keeps an archive in a local directory: ROOT/BUCKET/KEY, one
// file per object, with its user metadata beside it in KEY.s3meta.json (a
// JSON object of lower-case names to values, the convention `trailwatch
// validate` reads). Writes are atomic and durable: a temporary file is
// written and fsynced, renamed into place, and the directory fsynced.
// Keys are checked so that no key names a path outside its bucket.
package dir

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/trailwatch/trailwatch/archive"
)

// MetaSuffix ends the name of an object's metadata file. No key may end
// with it, so a metadata file is never taken for an object.
const MetaSuffix = ".s3meta.json"

// maxSegment is the longest file name Linux file systems take (NAME_MAX);
// the metadata file's name is the longest one a key segment makes.
const maxSegment = 255 - len(MetaSuffix)

// Names inside the root that no bucket can have, since bucket names begin
// with a letter or digit.
const (
	tmpDir    = ".tmp"    // temporary files, renamed into buckets
	ownersDir = ".owners" // one file per claimed bucket: the owning account
)

// Store is an archive in a local directory. It is safe for concurrent use;
// concurrent Puts of one key leave one of the bodies, whole.
type Store struct {
	root string
}

var (
	_ archive.Store   = (*Store)(nil)
	_ archive.Claimer = (*Store)(nil)
)

// Open returns the archive rooted at root, creating the directory if needed.
func Open(root string) (*Store, error) {
	for _, d := range []string{root, filepath.Join(root, tmpDir), filepath.Join(root, ownersDir)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("create archive directory: %w", err)
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return &Store{root: abs}, nil
}

// Root is the archive's directory.
func (s *Store) Root() string { return s.root }

// CheckKey reports whether key can name a file in a bucket directory: it
// must pass archive.CheckKey, hold no NUL byte, and every slash-separated
// segment must be non-empty (no leading, trailing or doubled slash), not
// "." or "..", at most 242 bytes, and not end with MetaSuffix. The error
// wraps archive.ErrInvalidKey.
func CheckKey(key string) error {
	if err := archive.CheckKey(key); err != nil {
		return err
	}
	if strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("%w: holds a NUL byte", archive.ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: %q has an empty path segment", archive.ErrInvalidKey, key)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w: %q has a %q segment", archive.ErrInvalidKey, key, seg)
		case len(seg) > maxSegment:
			return fmt.Errorf("%w: a segment of %q is longer than %d bytes", archive.ErrInvalidKey, key, maxSegment)
		case strings.HasSuffix(seg, MetaSuffix):
			return fmt.Errorf("%w: %q ends with %s, the metadata suffix", archive.ErrInvalidKey, key, MetaSuffix)
		}
	}
	return nil
}

// Path returns the file that holds key in bucket, or an error wrapping
// archive.ErrInvalidBucket or archive.ErrInvalidKey. The path is always
// inside ROOT/BUCKET/.
func (s *Store) Path(bucket, key string) (string, error) {
	if err := archive.CheckBucketName(bucket); err != nil {
		return "", err
	}
	if err := CheckKey(key); err != nil {
		return "", err
	}
	dir := filepath.Join(s.root, bucket)
	p := filepath.Join(dir, filepath.FromSlash(key))
	if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		panic("BUG: checked key " + key + " maps outside its bucket")
	}
	return p, nil
}

// Bucket returns the named bucket; ErrNoSuchBucket when its directory does
// not exist or the name is not a bucket name.
func (s *Store) Bucket(_ context.Context, name string) (archive.Bucket, error) {
	if err := archive.CheckBucketName(name); err != nil {
		return nil, fmt.Errorf("%w: %w", archive.ErrNoSuchBucket, err)
	}
	dir := filepath.Join(s.root, name)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", archive.ErrNoSuchBucket, name)
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	return &Bucket{s: s, name: name, dir: dir}, nil
}

// EnsureBucket creates the bucket's directory if it is missing.
func (s *Store) EnsureBucket(_ context.Context, name string) error {
	if err := archive.CheckBucketName(name); err != nil {
		return err
	}
	err := os.Mkdir(filepath.Join(s.root, name), 0o750)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return syncDir(s.root)
}

// ListBuckets returns the names of the buckets, in byte order.
func (s *Store) ListBuckets(_ context.Context) ([]string, error) {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && archive.CheckBucketName(e.Name()) == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// ClaimBucket records account as the bucket's owner unless another account
// already is (archive.ErrBucketOwned). The first claim wins even when two
// race: the owner file is linked into place, which fails if it exists.
func (s *Store) ClaimBucket(ctx context.Context, name, account string) error {
	if _, err := s.Bucket(ctx, name); err != nil {
		return err
	}
	owner := filepath.Join(s.root, ownersDir, name)
	tmp, err := s.writeTemp([]byte(account))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, owner)
	if errors.Is(err, fs.ErrExist) {
		got, err := s.BucketOwner(ctx, name)
		if err != nil {
			return err
		}
		if got != account {
			return fmt.Errorf("%w: %s", archive.ErrBucketOwned, name)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("claim bucket %s: %w", name, err)
	}
	return syncDir(filepath.Dir(owner))
}

// BucketOwner returns the account that claimed the bucket, or "".
func (s *Store) BucketOwner(ctx context.Context, name string) (string, error) {
	if _, err := s.Bucket(ctx, name); err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(s.root, ownersDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read owner of bucket %s: %w", name, err)
	}
	return string(bytes.TrimSpace(b)), nil
}

// writeTemp writes body to a new fsynced file in the temporary directory
// and returns its path.
func (s *Store) writeTemp(body []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	name := f.Name()
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write temporary file: %w", err)
	}
	return name, nil
}

// Bucket is one bucket directory.
type Bucket struct {
	s    *Store
	name string
	dir  string // ROOT/NAME
}

var _ archive.Bucket = (*Bucket)(nil)

// Put writes the metadata file first and the object second, each by
// rename, fsyncing the directory after each: a crash in between leaves
// either a metadata file with no object (invisible) or, when replacing, the
// old body with the new metadata until the Put is retried. Put returns
// ErrInvalidKey for a key CheckKey refuses and ErrKeyConflict when the key
// would need a file where a directory is, or the reverse.
func (b *Bucket) Put(_ context.Context, key string, body []byte, meta map[string]string) error {
	p, err := b.s.Path(b.name, key)
	if err != nil {
		return err
	}
	if err := b.mkdirs(filepath.Dir(p)); err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return fmt.Errorf("%w: %s is a prefix of other keys", archive.ErrKeyConflict, key)
	}
	dir := filepath.Dir(p)
	if len(meta) > 0 {
		mb, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("encode metadata: %w", err)
		}
		if err := b.s.replace(p+MetaSuffix, mb); err != nil {
			return err
		}
	} else if err := os.Remove(p + MetaSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove old metadata of %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := b.s.replace(p, body); err != nil {
		return err
	}
	return syncDir(dir)
}

// replace atomically puts body at path.
func (s *Store) replace(path string, body []byte) error {
	tmp, err := s.writeTemp(body)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}

// mkdirs creates dir and its missing parents inside the bucket, fsyncing
// the parent of each directory it creates so that the new entries are as
// durable as the object they lead to.
func (b *Bucket) mkdirs(dir string) error {
	if dir == b.dir {
		return nil
	}
	fi, err := os.Lstat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%w: %s is an object", archive.ErrKeyConflict, b.key(dir))
		}
		return nil
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w: a prefix of %s is an object", archive.ErrKeyConflict, b.key(dir))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if err := b.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("%w: %s", archive.ErrKeyConflict, b.key(dir))
		}
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return syncDir(filepath.Dir(dir))
}

// key turns a path inside the bucket back into a key.
func (b *Bucket) key(path string) string {
	return filepath.ToSlash(strings.TrimPrefix(path, b.dir+string(filepath.Separator)))
}

// Get reads the object and its metadata. A key that could not have been
// stored (CheckKey) is simply not there: ErrNoSuchKey.
func (b *Bucket) Get(_ context.Context, key string) ([]byte, map[string]string, error) {
	p, err := b.s.Path(b.name, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", archive.ErrNoSuchKey, err)
	}
	body, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil, fmt.Errorf("%w: %s", archive.ErrNoSuchKey, key)
		}
		return nil, nil, fmt.Errorf("read %s: %w", key, err)
	}
	meta, err := readMeta(p)
	if err != nil {
		return nil, nil, err
	}
	return body, meta, nil
}

// Head returns the object's size, time, ETag (the MD5 of its body, as S3
// gives for a single-part upload) and metadata.
func (b *Bucket) Head(_ context.Context, key string) (archive.ObjectInfo, map[string]string, error) {
	p, err := b.s.Path(b.name, key)
	if err != nil {
		return archive.ObjectInfo{}, nil, fmt.Errorf("%w: %w", archive.ErrNoSuchKey, err)
	}
	info, err := objectInfo(p, key)
	if err != nil {
		return archive.ObjectInfo{}, nil, err
	}
	meta, err := readMeta(p)
	if err != nil {
		return archive.ObjectInfo{}, nil, err
	}
	return info, meta, nil
}

func objectInfo(p, key string) (archive.ObjectInfo, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return archive.ObjectInfo{}, fmt.Errorf("%w: %s", archive.ErrNoSuchKey, key)
		}
		return archive.ObjectInfo{}, fmt.Errorf("open %s: %w", key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return archive.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return archive.ObjectInfo{}, fmt.Errorf("%w: %s", archive.ErrNoSuchKey, key)
	}
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return archive.ObjectInfo{}, fmt.Errorf("read %s: %w", key, err)
	}
	return archive.ObjectInfo{
		Key: key, Size: fi.Size(), LastModified: fi.ModTime().UTC(),
		ETag: `"` + hex.EncodeToString(h.Sum(nil)) + `"`,
	}, nil
}

func readMeta(p string) (map[string]string, error) {
	b, err := os.ReadFile(p + MetaSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	meta := map[string]string{}
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("FATAL: metadata file %s is not a JSON object of strings: %w", p+MetaSuffix, err)
	}
	return meta, nil
}

// List walks the bucket depth first in key order. Directory entries sort
// as their name plus "/", which is where every key under them sorts, and
// directories that can hold no key with the prefix, or only keys not after
// startAfter, are not read.
func (b *Bucket) List(_ context.Context, prefix, startAfter string, limit int) ([]archive.ObjectInfo, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []archive.ObjectInfo
	err := b.walk(b.dir, "", prefix, startAfter, limit, &out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type entry struct {
	key string // the key, or for a directory the key prefix ending in "/"
	dir bool
}

func (b *Bucket) walk(dir, base, prefix, startAfter string, limit int, out *[]archive.ObjectInfo) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while listing
		}
		return fmt.Errorf("list %s: %w", b.key(dir), err)
	}
	list := make([]entry, 0, len(ents))
	for _, e := range ents {
		name := e.Name()
		switch {
		case e.IsDir():
			list = append(list, entry{key: base + name + "/", dir: true})
		case e.Type().IsRegular() && !strings.HasSuffix(name, MetaSuffix):
			list = append(list, entry{key: base + name})
		}
	}
	slices.SortFunc(list, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	for _, e := range list {
		if len(*out) >= limit {
			return nil
		}
		if e.dir {
			if !strings.HasPrefix(e.key, prefix) && !strings.HasPrefix(prefix, e.key) {
				continue
			}
			// Every key under e.key sorts before startAfter when e.key
			// does and is not a prefix of it.
			if e.key < startAfter && !strings.HasPrefix(startAfter, e.key) {
				continue
			}
			if err := b.walk(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(e.key, base))), e.key, prefix, startAfter, limit, out); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(e.key, prefix) || e.key <= startAfter || CheckKey(e.key) != nil {
			continue
		}
		info, err := objectInfo(filepath.Join(dir, strings.TrimPrefix(e.key, base)), e.key)
		if errors.Is(err, archive.ErrNoSuchKey) {
			continue // replaced or removed while listing
		}
		if err != nil {
			return err
		}
		*out = append(*out, info)
	}
	return nil
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory for sync: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
