// Package agent is `trailwatch agent`: it tails database audit logs and
// receives syslog messages (UDP and TCP), turns each record into the
// structured JSON event of package auditlog and ships it with
// PutLogEvents, to trailwatch or to CloudWatch Logs itself. It also sends
// host metrics (package hostmetrics) with PutMetricData.
//
// Delivery is at least once. Each source file's read position (offset and
// inode identity) and the spool's read position live in an fsync'd state
// file. Records are appended to an fsync'd on-disk spool before a source
// position moves, and the spool position moves only after PutLogEvents has
// accepted a batch, so a kill -9 at any point repeats events but never
// loses one. Every shipped event carries an eventId derived from the file
// identity and offset of its record, so repeats carry the same id and can
// be removed downstream.
package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/auditlog"
	"github.com/trailwatch/trailwatch/hostmetrics"
)

// Formats a source may name.
const (
	FormatMariaDB        = "mariadb"         // server_audit file output
	FormatMariaDBSyslog  = "mariadb-syslog"  // server_audit lines in a syslog file
	FormatMySQLJSON      = "mysql-json"      // MySQL Enterprise / Percona JSON, one record a line
	FormatPostgresStderr = "postgres-stderr" // stderr log with log_line_prefix
	FormatPostgresCSV    = "postgres-csv"    // csvlog
	FormatPostgresJSON   = "postgres-json"   // jsonlog
	FormatMongoDB        = "mongodb"         // MongoDB / DocumentDB audit JSON
	FormatPostgresSyslog = "postgres-syslog" // PostgreSQL log_destination=syslog
	FormatPlain          = "plain"           // shipped as is, one event a line or message
)

// Config is the agent's configuration file (JSON). docs/agent.md documents
// every field and its default.
type Config struct {
	// StateDir holds the state file and the spool. Default
	// /var/lib/trailwatch-agent.
	StateDir string `json:"state_dir"`
	// Endpoint, when set, is the CloudWatch Logs endpoint URL; otherwise
	// the SDK's standard endpoint resolution (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
	// AWS_ENDPOINT_URL, the shared config file, the region's endpoint).
	Endpoint string `json:"endpoint"`
	// Region overrides the SDK's region resolution (AWS_REGION, profile).
	Region string `json:"region"`
	// Profile selects a shared-config profile; default the SDK's.
	Profile string `json:"profile"`

	Sources []Source `json:"sources"`

	// Syslog configures the syslog listeners; nil means none.
	Syslog *SyslogConfig `json:"syslog"`
	// Metrics configures host metrics; nil means none.
	Metrics *MetricsConfig `json:"metrics"`

	// PollInterval is how often files are checked for new lines. Default 200ms.
	PollInterval Duration `json:"poll_interval"`
	// BatchWait is how long events may wait to fill a batch. Default 1s.
	BatchWait Duration `json:"batch_wait"`
	// BatchMaxEvents caps a PutLogEvents batch; default and maximum 10000.
	BatchMaxEvents int `json:"batch_max_events"`
	// BatchMaxBytes caps a batch as PutLogEvents counts it (message bytes
	// plus 26 per event); default and maximum 1048576.
	BatchMaxBytes int `json:"batch_max_bytes"`
	// BufferMaxBytes bounds the on-disk spool. When the endpoint is down
	// and the spool is full, reading stops and the source files
	// themselves hold the rest. Default 256 MiB.
	BufferMaxBytes int64 `json:"buffer_max_bytes"`
	// RetryMax is the longest wait between retries. Default 30s.
	RetryMax Duration `json:"retry_max"`
}

// Source is one audit log: a file or a glob of files, or the syslog
// messages of one program.
type Source struct {
	// Path is a file path or a glob (path.Match syntax), e.g.
	// /var/lib/mysql/server_audit.log.
	Path string `json:"path"`
	// SyslogApp, instead of Path, takes the messages the syslog
	// listeners receive whose RFC 5424 APP-NAME or RFC 3164 program is
	// this, e.g. mysql-server_auditing or postgres.
	SyslogApp string `json:"syslog_app"`
	Format    string `json:"format"`
	// Name is the database instance (or cluster) name used in the default
	// log group and stream names. Default: the host name.
	Name string `json:"name"`
	// Cluster names an Aurora cluster: the default group becomes
	// /aws/rds/cluster/NAME/... instead of /aws/rds/instance/NAME/....
	Cluster bool `json:"cluster"`
	// LogGroup and LogStream override the AWS-style defaults.
	LogGroup  string `json:"log_group"`
	LogStream string `json:"log_stream"`
	// LogLinePrefix is PostgreSQL's log_line_prefix, for postgres-stderr.
	// Default "%m [%p] " (PostgreSQL's default).
	LogLinePrefix string `json:"log_line_prefix"`
	// TimeZone is the server's zone for formats that write local time
	// without a zone (server_audit, PostgreSQL's %Z abbreviations).
	// Default UTC.
	TimeZone string `json:"time_zone"`
	// Events, InclUsers and ExclUsers filter events with the server_audit
	// plugin's semantics (server_audit_events, server_audit_incl_users,
	// server_audit_excl_users).
	Events    string `json:"events"`
	InclUsers string `json:"incl_users"`
	ExclUsers string `json:"excl_users"`
}

