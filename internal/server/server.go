// Package server assembles a whole trailwatch server from its parts: the
// storage backend, the services, the front door, the event recorder and the
// background workers. cmd/trailwatch and internal/testserver both build
// servers through it, so tests run exactly what users run.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/archive/dir"
	"github.com/trailwatch/trailwatch/archive/s3"
	"github.com/trailwatch/trailwatch/cloudtrail"
	"github.com/trailwatch/trailwatch/cloudtraildata"
	"github.com/trailwatch/trailwatch/cloudwatch"
	"github.com/trailwatch/trailwatch/frontdoor"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/logs"
	s3api "github.com/trailwatch/trailwatch/s3"
	"github.com/trailwatch/trailwatch/sns"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/sts"
	"github.com/trailwatch/trailwatch/trailkeys"
	"github.com/trailwatch/trailwatch/vendedmetrics"
	"github.com/trailwatch/trailwatch/worker/alarms"
	"github.com/trailwatch/trailwatch/worker/delivery"
	"github.com/trailwatch/trailwatch/worker/logretention"
	"github.com/trailwatch/trailwatch/worker/metricretention"
	"github.com/trailwatch/trailwatch/worker/retention"
	"github.com/trailwatch/trailwatch/worker/snsdelivery"
)

// DefaultHistoryRetention is how long event history is kept unless
// configured otherwise: CloudTrail's 90 days.
const DefaultHistoryRetention = 90 * 24 * time.Hour

// CredentialsFile is the name, inside the data directory, of the file the
// first start writes the generated root credentials to.
const CredentialsFile = "root-credentials"

// Config configures a server. Zero values are usable except DataDir.
type Config struct {
	// DataDir holds the SQLite database and the generated credentials file.
	DataDir string
	// Backend is "" or "sqlite" for SQLite in DataDir, or a postgres:// URL.
	Backend string
	// HistoryRetention is how long event history is kept; 0 means the
	// default, a negative value means forever.
	HistoryRetention time.Duration
	// RetentionInterval is how often the event-history retention worker
	// runs; 0 = 1 hour.
	RetentionInterval time.Duration
	// LogMaintenanceInterval is how often log chunks are compacted and
	// expired ones deleted; 0 = 1 minute. Compacting soon after ingestion
	// keeps scans fast and storage near its compressed size.
	LogMaintenanceInterval time.Duration
	// MetricRetentionInterval is how often metric data is rolled up and
	// deleted on AWS's schedule; 0 = metricretention.DefaultInterval.
	MetricRetentionInterval time.Duration
	// Root credentials of the default account; generated on first start
	// when empty.
	RootAccountID       string
	RootAccessKeyID     string
	RootSecretAccessKey string
	// KeyEncryptionKey (32 bytes) seals the digest signing keys at rest;
	// nil means the key in DataDir's trail-key-encryption-key file,
	// created on first start (trailkeys.LoadKEK).
	KeyEncryptionKey []byte
	// KeyRotation is how long a digest signing key signs; 0 means
	// trailkeys.DefaultRotation.
	KeyRotation time.Duration
	// DeliveryInterval is how often trails deliver log files; 0 means
	// CloudTrail's cadence (delivery.DefaultInterval). DigestInterval is
	// the period of a digest file; 0 means an hour.
	DeliveryInterval time.Duration
	DigestInterval   time.Duration
	// MaxBodyBytes bounds request bodies (0 = the front door's default).
	MaxBodyBytes int64
	// ArchiveDir is the local trail archive; "" means DataDir/archive.
	ArchiveDir string
	// S3 is the external S3-compatible store every bucket lives in when
	// its Endpoint is set; otherwise buckets are directories of the local
	// archive.
	S3 S3Config
	// S3Buckets places single buckets: each named bucket lives in the
	// store its S3Config describes, or in the local archive when the
	// config's Endpoint is "local".
	S3Buckets map[string]S3Config
	// PublicURL is the base URL SNS endpoints reach this server at: the
	// SubscribeURL, UnsubscribeURL and SigningCertURL of SNS messages
	// point there. Required for SNS to be useful; "" means
	// http://127.0.0.1:4566.
	PublicURL string
	// SMTP is the relay SNS email subscriptions are delivered through.
	SMTP snsdelivery.SMTP
	// SNSPollInterval is how often the SNS outbox is polled besides being
	// woken by Publish; 0 means snsdelivery.DefaultInterval.
	SNSPollInterval time.Duration
	// AlarmInterval is how often CloudWatch alarms are evaluated; 0 means
	// every minute (alarms.DefaultInterval). Negative leaves the worker
	// stopped while the other workers run: passes are then made only by
	// EvaluateAlarms, which tests drive.
	AlarmInterval time.Duration
	// VendedMetricsInterval is how often the AWS/Logs and AWS/SNS
	// metrics counted in memory are written to the metric store; 0 means
	// vendedmetrics.DefaultInterval. A crash loses at most this much of
	// them.
	VendedMetricsInterval time.Duration
	// NoWorkers leaves the background workers stopped (admin commands).
	NoWorkers bool
	// NodeID names this node in leases; defaults to host name and pid.
	NodeID string
	Logger *slog.Logger
	Now    func() time.Time
}

