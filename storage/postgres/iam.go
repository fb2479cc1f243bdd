package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

type iam struct{ db *DB }

// nameKey folds an IAM user name for comparison: IAM treats Bob and bob as
// the same user. It is folded here, not with SQL lower(), so both backends
// fold identically whatever the database's locale.
func nameKey(name string) string { return strings.ToLower(name) }

// ownerKey is the user_key column for a key or policy owner: NULL for the
// account's root, which has no user row.
func ownerKey(user string) *string {
	if user == "" {
		return nil
	}
	k := nameKey(user)
	return &k
}

// lockOwner serialises, across every node, the transactions that change
// what one owner (a user, or an account's root) has: key creation (whose
// limit is a count that two inserts could both pass under read committed),
// policy changes and user deletion.
func lockOwner(ctx context.Context, tx pgx.Tx, account, user string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, account+"/"+nameKey(user))
	if err != nil {
		return fmt.Errorf("lock owner: %w", err)
	}
	return nil
}

func (s iam) CreateUser(ctx context.Context, u trailwatch.User) error {
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO iam_users (account_id, name_key, user_name, user_id, path, arn, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		u.AccountID, nameKey(u.UserName), u.UserName, u.UserID, u.Path, u.ARN, nanos(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.UserName, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create user %s: %w", u.UserName, storage.ErrExists)
	}
	return nil
}

const userColumns = `account_id, user_name, user_id, path, arn, created_at`

func scanUser(r pgx.Row) (trailwatch.User, error) {
	var u trailwatch.User
	var created *int64
	if err := r.Scan(&u.AccountID, &u.UserName, &u.UserID, &u.Path, &u.ARN, &created); err != nil {
		return u, err
	}
	u.CreatedAt = fromNanos(created)
	return u, nil
}

// querier is what the pool and a transaction have in common.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// getUser finds a user case-insensitively; ErrNotFound.
func getUser(ctx context.Context, q querier, account, name string) (trailwatch.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM iam_users WHERE account_id = $1 AND name_key = $2`,
		account, nameKey(name)))
	return u, notFound(err)
}

func (s iam) GetUser(ctx context.Context, account, name string) (trailwatch.User, error) {
	u, err := getUser(ctx, s.db.pool, account, name)
	if err != nil {
		return trailwatch.User{}, fmt.Errorf("get user %s: %w", name, err)
	}
	return u, nil
}

func (s iam) ListUsers(ctx context.Context, account, pathPrefix, after string, limit int) ([]trailwatch.User, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+userColumns+` FROM iam_users
		WHERE account_id = $1 AND name_key > $2 AND starts_with(path, $3)
		ORDER BY name_key LIMIT $4`,
		account, nameKey(after), pathPrefix, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func (s iam) DeleteUser(ctx context.Context, account, name string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, account, name); err != nil {
			return err
		}
		if _, err := getUser(ctx, tx, account, name); err != nil {
			return err
		}
		var referenced bool
		err := tx.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM iam_access_keys WHERE account_id = $1 AND user_key = $2) OR
			EXISTS (SELECT 1 FROM iam_user_policies WHERE account_id = $1 AND user_key = $2)`,
			account, nameKey(name)).Scan(&referenced)
		if err != nil {
			return err
		}
		if referenced {
			return storage.ErrConflict
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_users WHERE account_id = $1 AND name_key = $2`, account, nameKey(name))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	return nil
}

func (s iam) CreateAccessKey(ctx context.Context, k trailwatch.AccessKey, maxPerOwner int) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, k.AccountID, k.UserName); err != nil {
			return err
		}
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
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM iam_access_keys WHERE account_id = $1 AND user_key IS NOT DISTINCT FROM $2`,
			k.AccountID, ownerKey(k.UserName)).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerOwner {
			return storage.ErrLimitExceeded
		}
		tag, err := tx.Exec(ctx, `INSERT INTO iam_access_keys (id, secret, account_id, user_key, user_name, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			k.AccessKeyID, k.SecretAccessKey, k.AccountID, ownerKey(k.UserName), k.UserName, k.Status, nanos(k.CreatedAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create access key %s: %w", k.AccessKeyID, err)
	}
	return nil
}

const keyColumns = `id, secret, account_id, user_name, status, created_at`

func scanKey(r pgx.Row) (trailwatch.AccessKey, error) {
	var k trailwatch.AccessKey
	var created *int64
	if err := r.Scan(&k.AccessKeyID, &k.SecretAccessKey, &k.AccountID, &k.UserName, &k.Status, &created); err != nil {
		return k, err
	}
	k.CreatedAt = fromNanos(created)
	return k, nil
}

func (s iam) GetAccessKey(ctx context.Context, id string) (trailwatch.AccessKey, error) {
	k, err := scanKey(s.db.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM iam_access_keys WHERE id = $1`, id))
	if err != nil {
		return trailwatch.AccessKey{}, fmt.Errorf("get access key %s: %w", id, notFound(err))
	}
	return k, nil
}

