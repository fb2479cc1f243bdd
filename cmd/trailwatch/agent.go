package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/agent"
)

// runAgent is `trailwatch agent`: tail database audit logs, receive
// syslog, ship both with PutLogEvents and send host metrics with
// PutMetricData (docs/agent.md).
func runAgent(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("agent", flag.ExitOnError)
	cfgPath := fs.String("config", "", "agent configuration file (JSON; see docs/agent.md)")
	dryRun := fs.Bool("dry-run", false, "print the parsed events of every source as JSON lines and exit, shipping nothing")
	fs.Parse(args)
	if *cfgPath == "" {
		return fmt.Errorf("agent: --config is required")
	}
	cfg, err := agent.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *dryRun {
		st, err := agent.DryRun(cfg, os.Stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "records %d, unparsed %d, filtered out %d\n", st.Records.Load(), st.Unparsed.Load(), st.Filtered.Load())
		return nil
	}
	// The standard credential chain and endpoint configuration, so the
	// same agent ships to CloudWatch Logs itself when no endpoint is set.
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return err
	}
	client := cwl.NewFromConfig(awsCfg, func(o *cwl.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	// Host metrics go to the same endpoint: trailwatch serves CloudWatch
	// and CloudWatch Logs on one port.
	var metrics *cloudwatch.Client
	if cfg.Metrics != nil {
		metrics = cloudwatch.NewFromConfig(awsCfg, func(o *cloudwatch.Options) {
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
		})
	}
	logger := log.New(os.Stderr, "trailwatch agent: ", log.LstdFlags)
	a, err := agent.New(cfg, client, metrics, logger)
	if err != nil {
		return err
	}
	err = a.Run(ctx)
	logger.Printf("records %d, unparsed %d, filtered out %d, shipped %d, rejected %d; syslog messages %d (plain %d, dropped %d); metric data sent %d",
		a.Stats.Records.Load(), a.Stats.Unparsed.Load(), a.Stats.Filtered.Load(), a.Stats.Shipped.Load(), a.Stats.Rejected.Load(),
		a.Stats.Syslog.Load(), a.Stats.SyslogPlain.Load(), a.Stats.SyslogDropped.Load(), a.Stats.MetricsSent.Load())
	return err
}
