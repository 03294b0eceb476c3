package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"tongxin/internal/store"
)

// Jobs runs named periodic jobs (expiry of the lists, clean-up of sessions …)
// in every instance, so that with several instances each job still runs once
// per interval: a run first takes the database lock named after the job (an
// advisory lock on Postgres, a process-local mutex on SQLite), so runs never
// overlap, then claims the run in job_runs with an UPDATE conditioned on the
// interval, so only one instance runs it per interval. The others skip.
type Jobs struct {
	db       *store.DB
	log      *slog.Logger
	instance string

	mu      sync.Mutex
	jobs    []*job
	ctx     context.Context // set by Start
	wg      sync.WaitGroup
	started bool
}

type job struct {
	name  string
	every time.Duration
	fn    func(ctx context.Context) error
}

// JobsOptions configure NewJobs.
type JobsOptions struct {
	// Instance names this process in job_runs (default host:pid).
	Instance string
	Log      *slog.Logger
}

// NewJobs returns a runner with no jobs.
func NewJobs(db *store.DB, o JobsOptions) *Jobs {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		o.Instance = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	return &Jobs{db: db, log: o.Log, instance: o.Instance}
}

// Add registers fn to run every interval under name (unique; lower case and
// dots, e.g. "lists.expire"). A job added after Start starts at once.
func (j *Jobs) Add(name string, every time.Duration, fn func(ctx context.Context) error) {
	if every <= 0 || name == "" || fn == nil {
		panic("service: Jobs.Add needs a name, a positive interval and a function")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, x := range j.jobs {
		if x.name == name {
			panic("service: job " + name + " added twice")
		}
	}
	jb := &job{name: name, every: every, fn: fn}
	j.jobs = append(j.jobs, jb)
	if j.started {
		j.launch(jb)
	}
}

// Names lists the registered jobs.
func (j *Jobs) Names() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]string, len(j.jobs))
	for i, x := range j.jobs {
		out[i] = x.name
	}
	return out
}

// Start runs every job's loop until ctx ends; it returns at once. Wait waits
// for the loops (and a run in progress) to stop.
func (j *Jobs) Start(ctx context.Context) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.started {
		return
	}
	j.started, j.ctx = true, ctx
	for _, jb := range j.jobs {
		j.launch(jb)
	}
}

// Wait blocks until every loop started by Start has returned.
func (j *Jobs) Wait() { j.wg.Wait() }

// launch starts jb's loop; j.mu is held.
func (j *Jobs) launch(jb *job) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		j.loop(j.ctx, jb)
	}()
}

// pollEvery is how often a loop asks whether its job is due: a quarter of
// the interval, between 10 ms and a minute. Polling more often than the
// interval keeps runs close to one interval apart whichever instance wins.
func pollEvery(every time.Duration) time.Duration {
	return min(max(every/4, 10*time.Millisecond), time.Minute)
}

func (j *Jobs) loop(ctx context.Context, jb *job) {
	t := time.NewTicker(pollEvery(jb.every))
	defer t.Stop()
	for {
		if _, err := j.runDue(ctx, jb); err != nil && ctx.Err() == nil {
			j.log.Warn("periodic job", "job", jb.name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs the job called name now if it is due and no other instance
// holds it, and reports whether it ran (tests, the command line).
func (j *Jobs) RunDue(ctx context.Context, name string) (bool, error) {
	j.mu.Lock()
	var jb *job
	for _, x := range j.jobs {
		if x.name == name {
			jb = x
		}
	}
	j.mu.Unlock()
	if jb == nil {
		return false, fmt.Errorf("service: no job %q", name)
	}
	return j.runDue(ctx, jb)
}

func (j *Jobs) runDue(ctx context.Context, jb *job) (bool, error) {
	lock, err := j.db.TryLock(ctx, "job:"+jb.name)
	if err != nil || lock == nil {
		return false, err
	}
	defer lock.Release()
	claimed, err := j.db.ClaimJobRun(ctx, jb.name, j.instance, j.db.Now(), jb.every)
	if err != nil || !claimed {
		return false, err
	}
	start := time.Now()
	runErr := j.call(ctx, jb)
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
		j.log.Error("periodic job failed", "job", jb.name, "err", runErr, "took", time.Since(start).String())
	} else {
		j.log.Debug("periodic job ran", "job", jb.name, "took", time.Since(start).String())
	}
	// Record the end even when ctx has ended (shutdown during a run).
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := j.db.FinishJobRun(fctx, jb.name, j.db.Now(), errText); err != nil {
		return true, err
	}
	return true, nil
}

// call runs the job's function, turning a panic into an error so that one
// bad run does not stop the instance.
func (j *Jobs) call(ctx context.Context, jb *job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return jb.fn(ctx)
}