// S3Config describes an external S3-compatible store.
type S3Config struct {
	// Endpoint is the base URL (https://s3.example.net:9000); "local"
	// (in S3Buckets only) means the local archive.
	Endpoint string
	// Region requests are signed for; "" means us-east-1.
	Region string
	// PathStyle addresses buckets as ENDPOINT/BUCKET rather than as
	// BUCKET.HOST.
	PathStyle bool
	// AccessKeyID and SecretAccessKey sign the requests.
	AccessKeyID, SecretAccessKey string
}

// LocalEndpoint is the S3Buckets endpoint that keeps a bucket in the local
// archive even when S3.Endpoint sends the rest elsewhere.
const LocalEndpoint = "local"

// Credentials are an account's root credentials.
type Credentials struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// Server is an assembled, running trailwatch.
type Server struct {
	// TrailKeys hands out the digest signing keys, for the delivery
	// worker.
	TrailKeys *trailkeys.Keys
	cfg       Config
	store     storage.Store
	archive   *archive.Router
	local     *dir.Store
	recorder  *frontdoor.Recorder
	handler   http.Handler
	root      Credentials
	// CredentialsPath is where generated root credentials were written,
	// or "" when they came from the configuration.
	CredentialsPath string

	snsWorker *snsdelivery.Worker
	alarms    *alarms.Worker
	metrics   *metrics
	vended    *vendedmetrics.Publisher

	cancel context.CancelFunc
	wg     sync.WaitGroup // background workers
	// vendedCancel and vendedDone stop the vended metrics publisher,
	// after the workers, so that its last flush holds their counts.
	vendedCancel context.CancelFunc
	vendedDone   chan struct{}
}

