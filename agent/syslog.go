package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailwatch/trailwatch/auditlog"
)

// syslogServer receives syslog messages over UDP and TCP and spools them.
//
// A message counts as received once it is in the spool, fsync'd. Over
// TCP a connection's data is framed and spooled before the next read from
// it, so what the sender has written is either in the spool or still in
// the socket when the agent dies; TCP acknowledges nothing at the syslog
// level, so the sender cannot tell which, and messages in flight when a
// connection breaks can be lost by the sender (RFC 6587 §3.4). UDP can
// lose datagrams in the network and in the socket buffer whatever the
// agent does.
type syslogServer struct {
	a      *Agent
	cfg    *SyslogConfig
	loc    *time.Location
	routes map[string]int // APP-NAME → index in a.cfg.Sources and a.parsers
	udp    *net.UDPConn
	tcp    net.Listener

	// idPrefix and seq make each message's eventId: unique across runs
	// (the prefix is the start time), and kept in the spool, so a repeat
	// after a crash carries the same id.
	idPrefix string
	seq      atomic.Uint64

	mu     sync.Mutex // guards conns and closed
	conns  map[net.Conn]struct{}
	closed bool // run is closing every connection: close new ones at once
}

func newSyslogServer(a *Agent) (*syslogServer, error) {
	cfg := a.cfg.Syslog
	s := &syslogServer{a: a, cfg: cfg, loc: time.UTC, routes: map[string]int{}, conns: map[net.Conn]struct{}{},
		idPrefix: "s" + strconv.FormatInt(time.Now().UnixNano(), 16) + "-"}
	if cfg.TimeZone != "" {
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			return nil, err
		}
		s.loc = loc
	}
	for i, src := range a.cfg.Sources {
		if src.SyslogApp != "" {
			s.routes[src.SyslogApp] = i
		}
	}
	if cfg.UDP != "" {
		addr, err := net.ResolveUDPAddr("udp", cfg.UDP)
		if err != nil {
			return nil, fmt.Errorf("syslog udp %s: %w", cfg.UDP, err)
		}
		if s.udp, err = net.ListenUDP("udp", addr); err != nil {
			return nil, fmt.Errorf("syslog udp: %w", err)
		}
		// Room for the bursts that arrive while a batch is fsync'd.
		s.udp.SetReadBuffer(4 << 20)
	}
	if cfg.TCP != "" {
		ln, err := net.Listen("tcp", cfg.TCP)
		if err != nil {
			if s.udp != nil {
				s.udp.Close()
			}
			return nil, fmt.Errorf("syslog tcp: %w", err)
		}
		s.tcp = ln
	}
	return s, nil
}

// run serves until ctx ends, then closes the listeners and every
// connection and waits for their goroutines.
func (s *syslogServer) run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if s.udp != nil {
		wg.Go(func() { errc <- s.serveUDP(ctx) })
	}
	if s.tcp != nil {
		wg.Go(func() { errc <- s.serveTCP(ctx, &wg) })
	}
	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case err = <-errc:
	}
	if s.udp != nil {
		s.udp.Close()
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	wg.Wait()
	return err
}

// udpBatch bounds how many datagrams share one fsync.
const udpBatch = 1024

func (s *syslogServer) serveUDP(ctx context.Context) error {
	// One goroutine reads, the caller's spools: while a batch is being
	// fsync'd, the next datagrams queue here rather than in the socket
	// buffer, where the kernel would drop them once it is full.
	queue := make(chan []byte, 4*udpBatch)
	done := make(chan struct{})
	var reader sync.WaitGroup
	defer reader.Wait()
	// Closing the socket is what stops a reader blocked in ReadFromUDP.
	defer s.udp.Close()
	reader.Go(func() {
		defer close(queue)
		buf := make([]byte, 65536)
		for {
			n, _, err := s.udp.ReadFromUDP(buf)
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
					s.a.logf("syslog udp: %v", err)
				}
				return
			}
			msg := append([]byte(nil), buf[:min(n, s.cfg.MaxMessageBytes)]...)
			select {
			case queue <- msg:
			case <-done:
				return
			}
		}
	})
	defer close(done)
	var batch [][]byte
	for {
		msg, ok := <-queue
		if !ok {
			return ctx.Err()
		}
		batch = append(batch[:0], trimFrame(msg))
	drain:
		for len(batch) < udpBatch {
			select {
			case m, ok := <-queue:
				if !ok {
					break drain
				}
				batch = append(batch, trimFrame(m))
			default:
				break drain
			}
		}
		if s.a.spoolFull() {
			// Nothing to push back on: the datagrams are lost, as they
			// would be in a full socket buffer. Say so once a batch.
			s.a.Stats.SyslogDropped.Add(int64(len(batch)))
			s.a.logf("syslog udp: spool full (buffer_max_bytes); %d messages dropped", len(batch))
			continue
		}
		if err := s.receive(batch); err != nil {
			return err
		}
	}
}

