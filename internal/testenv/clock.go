package testenv

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/store"
)

// NowEnv names an instant (RFC 3339, e.g. 2026-12-31T23:59:50+08:00) at
// which every new test database's clock stands (see FixClock), and which Now
// returns: one run puts the tests at midnight or on 31 December. Unset,
// nothing changes.
const NowEnv = "TONGXIN_TEST_NOW"

var envNow struct {
	once sync.Once
	at   time.Time
	err  error
}

func envInstant() (time.Time, bool, error) {
	v := os.Getenv(NowEnv)
	if v == "" {
		return time.Time{}, false, nil
	}
	envNow.once.Do(func() { envNow.at, envNow.err = time.Parse(time.RFC3339, v) })
	return envNow.at.UTC(), envNow.err == nil, envNow.err
}

// Midyear is the instant tests fix the clock at when the day does not
// matter: far from midnight and from the turn of the year.
var Midyear = time.Date(2026, 6, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Now returns the instant of TONGXIN_TEST_NOW, or def when it is unset: a
// test that fixes the clock takes its instant from here.
func Now(t testing.TB, def time.Time) time.Time {
	t.Helper()
	at, ok, err := envInstant()
	if err != nil {
		t.Fatalf("testenv: %s: %v", NowEnv, err)
	}
	if ok {
		return at
	}
	return def.UTC()
}

// FixClock stops the server's clocks (the database's and the authorizer's)
// at at, for the rest of the test: each reading is a microsecond later than
// the one before, so that records keep their order, and the day never turns.
func (s *Server) FixClock(at time.Time) {
	now := FixedClock(at)
	s.DB.SetClock(now)
	s.App.Authz.SetClock(now)
}

// FixedClock returns at, a microsecond later at each reading (for
// store.DB.SetClock on a database without a server).
func FixedClock(at time.Time) func() time.Time {
	at = at.UTC()
	var n atomic.Int64
	return func() time.Time { return at.Add(time.Duration(n.Add(1)-1) * time.Microsecond) }
}

// applyEnvClock stops a new database's clock at TONGXIN_TEST_NOW.
func applyEnvClock(t testing.TB, db *store.DB) {
	t.Helper()
	at, ok, err := envInstant()
	if err != nil {
		t.Fatalf("testenv: %s: %v", NowEnv, err)
	}
	if ok {
		db.SetClock(FixedClock(at))
	}
}

// envSessions lets sessions, whose expiry scs takes from the wall clock,
// outlive a TONGXIN_TEST_NOW in the future (the store compares expiry with
// the database's clock).
func envSessions(cfg *config.Config) {
	at, ok, _ := envInstant()
	if !ok {
		return
	}
	if ahead := time.Until(at) + 24*time.Hour; ahead > cfg.Session.IdleTimeout {
		cfg.Session.IdleTimeout = ahead
		if cfg.Session.Lifetime < ahead {
			cfg.Session.Lifetime = ahead
		}
	}
}
