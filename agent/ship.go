package agent

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// spoolAppend writes records to the spool durably, and only then records
// the source file's new position (fs, nil for syslog messages): a crash
// in between reads the records again (repeats with the same ids), never
// skips them.
func (a *Agent) spoolAppend(path string, b *spoolBatch, fs *fileState) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b.n > 0 {
		if _, err := a.writeFile.Write(b.buf); err != nil {
			return err
		}
		if err := a.writeFile.Sync(); err != nil {
			return err
		}
		a.writeSize += int64(len(b.buf))
		a.spoolSize += int64(len(b.buf))
		if a.writeSize >= spoolSegmentBytes {
			a.writeFile.Close()
			a.writeSeg++
			f, err := os.OpenFile(a.segPath(a.writeSeg), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			a.writeFile, a.writeSize = f, 0
		}
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
	if fs == nil {
		return nil // syslog messages: no source position to record
	}
	old := a.st.Files[path]
	if old != nil && old.same(fs) && b.n == 0 {
		return nil
	}
	a.st.Files[path] = fs
	return a.st.save(a.statePath)
}

// shipWindow bounds how much of the spool one pass reads.
const shipWindow = 4 << 20

func (a *Agent) shipLoop(ctx context.Context) error {
	for {
		shippedAny, err := a.shipOnce(ctx)
		if err != nil {
			return err
		}
		if shippedAny {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.wake:
			// Give a batch a moment to fill.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(a.cfg.BatchWait)):
			}
		case <-time.After(time.Duration(a.cfg.PollInterval)):
		}
	}
}

