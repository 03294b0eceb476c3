package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// LoginThrottle is one failed-login counter (see migration 00019): an
// account from one source, an account from every source (Source ""), or a
// source against every account (Username "").
type LoginThrottle struct {
	ID            int64
	Username      string
	Source        string
	Failures      int
	FirstFailedAt *time.Time
	LastFailedAt  *time.Time
	LockedUntil   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the table of LoginThrottle.
func (LoginThrottle) TableName() string { return "login_throttles" }

// LoginThrottles are the three counters a login attempt consults.
type LoginThrottles struct {
	Pair, Account, Source LoginThrottle
}

// ReadLoginThrottles loads the counters of a username and a source (zero
// values for those that do not exist yet).
func (db *DB) ReadLoginThrottles(ctx context.Context, username, source string) (LoginThrottles, error) {
	var rows []LoginThrottle
	err := db.conn(ctx).Where("(username = ? AND source IN ?) OR (username = '' AND source = ?)", username, []string{source, ""}, source).
		Find(&rows).Error
	out := LoginThrottles{Pair: LoginThrottle{Username: username, Source: source},
		Account: LoginThrottle{Username: username}, Source: LoginThrottle{Source: source}}
	for _, r := range rows {
		switch {
		case r.Username == username && r.Source == source && username != "" && source != "":
			out.Pair = r
		case r.Username == username && r.Source == "":
			out.Account = r
		case r.Username == "" && r.Source == source:
			out.Source = r
		}
	}
	return out, err
}

// CountLoginFailure adds one failure to the counter (username, source),
// starting it again when its first failure is older than windowStart, and
// returns the counter as it now stands. The increment is one statement, so
// that parallel attempts each count.
func (db *DB) CountLoginFailure(ctx context.Context, username, source string, windowStart time.Time) (*LoginThrottle, error) {
	now := db.Now().UTC()
	older := "login_throttles.first_failed_at < ?"
	if db.dialect != Postgres {
		older = "julianday(login_throttles.first_failed_at) < julianday(?)"
	}
	stale := "(login_throttles.first_failed_at IS NULL OR " + older + ")"
	var out LoginThrottle
	err := db.conn(ctx).Raw(`INSERT INTO login_throttles (username, source, failures, first_failed_at, last_failed_at, created_at, updated_at)
		VALUES (?, ?, 1, ?, ?, ?, ?)
		ON CONFLICT (username, source) DO UPDATE SET
			failures = CASE WHEN `+stale+` THEN 1 ELSE login_throttles.failures + 1 END,
			first_failed_at = CASE WHEN `+stale+` THEN excluded.first_failed_at ELSE login_throttles.first_failed_at END,
			last_failed_at = excluded.last_failed_at, updated_at = excluded.updated_at
		RETURNING id, username, source, failures, first_failed_at, last_failed_at, locked_until, created_at, updated_at`,
		username, source, now, now, now, now, windowStart.UTC(), windowStart.UTC()).Scan(&out).Error
	return &out, err
}

// LockLoginThrottle sets the lock of a counter.
func (db *DB) LockLoginThrottle(ctx context.Context, id int64, until time.Time) error {
	return db.conn(ctx).Model(&LoginThrottle{}).Where("id = ?", id).
		Updates(map[string]any{"locked_until": until.UTC(), "updated_at": db.Now()}).Error
}

// ClearLoginThrottles removes the counters and locks of an account (from
// every source and the account-wide one): a successful login, an unlock.
func (db *DB) ClearLoginThrottles(ctx context.Context, username string) (int64, error) {
	res := db.conn(ctx).Where("username = ? AND username <> ''", username).Delete(&LoginThrottle{})
	return res.RowsAffected, res.Error
}

// ClearLoginSource removes the account's counter for one source and its
// account-wide counter (a successful login from that source).
func (db *DB) ClearLoginSource(ctx context.Context, username, source string) error {
	return db.conn(ctx).Where("username = ? AND username <> '' AND source IN ?", username, []string{source, ""}).
		Delete(&LoginThrottle{}).Error
}

// ActiveLoginLocks lists the sources locked out of an account now.
func (db *DB) ActiveLoginLocks(ctx context.Context, username string, now time.Time) ([]LoginThrottle, error) {
	var out []LoginThrottle
	err := db.conn(ctx).Where("username = ? AND source <> '' AND locked_until IS NOT NULL", username).Order("id").Find(&out).Error
	kept := out[:0]
	for _, t := range out {
		if t.LockedUntil.After(now) {
			kept = append(kept, t)
		}
	}
	return kept, err
}

// KnownLoginSource reports whether the user logged in successfully from the
// source since the given time (the account-wide slow-down lets it pass).
func (db *DB) KnownLoginSource(ctx context.Context, userID int64, source string, since time.Time) (bool, error) {
	var ev model.LoginEvent
	err := db.conn(ctx).Select("id").Where("user_id = ? AND ip = ? AND result = ? AND created_at > ?", userID, source, model.LoginSuccess, since.UTC()).
		Take(&ev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DeleteStaleLoginThrottles removes counters untouched since before (a
// periodic clean-up keeps the table small).
func (db *DB) DeleteStaleLoginThrottles(ctx context.Context, before time.Time) (int64, error) {
	res := db.conn(ctx).Where("updated_at < ? AND (locked_until IS NULL OR locked_until < ?)", before.UTC(), before.UTC()).Delete(&LoginThrottle{})
	return res.RowsAffected, res.Error
}
