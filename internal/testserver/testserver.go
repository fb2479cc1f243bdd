// Package testserver runs a whole trailwatch server in-process on a
// loopback port for tests, and hands out aws-sdk-go-v2 configurations that
// talk to it, so tests exercise the server exactly as real clients do.
package testserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/trailwatch/trailwatch/internal/server"
)

// Region is the region test clients sign for.
const Region = "us-east-1"

// Server is a running in-process server.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL string
	// Root is the default account's root credentials.
	Root server.Credentials
	// DataDir is the server's data directory.
	DataDir string

	srv *server.Server
	hs  *httptest.Server
}

// Option adjusts the server configuration before it starts.
type Option func(*server.Config)

// WithBackend selects a backend ("" = SQLite in the data directory).
func WithBackend(url string) Option { return func(c *server.Config) { c.Backend = url } }

// WithConfig lets a test change anything else.
func WithConfig(f func(*server.Config)) Option { return Option(f) }

// Start starts a server on 127.0.0.1:0 with SQLite in a temporary directory
// and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	// The listener exists before the server, so SNS messages can point
	// back at it (Config.PublicURL).
	var handler http.Handler
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	cfg := server.Config{DataDir: t.TempDir(), PublicURL: "http://" + hs.Listener.Addr().String()}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.Open(context.Background(), cfg)
	if err != nil {
		hs.Close()
		t.Fatalf("start trailwatch: %v", err)
	}
	handler = srv.Handler()
	hs.Start()
	s := &Server{URL: hs.URL, Root: srv.Root(), DataDir: cfg.DataDir, srv: srv, hs: hs}
	t.Cleanup(s.Stop)
	return s
}

// Stop stops serving and closes the server; it is safe to call twice.
func (s *Server) Stop() {
	if s.hs == nil {
		return
	}
	s.hs.Close()
	s.srv.Close()
	s.hs = nil
}

// Server exposes the assembled server (its store, CreateAccount).
func (s *Server) Server() *server.Server { return s.srv }

// Config returns an aws-sdk-go-v2 configuration for the given credentials,
// pointed at the server, with retries off so tests see every error.
func (s *Server) Config(accessKeyID, secret string) aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider(accessKeyID, secret, ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

// RootConfig is Config for the default account's root.
func (s *Server) RootConfig() aws.Config { return s.Config(s.Root.AccessKeyID, s.Root.SecretAccessKey) }

// NewAccount creates a further account and returns its root credentials.
func (s *Server) NewAccount(t testing.TB) server.Credentials {
	t.Helper()
	c, err := s.srv.CreateAccount(context.Background(), "test")
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return c
}
