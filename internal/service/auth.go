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
// audit row whatever the outcome.
func (a *Auth) Login(ctx context.Context, actor model.Actor, username, password string) (*model.User, error) {
	username = model.NormalizeUsername(username)
	now := a.db.Now()
	var result *model.User
	var locked *LockedError
	err := a.db.WithTx(ctx, func(ctx context.Context) error {
		u, err := a.db.UserByUsername(ctx, username)
		if errors.Is(err, model.ErrNotFound) {
			_, _ = argon2id.ComparePasswordAndHash(password, a.dummyHash)
			return a.recordLogin(ctx, actor, nil, username, model.LoginFailure, "unknown_user")
		}
		if err != nil {
			return err
		}
		ok, err := argon2id.ComparePasswordAndHash(password, u.PasswordHash)
		if err != nil {
			return fmt.Errorf("compare password: %w", err)
		}
		if u.IsLocked(now) {
			// The password is compared all the same (the same time as any
			// other answer); attempts while locked do not extend the lock.
			// Only the right password learns that the account is locked.
			if ok && u.LockedUntil != nil {
				locked = &LockedError{Until: *u.LockedUntil}
			}
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, "locked")
		}
		if !ok {
			att := store.LoginAttempt{FailedAttempts: u.FailedAttempts + 1, FirstFailedAt: u.FirstFailedAt}
			if att.FirstFailedAt == nil || now.Sub(*att.FirstFailedAt) > a.opts.LockoutWindow {
				att.FailedAttempts, att.FirstFailedAt = 1, &now
			}
			reason := "bad_password"
			if att.FailedAttempts >= a.opts.LockoutAttempts {
				until := now.Add(a.opts.LockoutDuration)
				att.LockedUntil = &until
				reason = "bad_password_locked"
			}
			if err := a.db.RecordLoginAttempt(ctx, u.ID, att); err != nil {
				return err
			}
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, reason)
		}
		if u.Status != model.UserActive {
			return a.recordLogin(ctx, actor, u, username, model.LoginFailure, "status_"+u.Status)
		}
		if err := a.db.RecordLoginAttempt(ctx, u.ID, store.LoginAttempt{LastLoginAt: &now}); err != nil {
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
	if locked != nil {
		return nil, locked
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

// ChangePassword lets a user replace their own password.
func (a *Auth) ChangePassword(ctx context.Context, actor model.Actor, current, next, confirm string) error {
	u, err := a.db.UserByID(ctx, actor.UserID)
	if err != nil {
		return err
	}
	ok, err := argon2id.ComparePasswordAndHash(current, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return (&model.ValidationError{}).Add("current_password", "password.current_wrong")
	}
	if subtle.ConstantTimeCompare([]byte(next), []byte(confirm)) != 1 {
		return (&model.ValidationError{}).Add("confirm_password", "password.mismatch")
	}
	if err := a.CheckNewPassword(ctx, u, next); err != nil {
		return err
	}
	hash, err := a.HashPassword(next)
	if err != nil {
		return err
	}
	return a.db.WithTx(ctx, func(ctx context.Context) error {
		if err := a.db.SetPassword(ctx, u.ID, hash, false); err != nil {
			return err
		}
		return a.db.AppendAudit(ctx, &model.AuditEntry{UserID: &u.ID, Username: u.Username, IP: actor.IP,
			RequestID: actor.RequestID, Action: "user.password_change", ObjectKind: "user", ObjectID: fmt.Sprint(u.ID)})
	})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
