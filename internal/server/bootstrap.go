package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/iam"
	"github.com/trailwatch/trailwatch/storage"
)

// maxRootKeys is IAM's limit of access keys per principal, root included.
const maxRootKeys = 2

// bootstrap makes sure the default account and its root credentials exist.
// On the very first start (no accounts) it creates the account, with
// configured or generated credentials; generated ones are written to a 0600
// file in the data directory and never logged. Configured credentials that
// are not stored yet are added to the default account on any start.
func (s *Server) bootstrap(ctx context.Context) error {
	cfg := s.cfg
	accounts, err := s.store.Accounts().ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	var def trailwatch.Account
	if len(accounts) == 0 {
		id := cfg.RootAccountID
		if id == "" {
			id = randomAccountID()
		}
		if !trailwatch.ValidAccountID(id) {
			return fmt.Errorf("root account id %q is not 12 digits", id)
		}
		def = trailwatch.Account{ID: id, Name: "default", CreatedAt: cfg.Now().UTC()}
		err := s.store.Accounts().CreateAccount(ctx, def)
		if err != nil && !errors.Is(err, storage.ErrExists) {
			return fmt.Errorf("create default account: %w", err)
		}
	} else {
		def = accounts[0]
		if cfg.RootAccountID != "" {
			def, err = s.store.Accounts().GetAccount(ctx, cfg.RootAccountID)
			if err != nil {
				return fmt.Errorf("root account %s: %w", cfg.RootAccountID, err)
			}
		}
	}

	if cfg.RootAccessKeyID != "" || cfg.RootSecretAccessKey != "" {
		if cfg.RootAccessKeyID == "" || cfg.RootSecretAccessKey == "" {
			return errors.New("root access key id and secret access key must be set together")
		}
		creds := Credentials{AccountID: def.ID, AccessKeyID: cfg.RootAccessKeyID, SecretAccessKey: cfg.RootSecretAccessKey}
		k, err := s.store.IAM().GetAccessKey(ctx, creds.AccessKeyID)
		switch {
		case err == nil:
			if k.UserName != "" || k.SecretAccessKey != creds.SecretAccessKey {
				return fmt.Errorf("access key %s already exists with another owner or secret", creds.AccessKeyID)
			}
			creds.AccountID = k.AccountID
		case errors.Is(err, storage.ErrNotFound):
			if err := s.addRootKey(ctx, creds); err != nil {
				return err
			}
		default:
			return fmt.Errorf("look up root key: %w", err)
		}
		s.root = creds
		return nil
	}

	// No configured credentials: reuse the root key generated earlier, or
	// generate one now.
	path := filepath.Join(cfg.DataDir, CredentialsFile)
	keys, err := s.store.IAM().ListAccessKeys(ctx, def.ID, "")
	if err != nil {
		return fmt.Errorf("list root keys: %w", err)
	}
	if len(keys) > 0 {
		s.root = Credentials{AccountID: def.ID, AccessKeyID: keys[0].AccessKeyID, SecretAccessKey: keys[0].SecretAccessKey}
		if _, err := os.Stat(path); err == nil {
			s.CredentialsPath = path
		}
		return nil
	}
	creds := NewCredentials(def.ID)
	if err := writeCredentialsFile(path, creds); err != nil {
		return err
	}
	if err := s.addRootKey(ctx, creds); err != nil {
		return err
	}
	s.root = creds
	s.CredentialsPath = path
	return nil
}

func (s *Server) addRootKey(ctx context.Context, c Credentials) error {
	err := s.store.IAM().CreateAccessKey(ctx, trailwatch.AccessKey{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, AccountID: c.AccountID,
		Status: trailwatch.KeyActive, CreatedAt: s.cfg.Now().UTC(),
	}, maxRootKeys)
	if err != nil {
		return fmt.Errorf("store root key: %w", err)
	}
	return nil
}

// CreateAccount creates a further account with fresh root credentials.
func (s *Server) CreateAccount(ctx context.Context, name string) (Credentials, error) {
	var acct trailwatch.Account
	for {
		acct = trailwatch.Account{ID: randomAccountID(), Name: name, CreatedAt: s.cfg.Now().UTC()}
		err := s.store.Accounts().CreateAccount(ctx, acct)
		if err == nil {
			break
		}
		if !errors.Is(err, storage.ErrExists) {
			return Credentials{}, fmt.Errorf("create account: %w", err)
		}
	}
	creds := NewCredentials(acct.ID)
	return creds, s.addRootKey(ctx, creds)
}

// writeCredentialsFile writes an AWS shared-credentials file readable only
// by its owner, durably, before the key it names is usable.
func writeCredentialsFile(path string, c Credentials) error {
	body := fmt.Sprintf("# trailwatch root credentials for account %s\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		c.AccountID, c.AccessKeyID, c.SecretAccessKey)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write credentials file: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("write credentials file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync credentials file: %w", err)
	}
	return f.Close()
}

// NewCredentials generates root credentials for account, in the forms IAM
// issues keys.
func NewCredentials(account string) Credentials {
	return Credentials{AccountID: account, AccessKeyID: iam.NewAccessKeyID(), SecretAccessKey: iam.NewSecretAccessKey()}
}

// randomAccountID returns a 12-digit account id that does not start with 0.
func randomAccountID() string {
	// crypto/rand cannot fail since Go 1.24.
	v, _ := rand.Int(rand.Reader, big.NewInt(9e11))
	return strconv.FormatInt(v.Int64()+1e11, 10)
}