func (s iam) ListAccessKeys(ctx context.Context, account, user string) ([]trailwatch.AccessKey, error) {
	// seq breaks ties between keys created in the same instant in
	// insertion order.
	rows, err := s.db.pool.Query(ctx, `SELECT `+keyColumns+` FROM iam_access_keys
		WHERE account_id = $1 AND user_key IS NOT DISTINCT FROM $2 ORDER BY created_at, seq`, account, ownerKey(user))
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trailwatch.AccessKey, error) { return scanKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	return out, nil
}

func (s iam) UpdateAccessKey(ctx context.Context, account, user, id, status string) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE iam_access_keys SET status = $1
		WHERE id = $2 AND account_id = $3 AND user_key IS NOT DISTINCT FROM $4`,
		status, id, account, ownerKey(user))
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("update access key %s: %w", id, err)
	}
	return nil
}

func (s iam) DeleteAccessKey(ctx context.Context, account, user, id string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM iam_access_keys
		WHERE id = $1 AND account_id = $2 AND user_key IS NOT DISTINCT FROM $3`,
		id, account, ownerKey(user))
	if err == nil && tag.RowsAffected() == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete access key %s: %w", id, err)
	}
	return nil
}

func (s iam) PutUserPolicy(ctx context.Context, p trailwatch.UserPolicy) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, p.AccountID, p.UserName); err != nil {
			return err
		}
		if _, err := getUser(ctx, tx, p.AccountID, p.UserName); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO iam_user_policies (account_id, user_key, policy_name, document)
			VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, user_key, policy_name) DO UPDATE SET document = excluded.document`,
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
	err := s.db.pool.QueryRow(ctx, `SELECT u.user_name, p.document FROM iam_user_policies p
		JOIN iam_users u ON u.account_id = p.account_id AND u.name_key = p.user_key
		WHERE p.account_id = $1 AND p.user_key = $2 AND p.policy_name = $3`,
		account, nameKey(user), name).Scan(&p.UserName, &p.Document)
	if err != nil {
		return trailwatch.UserPolicy{}, fmt.Errorf("get user policy %s: %w", name, notFound(err))
	}
	return p, nil
}

func (s iam) ListUserPolicies(ctx context.Context, account, user string) ([]trailwatch.UserPolicy, error) {
	// The user row is joined in, so one statement (one snapshot) tells an
	// unknown user from a user without policies.
	rows, err := s.db.pool.Query(ctx, `SELECT u.user_name, p.policy_name, p.document FROM iam_users u
		LEFT JOIN iam_user_policies p ON p.account_id = u.account_id AND p.user_key = u.name_key
		WHERE u.account_id = $1 AND u.name_key = $2 ORDER BY p.policy_name`, account, nameKey(user))
	if err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	defer rows.Close()
	found := false
	var out []trailwatch.UserPolicy
	for rows.Next() {
		found = true
		var userName string
		var name, doc *string
		if err := rows.Scan(&userName, &name, &doc); err != nil {
			return nil, fmt.Errorf("list user policies: %w", err)
		}
		if name != nil {
			out = append(out, trailwatch.UserPolicy{AccountID: account, UserName: userName, PolicyName: *name, Document: *doc})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list user policies: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("list user policies: %w", storage.ErrNotFound)
	}
	return out, nil
}

func (s iam) DeleteUserPolicy(ctx context.Context, account, user, name string) error {
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, account, user); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM iam_user_policies WHERE account_id = $1 AND user_key = $2 AND policy_name = $3`,
			account, nameKey(user), name)
		if err == nil && tag.RowsAffected() == 0 {
			err = storage.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user policy %s: %w", name, err)
	}
	return nil
}
