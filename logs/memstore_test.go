package logs_test

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// memLogs is an in-memory storage.Logs that follows the seam's documented
// contracts, for service tests until the SQLite backend implements the
// seam.
type memLogs struct {
	mu     sync.Mutex
	groups map[string]*memGroup // by account/region/name
	seq    int64
}

type memGroup struct {
	g       trailwatch.LogGroup
	streams map[string]*trailwatch.LogStream
	events  []trailwatch.LogEvent
	filters map[string]trailwatch.MetricFilter
}

var _ storage.Logs = (*memLogs)(nil)

func newMemLogs() *memLogs { return &memLogs{groups: map[string]*memGroup{}} }

func gkey(account, region, name string) string { return account + "\x00" + region + "\x00" + name }

func (m *memLogs) find(account, region, name string) (*memGroup, error) {
	g, ok := m.groups[gkey(account, region, name)]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return g, nil
}

func (m *memLogs) view(g *memGroup) trailwatch.LogGroup {
	out := g.g
	out.Tags = maps.Clone(g.g.Tags)
	out.MetricFilterCount = len(g.filters)
	return out
}

func (m *memLogs) CreateLogGroup(ctx context.Context, g trailwatch.LogGroup) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := gkey(g.AccountID, g.Region, g.Name)
	if _, ok := m.groups[k]; ok {
		return storage.ErrExists
	}
	g.Tags = maps.Clone(g.Tags)
	m.groups[k] = &memGroup{g: g, streams: map[string]*trailwatch.LogStream{}, filters: map[string]trailwatch.MetricFilter{}}
	return nil
}

func (m *memLogs) GetLogGroup(ctx context.Context, account, region, name string) (trailwatch.LogGroup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, name)
	if err != nil {
		return trailwatch.LogGroup{}, err
	}
	return m.view(g), nil
}

func (m *memLogs) ListLogGroups(ctx context.Context, q storage.LogGroupQuery) ([]trailwatch.LogGroup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []trailwatch.LogGroup
	for _, g := range m.groups {
		n := g.g.Name
		if g.g.AccountID != q.AccountID || g.g.Region != q.Region || !strings.HasPrefix(n, q.Prefix) ||
			!strings.Contains(n, q.Contains) || n <= q.After || (len(q.Names) > 0 && !slices.Contains(q.Names, n)) {
			continue
		}
		out = append(out, m.view(g))
	}
	slices.SortFunc(out, func(a, b trailwatch.LogGroup) int { return strings.Compare(a.Name, b.Name) })
	return out[:min(len(out), q.Limit)], nil
}

func (m *memLogs) UpdateLogGroup(ctx context.Context, account, region, name string, fn func(*trailwatch.LogGroup) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, name)
	if err != nil {
		return err
	}
	v := m.view(g)
	if err := fn(&v); err != nil {
		return err
	}
	g.g.RetentionDays, g.g.Tags, g.g.Class, g.g.DeletionProtection, g.g.KMSKeyID = v.RetentionDays, maps.Clone(v.Tags), v.Class, v.DeletionProtection, v.KMSKeyID
	return nil
}

func (m *memLogs) DeleteLogGroup(ctx context.Context, account, region, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.find(account, region, name); err != nil {
		return err
	}
	delete(m.groups, gkey(account, region, name))
	return nil
}

func (m *memLogs) CreateLogStream(ctx context.Context, account, region, group string, s trailwatch.LogStream) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, group)
	if err != nil {
		return err
	}
	if _, ok := g.streams[s.Name]; ok {
		return storage.ErrExists
	}
	g.streams[s.Name] = &s
	return nil
}

func (m *memLogs) GetLogStream(ctx context.Context, account, region, group, stream string) (trailwatch.LogStream, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, group)
	if err != nil {
		return trailwatch.LogStream{}, err
	}
	s, ok := g.streams[stream]
	if !ok {
		return trailwatch.LogStream{}, storage.ErrNotFound
	}
	return *s, nil
}

func (m *memLogs) ListLogStreams(ctx context.Context, q storage.LogStreamQuery) ([]trailwatch.LogStream, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(q.AccountID, q.Region, q.Group)
	if err != nil {
		return nil, err
	}
	order := func(a, b trailwatch.LogStream) int {
		c := 0
		if q.ByLastEventTime {
			c = cmp.Compare(a.LastEventTime, b.LastEventTime)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if q.Descending {
			c = -c
		}
		return c
	}
	after := trailwatch.LogStream{Name: q.After, LastEventTime: q.AfterEventTime}
	var out []trailwatch.LogStream
	for _, s := range g.streams {
		if strings.HasPrefix(s.Name, q.Prefix) && (q.After == "" || order(*s, after) > 0) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, order)
	return out[:min(len(out), q.Limit)], nil
}

func (m *memLogs) DeleteLogStream(ctx context.Context, account, region, group, stream string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, group)
	if err != nil {
		return err
	}
	if _, ok := g.streams[stream]; !ok {
		return storage.ErrNotFound
	}
	delete(g.streams, stream)
	g.events = slices.DeleteFunc(g.events, func(e trailwatch.LogEvent) bool { return e.Stream == stream })
	return nil
}

