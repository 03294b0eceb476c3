package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Action codes this service writes to the audit log.
const (
	ActionAuditExport  = "audit.export"
	ActionAuditArchive = "audit.archive"
)

// AuditMinRetention is the shortest time an audit row stays in the database:
// the Cybersecurity Law (网络安全法, art. 21) asks that network logs be kept
// for no less than six months. No configuration can lower it.
const AuditMinRetention = 180 * 24 * time.Hour

// AuditOptions configure the audit-log service.
type AuditOptions struct {
	// MinArchiveAge is how old a row must be before it may be archived; below
	// AuditMinRetention (or zero) it is raised to AuditMinRetention.
	MinArchiveAge time.Duration
}

// Audit reads the audit log for the audit admin (审计管理员) and archives old
// rows for the operator.
type Audit struct {
	db     *store.DB
	authz  *authz.Authorizer
	minAge time.Duration
}

// NewAudit builds the service. Archive needs only d.DB; List and Export also
// need d.Authz.
func NewAudit(d Deps, o AuditOptions) *Audit {
	return &Audit{db: d.DB, authz: d.Authz, minAge: max(o.MinArchiveAge, AuditMinRetention)}
}

// MinArchiveAge is the minimum age of an archived row.
func (s *Audit) MinArchiveAge() time.Duration { return s.minAge }

// List pages through the audit log, newest first.
func (s *Audit) List(ctx context.Context, actor model.Actor, f store.AuditFilter, req model.PageRequest) (model.List[model.AuditEntry], error) {
	if err := s.authz.Check(actor.UserID, SysChain, "audit_log", "read"); err != nil {
		return model.List[model.AuditEntry]{}, err
	}
	return s.db.ListAudit(ctx, f, req)
}

// Names names the objects a page of the audit log refers to (kind → id →
// name), in one statement per kind. The reader of the audit log sees the
// names of whatever it records: that is what the log is for.
func (s *Audit) Names(ctx context.Context, actor model.Actor, refs map[string][]int64) (map[string]map[int64]string, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "audit_log", "read"); err != nil {
		return nil, err
	}
	return s.db.AuditNames(ctx, refs)
}

// exportBatch is how many rows an export reads per statement.
const exportBatch = 500

// Export calls fn for every row matching f, newest first, in keyset batches.
// An export takes data out of the system, so it is itself audited: the row
// (action audit.export, with the format and the filter) is committed before
// the first row is read, and is therefore recorded even when the download
// breaks off half-way.
func (s *Audit) Export(ctx context.Context, actor model.Actor, f store.AuditFilter, format string, fn func(*model.AuditEntry) error) error {
	if err := s.authz.Check(actor.UserID, SysChain, "audit_log", "export"); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		return audit(ctx, s.db, actor, ActionAuditExport, "audit_log", "", model.DomainSys,
			map[string]any{"format": format, "filter": AuditFilterFields(f)})
	})
	if err != nil {
		return err
	}
	return s.db.EachAudit(ctx, f, store.AuditNewestFirst, exportBatch, fn)
}

// AuditFilterFields is the filter as the audit row of an export records it:
// only the fields that are set, times in RFC 3339 UTC.
func AuditFilterFields(f store.AuditFilter) map[string]string {
	out := map[string]string{}
	if !f.From.IsZero() {
		out["from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		out["to"] = f.To.UTC().Format(time.RFC3339)
	}
	for k, v := range map[string]string{"username": f.Username, "action": f.Action, "object_kind": f.ObjectKind, "object_id": f.ObjectID,
		"actions": strings.Join(f.Actions, ","), "exclude_actions": strings.Join(f.ExcludeActions, ",")} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// ArchiveSink receives the rows of an archive. Commit must make them durable
// (flush, fsync, close): rows are deleted only after it returns nil.
// Checksum, after Commit, is the SHA-256 (hex) of what was written: the
// database's archive record keeps it.
type ArchiveSink interface {
	Write(*model.AuditEntry) error
	Commit() error
	Checksum() string
}

// ArchiveResult says what an archive did.
type ArchiveResult struct {
	Rows   int64
	LastID int64
	Cutoff time.Time
	// Record is the database's record of the archive (audit_archives).
	Record *store.AuditArchive
}

// Msg keys of archive refusals.
const (
	MsgArchiveTooYoung = "audit.archive_too_young"
	MsgArchiveChanged  = "audit.archive_changed"
)

// ArchiveRequest is what `tongxin audit archive` asks for.
type ArchiveRequest struct {
	// OlderThan: rows created before now − OlderThan are archived.
	OlderThan time.Duration
	// File is where the rows went, recorded in the audit row.
	File string
	// OSUser and Host say who ran the command, recorded in the audit row.
	OSUser, Host string
}

// Archive moves the rows older than r.OlderThan out of the database: it
// writes them, by id, to sink and commits the sink FIRST; only then, in one
// transaction, it has the database delete exactly the rows written (id up to
// the last id written and created before the cutoff) through its one archive
// path (store.ArchiveAudit: the database checks the age against the
// retention itself and keeps a record with the file's checksum), and records
// an audit.archive row with the count, the file name and the checksum. When the number deleted differs from the
// number written (someone else archived meanwhile), the transaction rolls
// back and nothing is deleted.
//
// There is no permission check: the only caller is the `tongxin audit
// archive` command, run by an operator who holds the database credentials.
// OlderThan below the minimum retention is a RuleError.
func (s *Audit) Archive(ctx context.Context, actor model.Actor, r ArchiveRequest, sink ArchiveSink) (ArchiveResult, error) {
	if r.OlderThan < s.minAge {
		return ArchiveResult{}, model.Rule("audit_retention", MsgArchiveTooYoung)
	}
	res := ArchiveResult{Cutoff: s.db.Now().Add(-r.OlderThan)}
	f := store.AuditFilter{To: res.Cutoff}
	err := s.db.EachAudit(ctx, f, store.AuditByID, exportBatch, func(e *model.AuditEntry) error {
		if err := sink.Write(e); err != nil {
			return err
		}
		res.Rows++
		res.LastID = e.ID
		return nil
	})
	if err != nil {
		return ArchiveResult{}, fmt.Errorf("write the archive: %w", err)
	}
	if err := sink.Commit(); err != nil {
		return ArchiveResult{}, fmt.Errorf("write the archive: %w", err)
	}
	changes := map[string]any{"rows": res.Rows, "file": r.File, "cutoff": res.Cutoff.Format(time.RFC3339), "last_id": res.LastID}
	if r.OSUser != "" {
		changes["os_user"] = r.OSUser
	}
	if r.Host != "" {
		changes["host"] = r.Host
	}
	by := r.OSUser
	if r.Host != "" {
		by += "@" + r.Host
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if res.Rows > 0 {
			rec, err := s.db.ArchiveAudit(ctx, store.ArchiveRequest{Before: res.Cutoff, Retention: r.OlderThan, ToID: res.LastID,
				Rows: res.Rows, Checksum: sink.Checksum(), By: by, File: r.File})
			if errors.Is(err, store.ErrArchiveChanged) {
				return model.Conflict(MsgArchiveChanged)
			}
			if err != nil {
				return err
			}
			res.Record = rec
			changes["archive_id"] = rec.ID
			changes["checksum"] = rec.Checksum
			changes["chain"] = rec.Chain
		}
		return audit(ctx, s.db, actor, ActionAuditArchive, "audit_log", "", model.DomainSys, changes)
	})
	if err != nil {
		return ArchiveResult{}, err
	}
	return res, nil
}
