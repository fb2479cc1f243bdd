// Package hostmetrics reads a Linux host's CPU, memory, swap, disk and
// network figures from /proc and statfs(2), and turns two readings into
// the metrics the CloudWatch agent publishes (namespace CWAgent): the
// same names, units and dimensions (reference: the CloudWatch User
// Guide's "Metrics collected by the CloudWatch agent" for Linux), so
// dashboards and alarms written for the CloudWatch agent work unchanged.
//
// The parsers take the files' bytes and are pure; Reader does the I/O.
// Nothing here uses cgo.
package hostmetrics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// CPUTimes is one line of /proc/stat ("cpu" or "cpuN"), in USER_HZ ticks
// (hundredths of a second on every Linux architecture the kernel exports).
// User and Nice include Guest and GuestNice, as the kernel counts them.
type CPUTimes struct {
	Name                                                                    string // "cpu" for the total, "cpu0", …
	User, Nice, System, Idle, Iowait, Irq, Softirq, Steal, Guest, GuestNice float64
}

// total is every tick the CPU spent, guest time counted once (inside
// User and Nice).
func (t CPUTimes) total() float64 {
	return t.User + t.Nice + t.System + t.Idle + t.Iowait + t.Irq + t.Softirq + t.Steal
}

// ParseStat reads the cpu lines of /proc/stat. Kernels before 2.6.33 have
// fewer columns; missing ones are zero.
func ParseStat(b []byte) ([]CPUTimes, error) {
	var out []CPUTimes
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		var v [10]float64
		for i := 1; i < len(f) && i <= len(v); i++ {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("hostmetrics: /proc/stat %s column %d: %w", f[0], i, err)
			}
			v[i-1] = float64(n)
		}
		out = append(out, CPUTimes{Name: f[0], User: v[0], Nice: v[1], System: v[2], Idle: v[3], Iowait: v[4],
			Irq: v[5], Softirq: v[6], Steal: v[7], Guest: v[8], GuestNice: v[9]})
	}
	if len(out) == 0 {
		return nil, errors.New("hostmetrics: /proc/stat has no cpu line")
	}
	return out, nil
}

// Meminfo holds the /proc/meminfo fields the metrics use, in bytes.
type Meminfo struct {
	Total, Free, Available, Buffers, Cached, Active, Inactive uint64
	SwapTotal, SwapFree                                       uint64
}

// ParseMeminfo reads /proc/meminfo. Kernels before 3.14 have no
// MemAvailable; it is then estimated as free + buffers + cached, the
// figure such kernels' tools report.
func ParseMeminfo(b []byte) (Meminfo, error) {
	var m Meminfo
	fields := map[string]*uint64{
		"MemTotal": &m.Total, "MemFree": &m.Free, "MemAvailable": &m.Available, "Buffers": &m.Buffers,
		"Cached": &m.Cached, "Active": &m.Active, "Inactive": &m.Inactive,
		"SwapTotal": &m.SwapTotal, "SwapFree": &m.SwapFree,
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		p := fields[name]
		if !ok || p == nil {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return m, fmt.Errorf("hostmetrics: /proc/meminfo %s has no value", name)
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("hostmetrics: /proc/meminfo %s: %w", name, err)
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		*p = n
		seen[name] = true
	}
	if !seen["MemTotal"] || m.Total == 0 {
		return m, errors.New("hostmetrics: /proc/meminfo has no MemTotal")
	}
	if !seen["MemAvailable"] {
		m.Available = m.Free + m.Buffers + m.Cached
	}
	return m, nil
}

// NetCounters is one interface's line of /proc/net/dev.
type NetCounters struct {
	Interface                               string
	BytesRecv, PacketsRecv, ErrIn, DropIn   uint64
	BytesSent, PacketsSent, ErrOut, DropOut uint64
}

// ParseNetDev reads /proc/net/dev.
func ParseNetDev(b []byte) ([]NetCounters, error) {
	var out []NetCounters
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue // the two header lines
		}
		f := strings.Fields(rest)
		if len(f) < 16 {
			return nil, fmt.Errorf("hostmetrics: /proc/net/dev %s has %d columns, want 16", strings.TrimSpace(name), len(f))
		}
		var v [16]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("hostmetrics: /proc/net/dev %s: %w", strings.TrimSpace(name), err)
			}
			v[i] = n
		}
		out = append(out, NetCounters{Interface: strings.TrimSpace(name),
			BytesRecv: v[0], PacketsRecv: v[1], ErrIn: v[2], DropIn: v[3],
			BytesSent: v[8], PacketsSent: v[9], ErrOut: v[10], DropOut: v[11]})
	}
	return out, nil
}

// Mount is one line of /proc/mounts.
type Mount struct {
	Device, Path, FSType string
}

// ParseMounts reads /proc/mounts (or /proc/self/mounts), undoing the
// octal escapes (\040 for a space) the kernel writes in names.
func ParseMounts(b []byte) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		out = append(out, Mount{Device: unescapeMount(f[0]), Path: unescapeMount(f[1]), FSType: f[2]})
	}
	return out, sc.Err()
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