// Open opens the backend, bootstraps the default account and starts the
// background workers.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HistoryRetention == 0 {
		cfg.HistoryRetention = DefaultHistoryRetention
	}
	if cfg.RetentionInterval == 0 {
		cfg.RetentionInterval = time.Hour
	}
	if cfg.LogMaintenanceInterval == 0 {
		cfg.LogMaintenanceInterval = time.Minute
	}
	if cfg.NodeID == "" {
		host, _ := os.Hostname()
		cfg.NodeID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	router, local, err := openArchive(cfg)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, archive: router, local: local, metrics: newMetrics(), vendedDone: make(chan struct{})}
	s.vended = vendedmetrics.New(vendedmetrics.Options{Put: store.Metrics().PutMetricData,
		Interval: cfg.VendedMetricsInterval, Now: cfg.Now, Logger: cfg.Logger})
	s.store = instrument(store, s.metrics, s.vended)
	store = s.store
	if err := s.bootstrap(ctx); err != nil {
		store.Close()
		return nil, err
	}

	retain := cfg.HistoryRetention
	if retain < 0 {
		retain = 0 // the services' "forever"
	}
	auth := newAuthCache(store.IAM(), cfg.Now)
	iamSvc := iam.New(iam.Options{Store: auth, Accounts: store.Accounts(), Now: cfg.Now})
	stsSvc := sts.New(sts.Options{})
	kek := cfg.KeyEncryptionKey
	if kek == nil {
		if kek, err = trailkeys.LoadKEK(cfg.DataDir, ""); err != nil {
			store.Close()
			return nil, err
		}
	}
	keys, err := trailkeys.New(trailkeys.Options{Store: store.TrailKeys(), KEK: kek, Rotation: cfg.KeyRotation})
	if err != nil {
		store.Close()
		return nil, err
	}
	s.TrailKeys = keys
	ctSvc := cloudtrail.New(cloudtrail.Options{Events: store.Events(), Trails: store.Trails(), Channels: store.Channels(), Logs: store.Logs(), Buckets: router,
		Now: cfg.Now, Retention: retain, PublicKeys: keys.PublicKeys})
	logsSvc := logs.New(logs.Options{Logs: store.Logs(), Now: cfg.Now})
	ctDataSvc := cloudtraildata.New(cloudtraildata.Options{Channels: store.Channels(), Events: store.Events(), Now: cfg.Now})
	s3Svc := s3api.New(s3api.Options{Store: router.Only(local)})

	snsKey, snsCert, err := loadSNSKey(cfg.DataDir)
	if err != nil {
		store.Close()
		return nil, err
	}
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://127.0.0.1:4566"
	}
	s.snsWorker = snsdelivery.New(snsdelivery.Options{Store: store.SNS(), Leases: store.Leases(), Holder: cfg.NodeID,
		Interval: cfg.SNSPollInterval, SMTP: cfg.SMTP, Now: cfg.Now, Logger: cfg.Logger,
		Attempted: func(a snsdelivery.Attempt) { s.metrics.snsAttempt(s.vended, a) }})
	snsSvc := sns.New(sns.Options{Store: store.SNS(), Signer: snsKey, PublicURL: publicURL, CertPath: SNSCertPath,
		Wake: s.snsWorker.Wake, Now: cfg.Now,
		Published: func(topicARN string, size int) {
			s.metrics.snsPublished.Inc()
			s.vended.MessagePublished(topicARN, size)
		}})
	cwSvc := cloudwatch.New(cloudwatch.Options{Metrics: store.Metrics(), Alarms: store.Alarms(), Now: cfg.Now,
		Publish: func(ctx context.Context, account, topicARN, subject, message string) error {
			// An alarm publishes on behalf of its account, in the topic's
			// region, like trail delivery's Notify below.
			a, err := trailwatch.ParseARN(topicARN)
			if err != nil {
				return err
			}
			ctx = trailwatch.NewContextWithCaller(ctx, &trailwatch.Caller{AccountID: account, Type: trailwatch.PrincipalRoot,
				PrincipalID: account, ARN: trailwatch.RootARN(account), Region: a.Region})
			_, err = snsSvc.Publish(ctx, &sns.PublishInput{TopicArn: topicARN, Subject: &subject, Message: message})
			return err
		}})
	s.alarms = alarms.New(alarms.Options{Evaluator: countingEvaluator{cwSvc, s.metrics}, Alarms: store.Alarms(), Leases: store.Leases(), Holder: cfg.NodeID,
		Interval: max(cfg.AlarmInterval, 0), Now: cfg.Now, Logger: cfg.Logger})

	s.recorder = frontdoor.NewRecorder(store.Events().PutEvents, 512, frontdoor.Linger)
	s.handler = frontdoor.New(frontdoor.Options{
		Services: []*awsapi.Service{iamSvc.API(), stsSvc.API(), ctSvc.API(), ctDataSvc.API(), logsSvc.API(), cwSvc.API(), s3Svc.API(), snsSvc.API()},
		Keys: func(ctx context.Context, id string) (trailwatch.AccessKey, error) {
			k, err := auth.GetAccessKey(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				return k, frontdoor.ErrUnknownKey
			}
			return k, err
		},
		Users:        auth.GetUser,
		Policies:     iamSvc.PoliciesFor,
		Record:       s.recorder.Record,
		SelectData:   newDataTrails(store.Trails(), cfg.Now).Select,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Registerer:   s.metrics.reg,
		Now:          cfg.Now,
		Logger:       cfg.Logger,
	})
	s.handler = &snsLinks{svc: snsSvc, cert: snsCert, next: s.handler}
	s.handler = newMetricsEndpoint(s.metrics.reg, s.handler)

	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if cfg.NoWorkers {
		s.vendedCancel = func() {}
		close(s.vendedDone)
		return s, nil
	}
	vctx, vcancel := context.WithCancel(context.Background())
	s.vendedCancel = vcancel
	go func() {
		defer close(s.vendedDone)
		_ = s.vended.Run(vctx) // flushes once more when stopped
	}()
	ret := retention.New(retention.Options{
		Events: store.Events(), Leases: store.Leases(), Holder: cfg.NodeID,
		Retention: retain, Interval: cfg.RetentionInterval, Now: cfg.Now, Logger: cfg.Logger,
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := ret.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("retention worker stopped", "err", err)
		}
	}()
	logRet := logretention.New(logretention.Options{
		Logs: store.Logs(), Leases: store.Leases(), Holder: cfg.NodeID,
		Interval: cfg.LogMaintenanceInterval, Now: cfg.Now, Logger: cfg.Logger,
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := logRet.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("log retention worker stopped", "err", err)
		}
	}()
	if cfg.AlarmInterval >= 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.alarms.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				cfg.Logger.Error("alarm evaluation worker stopped", "err", err)
			}
		}()
	}
	metricRet := metricretention.New(metricretention.Options{
		Metrics: store.Metrics(), Leases: store.Leases(), Holder: cfg.NodeID,
		Interval: cfg.MetricRetentionInterval, Now: cfg.Now, Logger: cfg.Logger,
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := metricRet.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("metric retention worker stopped", "err", err)
		}
	}()
	deliver := delivery.New(delivery.Options{
		Store: store, Buckets: s.archive, Keys: s.TrailKeys, Holder: cfg.NodeID,
		Interval: cfg.DeliveryInterval, DigestInterval: cfg.DigestInterval, Now: cfg.Now, Logger: cfg.Logger,
		Delivered: func(target string, records int, lag time.Duration) {
			s.metrics.trailRecords.WithLabelValues(target).Add(float64(records))
			s.metrics.trailLag.WithLabelValues(target).Observe(lag.Seconds())
		},
		Failed: func(target string) { s.metrics.trailErrors.WithLabelValues(target).Inc() },
		Notify: func(ctx context.Context, account, topicARN, message string) error {
			// CloudTrail publishes as the service, in the topic's region.
			a, err := trailwatch.ParseARN(topicARN)
			if err != nil {
				return err
			}
			ctx = trailwatch.NewContextWithCaller(ctx, &trailwatch.Caller{AccountID: account, Type: trailwatch.PrincipalRoot,
				PrincipalID: account, ARN: trailwatch.RootARN(account), Region: a.Region})
			_, err = snsSvc.Publish(ctx, &sns.PublishInput{TopicArn: topicARN, Message: message})
			return err
		},
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := deliver.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("trail delivery worker stopped", "err", err)
		}
	}()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.snsWorker.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("sns delivery worker stopped", "err", err)
		}
	}()
	return s, nil
}

