// Package app is the composition root: it reads the configuration, opens
// the database, applies migrations, builds the services and the HTTP server,
// and runs the subcommands. Nothing else wires dependencies.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/config"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/web"
	webfiles "tongxin/web"
)

// Version and Commit are set at link time (-ldflags "-X tongxin/internal/app.Version=…").
var (
	Version = "dev"
	Commit  = "unknown"
)

// App is a built instance: configuration, database, services and server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *store.DB
	Auth   *service.Auth
	Authz  *authz.Authorizer
	Web    *web.Server
	// Jobs runs the periodic jobs; Serve starts them and waits for them at
	// shutdown. Register more with Jobs.Add before Serve.
	Jobs *service.Jobs
	// importsDone is closed when the import worker has stopped (after ctx
	// ended and its unfinished job, if any, went back to the queue).
	importsDone chan struct{}
}

// NewLogger builds the slog logger the configuration asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" || cfg.Dev {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// OpenDB opens the configured database.
func OpenDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	kind, target, err := config.ParseDatabaseURL(cfg.Database.URL)
	if err != nil {
		return nil, &config.KeyError{Key: "database.url", Msg: err.Error()}
	}
	idle := cfg.Database.MaxIdleConns
	if idle == 0 {
		idle = cfg.Database.MaxOpenConns
	}
	return store.Open(ctx, store.Options{
		Dialect:         kind, // config.SQLite and config.Postgres equal store's names
		DSN:             target,
		MaxOpenConns:    cfg.Database.MaxOpenConns,
		MaxIdleConns:    idle,
		ConnMaxLifetime: cfg.Database.ConnMaxLifetime,
		PrepareStmt:     cfg.Database.PrepareStmt,
		Logger:          log,
	})
}

// Migrate applies pending migrations and logs what it applied.
func Migrate(ctx context.Context, db *store.DB, log *slog.Logger) error {
	m, err := db.Migrator()
	if err != nil {
		return err
	}
	applied, err := m.Up(ctx)
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", applied, "dialect", db.Dialect())
	}
	return err
}

