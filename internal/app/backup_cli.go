package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/store"
)

const backupUsage = "tongxin backup --out FILE | tongxin backup restore --from FILE [--config FILE]"

// runBackup writes a consistent copy of the configured database while the
// server keeps running: SQLite's VACUUM INTO (one read transaction, writers
// go on), Postgres's pg_dump in its custom format (one snapshot). `backup
// restore` puts a copy into an empty database. See docs/operations.md.
func runBackup(ctx context.Context, cl *cli, args []string) error {
	if len(args) > 0 && args[0] == "restore" {
		return runRestore(ctx, cl, args[1:])
	}
	fs := cl.flags("backup", backupUsage)
	out := fs.String("out", "", "the file to write; it must not exist yet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "--out is required"}
	}
	if _, err := os.Stat(*out); err == nil {
		return &exitError{code: 2, msg: *out + " exists already: choose a new file"}
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	kind, target, err := config.ParseDatabaseURL(cfg.Database.URL)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	start := time.Now()
	switch kind {
	case config.SQLite:
		db, err := OpenDB(ctx, cfg, NewLogger(cfg, cl.stderr))
		if err != nil {
			return err
		}
		defer db.Close()
		// Write beside the target and rename: a copy cut short never
		// carries the final name.
		tmp := *out + ".part"
		os.Remove(tmp)
		if err := db.BackupInto(ctx, tmp); err != nil {
			os.Remove(tmp)
			return err
		}
		if err := syncFile(tmp); err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
	case config.Postgres:
		cmd := pgDumpArgs(target, *out)
		if _, err := exec.LookPath(cmd[0]); err != nil {
			return &exitError{code: 1, msg: "pg_dump is not on PATH; on a machine that has it (the server's major version or newer) run: " +
				shellLine(pgDumpArgs(redactDSN(target), *out))}
		}
		tmp := *out + ".part"
		os.Remove(tmp)
		c := exec.CommandContext(ctx, cmd[0], pgDumpArgs(target, tmp)[1:]...)
		c.Stdout, c.Stderr = cl.stderr, cl.stderr
		if err := c.Run(); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("pg_dump: %w", err)
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(cl.stdout, "backup: %s (%s, %d bytes, %.1fs)\n", *out, backupMethod(kind), st.Size(), time.Since(start).Seconds())
	return nil
}

func backupMethod(kind string) string {
	if kind == config.Postgres {
		return "pg_dump custom format"
	}
	return "SQLite VACUUM INTO"
}

// pgDumpArgs is the pg_dump command line of a backup: the custom format
// (compressed, restored table by table with pg_restore), without owners
// and grants so that it restores under another role.
func pgDumpArgs(dsn, out string) []string {
	return []string{"pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file=" + out, "--dbname=" + dsn}
}

// pgRestoreArgs restores a custom-format dump into an empty database, in
// one transaction, stopping at the first error.
func pgRestoreArgs(dsn, in string) []string {
	return []string{"pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=" + dsn, in}
}

func runRestore(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("backup restore", backupUsage)
	from := fs.String("from", "", "the backup file (of tongxin backup)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *from == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "--from is required"}
	}
	if _, err := os.Stat(*from); err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	kind, target, err := config.ParseDatabaseURL(cfg.Database.URL)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	switch kind {
	case config.SQLite:
		if _, err := os.Stat(target); err == nil {
			return &exitError{code: 2, msg: target + " exists: stop the server and move the database (and its -wal, -shm files) away first"}
		}
		if err := restoreSQLite(ctx, cfg, cl.stderr, *from, target); err != nil {
			return err
		}
	case config.Postgres:
		db, err := OpenDB(ctx, cfg, NewLogger(cfg, cl.stderr))
		if err != nil {
			return err
		}
		tables, err := db.Tables(ctx)
		db.Close()
		if err != nil {
			return err
		}
		if len(tables) > 0 {
			return &exitError{code: 2, msg: fmt.Sprintf("the database holds %d tables: restore into a new, empty database (createdb)", len(tables))}
		}
		cmd := pgRestoreArgs(target, *from)
		if _, err := exec.LookPath(cmd[0]); err != nil {
			return &exitError{code: 1, msg: "pg_restore is not on PATH; run: " + shellLine(pgRestoreArgs(redactDSN(target), *from))}
		}
		c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
		c.Stdout, c.Stderr = cl.stderr, cl.stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("pg_restore: %w", err)
		}
	}
	fmt.Fprintf(cl.stdout, "restored %s into %s\n", *from, redactDSN(cfg.Database.URL))
	return nil
}

// restoreSQLite copies the backup next to the target, checks the copy's
// integrity, and renames it into place.
func restoreSQLite(ctx context.Context, cfg config.Config, log io.Writer, from, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return err
	}
	tmp := target + ".restoring"
	os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	db, err := store.Open(ctx, store.Options{Dialect: store.SQLite, DSN: tmp})
	if err != nil {
		os.Remove(tmp)
		return err
	}
	bad, err := db.IntegrityCheck(ctx)
	// Fold the WAL the open may have started back into the file.
	if err == nil {
		_, err = db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	db.Close()
	for _, s := range []string{"-wal", "-shm"} {
		os.Remove(tmp + s)
	}
	if err == nil && bad != "" {
		err = errors.New("the backup fails SQLite's integrity check: " + bad)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, target)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// redactDSN hides a Postgres URL's password.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}

// shellLine quotes a command line for a POSIX shell.
func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"&?;$`\\|<>*()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
