// Package service holds the use cases. Each method takes the actor
// explicitly, checks what it must, validates, and writes in one transaction
// together with its audit row.
package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/argon2id"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// AuthOptions are the login rules, from the configuration.
type AuthOptions struct {
	PasswordProfile string
	PasswordMaxAge  time.Duration
	LockoutAttempts int
	LockoutWindow   time.Duration
	LockoutDuration time.Duration
	// Argon2 parameters; nil means argon2id.DefaultParams. Tests use cheaper ones.
	Argon2 *argon2id.Params
}

// Auth logs people in and out and manages passwords.
type Auth struct {
	db   *store.DB
	opts AuthOptions
	// dummyHash is verified against when the user does not exist, so that an
	// unknown user costs the same time as a wrong password.
	dummyHash string
}

// NewAuth builds the service.
func NewAuth(db *store.DB, opts AuthOptions) (*Auth, error) {
	if opts.Argon2 == nil {
		opts.Argon2 = argon2id.DefaultParams
	}
	if opts.LockoutAttempts <= 0 {
		opts.LockoutAttempts = 5
	}
	if opts.LockoutWindow <= 0 {
		opts.LockoutWindow = 15 * time.Minute
	}
	if opts.LockoutDuration <= 0 {
		opts.LockoutDuration = 15 * time.Minute
	}
	h, err := argon2id.CreateHash("tongxin-dummy-password", opts.Argon2)
	if err != nil {
		return nil, err
	}
	return &Auth{db: db, opts: opts, dummyHash: h}, nil
}

// ErrBadCredentials is the one answer for an unknown user, a wrong password
// and a disabled account, and for a locked account given a wrong password: a
// login form must not tell them apart.
var ErrBadCredentials = errors.New("bad credentials")

// LockedError answers the right password of a locked account: only someone
// who knows the password learns that the account exists and is locked, and
// until when. It is also ErrBadCredentials (no session either way).
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "account locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is lets errors.Is(err, ErrBadCredentials) match.
func (e *LockedError) Is(target error) bool { return target == ErrBadCredentials }

// Login checks a username and password. It records a login event and an
// audit row whatever the outcome. Failures are counted per account and
// source, per account and per source (see loginGuard): a source is slowed
// down, then locked out of the account for LockoutDuration, and the owner is
// told; other sources are not locked out, so a stranger who types five
// wrong passwords does not keep the owner out.
func (a *Auth) Login(ctx context.Context, actor model.Actor, username, password string) (*model.User, error) {
	username = model.NormalizeUsername(username)
	now := a.db.Now()
	var result *model.User
	var refusal error
	err := a.db.WithTx(ctx, func(ctx context.Context) error {
		g, err := a.readGuard(ctx, username, actor.IP, now)
		if err != nil {
			return err
		}
		if until, reason := g.sourceRefusal(); reason != "" {
			// Refused before the password is looked at: the source (or this
			// account from this source) has to wait.
			refusal = &ThrottledError{RetryAt: until}
			if _, err := a.db.CountLoginFailure(ctx, "", actor.IP, now.Add(-a.opts.LockoutWindow)); err != nil {
				return err
			}
			return a.recordLogin(ctx, actor, nil, username, model.LoginFailure, reason)
		}
		u, err := a.db.UserByUsername(ctx, username)
		if errors.Is(err, model.ErrNotFound) {
			u, err = nil, nil
		}
		if err != nil {
			return err
		}
		if until, wait := g.accountDelay(); wait {
			known := false
			if u != nil {
				if known, err = a.db.KnownLoginSource(ctx, u.ID, actor.IP, now.Add(-knownSourceAge)); err != nil {
					return err
				}
			}
			if !known {
				refusal = &ThrottledError{RetryAt: until}
				if _, err := a.db.CountLoginFailure(ctx, "", actor.IP, now.Add(-a.opts.LockoutWindow)); err != nil {
					return err
				}
				return a.recordLogin(ctx, actor, u, username, model.LoginFailure, "throttled")
			}
		}
		hash := a.dummyHash
		if u != nil {
			hash = u.PasswordHash
		}
		ok, err := argon2id.ComparePasswordAndHash(password, hash)
		if err != nil {
			return fmt.Errorf("compare password: %w", err)
		}
		if u == nil {
			ok = false
		}
		if g.pairLocked() {
			// The password is compared all the same (the same time as any
			// other answer); attempts while locked do not extend the lock.
			// Only the right password learns that the account is locked for
			// this source, and until when.
			if ok {
				refusal = &LockedError{Until: *g.t.Pair.LockedUntil}
			}
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, "locked")
		}
		if !ok {
			reason := "bad_password"
			if u == nil {
				reason = "unknown_user"
			}
			locked, err := a.countFailure(ctx, u, username, actor.IP, now)
			if err != nil {
				return err
			}
			if locked && u != nil {
				reason = "bad_password_locked"
			}
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, reason)
		}
		if u.Status != model.UserActive {
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, "status_"+u.Status)
		}
		// A success clears this source's counter and the account-wide one;
		// other sources' locks stay until they end or are unlocked.
		if err := a.db.ClearLoginSource(ctx, username, actor.IP); err != nil {
			return err
		}
		att := store.LoginAttempt{LastLoginAt: &now}
		if u.LockedUntil != nil && u.LockedUntil.After(now) {
			att.LockedUntil = u.LockedUntil
		}
		if err := a.db.RecordLoginAttempt(ctx, u.ID, att); err != nil {
			return err
		}
		if u.PasswordExpired(now, a.opts.PasswordMaxAge) {
			u.MustChangePassword = true
		}
		result = u
		return a.recordLogin(ctx, actor, u, username, model.LoginSuccess, "")
	})
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return nil, refusal
	}
	if result == nil {
		return nil, ErrBadCredentials
	}
	return result, nil
}

