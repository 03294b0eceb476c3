package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"tongxin/internal/model"
)

// AuditArchive is a row of audit_archives: what one archive removed from
// the audit log (see migration 00018).
type AuditArchive struct {
	ID       int64
	FromID   int64
	ToID     int64
	BeforeAt time.Time
	// RetentionSeconds is the retention the rows' age was checked against.
	RetentionSeconds int64
	RowCount         int64
	// Checksum is the SHA-256 (hex) of the archive file.
	Checksum string
	// Chain is sha256(previous archive's chain || Checksum), hex: a removed
	// or changed archive record breaks every later one.
	Chain      string
	ArchivedBy string
	File       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName is the table of AuditArchive.
func (AuditArchive) TableName() string { return "audit_archives" }

// ArchiveRequest says which rows an archive removes and what it wrote.
type ArchiveRequest struct {
	Before    time.Time     // rows created before this
	Retention time.Duration // the age the database checks them against
	ToID      int64         // the highest id written to the archive
	Rows      int64         // how many rows were written
	Checksum  string        // SHA-256 of the archive file, hex
	By, File  string
}

// ErrArchiveChanged: the rows to delete are not the rows the archive holds
// (another archive ran meanwhile); nothing was deleted.
var ErrArchiveChanged = errors.New("store: the audit log changed while archiving")

// ArchiveAudit records the archive and deletes the rows it holds, through
// the database's one path for it: on Postgres the SECURITY DEFINER function
// audit_archive(), which checks the age itself; on SQLite the record is
// written first (its trigger checks the age) and the DELETE's trigger lets
// through only rows the record covers. It must run inside WithTx. A refusal
// of the database (rows too young) is a model.RuleError; a count that
// differs from r.Rows is ErrArchiveChanged; either way nothing is deleted.
func (db *DB) ArchiveAudit(ctx context.Context, r ArchiveRequest) (*AuditArchive, error) {
	if !db.InTx(ctx) {
		return nil, fmt.Errorf("store: ArchiveAudit must run inside WithTx")
	}
	c := db.conn(ctx)
	secs := int64(r.Retention / time.Second)
	if db.dialect == Postgres {
		var id int64
		err := c.Raw("SELECT audit_archive(?, make_interval(secs => ?), ?, ?, ?, ?, ?)",
			r.Before.UTC(), secs, r.ToID, r.Rows, r.Checksum, r.By, r.File).Scan(&id).Error
		if err != nil {
			return nil, archiveError(err)
		}
		var a AuditArchive
		if err := c.Take(&a, id).Error; err != nil {
			return nil, err
		}
		return &a, nil
	}
	var from *int64
	if err := c.Raw("SELECT min(id) FROM audit_log WHERE id <= ? AND created_at < ?", r.ToID, r.Before.UTC()).Scan(&from).Error; err != nil {
		return nil, err
	}
	prev, err := db.lastArchiveChain(ctx)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	a := &AuditArchive{ToID: r.ToID, BeforeAt: r.Before.UTC(), RetentionSeconds: secs, RowCount: r.Rows,
		Checksum: r.Checksum, Chain: ArchiveChain(prev, r.Checksum), ArchivedBy: r.By, File: r.File, CreatedAt: now, UpdatedAt: now}
	if from != nil {
		a.FromID = *from
	}
	if err := c.Create(a).Error; err != nil {
		return nil, archiveError(err)
	}
	del := c.Exec("DELETE FROM audit_log WHERE id <= ? AND created_at < ?", r.ToID, r.Before.UTC())
	if del.Error != nil {
		return nil, archiveError(del.Error)
	}
	if del.RowsAffected != r.Rows {
		return nil, ErrArchiveChanged
	}
	return a, nil
}

func (db *DB) lastArchiveChain(ctx context.Context) (string, error) {
	var chains []string
	err := db.conn(ctx).Model(&AuditArchive{}).Order("id DESC").Limit(1).Pluck("chain", &chains).Error
	if err != nil || len(chains) == 0 {
		return "", err
	}
	return chains[0], nil
}

// archiveError turns the database's refusals into typed errors.
func archiveError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not yet past the retention"), strings.Contains(msg, "below the minimum"),
		strings.Contains(msg, "not past the retention"):
		return model.Rule("audit_retention", "audit.archive_too_young")
	case strings.Contains(msg, "rows to delete, the archive holds"):
		return ErrArchiveChanged
	}
	return err
}

// ArchiveChain is the chain hash of an archive: sha256(prev || checksum), hex.
func ArchiveChain(prev, checksum string) string {
	sum := sha256.Sum256([]byte(prev + checksum))
	return hex.EncodeToString(sum[:])
}

// AuditArchives lists the archive records, oldest first.
func (db *DB) AuditArchives(ctx context.Context) ([]AuditArchive, error) {
	var out []AuditArchive
	err := db.conn(ctx).Order("id").Find(&out).Error
	return out, err
}

// VerifyAuditArchives checks the archive records: each record's chain
// follows from the previous one and its checksum, and no audit row is left
// that a record says was removed. It returns nil when all holds.
func (db *DB) VerifyAuditArchives(ctx context.Context) error {
	as, err := db.AuditArchives(ctx)
	if err != nil {
		return err
	}
	prev := ""
	for _, a := range as {
		if want := ArchiveChain(prev, a.Checksum); a.Chain != want {
			return fmt.Errorf("audit archive %d: chain %s, want %s", a.ID, a.Chain, want)
		}
		prev = a.Chain
		var n int64
		if err := db.conn(ctx).Model(&model.AuditEntry{}).Where("id BETWEEN ? AND ? AND created_at < ?", a.FromID, a.ToID, a.BeforeAt).
			Count(&n).Error; err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("audit archive %d: %d rows of its range are still in the log", a.ID, n)
		}
	}
	return nil
}
