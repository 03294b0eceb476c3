package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The login guard's rules, beside AuthOptions' LockoutAttempts (failures of
// one account from one source before that source is locked out of it for
// LockoutDuration) and LockoutWindow (how long failures count):
const (
	// slowAfter failures of an account (from one source, or from all) make
	// every further attempt wait a growing delay after the last failure:
	// 1 s, 2 s, 4 s … up to maxLoginDelay.
	slowAfter     = 3
	maxLoginDelay = 5 * time.Minute
	// sourceLimitFactor × LockoutAttempts failures from one source, against
	// any accounts, refuse that source until its window ends (spraying).
	sourceLimitFactor = 4
	// knownSourceAge: a source the account logged in from within this time
	// is not held up by the account-wide delay (the owner's usual address).
	knownSourceAge = 30 * 24 * time.Hour
)

// ThrottledError answers an attempt that came too soon: the source or the
// account must wait until RetryAt. It is also ErrBadCredentials. It says
// nothing about the account: unknown names are throttled alike.
type ThrottledError struct{ RetryAt time.Time }

func (e *ThrottledError) Error() string {
	return "login throttled until " + e.RetryAt.UTC().Format(time.RFC3339)
}

// Is lets errors.Is(err, ErrBadCredentials) match.
func (e *ThrottledError) Is(target error) bool { return target == ErrBadCredentials }

// loginGuard is what the counters say about one attempt.
type loginGuard struct {
	t    store.LoginThrottles
	now  time.Time
	opts AuthOptions
}

func (a *Auth) readGuard(ctx context.Context, username, source string, now time.Time) (*loginGuard, error) {
	t, err := a.db.ReadLoginThrottles(ctx, username, source)
	if err != nil {
		return nil, err
	}
	g := &loginGuard{t: t, now: now, opts: a.opts}
	// Counters whose window is over count nothing.
	for _, c := range []*store.LoginThrottle{&g.t.Pair, &g.t.Account, &g.t.Source} {
		if c.FirstFailedAt == nil || now.Sub(*c.FirstFailedAt) > a.opts.LockoutWindow {
			c.Failures = 0
		}
	}
	return g, nil
}

// loginDelay is how long an attempt waits after the last of n failures.
func loginDelay(n int) time.Duration {
	if n < slowAfter {
		return 0
	}
	shift := n - slowAfter
	if shift > 20 {
		return maxLoginDelay
	}
	return min(time.Second<<shift, maxLoginDelay)
}

// sourceRefusal: the source has failed too often against any accounts, or
// too soon after its last failure on this account (the slow-down before the
// lock). It returns until when, and the login event's reason.
func (g *loginGuard) sourceRefusal() (time.Time, string) {
	src := g.t.Source
	if src.Failures >= sourceLimitFactor*g.opts.LockoutAttempts && src.FirstFailedAt != nil {
		if until := src.FirstFailedAt.Add(g.opts.LockoutWindow); g.now.Before(until) {
			return until, "source_throttled"
		}
	}
	if g.pairLocked() {
		return time.Time{}, ""
	}
	p := g.t.Pair
	if d := loginDelay(p.Failures); d > 0 && p.LastFailedAt != nil {
		if until := p.LastFailedAt.Add(d); g.now.Before(until) {
			return until, "throttled"
		}
	}
	return time.Time{}, ""
}

// accountDelay: the account failed often from any sources lately; an
// attempt waits the growing delay after the last failure.
func (g *loginGuard) accountDelay() (time.Time, bool) {
	acc := g.t.Account
	if d := loginDelay(acc.Failures); d > 0 && acc.LastFailedAt != nil {
		if until := acc.LastFailedAt.Add(d); g.now.Before(until) {
			return until, true
		}
	}
	return time.Time{}, false
}

func (g *loginGuard) pairLocked() bool {
	l := g.t.Pair.LockedUntil
	return l != nil && g.now.Before(*l)
}

// countFailure counts a wrong password (or an unknown name) on the three
// counters and locks the source out of the account when its count reaches
// LockoutAttempts. It tells the owner and records the lock on the user row
// (the administrators' list shows it, the security admin unlocks it).
func (a *Auth) countFailure(ctx context.Context, u *model.User, username, source string, now time.Time) (bool, error) {
	start := now.Add(-a.opts.LockoutWindow)
	if _, err := a.db.CountLoginFailure(ctx, "", source, start); err != nil {
		return false, err
	}
	acc, err := a.db.CountLoginFailure(ctx, username, "", start)
	if err != nil {
		return false, err
	}
	pair, err := a.db.CountLoginFailure(ctx, username, source, start)
	if err != nil {
		return false, err
	}
	locked := pair.Failures >= a.opts.LockoutAttempts
	until := now.Add(a.opts.LockoutDuration)
	if locked {
		if err := a.db.LockLoginThrottle(ctx, pair.ID, until); err != nil {
			return false, err
		}
	}
	if u == nil {
		return locked, nil
	}
	att := store.LoginAttempt{FailedAttempts: acc.Failures, FirstFailedAt: acc.FirstFailedAt, LockedUntil: u.LockedUntil}
	if u.LockedUntil != nil && !u.LockedUntil.After(now) {
		att.LockedUntil = nil
	}
	if locked {
		att.LockedUntil = &until
	}
	if err := a.db.RecordLoginAttempt(ctx, u.ID, att); err != nil {
		return false, err
	}
	if locked {
		if err := notifyAccountLocked(ctx, a.db, u.ID, source, until, pair.Failures); err != nil {
			return false, err
		}
	}
	return locked, nil
}