// Build wires an App around an open database. ctx bounds the background
// work the App starts (the access-model watcher on Postgres).
func Build(ctx context.Context, cfg config.Config, log *slog.Logger, db *store.DB) (*App, error) {
	az, err := authz.New(ctx, db, log)
	if err != nil {
		return nil, err
	}
	go az.Watch(ctx, db)
	auth, err := service.NewAuth(db, service.AuthOptions{
		PasswordProfile: cfg.Security.PasswordProfile,
		PasswordMaxAge:  cfg.Security.PasswordMaxAge,
		LockoutAttempts: cfg.Security.LockoutAttempts,
		LockoutWindow:   cfg.Security.LockoutWindow,
		LockoutDuration: cfg.Security.LockoutDuration,
	})
	if err != nil {
		return nil, err
	}
	deps := service.Deps{DB: db, Authz: az, Auth: auth}
	proxies, err := cfg.HTTP.ProxyNets()
	if err != nil {
		return nil, err
	}
	srv, err := web.New(web.Deps{
		Options: web.Options{
			BaseURL:        cfg.BaseURL,
			DefaultLocale:  cfg.DefaultLocale,
			BodyLimit:      cfg.HTTP.BodyLimit,
			SessionIdle:    cfg.Session.IdleTimeout,
			SessionMaxAge:  cfg.Session.Lifetime,
			LoginRatePerIP: cfg.Security.LoginRatePerIP,
			TrustedProxies: proxies,
			Version:        Version,
			Commit:         Commit,
			UploadDir:      cfg.UploadDir,
			ImportMaxBytes: cfg.Import.MaxBytes,
			ImportMaxRows:  cfg.Import.MaxRows,
			ImportLimits:   importLimits(cfg),
			// Project attachments (uploads.max_bytes).
			AttachmentMaxBytes: cfg.Uploads.MaxBytes,
			UploadTimeout:      cfg.HTTP.UploadTimeout,
			// Admission control (http.max_in_flight, http.queue, http.queue_wait).
			MaxInFlight:      cfg.InFlight(),
			AdmissionQueue:   cfg.QueueLen(),
			AdmissionWait:    cfg.HTTP.QueueWait,
			MetricsToken:     cfg.Metrics.Token,
			MetricsElsewhere: cfg.Metrics.Listen != "",
		},
		Log:       log,
		DB:        db,
		Auth:      auth,
		Authz:     az,
		Users:     service.NewUsers(deps),
		Roles:     service.NewRoles(deps),
		Templates: webfiles.Templates,
		Static:    webfiles.Static,
		Locales:   webfiles.Locales,
	})
	if err != nil {
		return nil, err
	}
	// The import worker runs queued jobs until ctx ends (shutdown), then
	// puts a job it has not finished back in the queue.
	imports := service.NewImports(deps, service.ImportOptions{UploadDir: cfg.UploadDir,
		Limits: importLimits(cfg),
		T:      srv.Translator(web.LocaleZH), Log: log})
	done := make(chan struct{})
	go func() {
		defer close(done)
		imports.Work(ctx, service.WorkerOptions{Heartbeat: cfg.Import.Heartbeat, StaleAfter: cfg.Import.StaleAfter})
	}()
	jobs := service.NewJobs(db, service.JobsOptions{Log: log})
	jobs.Add("sessions.cleanup", 10*time.Minute, func(ctx context.Context) error {
		if _, err := db.DeleteExpiredSessions(ctx); err != nil {
			return err
		}
		// Login counters untouched for a day count nothing any more.
		_, err := db.DeleteStaleLoginThrottles(ctx, db.Now().Add(-24*time.Hour))
		return err
	})
	// One-time form keys and Idempotency-Keys are kept 24 hours.
	jobs.Add("idempotency.cleanup", time.Hour, func(ctx context.Context) error {
		_, err := db.DeleteExpiredIdemKeys(ctx)
		return err
	})
	// Needs past their wanted-by day and resources past their available-until
	// day turn expired (once per interval across instances: see Jobs).
	jobs.Add("lists.expire", 15*time.Minute, func(ctx context.Context) error {
		res, err := service.ExpireLists(ctx, db, service.AllianceToday(db.Now()))
		if err == nil && res.Needs+res.Resources > 0 {
			log.Info("lists expired", "needs", res.Needs, "resources", res.Resources, "claims_closed", res.Claims)
		}
		return err
	})
	// Governance (issue 8): chair roles re-derived from the terms and the
	// units' contacts, term statuses advanced; duty notices sent once.
	jobs.Add("governance.reconcile", 10*time.Minute, func(ctx context.Context) error {
		_, err := service.ReconcileChairRoles(ctx, db, az)
		return err
	})
	jobs.Add("governance.duties", time.Hour, func(ctx context.Context) error {
		_, err := service.DutyNotices(ctx, db)
		return err
	})
	// The daily digest mail (issue 9): off without smtp.host and smtp.from.
	digest := service.DigestMail{Mailer: service.Mailer{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
		Password: cfg.SMTP.Password, From: cfg.SMTP.From}, T: srv.Translator(web.LocaleZH), BaseURL: cfg.BaseURL}
	jobs.Add("digest.daily", 24*time.Hour, func(ctx context.Context) error {
		n, err := service.SendDigests(ctx, deps, digest)
		if n > 0 {
			log.Info("digests mailed", "count", n)
		}
		return err
	})
	return &App{Config: cfg, Log: log, DB: db, Auth: auth, Authz: az, Web: srv, Jobs: jobs, importsDone: done}, nil
}

// Serve answers HTTP on ln until ctx is cancelled, then stops accepting and
// waits (up to the shutdown timeout) for requests in flight to finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler: a.Web.Handler(),
		// The whole request, body included, for every route but those that
		// carry files: they set their own deadline (http.upload_timeout).
		ReadTimeout:       a.Config.HTTP.ReadTimeout,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      a.Config.HTTP.WriteTimeout,
		IdleTimeout:       a.Config.HTTP.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// The metrics on their own address (metrics.listen), if set.
	if a.Config.Metrics.Listen != "" {
		mln, err := net.Listen("tcp", a.Config.Metrics.Listen)
		if err != nil {
			_ = hs.Close()
			return fmt.Errorf("metrics.listen: %w", err)
		}
		ms := &http.Server{Handler: a.Web.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: a.Config.HTTP.ReadTimeout, WriteTimeout: a.Config.HTTP.WriteTimeout}
		go func() { _ = ms.Serve(mln) }()
		defer ms.Close()
		a.Log.Info("serving metrics", "addr", mln.Addr().String())
	}
	a.Jobs.Start(ctx) // they stop when ctx ends, with the server
	a.Log.Info("serving", "addr", ln.Addr().String(), "base_url", a.Config.BaseURL, "dialect", a.DB.Dialect(), "version", Version)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight", "timeout", a.Config.HTTP.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// The database closes after Serve returns: let the import worker put
	// its job back in the queue first.
	select {
	case <-a.importsDone:
	case <-sctx.Done():
		a.Log.Warn("the import worker did not stop in time")
	}
	jobsDone := make(chan struct{})
	go func() { a.Jobs.Wait(); close(jobsDone) }()
	select {
	case <-jobsDone:
	case <-sctx.Done():
		a.Log.Warn("a periodic job did not stop in time")
	}
	a.Log.Info("stopped")
	return nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// stderrLogger is used before the configuration is known.
func stderrLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