func (m *memLogs) PutLogEvents(ctx context.Context, account, region, group, stream string, ingestionTime int64, events []trailwatch.LogEvent) ([]trailwatch.LogEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, group)
	if err != nil {
		return nil, err
	}
	s, ok := g.streams[stream]
	if !ok {
		return nil, storage.ErrNotFound
	}
	out := make([]trailwatch.LogEvent, len(events))
	for i, e := range events {
		m.seq++
		e.Stream, e.Seq, e.IngestionTime = stream, m.seq, ingestionTime
		out[i] = e
		g.events = append(g.events, e)
		if s.LastIngestionTime == 0 || e.Timestamp < s.FirstEventTime {
			s.FirstEventTime = e.Timestamp
		}
		s.LastEventTime = max(s.LastEventTime, e.Timestamp)
		g.g.RawBytes += int64(len(e.Message))
		g.g.StoredBytes += int64(len(e.Message))
		s.LastIngestionTime = ingestionTime
	}
	return out, nil
}

func before(a, b trailwatch.LogEvent) int {
	return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Seq, b.Seq))
}

func posCmp(e trailwatch.LogEvent, p storage.EventPos) int {
	return cmp.Or(cmp.Compare(e.Timestamp, p.Timestamp), cmp.Compare(e.Seq, p.Seq))
}

func (m *memLogs) ReadLogStream(ctx context.Context, q storage.StreamRead) ([]trailwatch.LogEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(q.AccountID, q.Region, q.Group)
	if err != nil {
		return nil, err
	}
	if _, ok := g.streams[q.Stream]; !ok {
		return nil, storage.ErrNotFound
	}
	var sel []trailwatch.LogEvent
	for _, e := range g.events {
		if e.Stream != q.Stream || e.Timestamp < q.From || e.Timestamp >= q.To {
			continue
		}
		if q.Pos != nil && ((q.Backward && posCmp(e, *q.Pos) >= 0) || (!q.Backward && posCmp(e, *q.Pos) <= 0)) {
			continue
		}
		sel = append(sel, e)
	}
	slices.SortFunc(sel, before)
	if q.Backward {
		return sel[max(0, len(sel)-q.Limit):], nil
	}
	return sel[:min(len(sel), q.Limit)], nil
}

func (m *memLogs) ScanLogEvents(ctx context.Context, q storage.LogScan) ([]trailwatch.LogEvent, *storage.EventPos, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(q.AccountID, q.Region, q.Group)
	if err != nil {
		return nil, nil, err
	}
	var sel []trailwatch.LogEvent
	for _, e := range g.events {
		if e.Timestamp < q.From || e.Timestamp > q.To || (q.After != nil && posCmp(e, *q.After) <= 0) ||
			(len(q.Streams) > 0 && !slices.Contains(q.Streams, e.Stream)) || !strings.HasPrefix(e.Stream, q.StreamPrefix) {
			continue
		}
		sel = append(sel, e)
	}
	slices.SortFunc(sel, before)
	var out []trailwatch.LogEvent
	var scanned int64
	for i, e := range sel {
		if q.MaxScannedBytes > 0 && scanned >= q.MaxScannedBytes {
			// Resume after the last event examined, matching or not.
			return out, &storage.EventPos{Timestamp: sel[i-1].Timestamp, Seq: sel[i-1].Seq}, nil
		}
		scanned += int64(len(e.Message))
		if q.Match != nil && !q.Match([]byte(e.Message)) {
			continue
		}
		out = append(out, e)
		if len(out) == q.Limit {
			return out, &storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}, nil
		}
	}
	return out, nil, nil
}

func (m *memLogs) DeleteExpiredLogEvents(ctx context.Context, nowMillis int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, g := range m.groups {
		if g.g.RetentionDays == 0 {
			continue
		}
		cut := nowMillis - int64(g.g.RetentionDays)*24*3600*1000
		before := len(g.events)
		g.events = slices.DeleteFunc(g.events, func(e trailwatch.LogEvent) bool { return e.Timestamp < cut })
		n += int64(before - len(g.events))
	}
	return n, nil
}

func (m *memLogs) CompactLogEvents(ctx context.Context, maxStreams int) (int, error) { return 0, nil }

func (m *memLogs) PutMetricFilter(ctx context.Context, account, region string, f trailwatch.MetricFilter, maxPerGroup int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, f.Group)
	if err != nil {
		return err
	}
	if _, ok := g.filters[f.Name]; !ok && len(g.filters) >= maxPerGroup {
		return storage.ErrLimitExceeded
	}
	g.filters[f.Name] = f
	return nil
}

func (m *memLogs) ListMetricFilters(ctx context.Context, q storage.MetricFilterQuery) ([]trailwatch.MetricFilter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []trailwatch.MetricFilter
	for _, g := range m.groups {
		if g.g.AccountID != q.AccountID || g.g.Region != q.Region || (q.Group != "" && g.g.Name != q.Group) {
			continue
		}
		for _, f := range g.filters {
			if !strings.HasPrefix(f.Name, q.NamePrefix) {
				continue
			}
			if q.MetricName != "" && !slices.ContainsFunc(f.Transformations, func(t trailwatch.MetricTransformation) bool {
				return t.MetricName == q.MetricName && t.MetricNamespace == q.MetricNamespace
			}) {
				continue
			}
			if q.AfterGroup != "" || q.After != "" {
				if c := cmp.Or(strings.Compare(f.Group, q.AfterGroup), strings.Compare(f.Name, q.After)); c <= 0 {
					continue
				}
			}
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b trailwatch.MetricFilter) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Name, b.Name))
	})
	return out[:min(len(out), q.Limit)], nil
}

func (m *memLogs) DeleteMetricFilter(ctx context.Context, account, region, group, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.find(account, region, group)
	if err != nil {
		return err
	}
	if _, ok := g.filters[name]; !ok {
		return storage.ErrNotFound
	}
	delete(g.filters, name)
	return nil
}