// Duration is a time.Duration written as a Go duration string ("1s").
type Duration time.Duration

// UnmarshalJSON accepts "1.5s" style strings.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"1s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Limits of PutLogEvents.
const (
	maxBatchEvents   = 10000
	maxBatchBytes    = 1048576
	eventOverhead    = 26
	maxBatchSpan     = 24 * time.Hour
	defaultPostgresP = "%m [%p] "
)

// LoadConfig reads and checks a configuration file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.setDefaults(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) setDefaults() error {
	if c.StateDir == "" {
		c.StateDir = "/var/lib/trailwatch-agent"
	}
	if c.PollInterval <= 0 {
		c.PollInterval = Duration(200 * time.Millisecond)
	}
	if c.BatchWait <= 0 {
		c.BatchWait = Duration(time.Second)
	}
	if c.BatchMaxEvents <= 0 || c.BatchMaxEvents > maxBatchEvents {
		c.BatchMaxEvents = maxBatchEvents
	}
	if c.BatchMaxBytes <= 0 || c.BatchMaxBytes > maxBatchBytes {
		c.BatchMaxBytes = maxBatchBytes
	}
	if c.BufferMaxBytes <= 0 {
		c.BufferMaxBytes = 256 << 20
	}
	if c.RetryMax <= 0 {
		c.RetryMax = Duration(30 * time.Second)
	}
	if len(c.Sources) == 0 && c.Syslog == nil && c.Metrics == nil {
		return fmt.Errorf("no sources, syslog listeners or metrics")
	}
	host, _ := os.Hostname()
	apps := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		switch {
		case s.Path == "" && s.SyslogApp == "":
			return fmt.Errorf("source %d: no path or syslog_app", i)
		case s.Path != "" && s.SyslogApp != "":
			return fmt.Errorf("source %d: both path and syslog_app", i)
		case s.SyslogApp != "":
			if c.Syslog == nil {
				return fmt.Errorf("source %d: syslog_app %q without a syslog listener", i, s.SyslogApp)
			}
			if apps[s.SyslogApp] {
				return fmt.Errorf("source %d: syslog_app %q is routed twice", i, s.SyslogApp)
			}
			apps[s.SyslogApp] = true
			switch s.Format {
			case FormatMariaDBSyslog, FormatPostgresSyslog, FormatPlain:
			default:
				return fmt.Errorf("source %d: format %q cannot read syslog messages (mariadb-syslog, postgres-syslog or plain)", i, s.Format)
			}
		}
		if s.Format == FormatPlain && s.LogGroup == "" {
			return fmt.Errorf("source %d: format plain needs a log_group", i)
		}
		if s.Name == "" {
			s.Name = host
		}
		if s.LogGroup == "" {
			s.LogGroup = defaultGroup(s)
		}
		if s.LogStream == "" {
			s.LogStream = s.Name
		}
		if (s.Format == FormatPostgresStderr || s.Format == FormatPostgresSyslog) && s.LogLinePrefix == "" {
			s.LogLinePrefix = defaultPostgresP
		}
		if _, err := newParser(s); err != nil {
			return fmt.Errorf("source %d (%s): %w", i, s.Path, err)
		}
	}
	if c.Syslog != nil {
		if err := c.Syslog.setDefaults(host); err != nil {
			return fmt.Errorf("syslog: %w", err)
		}
	}
	if c.Metrics != nil {
		if err := c.Metrics.setDefaults(host); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// defaultGroup follows the names RDS, Aurora and DocumentDB publish to.
func defaultGroup(s *Source) string {
	kind := "instance"
	if s.Cluster {
		kind = "cluster"
	}
	switch s.Format {
	case FormatMongoDB:
		return "/aws/docdb/" + s.Name + "/audit"
	case FormatPostgresStderr, FormatPostgresCSV, FormatPostgresJSON, FormatPostgresSyslog:
		// RDS for PostgreSQL publishes pgaudit within its postgresql log.
		return "/aws/rds/" + kind + "/" + s.Name + "/postgresql"
	}
	return "/aws/rds/" + kind + "/" + s.Name + "/audit"
}

// parser turns one record into an event; framing says how lines join into
// records.
type parser struct {
	format string
	parse  func(string) (*auditlog.Event, error)
	filter *auditlog.Filter
}

func newParser(s *Source) (*parser, error) {
	loc := time.UTC
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return nil, err
		}
		loc = l
	}
	f, err := auditlog.NewFilter(s.Events, s.InclUsers, s.ExclUsers)
	if err != nil {
		return nil, err
	}
	p := &parser{format: s.Format, filter: f}
	mopt := auditlog.MariaDBOptions{Location: loc}
	popt := auditlog.PostgresOptions{Location: loc}
	switch s.Format {
	case FormatMariaDB:
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParseMariaDB(r, mopt) }
	case FormatMariaDBSyslog:
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParseMariaDBSyslog(r, mopt) }
	case FormatMySQLJSON:
		p.parse = auditlog.ParseMySQLJSON
	case FormatMongoDB:
		p.parse = auditlog.ParseMongoDB
	case FormatPostgresJSON:
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParsePostgresJSON(r, popt) }
	case FormatPostgresCSV:
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParsePostgresCSV(r, popt) }
	case FormatPostgresStderr:
		prefix, err := auditlog.NewPostgresPrefix(s.LogLinePrefix)
		if err != nil {
			return nil, err
		}
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParsePostgresStderr(r, prefix, popt) }
	case FormatPostgresSyslog:
		prefix, err := auditlog.NewPostgresPrefix(s.LogLinePrefix)
		if err != nil {
			return nil, err
		}
		p.parse = func(r string) (*auditlog.Event, error) { return auditlog.ParsePostgresSyslog(r, prefix, popt) }
	case FormatPlain:
		// No parser: the record is the message.
	default:
		return nil, fmt.Errorf("unknown format %q", s.Format)
	}
	return p, nil
}

