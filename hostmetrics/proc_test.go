package hostmetrics

import (
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCapturedFiles(t *testing.T) {
	cpus, err := ParseStat(mustRead(t, "stat.1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []CPUTimes{
		{Name: "cpu", User: 66824, System: 17952, Idle: 63588, Iowait: 3039, Softirq: 1197, Steal: 773},
		{Name: "cpu0", User: 32888, System: 8354, Idle: 33719, Iowait: 840, Softirq: 413, Steal: 359},
		{Name: "cpu1", User: 33935, System: 9598, Idle: 29868, Iowait: 2198, Softirq: 783, Steal: 414},
	}
	if d := cmp.Diff(want, cpus); d != "" {
		t.Errorf("stat.1 (-want +got)\n%s", d)
	}

	m, err := ParseMeminfo(mustRead(t, "meminfo"))
	if err != nil {
		t.Fatal(err)
	}
	wantMem := Meminfo{Total: 24684096 << 10, Free: 22021472 << 10, Available: 23497256 << 10, Buffers: 36660 << 10,
		Cached: 1663084 << 10, Active: 1036840 << 10, Inactive: 1280000 << 10}
	if d := cmp.Diff(wantMem, m); d != "" {
		t.Errorf("meminfo (-want +got)\n%s", d)
	}

	nets, err := ParseNetDev(mustRead(t, "net_dev.1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 4 || nets[0] != (NetCounters{Interface: "lo", BytesRecv: 1304515963, PacketsRecv: 2418431, BytesSent: 1304515963, PacketsSent: 2418431}) ||
		nets[3] != (NetCounters{Interface: "eth0", BytesRecv: 172916590, PacketsRecv: 7171, BytesSent: 521441, PacketsSent: 5235}) {
		t.Errorf("net_dev.1: %+v", nets)
	}

	mounts, err := ParseMounts(mustRead(t, "mounts"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 20 || mounts[5] != (Mount{Device: "/dev/vda", Path: "/", FSType: "ext4"}) {
		t.Errorf("mounts: %d, [5] = %+v", len(mounts), mounts[5])
	}
}

func TestParseOlderAndOddFiles(t *testing.T) {
	// A 2.6.24 kernel has eight cpu columns and no MemAvailable.
	cpus, err := ParseStat([]byte("cpu  1 2 3 4 5 6 7 8\nintr 1 2\n"))
	if err != nil || cpus[0] != (CPUTimes{Name: "cpu", User: 1, Nice: 2, System: 3, Idle: 4, Iowait: 5, Irq: 6, Softirq: 7, Steal: 8}) {
		t.Fatalf("%+v %v", cpus, err)
	}
	m, err := ParseMeminfo([]byte("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSwapTotal: 400 kB\nSwapFree: 100 kB\n"))
	if err != nil || m.Available != 350<<10 || m.SwapTotal != 400<<10 {
		t.Fatalf("%+v %v", m, err)
	}
	mounts, _ := ParseMounts([]byte(`/dev/sdb1 /mnt/my\040disk ext4 rw 0 0` + "\n"))
	if mounts[0].Path != "/mnt/my disk" {
		t.Fatalf("%+v", mounts)
	}
	for _, bad := range []string{"", "cpu x 1 2 3\n", "intr 1\n"} {
		if _, err := ParseStat([]byte(bad)); err == nil {
			t.Errorf("stat %q parsed", bad)
		}
	}
	if _, err := ParseMeminfo([]byte("MemFree: 1 kB\n")); err == nil {
		t.Error("meminfo without MemTotal parsed")
	}
	if _, err := ParseNetDev([]byte("eth0: 1 2 3\n")); err == nil {
		t.Error("short net/dev line parsed")
	}
}

func find(t *testing.T, ds []Datum, name string, dims ...Dimension) Datum {
	t.Helper()
	for _, d := range ds {
		if d.Name == name && cmp.Equal(d.Dimensions[1:], dims, cmp.Comparer(func(a, b []Dimension) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })) {
			return d
		}
	}
	t.Fatalf("no %s %v", name, dims)
	return Datum{}
}

func TestMetricsFromCapturedFiles(t *testing.T) {
	read := func(stat, net string) *Sample {
		s := &Sample{}
		s.CPU, _ = ParseStat(mustRead(t, stat))
		s.Mem, _ = ParseMeminfo(mustRead(t, "meminfo"))
		s.Net, _ = ParseNetDev(mustRead(t, net))
		s.Disks = []DiskUsage{{Mount: Mount{Device: "/dev/vda", Path: "/", FSType: "ext4"}, Total: 1000, Free: 300, Used: 600, InodesTotal: 50, InodesFree: 20}}
		return s
	}
	prev, cur := read("stat.1", "net_dev.1"), read("stat.2", "net_dev.2")
	ds := Metrics(prev, cur, Options{Host: "vm", PerCPU: true})
	for _, d := range ds {
		if d.Dimensions[0] != (Dimension{"host", "vm"}) {
			t.Fatalf("%s has dimensions %v", d.Name, d.Dimensions)
		}
	}
	// stat.1 → stat.2: user +349, system +52, softirq +1, idle 0: 402
	// ticks.
	total := Dimension{"cpu", "cpu-total"}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	if d := find(t, ds, "cpu_usage_user", total); !near(d.Value, 100*349.0/402) || d.Unit != UnitPercent {
		t.Errorf("cpu_usage_user %+v", d)
	}
	if d := find(t, ds, "cpu_usage_idle", total); d.Value != 0 {
		t.Errorf("cpu_usage_idle %+v", d)
	}
	if d := find(t, ds, "cpu_usage_active", total); !near(d.Value, 100) {
		t.Errorf("cpu_usage_active %+v", d)
	}
	// cpu0: user +174, system +28.
	if d := find(t, ds, "cpu_usage_system", Dimension{"cpu", "cpu0"}); !near(d.Value, 100*28.0/202) {
		t.Errorf("cpu0 cpu_usage_system %+v", d)
	}
	if d := find(t, ds, "mem_used_percent"); !near(d.Value, 100*float64(24684096-23497256)/24684096) {
		t.Errorf("mem_used_percent %+v", d)
	}
	if a, u := find(t, ds, "mem_available_percent"), find(t, ds, "mem_used_percent"); !near(a.Value+u.Value, 100) {
		t.Errorf("available %v + used %v", a.Value, u.Value)
	}
	if d := find(t, ds, "swap_used_percent"); d.Value != 0 {
		t.Errorf("swap_used_percent without swap %+v", d)
	}
	disk := []Dimension{{"device", "vda"}, {"fstype", "ext4"}, {"path", "/"}}
	if d := find(t, ds, "disk_used_percent", disk...); !near(d.Value, 100*600.0/900) {
		t.Errorf("disk_used_percent %+v", d)
	}
	if d := find(t, ds, "disk_inodes_used", disk...); d.Value != 30 || d.Unit != UnitCount {
		t.Errorf("disk_inodes_used %+v", d)
	}
	// eth0 received nothing new in two seconds; lo carried traffic but is
	// left out by default.
	eth0 := Dimension{"interface", "eth0"}
	b1, _ := ParseNetDev(mustRead(t, "net_dev.1"))
	b2, _ := ParseNetDev(mustRead(t, "net_dev.2"))
	if d := find(t, ds, "net_bytes_sent", eth0); d.Value != float64(b2[3].BytesSent-b1[3].BytesSent) || d.Unit != UnitBytes {
		t.Errorf("net_bytes_sent %+v", d)
	}
	for _, d := range ds {
		if len(d.Dimensions) > 1 && d.Dimensions[1] == (Dimension{"interface", "lo"}) {
			t.Fatalf("loopback reported: %+v", d)
		}
	}
	// Without a previous sample there are no rates, and without PerCPU
	// no per-core figures.
	for _, d := range Metrics(nil, cur, Options{Host: "vm"}) {
		if d.Name[:4] == "cpu_" || d.Name[:4] == "net_" {
			t.Fatalf("first sample reported %s", d.Name)
		}
	}
	for _, d := range Metrics(prev, cur, Options{Host: "vm", Interfaces: []string{"lo"}}) {
		if len(d.Dimensions) > 1 && d.Dimensions[1].Name == "cpu" && d.Dimensions[1].Value != "cpu-total" {
			t.Fatalf("per-core figure without PerCPU: %+v", d)
		}
		if len(d.Dimensions) > 1 && d.Dimensions[1] == eth0 {
			t.Fatalf("eth0 reported when only lo was asked for")
		}
	}
}

func TestMetricsCounterReset(t *testing.T) {
	prev := &Sample{Net: []NetCounters{{Interface: "eth0", BytesSent: 500}}}
	cur := &Sample{Net: []NetCounters{{Interface: "eth0", BytesSent: 100}}}
	for _, d := range Metrics(prev, cur, Options{Host: "h"}) {
		if d.Name[:4] == "net_" {
			t.Fatalf("delta across a reset: %+v", d)
		}
	}
}

func TestReadLiveHost(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no procfs")
	}
	s, err := (&Reader{}).Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.CPU) < 2 || s.Mem.Total == 0 || len(s.Disks) == 0 {
		t.Fatalf("%+v", s)
	}
	for _, d := range s.Disks {
		if d.FSType == "proc" || d.FSType == "tmpfs" {
			t.Fatalf("ignored type read: %+v", d)
		}
	}
	s2, err := (&Reader{DiskPaths: []string{"/"}}).Read()
	if err != nil || len(s2.Disks) != 1 || s2.Disks[0].Path != "/" {
		t.Fatalf("%+v %v", s2.Disks, err)
	}
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }
