package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

type iam struct{ db *DB }

// nameKey folds an IAM user name for comparison: IAM treats Bob and bob as
// the same user.
func nameKey(name string) string { return strings.ToLower(name) }

// ownerKey is the user_key column for a key or policy owner: NULL for the
// account's root, which has no user row.
func ownerKey(user string) any {
	if user == "" {
		return nil
	}
	return nameKey(user)
}

func (s iam) CreateUser(ctx context.Context, u trailwatch.User) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		err := insertNew(ctx, tx, `INSERT INTO iam_users (account_id, name_key, user_name, user_id, path, arn, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			u.AccountID, nameKey(u.UserName), u.UserName, u.UserID, u.Path, u.ARN, nanos(u.CreatedAt))
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.UserName, err)
		}
		return nil
	})
}

const userColumns = `account_id, user_name, user_id, path, arn, created_at`

func scanUser(r scanner) (trailwatch.User, error) {
	var u trailwatch.User
	var created sql.NullInt64
	if err := r.Scan(&u.AccountID, &u.UserName, &u.UserID, &u.Path, &u.ARN, &created); err != nil {
		return u, err
	}
	u.CreatedAt = fromNanos(created)
	return u, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// getUser finds a user case-insensitively; ErrNotFound.
func getUser(ctx context.Context, q querier, account, name string) (trailwatch.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM iam_users WHERE account_id = ? AND name_key = ?`,
		account, nameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	return u, err
}

func (s iam) GetUser(ctx context.Context, account, name string) (trailwatch.User, error) {
	u, err := getUser(ctx, s.db.r, account, name)
	if err != nil {
		return trailwatch.User{}, fmt.Errorf("get user %s: %w", name, err)
	}
	return u, nil
}

func (s iam) ListUsers(ctx context.Context, account, pathPrefix, after string, limit int) ([]trailwatch.User, error) {
	if limit <= 0 {
		return nil, nil
	}
	// substr counts characters, as length does, so this is a prefix test
	// that needs no LIKE escaping.
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM iam_users
		WHERE account_id = ? AND name_key > ? AND substr(path, 1, length(?)) = ?
		ORDER BY name_key LIMIT ?`,
		account, nameKey(after), pathPrefix, pathPrefix, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func (s iam) DeleteUser(ctx context.Context, account, name string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, tx, account, name); err != nil {
			return err
		}
		var refs int
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM iam_access_keys WHERE account_id = ?1 AND user_key = ?2) +
			(SELECT count(*) FROM iam_user_policies WHERE account_id = ?1 AND user_key = ?2)`,
			account, nameKey(name)).Scan(&refs)
		if err != nil {
			return err
		}
		if refs > 0 {
			return storage.ErrConflict
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM iam_users WHERE account_id = ? AND name_key = ?`, account, nameKey(name))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	return nil
}

func (s iam) CreateAccessKey(ctx context.Context, k trailwatch.AccessKey, maxPerOwner int) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if k.UserName != "" {
			u, err := getUser(ctx, tx, k.AccountID, k.UserName)
			if err != nil {
				return err
			}
			// Keep the name as the user was created, whatever case the
			// caller used.
			k.UserName = u.UserName
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM iam_access_keys WHERE account_id = ? AND user_key IS ?`,
			k.AccountID, ownerKey(k.UserName)).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerOwner {
			return storage.ErrLimitExceeded
		}
		return insertNew(ctx, tx, `INSERT INTO iam_access_keys (id, secret, account_id, user_key, user_name, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			k.AccessKeyID, k.SecretAccessKey, k.AccountID, ownerKey(k.UserName), k.UserName, k.Status, nanos(k.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("create access key %s: %w", k.AccessKeyID, err)
	}
	return nil
}

const keyColumns = `id, secret, account_id, user_name, status, created_at`

func scanKey(r scanner) (trailwatch.AccessKey, error) {
	var k trailwatch.AccessKey
	var created sql.NullInt64
	if err := r.Scan(&k.AccessKeyID, &k.SecretAccessKey, &k.AccountID, &k.UserName, &k.Status, &created); err != nil {
		return k, err
	}
	k.CreatedAt = fromNanos(created)
	return k, nil
}

func (s iam) GetAccessKey(ctx context.Context, id string) (trailwatch.AccessKey, error) {
	k, err := scanKey(s.db.r.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM iam_access_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return trailwatch.AccessKey{}, fmt.Errorf("get access key %s: %w", id, err)
	}
	return k, nil
}

func (s iam) ListAccessKeys(ctx context.Context, account, user string) ([]trailwatch.AccessKey, error) {
	// rowid breaks ties between keys created in the same instant in
	// insertion order.
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM iam_access_keys
		WHERE account_id = ? AND user_key IS ? ORDER BY created_at, rowid`, account, ownerKey(user))
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	defer rows.Close()
	out, err := collectRows(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	return out, nil
}

func (s iam) UpdateAccessKey(ctx context.Context, account, user, id, status string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE iam_access_keys SET status = ? WHERE id = ? AND account_id = ? AND user_key IS ?`,
			status, id, account, ownerKey(user))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update access key %s: %w", id, err)
	}
	return nil
}

func (s iam) DeleteAccessKey(ctx context.Context, account, user, id string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM iam_access_keys WHERE id = ? AND account_id = ? AND user_key IS ?`,
			id, account, ownerKey(user))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete access key %s: %w", id, err)
	}
	return nil
}

func (s iam) PutUserPolicy(ctx context.Context, p trailwatch.UserPolicy) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, tx, p.AccountID, p.UserName); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO iam_user_policies (account_id, user_key, policy_name, document)
			VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET document = excluded.document`,
			p.AccountID, nameKey(p.UserName), p.PolicyName, p.Document)
		return err
	})
	if err != nil {
		return fmt.Errorf("put user policy %s: %w", p.PolicyName, err)
	}
	return nil
}

func (s iam) GetUserPolicy(ctx context.Context, account, user, name string) (trailwatch.UserPolicy, error) {
	p := trailwatch.UserPolicy{AccountID: account, PolicyName: name}
	err := s.db.r.QueryRowContext(ctx, `SELECT u.user_name, p.document FROM iam_user_policies p
		JOIN iam_users u ON u.account_id = p.account_id AND u.name_key = p.user_key
		WHERE p.account_id = ? AND p.user_key = ? AND p.policy_name = ?`,
		account, nameKey(user), name).Scan(&p.UserName, &p.Document)
	if errors.Is(err, sql.ErrNoRows) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return trailwatch.UserPolicy{}, fmt.Errorf("get user policy %s: %w", name, err)
	}
	return p, nil
}

func (s iam) ListUserPolicies(ctx context.Context, account, user string) ([]trailwatch.UserPolicy, error) {
	// One read transaction, so the user cannot vanish between the two
	// queries and turn "no policies" into a wrong answer.
	tx, err := s.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	defer tx.Rollback()
	u, err := getUser(ctx, tx, account, user)
	if err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT policy_name, document FROM iam_user_policies
		WHERE account_id = ? AND user_key = ? ORDER BY policy_name`, account, nameKey(user))
	if err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	defer rows.Close()
	var out []trailwatch.UserPolicy
	for rows.Next() {
		p := trailwatch.UserPolicy{AccountID: account, UserName: u.UserName}
		if err := rows.Scan(&p.PolicyName, &p.Document); err != nil {
			return nil, fmt.Errorf("list user policies: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	return out, nil
}

func (s iam) DeleteUserPolicy(ctx context.Context, account, user, name string) error {
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM iam_user_policies WHERE account_id = ? AND user_key = ? AND policy_name = ?`,
			account, nameKey(user), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete user policy %s: %w", name, err)
	}
	return nil
}
