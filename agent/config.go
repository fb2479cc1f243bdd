// Package agent is `trailwatch agent`: it tails database audit logs,
// turns each record into the structured JSON event of package auditlog and
// ships it with PutLogEvents, to trailwatch or to CloudWatch Logs itself.
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

// Source is one audit log: a file or a glob of files.
type Source struct {
	// Path is a file path or a glob (path.Match syntax), e.g.
	// /var/lib/mysql/server_audit.log.
	Path   string `json:"path"`
	Format string `json:"format"`
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
	if len(c.Sources) == 0 {
		return fmt.Errorf("no sources")
	}
	host, _ := os.Hostname()
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Path == "" {
			return fmt.Errorf("source %d: no path", i)
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
		if s.Format == FormatPostgresStderr && s.LogLinePrefix == "" {
			s.LogLinePrefix = defaultPostgresP
		}
		if _, err := newParser(s); err != nil {
			return fmt.Errorf("source %d (%s): %w", i, s.Path, err)
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
	case FormatPostgresStderr, FormatPostgresCSV, FormatPostgresJSON:
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
	default:
		return nil, fmt.Errorf("unknown format %q", s.Format)
	}
	return p, nil
}