// EvaluateAlarms makes one alarm evaluation pass now, as the worker does
// every minute; tests use it rather than wait.
func (s *Server) EvaluateAlarms(ctx context.Context) (alarms.Pass, error) {
	return s.alarms.RunOnce(ctx)
}

// FlushVendedMetrics writes the AWS/Logs and AWS/SNS metrics counted so
// far to the metric store now, as the publisher does every
// VendedMetricsInterval; tests use it rather than wait.
func (s *Server) FlushVendedMetrics(ctx context.Context) error { return s.vended.Flush(ctx) }

// SNSCounts returns a topic's delivery outcomes since the server started
// (NumberOfNotificationsDelivered and NumberOfNotificationsFailed).
func (s *Server) SNSCounts(topicARN string) snsdelivery.Counts { return s.snsWorker.Counts(topicARN) }

// openArchive opens the local archive and routes buckets to it or to the
// external stores the configuration names.
func openArchive(cfg Config) (*archive.Router, *dir.Store, error) {
	root := cfg.ArchiveDir
	if root == "" {
		root = filepath.Join(cfg.DataDir, "archive")
	}
	local, err := dir.Open(root)
	if err != nil {
		return nil, nil, fmt.Errorf("open archive: %w", err)
	}
	external := func(c S3Config) (archive.Store, error) {
		if c.Endpoint == LocalEndpoint {
			return local, nil
		}
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("S3 endpoint %q: want an http:// or https:// URL", c.Endpoint)
		}
		return s3.New(s3.Options{Endpoint: c.Endpoint, Region: c.Region, PathStyle: c.PathStyle,
			AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}), nil
	}
	r := &archive.Router{Default: local, Buckets: map[string]archive.Store{}}
	if cfg.S3.Endpoint != "" {
		if r.Default, err = external(cfg.S3); err != nil {
			return nil, nil, err
		}
	}
	for name, c := range cfg.S3Buckets {
		if err := archive.CheckBucketName(name); err != nil {
			return nil, nil, err
		}
		if r.Buckets[name], err = external(c); err != nil {
			return nil, nil, fmt.Errorf("bucket %s: %w", name, err)
		}
	}
	return r, local, nil
}