// shipOnce ships one window of the spool and moves the read position past
// it. It reports whether it shipped anything.
func (a *Agent) shipOnce(ctx context.Context) (bool, error) {
	a.mu.Lock()
	seg, off, writeSeg := a.st.SpoolSeg, a.st.SpoolOff, a.writeSeg
	a.mu.Unlock()
	f, err := os.Open(a.segPath(seg))
	if err != nil && !os.IsNotExist(err) {
		return false, err
	}
	var data []byte
	if f != nil {
		if a.shipBuf == nil {
			a.shipBuf = make([]byte, shipWindow)
		}
		buf := a.shipBuf
		n, err := f.ReadAt(buf, off)
		f.Close()
		if err != nil && err != io.EOF {
			return false, err
		}
		data = buf[:bytes.LastIndexByte(buf[:n], '\n')+1]
	}
	if len(data) == 0 {
		if seg < writeSeg {
			// Finished with a segment the writer has left: move on and
			// delete it.
			a.mu.Lock()
			a.st.SpoolSeg, a.st.SpoolOff = seg+1, 0
			err := a.st.save(a.statePath)
			if err == nil {
				if fi, err := os.Stat(a.segPath(seg)); err == nil {
					a.spoolSize -= fi.Size()
				}
				os.Remove(a.segPath(seg))
			}
			a.mu.Unlock()
			return true, err
		}
		return false, nil
	}
	// Group the window's events by stream. The streams an agent writes
	// to are few and the same from window to window, so their slices
	// are kept for the next window.
	a.shipConv = a.shipConv[:0]
	for i := range a.shipStreams {
		a.shipStreams[i].evs = a.shipStreams[i].evs[:0]
	}
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		line := data[:nl]
		data = data[nl+1:]
		off += int64(nl + 1)
		ev, ok := parseSpoolLine(line, &a.shipConv)
		if !ok {
			continue
		}
		i, ok := a.shipIndex[string(ev.key)]
		if !ok {
			i = len(a.shipStreams)
			a.shipIndex[string(ev.key)] = i
			a.shipStreams = append(a.shipStreams, streamEvents{key: string(ev.key)})
		}
		a.shipStreams[i].evs = append(a.shipStreams[i].evs, ev)
	}
	for i := range a.shipStreams {
		evs := a.shipStreams[i].evs
		if len(evs) == 0 {
			continue
		}
		// PutLogEvents wants each batch in time order.
		byTime := func(a, b spoolEvent) int { return cmp.Compare(a.ts, b.ts) }
		if !slices.IsSortedFunc(evs, byTime) {
			slices.SortStableFunc(evs, byTime)
		}
		group, stream, _ := strings.Cut(a.shipStreams[i].key, "\t")
		for _, b := range a.batches(evs) {
			if err := a.put(ctx, group, stream, b); err != nil {
				return false, err
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st.SpoolOff = off
	return true, a.st.save(a.statePath)
}

// streamEvents are a window's events for one stream; key is
// "group TAB stream".
type streamEvents struct {
	key string
	evs []spoolEvent
}

// batches splits time-ordered events within PutLogEvents' limits: the
// event count, the size (message bytes plus 26 per event) and a 24-hour
// span.
func (a *Agent) batches(evs []spoolEvent) [][]spoolEvent {
	var out [][]spoolEvent
	start, size := 0, 0
	for i := range evs {
		n := evs[i].size + eventOverhead
		if i > start && (i-start >= a.cfg.BatchMaxEvents || size+n > a.cfg.BatchMaxBytes ||
			evs[i].ts-evs[start].ts > maxBatchSpan.Milliseconds()) {
			out = append(out, evs[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(evs) {
		out = append(out, evs[start:])
	}
	return out
}

// put sends one batch, creating the log group and stream when they do not
// exist and retrying with exponential backoff until it is accepted or ctx
// ends. Events PutLogEvents rejects (too old, too new, expired) cannot be
// sent again: they are counted and logged.
func (a *Agent) put(ctx context.Context, group, stream string, evs []spoolEvent) error {
	wait := 100 * time.Millisecond
	// A new buffer each time: the HTTP transport may still be reading
	// the last request's body after the call has returned.
	n := len(group) + len(stream) + 64
	for i := range evs {
		n += len(evs[i].msg) + 48
	}
	body := appendPutLogEventsBody(make([]byte, 0, n), group, stream, evs)
	for {
		out, err := a.putLogEvents(ctx, group, stream, body)
		if err == nil {
			rejected := 0
			if r := out.RejectedLogEventsInfo; r != nil {
				end := 0
				if r.TooOldLogEventEndIndex != nil {
					end = int(*r.TooOldLogEventEndIndex)
				}
				if r.ExpiredLogEventEndIndex != nil && int(*r.ExpiredLogEventEndIndex) > end {
					end = int(*r.ExpiredLogEventEndIndex)
				}
				rejected = end
				if r.TooNewLogEventStartIndex != nil {
					rejected += len(evs) - int(*r.TooNewLogEventStartIndex)
				}
				a.logf("%s/%s: PutLogEvents rejected %d of %d events (tooOldEnd=%v expiredEnd=%v tooNewStart=%v)", group, stream, rejected, len(evs),
					aws.ToInt32(r.TooOldLogEventEndIndex), aws.ToInt32(r.ExpiredLogEventEndIndex), aws.ToInt32(r.TooNewLogEventStartIndex))
			}
			a.Stats.Rejected.Add(int64(rejected))
			a.Stats.Shipped.Add(int64(len(evs) - rejected))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			if cerr := a.create(ctx, group, stream); cerr == nil {
				continue
			} else {
				err = cerr
			}
		}
		a.logf("%s/%s: PutLogEvents of %d events: %v; retrying in %v", group, stream, len(evs), err, wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait *= 2; wait > time.Duration(a.cfg.RetryMax) {
			wait = time.Duration(a.cfg.RetryMax)
		}
	}
}

func (a *Agent) create(ctx context.Context, group, stream string) error {
	var exists *types.ResourceAlreadyExistsException
	if _, err := a.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil && !errors.As(err, &exists) {
		return err
	}
	if _, err := a.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil && !errors.As(err, &exists) {
		return err
	}
	return nil
}
