package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/auditlog"
)

// Stats counts what the agent did; every field is read atomically.
type Stats struct {
	Records  atomic.Int64 // records read from sources
	Unparsed atomic.Int64 // records that did not parse, shipped as is
	Filtered atomic.Int64 // records the source's filter left out
	Shipped  atomic.Int64 // events PutLogEvents accepted
	Rejected atomic.Int64 // events PutLogEvents rejected (too old, too new, expired)

	Syslog        atomic.Int64 // syslog messages received and spooled
	SyslogPlain   atomic.Int64 // of those, messages no source claimed, shipped as they came
	SyslogDropped atomic.Int64 // UDP messages dropped because the spool was full
	MetricsSent   atomic.Int64 // metric data PutMetricData accepted
}

// Agent tails the configured sources, listens for syslog messages and
// ships their events; it also sends host metrics.
type Agent struct {
	cfg     *Config
	client  *cwl.Client
	metrics *cloudwatch.Client // nil unless cfg.Metrics is set
	logf    func(format string, args ...any)
	Stats   Stats

	syslog *syslogServer // nil unless cfg.Syslog is set

	parsers []*parser

	mu        sync.Mutex // guards st, spool writing and spoolSize
	st        *state
	statePath string
	spoolDir  string
	writeSeg  int64
	writeFile *os.File
	writeSize int64 // bytes in the segment being written
	spoolSize int64 // bytes in every segment
	wake      chan struct{}
	lastSize  map[string]int64 // source file sizes at the last poll (tail goroutine only)
	readBuf   []byte           // tail goroutine only
	readBatch spoolBatch       // tail goroutine only
	shipBuf   []byte           // ship goroutine only; so are the next three
	// shipConv holds the messages of spool lines of the earlier format,
	// converted; shipStreams groups a window's events by stream, found
	// by shipIndex.
	shipConv    []byte
	shipStreams []streamEvents
	shipIndex   map[string]int
}

// spoolSegmentBytes is when the spool moves on to a new segment file, so
// that shipped data can be deleted a segment at a time.
const spoolSegmentBytes = 8 << 20

// New prepares an agent: it opens the state directory, repairs a spool
// segment cut short by a crash and opens the syslog listeners. logs ships
// log events; metrics sends host metrics and may be nil when cfg.Metrics
// is.
func New(cfg *Config, logs *cwl.Client, metrics *cloudwatch.Client, logger *log.Logger) (*Agent, error) {
	if cfg.Metrics != nil && metrics == nil {
		return nil, errors.New("agent: metrics are configured but there is no CloudWatch client")
	}
	a := &Agent{cfg: cfg, client: logs, metrics: metrics, wake: make(chan struct{}, 1), lastSize: map[string]int64{},
		shipIndex: map[string]int{}}
	if logger == nil {
		logger = log.New(os.Stderr, "trailwatch agent: ", log.LstdFlags)
	}
	a.logf = logger.Printf
	for i := range cfg.Sources {
		p, err := newParser(&cfg.Sources[i])
		if err != nil {
			return nil, err
		}
		a.parsers = append(a.parsers, p)
	}
	a.statePath = filepath.Join(cfg.StateDir, "state.json")
	a.spoolDir = filepath.Join(cfg.StateDir, "spool")
	if err := os.MkdirAll(a.spoolDir, 0o700); err != nil {
		return nil, err
	}
	st, err := loadState(a.statePath)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", a.statePath, err)
	}
	a.st = st
	segs, err := a.segments()
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		fi, err := os.Stat(a.segPath(s))
		if err != nil {
			return nil, err
		}
		a.spoolSize += fi.Size()
	}
	a.writeSeg = st.SpoolSeg
	if len(segs) > 0 && segs[len(segs)-1] > a.writeSeg {
		a.writeSeg = segs[len(segs)-1]
	}
	if err := a.openWriteSegment(); err != nil {
		return nil, err
	}
	if cfg.Syslog != nil {
		if a.syslog, err = newSyslogServer(a); err != nil {
			a.writeFile.Close()
			return nil, err
		}
	}
	return a, nil
}

