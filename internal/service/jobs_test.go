package service_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1}))
}

// TestJobRunsOncePerInterval: RunDue runs a due job, skips it within its
// interval, records failures and panics, and runs it again when due.
func TestJobRunsOncePerInterval(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

		jobs := service.NewJobs(db, service.JobsOptions{Instance: "one", Log: quietLog()})
		var runs atomic.Int32
		var fail atomic.Value
		fail.Store("")
		jobs.Add("test.count", time.Hour, func(ctx context.Context) error {
			runs.Add(1)
			switch fail.Load().(string) {
			case "error":
				return errors.New("boom")
			case "panic":
				panic("kaboom")
			}
			return nil
		})
		step := func(wantRan bool) {
			t.Helper()
			ran, err := jobs.RunDue(ctx, "test.count")
			if err != nil || ran != wantRan {
				t.Fatalf("RunDue = %v, %v; want %v", ran, err, wantRan)
			}
		}
		step(true)
		step(false)
		advance(30 * time.Minute)
		step(false)
		advance(30 * time.Minute)
		fail.Store("error")
		step(true)
		advance(time.Hour)
		fail.Store("panic")
		step(true) // a panic is an error of the run, not of the instance
		if runs.Load() != 3 {
			t.Fatalf("ran %d times, want 3", runs.Load())
		}
		rs, err := db.JobRuns(ctx)
		if err != nil || len(rs) != 1 || rs[0].Runs != 3 || rs[0].LastError != "panic: kaboom" || rs[0].Instance != "one" {
			t.Fatalf("job_runs: %+v %v", rs, err)
		}
		if _, err := jobs.RunDue(ctx, "nope"); err == nil {
			t.Fatal("RunDue of an unknown job must fail")
		}
	})
}

// TestTwoRunnersRunAJobOnce: two instances (two pools on one database, each
// with its own runner) polling a job every few milliseconds run it once per
// interval between them, and never at the same time.
func TestTwoRunnersRunAJobOnce(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		other := db
		if db.Dialect() == store.Postgres {
			other = testenv.OpenSameDB(t, db)
		}
		var runs, inside, overlap atomic.Int32
		job := func(ctx context.Context) error {
			if inside.Add(1) > 1 {
				overlap.Add(1)
			}
			defer inside.Add(-1)
			runs.Add(1)
			time.Sleep(20 * time.Millisecond)
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := service.NewJobs(db, service.JobsOptions{Instance: "a", Log: quietLog()})
		b := service.NewJobs(other, service.JobsOptions{Instance: "b", Log: quietLog()})
		const every = 400 * time.Millisecond
		a.Add("test.once", every, job)
		b.Add("test.once", every, job)
		start := time.Now()
		a.Start(ctx)
		b.Start(ctx)
		time.Sleep(every*5 + every/2)
		cancel()
		a.Wait()
		b.Wait()
		elapsed := time.Since(start)
		// Runs start at most once per interval: within elapsed there is room
		// for floor(elapsed/every)+1 of them, and polling keeps at least one
		// per interval and a quarter.
		most := int32(elapsed/every) + 1
		least := int32(elapsed / (every + every/4 + 50*time.Millisecond))
		if n := runs.Load(); n > most || n < least {
			t.Fatalf("%d runs in %v at one per %v (want %d..%d)", n, elapsed, every, least, most)
		}
		if overlap.Load() != 0 {
			t.Fatal("two runs overlapped")
		}
		rs, err := db.JobRuns(context.Background())
		if err != nil || len(rs) != 1 || rs[0].Runs != int64(runs.Load()) {
			t.Fatalf("job_runs %+v (%v), runs %d", rs, err, runs.Load())
		}
	})
}