// Logout records the end of a session.
func (a *Auth) Logout(ctx context.Context, actor model.Actor) error {
	return a.db.WithTx(ctx, func(ctx context.Context) error {
		u := &model.User{ID: actor.UserID, Username: actor.Username}
		return a.recordLogin(ctx, actor, u, actor.Username, model.LoginLogout, "")
	})
}

func (a *Auth) recordLogin(ctx context.Context, actor model.Actor, u *model.User, username, result, reason string) error {
	ev := &model.LoginEvent{Username: username, IP: actor.IP, UserAgent: truncate(actor.UserAgent, 512), Result: result, Reason: reason}
	audit := &model.AuditEntry{Username: username, IP: actor.IP, RequestID: actor.RequestID, Action: "login." + result, ObjectKind: "user"}
	if u != nil {
		ev.UserID, audit.UserID = &u.ID, &u.ID
		audit.ObjectID = fmt.Sprint(u.ID)
	}
	if reason != "" {
		audit.Changes = fmt.Sprintf(`{"reason":%q}`, reason)
	}
	if err := a.db.AppendLoginEvent(ctx, ev); err != nil {
		return err
	}
	return a.db.AppendAudit(ctx, audit)
}

// HashPassword hashes with the service's argon2id parameters.
func (a *Auth) HashPassword(pw string) (string, error) {
	return argon2id.CreateHash(pw, a.opts.Argon2)
}

// CheckNewPassword applies the profile's rules and the history to a new password.
func (a *Auth) CheckNewPassword(ctx context.Context, u *model.User, pw string) error {
	if key := model.CheckPasswordRules(a.opts.PasswordProfile, u.Username, pw); key != "" {
		return (&model.ValidationError{}).Add("new_password", key)
	}
	if u.ID == 0 {
		return nil
	}
	hashes, err := a.db.RecentPasswordHashes(ctx, u.ID, model.PasswordHistoryDepth)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if ok, _ := argon2id.ComparePasswordAndHash(pw, h); ok {
			return (&model.ValidationError{}).Add("new_password", model.MsgPasswordReused)
		}
	}
	return nil
}

// ChangePassword lets a user replace their own password, with the current
// one. It ends every other session of the account (a password change is
// what one does when someone else may know the old one): keepSession is the
// stored (hashed) token of the session the change is made in, which stays.
// It returns how many other sessions were ended.
func (a *Auth) ChangePassword(ctx context.Context, actor model.Actor, current, next, confirm, keepSession string) (int64, error) {
	u, err := a.db.UserByID(ctx, actor.UserID)
	if err != nil {
		return 0, err
	}
	ok, err := argon2id.ComparePasswordAndHash(current, u.PasswordHash)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, (&model.ValidationError{}).Add("current_password", "password.current_wrong")
	}
	if subtle.ConstantTimeCompare([]byte(next), []byte(confirm)) != 1 {
		return 0, (&model.ValidationError{}).Add("confirm_password", "password.mismatch")
	}
	if err := a.CheckNewPassword(ctx, u, next); err != nil {
		return 0, err
	}
	hash, err := a.HashPassword(next)
	if err != nil {
		return 0, err
	}
	var ended int64
	err = a.db.WithTx(ctx, func(ctx context.Context) error {
		if err := a.db.SetPassword(ctx, u.ID, hash, false); err != nil {
			return err
		}
		var err error
		if ended, err = a.db.DeleteOtherUserSessions(ctx, u.ID, keepSession); err != nil {
			return err
		}
		return a.db.AppendAudit(ctx, &model.AuditEntry{UserID: &u.ID, Username: u.Username, IP: actor.IP,
			RequestID: actor.RequestID, Action: "user.password_change", ObjectKind: "user", ObjectID: fmt.Sprint(u.ID),
			Changes: fmt.Sprintf(`{"sessions_ended":%d}`, ended)})
	})
	if err != nil {
		return 0, err
	}
	return ended, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
