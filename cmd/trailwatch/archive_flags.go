package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/trailwatch/trailwatch/internal/server"
)

// archiveFlags say where trails deliver: the local archive directory, an
// external S3-compatible store for every bucket, and per-bucket placements.
type archiveFlags struct {
	dir              string
	endpoint, region string
	pathStyle        bool
	keyID, secret    string
	buckets          bucketList
	envErr           error
}

// bucketList is the repeatable --s3-bucket NAME=ENDPOINT option.
type bucketList []string

func (b *bucketList) String() string     { return strings.Join(*b, ",") }
func (b *bucketList) Set(v string) error { *b = append(*b, v); return nil }

func (f *archiveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "archive-dir", envOr("TRAILWATCH_ARCHIVE_DIR", ""), "local trail archive, one directory per bucket; default DATA_DIR/archive [TRAILWATCH_ARCHIVE_DIR]")
	fs.StringVar(&f.endpoint, "s3-endpoint", envOr("TRAILWATCH_S3_ENDPOINT", ""), "external S3-compatible endpoint URL every bucket lives in; default: the local archive [TRAILWATCH_S3_ENDPOINT]")
	fs.StringVar(&f.region, "s3-region", envOr("TRAILWATCH_S3_REGION", "us-east-1"), "region S3 requests are signed for [TRAILWATCH_S3_REGION]")
	ps := envOr("TRAILWATCH_S3_PATH_STYLE", "false")
	def, err := strconv.ParseBool(ps)
	if err != nil {
		f.envErr = fmt.Errorf("TRAILWATCH_S3_PATH_STYLE=%q: want true or false", ps)
	}
	fs.BoolVar(&f.pathStyle, "s3-path-style", def, "address buckets as ENDPOINT/BUCKET instead of BUCKET.HOST [TRAILWATCH_S3_PATH_STYLE]")
	fs.StringVar(&f.keyID, "s3-access-key-id", envOr("TRAILWATCH_S3_ACCESS_KEY_ID", ""), "access key id for the S3 endpoints [TRAILWATCH_S3_ACCESS_KEY_ID]")
	fs.StringVar(&f.secret, "s3-secret-access-key", envOr("TRAILWATCH_S3_SECRET_ACCESS_KEY", ""), "secret access key for the S3 endpoints; prefer the environment variable, which ps does not show [TRAILWATCH_S3_SECRET_ACCESS_KEY]")
	if env := os.Getenv("TRAILWATCH_S3_BUCKETS"); env != "" {
		f.buckets = strings.Fields(strings.ReplaceAll(env, ",", " "))
	}
	fs.Var(&f.buckets, "s3-bucket", "place one bucket: NAME=URL (an external endpoint; append ?region=R&path-style=true|false to override those) or NAME=local (the local archive); repeatable [TRAILWATCH_S3_BUCKETS, comma-separated]")
}

// config turns the flags into the server's archive configuration.
func (f *archiveFlags) config(cfg *server.Config) error {
	if f.envErr != nil {
		return f.envErr
	}
	base := server.S3Config{Region: f.region, PathStyle: f.pathStyle, AccessKeyID: f.keyID, SecretAccessKey: f.secret}
	if (f.keyID == "") != (f.secret == "") {
		return errors.New("--s3-access-key-id and --s3-secret-access-key must be given together")
	}
	cfg.ArchiveDir = f.dir
	if f.endpoint != "" {
		cfg.S3 = base
		cfg.S3.Endpoint = f.endpoint
	}
	for _, spec := range f.buckets {
		name, target, ok := strings.Cut(spec, "=")
		if !ok || name == "" || target == "" {
			return fmt.Errorf("--s3-bucket %q: want NAME=URL or NAME=local", spec)
		}
		c, err := bucketTarget(base, target)
		if err != nil {
			return fmt.Errorf("--s3-bucket %s: %w", name, err)
		}
		if cfg.S3Buckets == nil {
			cfg.S3Buckets = map[string]server.S3Config{}
		}
		if _, dup := cfg.S3Buckets[name]; dup {
			return fmt.Errorf("--s3-bucket %s is given twice", name)
		}
		cfg.S3Buckets[name] = c
	}
	return nil
}

// bucketTarget reads URL[?region=R&path-style=B] or "local" on top of the
// shared settings.
func bucketTarget(base server.S3Config, target string) (server.S3Config, error) {
	if target == server.LocalEndpoint {
		return server.S3Config{Endpoint: server.LocalEndpoint}, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return base, err
	}
	q := u.Query()
	for k := range q {
		if k != "region" && k != "path-style" {
			return base, fmt.Errorf("unknown option %q: want region or path-style", k)
		}
	}
	if r := q.Get("region"); r != "" {
		base.Region = r
	}
	if ps := q.Get("path-style"); ps != "" {
		if base.PathStyle, err = strconv.ParseBool(ps); err != nil {
			return base, fmt.Errorf("path-style=%q: want true or false", ps)
		}
	}
	u.RawQuery = ""
	base.Endpoint = u.String()
	return base, nil
}
