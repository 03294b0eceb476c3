package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestLoginThrottleCounters: parallel failures each count (one statement
// per increment), a counter starts again after its window, the three kinds
// of counter are read apart, and stale counters are cleaned up.
func TestLoginThrottleCounters(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		db.SetClock(func() time.Time { return now })
		defer db.SetClock(time.Now)
		start := now.Add(-15 * time.Minute)
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.CountLoginFailure(ctx, "li", "203.0.113.5", start)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CountLoginFailure(ctx, "li", "", start); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CountLoginFailure(ctx, "", "203.0.113.5", start); err != nil {
			t.Fatal(err)
		}
		got, err := db.ReadLoginThrottles(ctx, "li", "203.0.113.5")
		if err != nil {
			t.Fatal(err)
		}
		if got.Pair.Failures != 20 || got.Account.Failures != 1 || got.Source.Failures != 1 {
			t.Fatalf("counters pair %d account %d source %d, want 20 1 1", got.Pair.Failures, got.Account.Failures, got.Source.Failures)
		}
		// Past the window the counter starts again at 1.
		later := now.Add(20 * time.Minute)
		db.SetClock(func() time.Time { return later })
		c, err := db.CountLoginFailure(ctx, "li", "203.0.113.5", later.Add(-15*time.Minute))
		if err != nil || c.Failures != 1 || c.FirstFailedAt == nil || c.FirstFailedAt.Sub(later).Abs() > time.Millisecond {
			t.Fatalf("after the window: %+v %v", c, err)
		}
		if err := db.LockLoginThrottle(ctx, c.ID, later.Add(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if locks, err := db.ActiveLoginLocks(ctx, "li", later); err != nil || len(locks) != 1 || locks[0].Source != "203.0.113.5" {
			t.Fatalf("active locks: %+v %v", locks, err)
		}
		// A day later everything untouched (and unlocked) goes.
		db.SetClock(func() time.Time { return later.Add(48 * time.Hour) })
		n, err := db.DeleteStaleLoginThrottles(ctx, later.Add(24*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("stale counters deleted: %d %v, want 3", n, err)
		}
	})
}