func openStore(ctx context.Context, cfg Config) (storage.Store, error) {
	switch {
	case cfg.Backend == "" || cfg.Backend == "sqlite":
		db, err := sqlite.Open(filepath.Join(cfg.DataDir, "trailwatch.db"))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		return db, nil
	case strings.HasPrefix(cfg.Backend, "postgres://"), strings.HasPrefix(cfg.Backend, "postgresql://"):
		db, err := postgres.Open(ctx, cfg.Backend)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return db, nil
	}
	return nil, fmt.Errorf("unknown backend %q: want sqlite or a postgres:// URL", cfg.Backend)
}

// Vacuum rewrites cfg's SQLite database so that the space log
// maintenance frees goes back to the file system (sqlite.DB.Vacuum), for
// `trailwatch admin vacuum` with the server stopped. It opens the file
// alone, not a whole server. Other backends are refused.
func Vacuum(ctx context.Context, cfg Config) error {
	if cfg.Backend != "" && cfg.Backend != "sqlite" {
		return fmt.Errorf("vacuum: only for SQLite; on PostgreSQL, (auto)vacuum makes freed space reusable and VACUUM FULL returns it")
	}
	db, err := sqlite.Open(filepath.Join(cfg.DataDir, "trailwatch.db"))
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	defer db.Close()
	return db.Vacuum(ctx)
}

// Handler is the front door, ready to serve.
func (s *Server) Handler() http.Handler { return s.handler }

// Archive is where trails deliver: every bucket, local or external. The
// delivery worker writes through it.
func (s *Server) Archive() archive.Store { return s.archive }

// LocalArchive is the local archive directory store.
func (s *Server) LocalArchive() *dir.Store { return s.local }

// Root returns the default account's root credentials.
func (s *Server) Root() Credentials { return s.root }

// Store exposes the backend to admin commands and tests.
func (s *Server) Store() storage.Store { return s.store }

// Close stops the workers, waits for every queued event to be committed,
// and closes the backend. Stop serving HTTP first (http.Server.Shutdown) so
// no request is still recording.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	s.vendedCancel()
	<-s.vendedDone
	s.recorder.Close()
	return s.store.Close()
}
