// Command trailwatch is the AWS audit stack in one binary:
//
//	trailwatch server   serve every service on one port
//	trailwatch admin    manage accounts
//	trailwatch load     drive a server with a generated log workload
//	trailwatch validate check a trail's archive offline, as validate-logs does
//	trailwatch agent    tail database audit logs and ship them to CloudWatch Logs
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: trailwatch <command> [flags]

commands:
  server   run the server (all services on one port)
  admin    manage accounts (create-account, list-accounts)
  load     ingest a generated log corpus and time FilterLogEvents
  validate check a trail's digest and log files offline (like aws cloudtrail validate-logs)
  agent    tail database audit logs and ship them with PutLogEvents (--config FILE)

Run "trailwatch <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(ctx, os.Args[2:])
	case "admin":
		err = runAdmin(ctx, os.Args[2:])
	case "agent":
		err = runAgent(ctx, os.Args[2:])
	case "load":
		err = runLoad(ctx, os.Args[2:])
	case "validate":
		err = runValidate(ctx, os.Args[2:], os.Stdout, os.Stderr)
		if errors.Is(err, errValidationFailed) {
			// The output has said what failed.
			os.Exit(1)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "trailwatch: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "trailwatch:", err)
		os.Exit(1)
	}
}

// envOr returns the environment variable's value, or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