func (s *syslogServer) serveTCP(ctx context.Context, wg *sync.WaitGroup) error {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("syslog tcp: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return ctx.Err()
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			if err := s.serveConn(ctx, c); err != nil {
				s.a.logf("syslog tcp %s: %v", c.RemoteAddr(), err)
			}
		})
	}
}

// serveConn reads one connection: what a read returns is framed and
// spooled (fsync'd) before the next read, so data leaves the socket only
// to become durable. While the spool is full nothing is read, and TCP's
// flow control holds the sender back.
func (s *syslogServer) serveConn(ctx context.Context, c net.Conn) error {
	f := &syslogFramer{max: s.cfg.MaxMessageBytes}
	buf := make([]byte, s.cfg.MaxMessageBytes+32)
	n := 0
	var frames [][]byte
	for {
		for s.a.spoolFull() {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Duration(s.a.cfg.PollInterval)):
			}
		}
		m, rerr := c.Read(buf[n:])
		n += m
		atEOF := rerr != nil
		frames = frames[:0]
		off := 0
		for off < n {
			adv, msg, truncated := f.next(buf[off:n], atEOF)
			if adv == 0 {
				break
			}
			off += adv
			if truncated {
				s.a.logf("syslog tcp %s: message cut: longer than max_message_bytes (%d), or the connection ended inside it", c.RemoteAddr(), s.cfg.MaxMessageBytes)
			}
			if msg != nil {
				frames = append(frames, msg)
			}
		}
		if err := s.receive(frames); err != nil {
			return err
		}
		n = copy(buf, buf[off:n])
		if rerr != nil {
			if errors.Is(rerr, net.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			return rerr
		}
	}
}

// receive routes messages to their sources and spools them in one fsync.
// A message whose program a source names goes through that source's
// parser (and filter); any other is shipped as it came to the syslog log
// group, stamped with its header's time (or the time it arrived).
func (s *syslogServer) receive(frames [][]byte) error {
	if len(frames) == 0 {
		return nil
	}
	a := s.a
	now := time.Now()
	var batch spoolBatch
	var scratch, id []byte
	for _, fr := range frames {
		if len(fr) == 0 {
			continue
		}
		line := string(fr)
		a.Stats.Syslog.Add(1)
		h, herr := auditlog.ParseSyslog(line, s.loc, now)
		if herr == nil {
			if i, ok := s.routes[h.AppName]; ok {
				src, p := &a.cfg.Sources[i], a.parsers[i]
				if p.parse == nil {
					a.Stats.Records.Add(1)
					batch.add(src.LogGroup, src.LogStream, syslogTime(h, now), fr)
					continue
				}
				id = strconv.AppendUint(append(id[:0], s.idPrefix...), s.seq.Add(1), 16)
				ts, msg, size, ok := a.event(src, p, fr, id, scratch[:0], true)
				if ok {
					batch.addEscaped(src.LogGroup, src.LogStream, ts, size, msg)
				}
				scratch = msg
				continue
			}
		}
		a.Stats.SyslogPlain.Add(1)
		batch.add(s.cfg.LogGroup, s.cfg.LogStream, syslogTime(h, now), fr)
	}
	return a.spoolAppend("", &batch, nil)
}

// syslogTime is a message's time for CloudWatch Logs: the header's, or
// the arrival time when the header has none (or did not parse).
func syslogTime(h auditlog.SyslogMessage, now time.Time) int64 {
	if h.Time.IsZero() {
		return now.UnixMilli()
	}
	return h.Time.UnixMilli()
}
