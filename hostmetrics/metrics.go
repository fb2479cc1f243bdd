package hostmetrics

import (
	"slices"
	"strings"
)

// Namespace is the CloudWatch agent's default namespace.
const Namespace = "CWAgent"

// Units, CloudWatch StandardUnit values.
const (
	UnitPercent = "Percent"
	UnitBytes   = "Bytes"
	UnitCount   = "Count"
)

// Datum is one metric value, ready for PutMetricData.
type Datum struct {
	Name       string
	Unit       string
	Value      float64
	Dimensions []Dimension // host first, then the metric's own
}

// Dimension is a CloudWatch dimension.
type Dimension struct{ Name, Value string }

// DiskUsage is one mounted filesystem's statfs(2) figures.
type DiskUsage struct {
	Mount
	Total, Free, Used       uint64 // bytes; Free is what unprivileged users may use
	InodesTotal, InodesFree uint64
}

// Sample is one reading of the host.
type Sample struct {
	CPU   []CPUTimes
	Mem   Meminfo
	Net   []NetCounters
	Disks []DiskUsage
}

// Options choose what Metrics reports.
type Options struct {
	// Host is the value of the host dimension every datum carries (the
	// CloudWatch agent's default dimension off EC2).
	Host string
	// PerCPU adds each core's cpu_usage_* (cpu = cpu0, cpu1, …) to the
	// total's (cpu = cpu-total), as the agent's resources ["*"] does.
	PerCPU bool
	// Interfaces limits the net_* metrics to these interfaces; empty
	// means every interface except the loopback.
	Interfaces []string
}