// SyslogConfig configures the syslog listeners (docs/agent.md).
type SyslogConfig struct {
	// UDP and TCP are listen addresses (host:port); at least one is
	// needed. Port 514 needs root or CAP_NET_BIND_SERVICE.
	UDP string `json:"udp"`
	TCP string `json:"tcp"`
	// TimeZone is the zone of RFC 3164 timestamps, which carry none.
	// Default UTC.
	TimeZone string `json:"time_zone"`
	// LogGroup and LogStream receive the messages no source's
	// syslog_app claims, shipped as they arrived. Defaults
	// /trailwatch/syslog and the host name.
	LogGroup  string `json:"log_group"`
	LogStream string `json:"log_stream"`
	// MaxMessageBytes cuts longer messages (the rest is dropped).
	// Default 65536.
	MaxMessageBytes int `json:"max_message_bytes"`
}

func (c *SyslogConfig) setDefaults(host string) error {
	if c.UDP == "" && c.TCP == "" {
		return fmt.Errorf("no udp or tcp listen address")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return err
		}
	}
	if c.LogGroup == "" {
		c.LogGroup = "/trailwatch/syslog"
	}
	if c.LogStream == "" {
		c.LogStream = host
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 64 << 10
	}
	return nil
}

// MetricsConfig configures host metrics (docs/agent.md).
type MetricsConfig struct {
	// Interval is how often metrics are collected and sent. Default
	// 60s; below 60s they are sent as high-resolution metrics, as the
	// CloudWatch agent does.
	Interval Duration `json:"interval"`
	// Namespace; default CWAgent.
	Namespace string `json:"namespace"`
	// Host is the host dimension's value; default the host name.
	Host string `json:"host"`
	// PerCPU adds per-core cpu_usage_* to the total's.
	PerCPU bool `json:"per_cpu"`
	// DiskPaths limits disk metrics to these mount points; default every
	// filesystem whose type IgnoreFSTypes does not name.
	DiskPaths []string `json:"disk_paths"`
	// IgnoreFSTypes; default hostmetrics.DefaultIgnoreFSTypes.
	IgnoreFSTypes []string `json:"ignore_fs_types"`
	// Interfaces limits network metrics; default all but lo.
	Interfaces []string `json:"interfaces"`
	// ProcRoot is where procfs is mounted; default /proc.
	ProcRoot string `json:"proc_root"`
}

func (c *MetricsConfig) setDefaults(host string) error {
	if c.Interval == 0 {
		c.Interval = Duration(time.Minute)
	}
	if c.Interval < Duration(time.Second) {
		return fmt.Errorf("interval %v is below 1s", time.Duration(c.Interval))
	}
	if c.Namespace == "" {
		c.Namespace = hostmetrics.Namespace
	}
	if c.Host == "" {
		c.Host = host
	}
	return nil
}