func (a *Agent) segPath(n int64) string {
	return filepath.Join(a.spoolDir, fmt.Sprintf("%016d.spool", n))
}

func (a *Agent) segments() ([]int64, error) {
	ents, err := os.ReadDir(a.spoolDir)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".spool"); ok {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil {
				out = append(out, v)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// openWriteSegment opens the segment being written, cutting off a last
// line that a crash left half written: the source offsets in the state
// were not moved past it, so it will be read again.
func (a *Agent) openWriteSegment() error {
	f, err := os.OpenFile(a.segPath(a.writeSeg), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return err
	}
	keep := int64(bytes.LastIndexByte(b, '\n') + 1)
	if keep != int64(len(b)) {
		if err := f.Truncate(keep); err != nil {
			f.Close()
			return err
		}
		a.spoolSize -= int64(len(b)) - keep
	}
	if _, err := f.Seek(keep, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	a.writeFile, a.writeSize = f, keep
	return nil
}

// Run tails, listens, ships and sends metrics until ctx ends or one of
// them fails; then it stops the others and returns the first error.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	loops := []func(context.Context) error{a.tailLoop, a.shipLoop}
	if a.syslog != nil {
		loops = append(loops, a.syslog.run)
	}
	if a.cfg.Metrics != nil {
		loops = append(loops, a.metricsLoop)
	}
	errc := make(chan error, len(loops))
	for _, loop := range loops {
		go func() { errc <- loop(ctx) }()
	}
	var err error
	for range loops {
		e := <-errc
		cancel()
		if err == nil && !errors.Is(e, context.Canceled) {
			err = e
		}
	}
	a.writeFile.Close()
	return err
}

// SyslogAddrs returns the addresses the syslog listeners are bound to
// (nil for one not configured): useful when the configuration asked for
// port 0.
func (a *Agent) SyslogAddrs() (udp, tcp net.Addr) {
	if a.syslog == nil {
		return nil, nil
	}
	if a.syslog.udp != nil {
		udp = a.syslog.udp.LocalAddr()
	}
	if a.syslog.tcp != nil {
		tcp = a.syslog.tcp.Addr()
	}
	return udp, tcp
}

func (a *Agent) tailLoop(ctx context.Context) error {
	t := time.NewTicker(time.Duration(a.cfg.PollInterval))
	defer t.Stop()
	for {
		if err := a.pollOnce(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// pollOnce reads what is new in every source into the spool.
func (a *Agent) pollOnce() error {
	for i := range a.cfg.Sources {
		src := &a.cfg.Sources[i]
		if src.Path == "" {
			continue // a syslog source
		}
		matches, err := filepath.Glob(src.Path)
		if err != nil {
			return err
		}
		for _, path := range matches {
			if err := a.pollFile(src, a.parsers[i], path); err != nil {
				a.logf("%s: %v", path, err)
			}
		}
	}
	return nil
}

func fileID(fi os.FileInfo) (dev, ino uint64) {
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Dev), s.Ino
	}
	return 0, 0
}

// readChunk bounds how much of a file one read takes, so the spool bound
// is checked often, and so memory: the chunk's events are built in one
// buffer before one write and fsync, and an event's message is several
// times its record (short server_audit lines grow fivefold).
const readChunk = 1 << 20

func (a *Agent) pollFile(src *Source, p *parser, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	dev, ino := fileID(fi)
	a.mu.Lock()
	fs := a.st.Files[path]
	a.mu.Unlock()
	if fs != nil && (fs.Dev != dev || fs.Ino != ino) {
		// Rotated by rename: finish the old file, wherever in the
		// directory it now is, before starting the new one.
		if old := findInode(filepath.Dir(path), fs.Dev, fs.Ino); old != "" {
			if err := a.drain(src, p, path, old, fs, true, true); err != nil {
				return err
			}
		} else {
			a.logf("%s: rotated file (inode %d) is gone; lines after offset %d of it could not be read", path, fs.Ino, fs.Offset)
		}
		fs = nil
	}
	if fs == nil {
		fs = &fileState{Dev: dev, Ino: ino}
	} else if fi.Size() < fs.Offset || !tailMatches(path, fs) {
		// Truncated in place (copytruncate, or a manual truncate): the
		// file starts again. What was written after the last read
		// before the truncation is in logrotate's copy, when there is
		// one: read it from there first.
		if cp := findCopy(filepath.Dir(path), fs); cp != "" {
			a.logf("%s: truncated; reading the rest of it from its copy %s", path, cp)
			if err := a.drain(src, p, path, cp, fs, true, true); err != nil {
				return err
			}
		} else {
			a.logf("%s: truncated (size %d, offset %d) and no copy of it found; reading from the start", path, fi.Size(), fs.Offset)
		}
		fs = &fileState{Dev: dev, Ino: ino, Gen: fs.Gen + 1}
	}
	idle := a.lastSize[path] == fi.Size()
	a.lastSize[path] = fi.Size()
	return a.drain(src, p, path, path, fs, idle, false)
}

// tailMatches reports whether the file at path still holds fs.Tail just
// before fs.Offset (true when there is no tail to compare).
func tailMatches(path string, fs *fileState) bool {
	if len(fs.Tail) == 0 {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return true // the next read reports it
	}
	defer f.Close()
	return hasTail(f, fs)
}

func hasTail(f *os.File, fs *fileState) bool {
	b := make([]byte, len(fs.Tail))
	n, _ := f.ReadAt(b, fs.Offset-int64(len(b)))
	return n == len(b) && bytes.Equal(b, fs.Tail)
}

// findCopy returns the regular file of dir, other than fs's own, that
// holds fs.Tail just before fs.Offset: the copy copytruncate made, which
// has the lines written after fs.Offset and before the truncation. The
// newest such file wins.
func findCopy(dir string, fs *fileState) string {
	if len(fs.Tail) < tailBytes && fs.Offset > int64(len(fs.Tail)) {
		return "" // too little to recognise it by
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var best string
	var bestTime time.Time
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || fi.Size() < fs.Offset {
			continue
		}
		if d, i := fileID(fi); d == fs.Dev && i == fs.Ino {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		ok := hasTail(f, fs)
		f.Close()
		if ok && (best == "" || fi.ModTime().After(bestTime)) {
			best, bestTime = p, fi.ModTime()
		}
	}
	return best
}

// findInode returns the file in dir with the given identity.
func findInode(dir string, dev, ino uint64) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if d, i := fileID(fi); d == dev && i == ino {
			return filepath.Join(dir, e.Name())
		}
	}
	return ""
}

// drain reads the file at readPath from fs.Offset and spools its records,
// recording progress under statePath. final says the file will not grow
// (it has been rotated away), so a last line without a newline is a record.
func (a *Agent) drain(src *Source, p *parser, statePath, readPath string, fs *fileState, idle, final bool) error {
	f, err := os.Open(readPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if a.readBuf == nil {
		a.readBuf = make([]byte, readChunk)
	}
	buf, batch := a.readBuf, &a.readBatch
	emit := func(ts int64, msg []byte, size int) { batch.addEscaped(src.LogGroup, src.LogStream, ts, size, msg) }
	for {
		if a.spoolFull() {
			// Bounded buffer: the source files keep the rest.
			a.mu.Lock()
			a.st.Files[statePath] = fs
			a.mu.Unlock()
			return nil
		}
		n, err := f.ReadAt(buf, fs.Offset)
		if err != nil && err != io.EOF {
			return err
		}
		data := buf[:n]
		batch.reset()
		used := a.frame(src, p, fs, data, idle && n < len(buf), final && n < len(buf), true, emit)
		next := fs.advance(data, used)
		if err := a.spoolAppend(statePath, batch, next); err != nil {
			return err
		}
		fs = next
		if n < len(buf) || used == 0 {
			return nil
		}
	}
}

func (a *Agent) spoolFull() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spoolSize >= a.cfg.BufferMaxBytes
}

// frame cuts data (starting at fs.Offset) into records, turns them into
// events and hands each to emit. It returns how many bytes the records
// took; the rest is an incomplete record to be read again next time.
//
// A PostgreSQL stderr record is complete once the next line has begun, or
// when idle says the file has not grown since the last poll (PostgreSQL
// writes a record's lines in one write). final says the file will not grow
// at all: a last line without a newline is then a record too. inBody
// says emit wants each message escaped as the PutLogEvents body carries it
// (see event).
func (a *Agent) frame(src *Source, p *parser, fs *fileState, data []byte, idle, final, inBody bool, emit emitFunc) int {
	used := 0
	start := 0 // start of the record being assembled
	var scratch, id []byte
	emitRecord := func(end int) {
		rec := bytes.TrimSuffix(data[start:end], []byte("\n"))
		rec = bytes.TrimSuffix(rec, []byte("\r"))
		if len(rec) > 0 {
			var ts int64
			var size int
			var ok bool
			id = appendFileEventID(id[:0], fs, fs.Offset+int64(start))
			ts, scratch, size, ok = a.event(src, p, rec, id, scratch[:0], inBody)
			if ok {
				emit(ts, scratch, size)
			}
		}
		start, used = end, end
	}
	pos := 0
	for pos < len(data) {
		nl := bytes.IndexByte(data[pos:], '\n')
		if nl < 0 {
			break
		}
		lineEnd := pos + nl + 1
		switch p.format {
		case FormatPostgresStderr:
			// A line starting with a tab continues the record before it.
			if pos > start && data[pos] != '\t' {
				emitRecord(pos)
			}
		case FormatPostgresCSV:
			// auditlog.CSVRecordComplete, without copying the lines.
			if bytes.Count(data[start:lineEnd], []byte{'"'})%2 == 0 {
				pos = lineEnd
				emitRecord(lineEnd)
				continue
			}
		default:
			pos = lineEnd
			emitRecord(lineEnd)
			continue
		}
		pos = lineEnd
	}
	if (idle || final) && pos > start && p.format == FormatPostgresStderr {
		emitRecord(pos)
	}
	if final && len(data) > start {
		emitRecord(len(data))
	}
	return used
}

// emitFunc receives an event: its time (milliseconds since the epoch), its
// message, which is valid only during the call, and the message's size as
// PutLogEvents counts it (decodedSize).
type emitFunc func(ts int64, msg []byte, size int)

// event parses one record and appends the message to ship to scratch: the
// auditlog event with the id that makes repeats recognisable,
//
//	{"eventId":"803-1a2b-1f40","source":"mariadb",...}
//
// (the members of auditlog.Event's JSON after the id), or, for a record
// that does not parse, the record kept whole in raw with why it did not
// parse:
//
//	{"eventId":"…","source":"mariadb","unparsed":true,"parseError":"…","raw":"…"}
//
// A plain source's record is the message as it is. ok is false when the
// source's filter leaves the record out.
//
// With inBody the message is appended escaped as the inside of a JSON
// string, byte for byte as aws-sdk-go-v2 escapes it in a PutLogEvents body
// (appendSDKEscaped), which is what the spool holds. A parsed record's
// message is written in that form in one pass; escaping it afterwards
// cost more than parsing it.
func (a *Agent) event(src *Source, p *parser, rec []byte, id []byte, scratch []byte, inBody bool) (ts int64, msg []byte, size int, ok bool) {
	a.Stats.Records.Add(1)
	if p.parse == nil {
		if inBody {
			return time.Now().UnixMilli(), appendSDKEscaped(scratch, rec), decodedSize(rec), true
		}
		return time.Now().UnixMilli(), append(scratch, rec...), decodedSize(rec), true
	}
	raw := string(rec)
	e, err := p.parse(raw)
	if err == nil {
		if !p.filter.Match(e) {
			a.Stats.Filtered.Add(1)
			return 0, scratch, 0, false
		}
		const idMember = len(`{"eventId":"",`)
		if inBody {
			msg = append(scratch, `{\"eventId\":\"`...)
			msg = append(msg, id...) // hex digits and dashes
			msg = append(msg, `\",`...)
			msg, size, err = e.AppendJSONFieldsInString(msg)
			size += idMember + len(id) + len("}")
		} else {
			msg = append(scratch, `{"eventId":"`...)
			msg = append(msg, id...)
			msg = append(msg, `",`...)
			msg, err = e.AppendJSONFields(msg)
			size = len(msg) - len(scratch) + len("}")
		}
		if err == nil {
			return e.Time.UnixMilli(), append(msg, '}'), size, true
		}
		// A time with no RFC 3339 form (a year past 9999): the record
		// cannot be shipped as parsed.
	}
	a.Stats.Unparsed.Add(1)
	msg = appendUnparsedEvent(scratch, p.format, raw, id, err)
	size = len(msg) - len(scratch) // JSON written here is valid UTF-8
	if inBody {
		// Rare enough to escape afterwards, after the message in the
		// same buffer, and then move into place.
		esc := appendSDKEscaped(msg, msg[len(scratch):])
		msg = append(msg[:len(scratch)], esc[len(msg):]...)
	}
	return time.Now().UnixMilli(), msg, size, true
}

// appendUnparsedEvent appends the message of a record that did not parse.
func appendUnparsedEvent(msg []byte, format, raw string, id []byte, err error) []byte {
	msg = append(msg, `{"eventId":"`...)
	msg = append(msg, id...)
	msg = append(msg, `","source":`...)
	msg = auditlog.AppendJSONString(msg, format)
	msg = append(msg, `,"unparsed":true,"parseError":`...)
	msg = auditlog.AppendJSONString(msg, err.Error())
	msg = append(msg, `,"raw":`...)
	msg = auditlog.AppendJSONString(msg, raw)
	return append(msg, '}')
}

// appendFileEventID appends the id of a file's record: the device, inode
// and offset where it starts (hex), the same however often it is read.
func appendFileEventID(dst []byte, fs *fileState, off int64) []byte {
	dst = strconv.AppendUint(dst, fs.Dev, 16)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, fs.Ino, 16)
	dst = append(dst, '-')
	if fs.Gen > 0 {
		// After a truncation offsets start again: the generation keeps
		// ids of new lines apart from those of the lines before.
		dst = strconv.AppendInt(dst, fs.Gen, 16)
		dst = append(dst, '.')
	}
	return strconv.AppendInt(dst, off, 16)
}

// DryRun reads every source file from its start, as a first run would,
// and writes each event the agent would ship to w, one JSON a line. It
// touches neither the state nor the spool.
func DryRun(cfg *Config, w io.Writer) (*Stats, error) {
	a := &Agent{cfg: cfg, logf: func(string, ...any) {}}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.Path == "" {
			continue // syslog messages are not read in a dry run
		}
		p, err := newParser(src)
		if err != nil {
			return nil, err
		}
		matches, err := filepath.Glob(src.Path)
		if err != nil {
			return nil, err
		}
		for _, path := range matches {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			fi, err := os.Stat(path)
			if err != nil {
				return nil, err
			}
			dev, ino := fileID(fi)
			var werr error
			a.frame(src, p, &fileState{Dev: dev, Ino: ino}, data, true, true, false, func(_ int64, msg []byte, _ int) {
				if werr == nil {
					_, werr = w.Write(append(msg, '\n'))
				}
			})
			if werr != nil {
				return nil, werr
			}
		}
	}
	return &a.Stats, nil
}
