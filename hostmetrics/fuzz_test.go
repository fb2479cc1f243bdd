package hostmetrics

import "testing"

// The parsers read files an attacker does not write, but a container's
// or another kernel's procfs can hold surprises: nothing may panic, and
// whatever parses must make metrics without panicking either.
func FuzzParsers(f *testing.F) {
	for _, n := range []string{"stat.1", "meminfo", "net_dev.1", "mounts"} {
		b, err := readTestdata(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Sample
		s.CPU, _ = ParseStat(b)
		s.Mem, _ = ParseMeminfo(b)
		s.Net, _ = ParseNetDev(b)
		mounts, _ := ParseMounts(b)
		for _, m := range mounts {
			s.Disks = append(s.Disks, DiskUsage{Mount: m, Total: 10, Used: 20})
		}
		for _, d := range Metrics(&Sample{}, &s, Options{Host: "h", PerCPU: true}) {
			if d.Unit == UnitPercent && (d.Value < 0 || d.Value > 100) {
				t.Fatalf("%s = %v", d.Name, d.Value)
			}
		}
	})
}
