package agent

import (
	"strings"
	"testing"
	"time"
)

func TestConfigChecks(t *testing.T) {
	sl := &SyslogConfig{TCP: "127.0.0.1:0"}
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"nothing to do", Config{}, "no sources, syslog listeners or metrics"},
		{"path and syslog_app", Config{Syslog: sl, Sources: []Source{{Path: "/x", SyslogApp: "a", Format: FormatPlain, LogGroup: "g"}}}, "both path and syslog_app"},
		{"syslog_app without listener", Config{Sources: []Source{{SyslogApp: "a", Format: FormatMariaDBSyslog}}}, "without a syslog listener"},
		{"file format on syslog", Config{Syslog: sl, Sources: []Source{{SyslogApp: "a", Format: FormatMariaDB}}}, "cannot read syslog messages"},
		{"app routed twice", Config{Syslog: sl, Sources: []Source{{SyslogApp: "a", Format: FormatMariaDBSyslog}, {SyslogApp: "a", Format: FormatMariaDBSyslog}}}, "routed twice"},
		{"plain without group", Config{Syslog: sl, Sources: []Source{{SyslogApp: "a", Format: FormatPlain}}}, "needs a log_group"},
		{"listener without address", Config{Syslog: &SyslogConfig{}}, "no udp or tcp"},
		{"metrics interval", Config{Metrics: &MetricsConfig{Interval: Duration(time.Millisecond)}}, "below 1s"},
	}
	for _, c := range cases {
		err := c.cfg.setDefaults()
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
	c := Config{Metrics: &MetricsConfig{}, Syslog: &SyslogConfig{UDP: ":5514"}}
	if err := c.setDefaults(); err != nil {
		t.Fatal(err)
	}
	if c.Metrics.Interval != Duration(time.Minute) || c.Metrics.Namespace != "CWAgent" || c.Metrics.Host == "" ||
		c.Syslog.LogGroup != "/trailwatch/syslog" || c.Syslog.MaxMessageBytes != 65536 {
		t.Fatalf("defaults %+v %+v", c.Metrics, c.Syslog)
	}
	pg := Config{Syslog: sl, Sources: []Source{{SyslogApp: "postgres", Format: FormatPostgresSyslog, Name: "pg1"}}}
	if err := pg.setDefaults(); err != nil || pg.Sources[0].LogGroup != "/aws/rds/instance/pg1/postgresql" || pg.Sources[0].LogLinePrefix != "%m [%p] " {
		t.Fatalf("%v %+v", err, pg.Sources[0])
	}
}
