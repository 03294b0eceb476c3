package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// AuditFilter selects rows of the audit log. Zero fields do not filter.
type AuditFilter struct {
	// From and To bound created_at: From <= created_at < To.
	From, To time.Time
	// Username matches the actor's username anywhere (case-insensitive for latin).
	Username string
	// Action matches codes that start with it ("login." or "user.create").
	Action     string
	ObjectKind string
	ObjectID   string
	// MaxID keeps rows with id <= MaxID (archiving).
	MaxID int64
}

var auditSort = sortSpec[model.AuditEntry]{
	Columns: []sortColumn[model.AuditEntry]{
		{Key: "created_at", Column: "audit_log.created_at", Kind: "time", Value: func(e *model.AuditEntry) any { return e.CreatedAt }},
		{Key: "id", Column: "audit_log.id", Kind: "int", Value: func(e *model.AuditEntry) any { return e.ID }},
	},
	Default:     "created_at",
	DefaultDesc: true,
	IDColumn:    "audit_log.id",
	ID:          func(e *model.AuditEntry) int64 { return e.ID },
}

// AuditSortKeys lists the keys ListAudit sorts by.
func AuditSortKeys() []string { return sortKeys(auditSort) }

// auditQuery is the filtered query every audit read starts from.
func (db *DB) auditQuery(ctx context.Context, f AuditFilter) *gorm.DB {
	q := db.conn(ctx).Model(&model.AuditEntry{})
	if !f.From.IsZero() {
		q = q.Where("audit_log.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("audit_log.created_at < ?", f.To.UTC())
	}
	if f.Username != "" {
		q = q.Where("lower(audit_log.username) LIKE lower(?) ESCAPE '\\'", likePattern(f.Username))
	}
	if f.Action != "" {
		q = q.Where("audit_log.action LIKE ? ESCAPE '\\'", prefixPattern(f.Action))
	}
	if f.ObjectKind != "" {
		q = q.Where("audit_log.object_kind = ?", f.ObjectKind)
	}
	if f.ObjectID != "" {
		q = q.Where("audit_log.object_id = ?", f.ObjectID)
	}
	if f.MaxID > 0 {
		q = q.Where("audit_log.id <= ?", f.MaxID)
	}
	return q
}

// ListAudit pages through the audit log, newest first unless req sorts otherwise.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter, req model.PageRequest) (model.List[model.AuditEntry], error) {
	return page(db.auditQuery(ctx, f), auditSort, req)
}

// AuditOrder is the order in which EachAudit walks the rows.
type AuditOrder int

// Orders of EachAudit.
const (
	// AuditNewestFirst walks (created_at, id) descending, as the list shows them.
	AuditNewestFirst AuditOrder = iota
	// AuditByID walks id ascending (archiving: the last id read bounds the delete).
	AuditByID
)

// EachAudit calls fn for every row matching f, reading keyset batches of
// batch rows (without counting, unlike ListAudit). Each batch is its own
// statement, so no transaction or cursor stays open while fn streams a file.
func (db *DB) EachAudit(ctx context.Context, f AuditFilter, order AuditOrder, batch int, fn func(*model.AuditEntry) error) error {
	if batch <= 0 {
		batch = 500
	}
	var (
		lastTime time.Time
		lastID   int64
		started  bool
	)
	for {
		q := db.auditQuery(ctx, f)
		switch order {
		case AuditByID:
			if started {
				q = q.Where("audit_log.id > ?", lastID)
			}
			q = q.Order("audit_log.id ASC")
		default:
			if started {
				q = q.Where("(audit_log.created_at, audit_log.id) < (?, ?)", lastTime, lastID)
			}
			q = q.Order("audit_log.created_at DESC, audit_log.id DESC")
		}
		var rows []model.AuditEntry
		if err := q.Limit(batch).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		last := rows[len(rows)-1]
		lastTime, lastID, started = last.CreatedAt.UTC(), last.ID, true
	}
}

// DeleteArchivedAudit deletes the rows an archive has written out: those with
// id <= maxID and created_at < before. It must run inside the archiving
// transaction (WithTx): it opens the database's append-only guard for that
// transaction only (Postgres: a transaction-local setting; SQLite: the
// audit_archive_lock row, set and cleared again before COMMIT), and takes the
// lock row first, so that two archives run one after the other.
func (db *DB) DeleteArchivedAudit(ctx context.Context, maxID int64, before time.Time) (int64, error) {
	if !db.InTx(ctx) {
		return 0, fmt.Errorf("store: DeleteArchivedAudit must run inside WithTx")
	}
	c := db.conn(ctx)
	now := db.Now()
	res := c.Exec("UPDATE audit_archive_lock SET active = 1, updated_at = ? WHERE id = 1", now)
	if res.Error != nil {
		return 0, fmt.Errorf("store: open the audit archive guard: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return 0, fmt.Errorf("store: audit_archive_lock has no row 1 (migration 00002 not applied?)")
	}
	if db.dialect == Postgres {
		if err := c.Exec("SELECT set_config('tongxin.audit_archive', 'on', true)").Error; err != nil {
			return 0, err
		}
	}
	del := c.Exec("DELETE FROM audit_log WHERE id <= ? AND created_at < ?", maxID, before.UTC())
	if del.Error != nil {
		return 0, del.Error
	}
	if db.dialect == Postgres {
		if err := c.Exec("SELECT set_config('tongxin.audit_archive', 'off', true)").Error; err != nil {
			return 0, err
		}
	}
	if err := c.Exec("UPDATE audit_archive_lock SET active = 0, updated_at = ? WHERE id = 1", now).Error; err != nil {
		return 0, err
	}
	return del.RowsAffected, nil
}

// prefixPattern escapes % and _ for a LIKE search of s at the start.
func prefixPattern(s string) string {
	p := likePattern(s) // "%s%"
	return strings.TrimPrefix(p, "%")
}
