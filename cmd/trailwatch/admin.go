package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/internal/server"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/trailfile"
)

const adminUsage = `usage: trailwatch admin <verb> [flags]

verbs:
  create-account [--name NAME]   create an account; prints its root credentials
  list-accounts                  list accounts
  export-public-keys [--account-id ID] [--region R,...] [--output FILE]
                                 write the digest public keys, for
                                 "trailwatch validate --public-keys"; by
                                 default every account's keys in the home
                                 regions of its trails
  log-compaction-backlog         print how many log streams have chunks
                                 that compaction has yet to merge (0 once
                                 it has caught up)
  vacuum                         SQLite only, with the server stopped:
                                 rewrite the database so that the space
                                 log compaction and retention free goes
                                 back to the file system (databases made
                                 before trailwatch did so from the start)
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
	accountID := fs.String("account-id", "", "only this account (export-public-keys)")
	regions := fs.String("region", "", "comma-separated regions whose keys to export, besides the home regions of the account's trails (export-public-keys)")
	output := fs.String("output", "", "file to write (export-public-keys; default standard output)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if verb == "vacuum" {
		return server.Vacuum(ctx, server.Config{DataDir: sf.dataDir, Backend: sf.backend})
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
	case "export-public-keys":
		return exportPublicKeys(ctx, srv.Store(), *accountID, *regions, *output)
	case "log-compaction-backlog":
		n, err := srv.Store().Logs().LogCompactionBacklog(ctx)
		if err != nil {
			return err
		}
		fmt.Println(n)
	default:
		fmt.Fprint(os.Stderr, adminUsage)
		return fmt.Errorf("admin: unknown verb %q", verb)
	}
	return nil
}

// exportPublicKeys writes the public keys of the account (all accounts
// when ""), for the given regions and the home regions of its trails, as a
// trailfile.KeyFile. Keys are never deleted, so the file holds every key
// that ever signed there.
func exportPublicKeys(ctx context.Context, store storage.Store, account, regions, output string) error {
	var accounts []string
	if account != "" {
		accounts = []string{account}
	} else {
		all, err := store.Accounts().ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range all {
			accounts = append(accounts, a.ID)
		}
	}
	var extra []string
	for _, r := range strings.Split(regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			extra = append(extra, r)
		}
	}
	// The whole range ListTrailKeys can store (nanoseconds since 1970 in
	// an int64).
	from, until := time.Unix(0, 0), time.Unix(0, math.MaxInt64)
	var f trailfile.KeyFile
	for _, a := range accounts {
		trails, err := store.Trails().ListTrails(ctx, a)
		if err != nil {
			return err
		}
		rs := slices.Clone(extra)
		for _, t := range trails {
			rs = append(rs, t.HomeRegion)
		}
		slices.Sort(rs)
		for _, r := range slices.Compact(rs) {
			keys, err := store.TrailKeys().ListTrailKeys(ctx, a, r, from, until)
			if err != nil {
				return err
			}
			for _, k := range keys {
				f.PublicKeyList = append(f.PublicKeyList, trailfile.NewKeyFileEntry(a, r,
					trailfile.PublicKey{Fingerprint: k.Fingerprint, DER: k.PublicKey, ValidityStart: k.ValidFrom, ValidityEnd: k.ValidUntil}))
			}
		}
	}
	b, err := trailfile.MarshalKeyFile(&f)
	if err != nil {
		return err
	}
	if output == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(output, b, 0o644)
}
