package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"tongxin/internal/config"
)

// env looks a variable up; os.LookupEnv in production, a map in tests.
type env func(string) (string, bool)

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, cl *cli, args []string) error
}

// cli carries what every subcommand shares.
type cli struct {
	stdout, stderr io.Writer
	env            env
	configPath     string
}

func commands() []command {
	return []command{
		{"serve", "tongxin serve [--config FILE]", "start the web server (migrates first unless database.migrate_on_start is false)", runServe},
		{"migrate", "tongxin migrate up|status [--config FILE]", "apply pending migrations, or list them", runMigrate},
		{"seed", seedUsage, "create the demo accounts (idempotent), or generate a city-sized data set (--scale)", runSeed},
		{"user", "tongxin user create|reset-password|list", "manage accounts from the server's shell", runUser},
		{"token", "tongxin token create --user NAME [--name N] [--expires 90d]", "make a personal API token and print it alone on stdout (shown once)", runToken},
		{"import", importUnitsUsage, "import a spreadsheet of member units as the operator; summary on stdout, exit code 1 when rows failed", runImport},
		{"bench", benchUsage, "the city-scale benchmark (make bench): generate, serve, load 127.0.0.1, write bench/results", runBench},
		{"backup", backupUsage, "write a consistent copy of the database while the server runs (SQLite VACUUM INTO, Postgres pg_dump), or restore one into an empty database", runBackup},
		{"audit", "tongxin audit archive --older-than 180d --out FILE.csv | verify [--file FILE.csv]", "write audit-log rows older than the retention (180 days at least) to a new CSV file, then delete them; verify the archive records and files", runAudit},
		{"health", "tongxin health [--config FILE]", "ask the local server's /healthz (the container health check)", runHealth},
		{"version", "tongxin version", "print the version", runVersion},
	}
}

// exitError carries an exit code and a one-line message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Main runs a subcommand and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	cl := &cli{stdout: stdout, stderr: stderr, env: lookup}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, cl, args[1:])
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ee *exitError
		if errors.As(err, &ee) {
			fmt.Fprintln(stderr, "tongxin "+c.name+": "+ee.msg)
			return ee.code
		}
		fmt.Fprintln(stderr, "tongxin "+c.name+": "+oneLine(err))
		return 1
	}
	fmt.Fprintf(stderr, "tongxin: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Tongxin (同心): the tracker of regional party-building alliances.")
	fmt.Fprintln(w, "\nUsage:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.usage, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun 'tongxin COMMAND --help' for the flags of a command. Configuration: configs/tongxin.yaml and TONGXIN_* variables (see README).")
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// flags starts a subcommand's flag set with --config.
func (cl *cli) flags(name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	fs.StringVar(&cl.configPath, "config", "", "configuration file (default configs/tongxin.yaml when it exists)")
	fs.Usage = func() {
		fmt.Fprintln(cl.stderr, "Usage: "+usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// config loads and validates; a bad key stops with exit code 2.
func (cl *cli) config() (config.Config, error) {
	cfg, err := config.Load(cl.configPath, cl.env)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return cfg, &exitError{code: 2, msg: err.Error()}
	}
	return cfg, nil
}

func runServe(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("serve", "tongxin serve [--config FILE]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	log := NewLogger(cfg, cl.stderr)
	// Listen first: a bad or busy address stops start-up before anything else.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return &exitError{code: 2, msg: (&config.KeyError{Key: "listen", Msg: oneLine(err)}).Error()}
	}
	defer ln.Close()
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return &exitError{code: 1, msg: (&config.KeyError{Key: "database.url", Msg: oneLine(err)}).Error()}
	}
	defer db.Close()
	if cfg.Database.MigrateOnStart {
		if err := Migrate(ctx, db, log); err != nil {
			return err
		}
	}
	a, err := Build(ctx, cfg, log, db)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

func runMigrate(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("migrate", "tongxin migrate up|status [--config FILE]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "status") {
		fs.Usage()
		return &exitError{code: 2, msg: "say up or status"}
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	log := NewLogger(cfg, cl.stderr)
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.Arg(0) == "up" {
		return Migrate(ctx, db, log)
	}
	m, err := db.Migrator()
	if err != nil {
		return err
	}
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cl.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT (UTC)\tFILE")
	for _, s := range st {
		state, at := "pending", "-"
		if s.Applied {
			state, at = "applied", s.AppliedAt
		}
		fmt.Fprintf(tw, "%05d\t%s\t%s\t%s\n", s.Version, state, at, s.Name)
	}
	return tw.Flush()
}

func runVersion(_ context.Context, cl *cli, args []string) error {
	fs := cl.flags("version", "tongxin version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(cl.stdout, "tongxin %s (%s)\n", Version, Commit)
	return nil
}

func runHealth(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("health", "tongxin health [--config FILE]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(cl.configPath, cl.env)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, msg: oneLine(err)}
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return &exitError{code: 1, msg: fmt.Sprintf("/healthz answered %d", res.StatusCode)}
	}
	fmt.Fprintln(cl.stdout, "ok")
	return nil
}
