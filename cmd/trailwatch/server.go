package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/trailwatch/trailwatch/trailkeys"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/worker/alarms"
	"github.com/trailwatch/trailwatch/worker/delivery"
	"github.com/trailwatch/trailwatch/worker/snsdelivery"
)

// serverFlags are the flags shared by server and admin: where the data is.
type storeFlags struct {
	dataDir, backend string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("TRAILWATCH_DATA_DIR", "trailwatch-data"), "data directory (SQLite database, generated credentials) [TRAILWATCH_DATA_DIR]")
	fs.StringVar(&f.backend, "backend", envOr("TRAILWATCH_BACKEND", "sqlite"), "storage backend: sqlite, or a postgres:// URL [TRAILWATCH_BACKEND]")
}

func runServer(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trailwatch server", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	listen := fs.String("listen", envOr("TRAILWATCH_LISTEN", "127.0.0.1:4566"), "address to listen on [TRAILWATCH_LISTEN]")
	tlsCert := fs.String("tls-cert", envOr("TRAILWATCH_TLS_CERT", ""), "TLS certificate file (PEM); serve HTTPS when set with --tls-key [TRAILWATCH_TLS_CERT]")
	tlsKey := fs.String("tls-key", envOr("TRAILWATCH_TLS_KEY", ""), "TLS private key file (PEM) [TRAILWATCH_TLS_KEY]")
	retention := fs.String("history-retention", envOr("TRAILWATCH_HISTORY_RETENTION", "2160h"), "how long event history is kept (Go duration, e.g. 2160h = 90 days); 0 keeps it forever [TRAILWATCH_HISTORY_RETENTION]")
	deliveryEvery := fs.String("delivery-interval", envOr("TRAILWATCH_DELIVERY_INTERVAL", delivery.DefaultInterval.String()), "how often trails deliver log files (Go duration) [TRAILWATCH_DELIVERY_INTERVAL]")
	digestEvery := fs.String("digest-interval", envOr("TRAILWATCH_DIGEST_INTERVAL", delivery.DefaultDigestInterval.String()), "the period each digest file covers, with log file validation on (Go duration) [TRAILWATCH_DIGEST_INTERVAL]")
	alarmEvery := fs.String("alarm-interval", envOr("TRAILWATCH_ALARM_INTERVAL", alarms.DefaultInterval.String()), "how often CloudWatch alarms are evaluated (Go duration) [TRAILWATCH_ALARM_INTERVAL]")
	logEvery := fs.String("log-maintenance-interval", envOr("TRAILWATCH_LOG_MAINTENANCE_INTERVAL", "1m"), "how often expired log events are deleted and log chunks compacted (Go duration) [TRAILWATCH_LOG_MAINTENANCE_INTERVAL]")
	publicURL := fs.String("public-url", envOr("TRAILWATCH_PUBLIC_URL", ""), "base URL SNS endpoints reach this server at (SubscribeURL, UnsubscribeURL, SigningCertURL); default the listen address [TRAILWATCH_PUBLIC_URL]")
	smtpAddr := fs.String("smtp-addr", envOr("TRAILWATCH_SMTP_ADDR", ""), "SMTP relay (host:port) SNS email subscriptions are delivered through [TRAILWATCH_SMTP_ADDR]")
	smtpFrom := fs.String("smtp-from", envOr("TRAILWATCH_SMTP_FROM", "no-reply@sns.trailwatch.local"), "sender address of SNS email [TRAILWATCH_SMTP_FROM]")
	smtpUser := fs.String("smtp-username", envOr("TRAILWATCH_SMTP_USERNAME", ""), "SMTP PLAIN auth user name; the password is read from TRAILWATCH_SMTP_PASSWORD [TRAILWATCH_SMTP_USERNAME]")
	var af archiveFlags
	af.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key must be given together")
	}
	keep, err := time.ParseDuration(*retention)
	if err != nil {
		return fmt.Errorf("--history-retention: %w", err)
	}
	if keep == 0 {
		keep = -1 // forever
	}
	var every [4]time.Duration
	for i, f := range []struct{ name, v string }{{"--delivery-interval", *deliveryEvery}, {"--digest-interval", *digestEvery},
		{"--alarm-interval", *alarmEvery}, {"--log-maintenance-interval", *logEvery}} {
		if every[i], err = time.ParseDuration(f.v); err != nil || every[i] <= 0 {
			return fmt.Errorf("%s: want a positive Go duration, got %q", f.name, f.v)
		}
	}

	var kek []byte
	if v := os.Getenv("TRAILWATCH_KEY_ENCRYPTION_KEY"); v != "" {
		if kek, err = trailkeys.LoadKEK("", v); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := server.Config{
		KeyEncryptionKey:       kek,
		DataDir:                sf.dataDir,
		Backend:                sf.backend,
		HistoryRetention:       keep,
		DeliveryInterval:       every[0],
		DigestInterval:         every[1],
		AlarmInterval:          every[2],
		LogMaintenanceInterval: every[3],
		RootAccountID:          os.Getenv("TRAILWATCH_ROOT_ACCOUNT_ID"),
		RootAccessKeyID:        os.Getenv("TRAILWATCH_ROOT_ACCESS_KEY_ID"),
		RootSecretAccessKey:    os.Getenv("TRAILWATCH_ROOT_SECRET_ACCESS_KEY"),
		Logger:                 logger,
		PublicURL:              *publicURL,
	}
	cfg.SMTP = snsdelivery.SMTP{Addr: *smtpAddr, From: *smtpFrom, Username: *smtpUser, Password: os.Getenv("TRAILWATCH_SMTP_PASSWORD")}
	if err := af.config(&cfg); err != nil {
		return err
	}
	// Listen first: SNS messages point back at the listener's address
	// unless --public-url says otherwise.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	endpoint := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	if cfg.PublicURL == "" {
		cfg.PublicURL = endpoint
	}
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Printf("trailwatch listening on %s (account %s)\n", endpoint, srv.Root().AccountID)
	if srv.CredentialsPath != "" {
		path := srv.CredentialsPath
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		fmt.Printf("root credentials: %s\n  export AWS_SHARED_CREDENTIALS_FILE=%s AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n  aws --endpoint-url %s sts get-caller-identity\n", path, path, endpoint)
	} else {
		fmt.Printf("root credentials: from TRAILWATCH_ROOT_ACCESS_KEY_ID / TRAILWATCH_ROOT_SECRET_ACCESS_KEY\n")
	}

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = hs.Shutdown(sctx) // in-flight calls finish and record first
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	return err
}