// Metrics turns two readings into the CloudWatch agent's metrics. Memory,
// swap and disk figures are cur's. CPU usage is the share of each state
// in the ticks between prev and cur, and the net_* metrics are the
// counters' increase between them (the agent reports them as deltas, so
// that Sum over a period is the traffic in it); with prev nil neither is
// reported.
func Metrics(prev, cur *Sample, o Options) []Datum {
	var out []Datum
	host := Dimension{"host", o.Host}
	add := func(name, unit string, v float64, dims ...Dimension) {
		out = append(out, Datum{Name: name, Unit: unit, Value: v, Dimensions: append([]Dimension{host}, dims...)})
	}
	if prev != nil {
		for _, c := range cur.CPU {
			if c.Name != "cpu" && !o.PerCPU {
				continue
			}
			i := slices.IndexFunc(prev.CPU, func(p CPUTimes) bool { return p.Name == c.Name })
			if i < 0 {
				continue
			}
			p := prev.CPU[i]
			dt := c.total() - p.total()
			if dt <= 0 {
				continue
			}
			pct := func(d float64) float64 { return clampPercent(100 * d / dt) }
			dim := Dimension{"cpu", c.Name}
			if c.Name == "cpu" {
				dim.Value = "cpu-total"
			}
			dGuest, dGuestNice := c.Guest-p.Guest, c.GuestNice-p.GuestNice
			add("cpu_usage_active", UnitPercent, pct(dt-(c.Idle-p.Idle)), dim)
			add("cpu_usage_guest", UnitPercent, pct(dGuest), dim)
			add("cpu_usage_guest_nice", UnitPercent, pct(dGuestNice), dim)
			add("cpu_usage_idle", UnitPercent, pct(c.Idle-p.Idle), dim)
			add("cpu_usage_iowait", UnitPercent, pct(c.Iowait-p.Iowait), dim)
			add("cpu_usage_irq", UnitPercent, pct(c.Irq-p.Irq), dim)
			add("cpu_usage_nice", UnitPercent, pct(c.Nice-p.Nice-dGuestNice), dim)
			add("cpu_usage_softirq", UnitPercent, pct(c.Softirq-p.Softirq), dim)
			add("cpu_usage_steal", UnitPercent, pct(c.Steal-p.Steal), dim)
			add("cpu_usage_system", UnitPercent, pct(c.System-p.System), dim)
			add("cpu_usage_user", UnitPercent, pct(c.User-p.User-dGuest), dim)
		}
	}

	// mem_used is what is not available (total − MemAvailable), so that
	// mem_used_percent and mem_available_percent add up to 100.
	m := cur.Mem
	if m.Total > 0 {
		used := m.Total - min(m.Available, m.Total)
		add("mem_active", UnitBytes, float64(m.Active))
		add("mem_available", UnitBytes, float64(m.Available))
		add("mem_available_percent", UnitPercent, clampPercent(100*float64(m.Available)/float64(m.Total)))
		add("mem_buffered", UnitBytes, float64(m.Buffers))
		add("mem_cached", UnitBytes, float64(m.Cached))
		add("mem_free", UnitBytes, float64(m.Free))
		add("mem_inactive", UnitBytes, float64(m.Inactive))
		add("mem_total", UnitBytes, float64(m.Total))
		add("mem_used", UnitBytes, float64(used))
		add("mem_used_percent", UnitPercent, clampPercent(100*float64(used)/float64(m.Total)))
	}
	swapUsed := m.SwapTotal - min(m.SwapFree, m.SwapTotal)
	swapPct := 0.0
	if m.SwapTotal > 0 {
		swapPct = 100 * float64(swapUsed) / float64(m.SwapTotal)
	}
	add("swap_free", UnitBytes, float64(m.SwapFree))
	add("swap_used", UnitBytes, float64(swapUsed))
	add("swap_used_percent", UnitPercent, clampPercent(swapPct))

	for _, d := range cur.Disks {
		dims := []Dimension{{"device", strings.TrimPrefix(d.Device, "/dev/")}, {"fstype", d.FSType}, {"path", d.Path}}
		// As df: used over what users can have (used + available), so a
		// full disk is 100 % although root's reserve is still free.
		pct := 0.0
		if d.Used+d.Free > 0 {
			pct = 100 * float64(d.Used) / float64(d.Used+d.Free)
		}
		add("disk_free", UnitBytes, float64(d.Free), dims...)
		add("disk_inodes_free", UnitCount, float64(d.InodesFree), dims...)
		add("disk_inodes_total", UnitCount, float64(d.InodesTotal), dims...)
		add("disk_inodes_used", UnitCount, float64(d.InodesTotal-min(d.InodesFree, d.InodesTotal)), dims...)
		add("disk_total", UnitBytes, float64(d.Total), dims...)
		add("disk_used", UnitBytes, float64(d.Used), dims...)
		add("disk_used_percent", UnitPercent, clampPercent(pct), dims...)
	}

	if prev != nil {
		for _, n := range cur.Net {
			if !wantInterface(n.Interface, o.Interfaces) {
				continue
			}
			i := slices.IndexFunc(prev.Net, func(p NetCounters) bool { return p.Interface == n.Interface })
			if i < 0 {
				continue
			}
			p := prev.Net[i]
			// A counter that went down was reset (the interface was
			// recreated, or a 32-bit counter wrapped): no delta this time.
			if n.BytesSent < p.BytesSent || n.BytesRecv < p.BytesRecv || n.PacketsSent < p.PacketsSent || n.PacketsRecv < p.PacketsRecv ||
				n.ErrIn < p.ErrIn || n.ErrOut < p.ErrOut || n.DropIn < p.DropIn || n.DropOut < p.DropOut {
				continue
			}
			dim := Dimension{"interface", n.Interface}
			add("net_bytes_recv", UnitBytes, float64(n.BytesRecv-p.BytesRecv), dim)
			add("net_bytes_sent", UnitBytes, float64(n.BytesSent-p.BytesSent), dim)
			add("net_drop_in", UnitCount, float64(n.DropIn-p.DropIn), dim)
			add("net_drop_out", UnitCount, float64(n.DropOut-p.DropOut), dim)
			add("net_err_in", UnitCount, float64(n.ErrIn-p.ErrIn), dim)
			add("net_err_out", UnitCount, float64(n.ErrOut-p.ErrOut), dim)
			add("net_packets_recv", UnitCount, float64(n.PacketsRecv-p.PacketsRecv), dim)
			add("net_packets_sent", UnitCount, float64(n.PacketsSent-p.PacketsSent), dim)
		}
	}
	return out
}

func wantInterface(name string, only []string) bool {
	if len(only) > 0 {
		return slices.Contains(only, name)
	}
	return name != "lo"
}

// clampPercent keeps a share within 0–100 when counters move unevenly
// between two reads (per-CPU counters are not read atomically).
func clampPercent(v float64) float64 {
	return max(0, min(100, v))
}
