package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestTryLockExcludesOtherHolders: a held lock is refused to a second
// holder — on Postgres also to a second pool (another instance) — and is
// free again after Release; different names do not collide.
func TestTryLockExcludesOtherHolders(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		other := db
		if db.Dialect() == store.Postgres {
			other = testenv.OpenSameDB(t, db) // a second instance
		}
		l, err := db.TryLock(ctx, "job:a")
		if err != nil || l == nil {
			t.Fatalf("first TryLock: %v %v", l, err)
		}
		if l2, err := other.TryLock(ctx, "job:a"); err != nil || l2 != nil {
			t.Fatalf("second holder got the held lock: %v %v", l2, err)
		}
		lb, err := other.TryLock(ctx, "job:b")
		if err != nil || lb == nil {
			t.Fatalf("another name must be free: %v %v", lb, err)
		}
		lb.Release()
		l.Release()
		l.Release() // a second release does nothing
		l3, err := other.TryLock(ctx, "job:a")
		if err != nil || l3 == nil {
			t.Fatalf("lock not free after Release: %v %v", l3, err)
		}
		l3.Release()
	})
}

// TestAdvisoryLockFreedWhenHolderDies: the database frees a Postgres lock
// whose holder's connections close (an instance that died).
func TestAdvisoryLockFreedWhenHolderDies(t *testing.T) {
	db := testenv.NewDB(t, store.Postgres)
	ctx := context.Background()
	dying, err := store.Open(ctx, store.Options{Dialect: store.Postgres, DSN: db.DSN(), MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := dying.TryLock(ctx, "job:x"); err != nil || l == nil {
		t.Fatalf("TryLock: %v %v", l, err)
	}
	if l, _ := db.TryLock(ctx, "job:x"); l != nil {
		t.Fatal("lock taken twice")
	}
	defer dying.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// Terminating the holder's backend stands in for a killed process
		// (only this test database's advisory locks).
		if _, err := db.SQL().ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
			WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
			t.Fatal(err)
		}
		if l, err := db.TryLock(ctx, "job:x"); err == nil && l != nil {
			l.Release()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("lock not freed after its holder's connection ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTryLockUnderContention: of many goroutines on two pools trying the
// same lock while it is held by one, never two hold it at once.
func TestTryLockUnderContention(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pools := []*store.DB{db, db}
		if db.Dialect() == store.Postgres {
			pools[1] = testenv.OpenSameDB(t, db)
		}
		var holders, maxHolders, wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					l, err := pools[i%2].TryLock(ctx, "job:contended")
					if err != nil {
						t.Error(err)
						return
					}
					if l == nil {
						continue
					}
					wins.Add(1)
					n := holders.Add(1)
					for {
						m := maxHolders.Load()
						if n <= m || maxHolders.CompareAndSwap(m, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					holders.Add(-1)
					l.Release()
				}
			}()
		}
		wg.Wait()
		if maxHolders.Load() != 1 || wins.Load() == 0 {
			t.Fatalf("max simultaneous holders %d (want 1), wins %d", maxHolders.Load(), wins.Load())
		}
	})
}

// TestClaimJobRunOncePerInterval: one claim wins per interval, whoever asks;
// the next interval can be claimed again; the finish is recorded.
func TestClaimJobRunOncePerInterval(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
		every := time.Hour
		ok, err := db.ClaimJobRun(ctx, "lists.expire", "a", t0, every)
		if err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		if ok, err := db.ClaimJobRun(ctx, "lists.expire", "b", t0.Add(time.Second), every); err != nil || ok {
			t.Fatalf("second claim within the interval: %v %v", ok, err)
		}
		if ok, err := db.ClaimJobRun(ctx, "other", "b", t0.Add(time.Second), every); err != nil || !ok {
			t.Fatalf("another job: %v %v", ok, err)
		}
		if err := db.FinishJobRun(ctx, "lists.expire", t0.Add(2*time.Second), "boom"); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.ClaimJobRun(ctx, "lists.expire", "b", t0.Add(59*time.Minute), every); err != nil || ok {
			t.Fatalf("claim before the interval ended: %v %v", ok, err)
		}
		if ok, err := db.ClaimJobRun(ctx, "lists.expire", "b", t0.Add(every), every); err != nil || !ok {
			t.Fatalf("claim in the next interval: %v %v", ok, err)
		}
		runs, err := db.JobRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].Name != "lists.expire" || runs[0].Instance != "b" || runs[0].Runs != 1 || runs[0].LastError != "boom" ||
			runs[0].LastStartedAt == nil || !runs[0].LastStartedAt.Equal(t0.Add(every)) {
			t.Fatalf("job runs: %+v", runs)
		}

		// Many claimants at the same instant: exactly one wins.
		var won atomic.Int32
		var wg sync.WaitGroup
		at := t0.Add(3 * every)
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.ClaimJobRun(ctx, "lists.expire", "x", at, every)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d claimants won the same run, want 1", won.Load())
		}
	})
}
