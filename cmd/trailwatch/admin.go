package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/trailwatch/trailwatch/internal/server"
)

const adminUsage = `usage: trailwatch admin <verb> [flags]

verbs:
  create-account [--name NAME]   create an account; prints its root credentials
  list-accounts                  list accounts
`

// runAdmin opens the same storage the server uses and changes it directly;
// it works whether or not a server is running (SQLite allows one writer at a
// time and waits for it).
func runAdmin(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, adminUsage)
		return fmt.Errorf("admin: missing verb")
	}
	verb := args[0]
	fs := flag.NewFlagSet("trailwatch admin "+verb, flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "account name (create-account)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	srv, err := server.Open(ctx, server.Config{DataDir: sf.dataDir, Backend: sf.backend, NoWorkers: true,
		RootAccessKeyID: os.Getenv("TRAILWATCH_ROOT_ACCESS_KEY_ID"), RootSecretAccessKey: os.Getenv("TRAILWATCH_ROOT_SECRET_ACCESS_KEY"),
		RootAccountID: os.Getenv("TRAILWATCH_ROOT_ACCOUNT_ID")})
	if err != nil {
		return err
	}
	defer srv.Close()
	switch verb {
	case "create-account":
		c, err := srv.CreateAccount(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Printf("# trailwatch root credentials for account %s\n[account-%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", c.AccountID, c.AccountID, c.AccessKeyID, c.SecretAccessKey)
	case "list-accounts":
		accts, err := srv.Store().Accounts().ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range accts {
			fmt.Printf("%s\t%s\t%s\n", a.ID, a.Name, a.CreatedAt.Format("2006-01-02T15:04:05Z"))
		}
	default:
		fmt.Fprint(os.Stderr, adminUsage)
		return fmt.Errorf("admin: unknown verb %q", verb)
	}
	return nil
}
