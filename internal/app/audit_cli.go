package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

const auditArchiveUsage = "tongxin audit archive --older-than 180d --out FILE.csv [--config FILE]"

const auditVerifyUsage = "tongxin audit verify [--file FILE.csv] [--config FILE]"

func runAudit(ctx context.Context, cl *cli, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(cl.stderr, "Usage: "+auditArchiveUsage)
		fmt.Fprintln(cl.stderr, "       "+auditVerifyUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, msg: "say archive or verify"}
	}
	switch args[0] {
	case "archive":
		return runAuditArchive(ctx, cl, args[1:])
	case "verify":
		return runAuditVerify(ctx, cl, args[1:])
	}
	return &exitError{code: 2, msg: fmt.Sprintf("unknown audit command %q: say archive or verify", args[0])}
}

// runAuditVerify checks the database's archive records (the chain over them,
// and that no archived range still has rows) and, with --file, that an
// archive file is the one a record describes (its SHA-256).
func runAuditVerify(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("audit verify", auditVerifyUsage)
	file := fs.String("file", "", "an archive file to check against the records")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
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
	if err := Migrate(ctx, db, log); err != nil {
		return err
	}
	if err := db.VerifyAuditArchives(ctx); err != nil {
		return &exitError{code: 1, msg: "audit archives do NOT verify: " + oneLine(err)}
	}
	as, err := db.AuditArchives(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(cl.stdout, "%d archive records; chain and ranges verified\n", len(as))
	if *file == "" {
		return nil
	}
	f, err := os.Open(*file)
	if err != nil {
		return &exitError{code: 1, msg: oneLine(err)}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return &exitError{code: 1, msg: oneLine(err)}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	for _, a := range as {
		if a.Checksum == sum {
			fmt.Fprintf(cl.stdout, "%s is archive record %d (%d rows, ids %d–%d)\n", *file, a.ID, a.RowCount, a.FromID, a.ToID)
			return nil
		}
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%s (sha256 %s) matches no archive record: changed, or not an archive of this database", *file, sum)}
}

// runAuditArchive writes the audit rows older than --older-than to a new CSV
// file, makes the file durable, and only then deletes those rows from the
// database, recording the archive in the audit log.
func runAuditArchive(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("audit archive", auditArchiveUsage)
	olderThan := fs.String("older-than", "", `archive rows older than this: days ("180d") or a duration ("4320h"); at least 180 days`)
	out := fs.String("out", "", "the CSV file to write; it must not exist yet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *olderThan == "" || *out == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "--older-than and --out are required"}
	}
	age, err := parseAge(*olderThan)
	if err != nil {
		return &exitError{code: 2, msg: "--older-than " + *olderThan + ": " + err.Error()}
	}
	if age < service.AuditMinRetention {
		return &exitError{code: 2, msg: tooYoung(*olderThan, service.AuditMinRetention)}
	}
	path, err := filepath.Abs(*out)
	if err != nil {
		return &exitError{code: 2, msg: "--out: " + err.Error()}
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
	if err := Migrate(ctx, db, log); err != nil {
		return err
	}
	// O_EXCL: never overwrite an earlier archive, not even one created a moment ago.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return &exitError{code: 2, msg: fmt.Sprintf("%s exists: an archive never overwrites a file; name a new one", path)}
	}
	if err != nil {
		return &exitError{code: 1, msg: oneLine(err)}
	}
	sink, err := newCSVArchive(f)
	if err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	osUser := ""
	if u, err := user.Current(); err == nil {
		osUser = u.Username
	}
	host, _ := os.Hostname()
	svc := service.NewAudit(service.Deps{DB: db}, service.AuditOptions{MinArchiveAge: cfg.Security.AuditMinAge})
	res, err := svc.Archive(ctx, model.Actor{Username: "cli", IP: "local"}, service.ArchiveRequest{
		OlderThan: age, File: path, OSUser: osUser, Host: host,
	}, sink)
	if err != nil {
		if !sink.committed {
			sink.abort()
			os.Remove(path) // nothing was deleted; a half-written file would only mislead
			if errors.Is(err, model.ErrRule) {
				return &exitError{code: 2, msg: tooYoung(*olderThan, svc.MinArchiveAge())}
			}
			return &exitError{code: 1, msg: "nothing archived: " + oneLine(err)}
		}
		if errors.Is(err, model.ErrConflict) {
			return &exitError{code: 1, msg: fmt.Sprintf("the audit log changed while archiving (another archive?); nothing was deleted. Remove %s and run again", path)}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("rows written to %s but NOT deleted (the database is unchanged): %s. Remove the file before running again", path, oneLine(err))}
	}
	fmt.Fprintf(cl.stdout, "archived %d rows to %s\n", res.Rows, path)
	if res.Record != nil {
		fmt.Fprintf(cl.stdout, "sha256 %s; archive record %d (chain %s)\n", res.Record.Checksum, res.Record.ID, res.Record.Chain)
	}
	return nil
}

func tooYoung(arg string, min time.Duration) string {
	return fmt.Sprintf("--older-than %s is shorter than the minimum retention of %d days (the Cybersecurity Law asks for at least six months): refused",
		arg, int(min/(24*time.Hour)))
}

var daysRe = regexp.MustCompile(`^([0-9]{1,5})d$`)

// parseAge reads "180d" (days) or a Go duration ("4320h").
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if m := daysRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf(`want days such as "180d" or a duration such as "4320h"`)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return d, nil
}

// archiveColumns are the table's own columns: an archive is data to keep and
// reload, not a report, so the headers are the column names and the times
// are RFC 3339 in UTC with full precision. (The report writer prefixes a
// text cell that starts with = + - @ with an apostrophe, against formula
// injection when the file is opened in a spreadsheet.)
var archiveColumns = []report.Column{
	{Header: "id"}, {Header: "created_at"}, {Header: "user_id"}, {Header: "username"}, {Header: "ip"},
	{Header: "request_id"}, {Header: "action"}, {Header: "object_kind"}, {Header: "object_id"},
	{Header: "domain"}, {Header: "changes"}, {Header: "updated_at"},
}

// csvArchive is the ArchiveSink of the command: a CSV file made durable on Commit.
type csvArchive struct {
	f         *os.File
	w         report.Writer
	sum       hash.Hash // SHA-256 of every byte written to f
	committed bool
}

func newCSVArchive(f *os.File) (*csvArchive, error) {
	sum := sha256.New()
	w, err := report.NewWriter(io.MultiWriter(f, sum), report.CSV, "audit_log", archiveColumns)
	if err != nil {
		return nil, err
	}
	return &csvArchive{f: f, w: w, sum: sum}, nil
}

// Checksum is the SHA-256 of the file, hex (sha256sum prints the same).
func (a *csvArchive) Checksum() string { return hex.EncodeToString(a.sum.Sum(nil)) }

func (a *csvArchive) Write(e *model.AuditEntry) error {
	var uid any
	if e.UserID != nil {
		uid = *e.UserID
	}
	return a.w.WriteRow(e.ID, e.CreatedAt.UTC().Format(time.RFC3339Nano), uid, e.Username, e.IP, e.RequestID,
		e.Action, e.ObjectKind, e.ObjectID, e.Domain, e.Changes, e.UpdatedAt.UTC().Format(time.RFC3339Nano))
}

// Commit flushes the rows, fsyncs and closes the file, then fsyncs its
// directory so that the file's name survives a crash too.
func (a *csvArchive) Commit() error {
	if err := a.w.Close(); err != nil {
		return err
	}
	if err := a.f.Sync(); err != nil {
		return err
	}
	if err := a.f.Close(); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(a.f.Name())); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return err
		}
	}
	a.committed = true
	return nil
}

func (a *csvArchive) abort() {
	_ = report.Abort(a.w)
	_ = a.f.Close()
}
