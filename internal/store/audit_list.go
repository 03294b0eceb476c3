package store

import (
	"context"
	"database/sql"
	"sort"
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
	Action string
	// Actions keeps the rows whose code is one of them (a kind of operation).
	Actions []string
	// ExcludeActions leaves out the rows whose code is one of them (the
	// business operations leave out sign-ins and security events).
	ExcludeActions []string

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
	if len(f.Actions) > 0 {
		q = q.Where("audit_log.action IN ?", f.Actions)
	}
	if len(f.ExcludeActions) > 0 {
		q = q.Where("audit_log.action NOT IN ?", f.ExcludeActions)
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

// auditNameSQL names the objects of each kind the audit log refers to: the
// id and name columns for the ids bound to its one placeholder.
var auditNameSQL = map[string]string{
	"project":         "SELECT id, title FROM projects WHERE id IN ?",
	"need":            "SELECT id, title FROM needs WHERE id IN ?",
	"resource":        "SELECT id, title FROM resources WHERE id IN ?",
	"alliance":        "SELECT id, name FROM alliances WHERE id IN ?",
	"unit":            "SELECT id, name FROM units WHERE id IN ?",
	"district":        "SELECT id, name FROM districts WHERE id IN ?",
	"street":          "SELECT id, name FROM streets WHERE id IN ?",
	"grid":            "SELECT id, name FROM grids WHERE id IN ?",
	"service_site":    "SELECT id, name FROM service_sites WHERE id IN ?",
	"committee":       "SELECT id, name FROM committees WHERE id IN ?",
	"meeting":         "SELECT id, title FROM meetings WHERE id IN ?",
	"user":            "SELECT id, display_name FROM users WHERE id IN ?",
	"case":            "SELECT c.id, p.title FROM cases c JOIN projects p ON p.id = c.project_id WHERE c.id IN ?",
	"claim":           "SELECT c.id, u.name FROM claims c JOIN units u ON u.id = c.claimant_unit_id WHERE c.id IN ?",
	"membership":      "SELECT m.id, u.name FROM memberships m JOIN units u ON u.id = m.unit_id WHERE m.id IN ?",
	"rotation_term":   "SELECT t.id, u.name FROM rotation_terms t JOIN units u ON u.id = t.unit_id WHERE t.id IN ?",
	"rotation_duty":   "SELECT d.id, u.name FROM rotation_duties d JOIN rotation_terms t ON t.id = d.term_id JOIN units u ON u.id = t.unit_id WHERE d.id IN ?",
	"dictionary_item": "SELECT id, label_zh FROM dictionary_items WHERE id IN ?",
	"import_job":      "SELECT id, file_name FROM import_jobs WHERE id IN ?",
	"api_token":       "SELECT id, name FROM api_tokens WHERE id IN ?",
	"attachment":      "SELECT id, file_name FROM attachments WHERE id IN ?",
	"role_assignment": "SELECT r.id, u.display_name FROM role_assignments r JOIN users u ON u.id = r.user_id WHERE r.id IN ?",
}

// auditNameKinds lists the kinds in a fixed order (the statement's text
// then depends only on which kinds are asked).
var auditNameKinds = func() []string {
	out := make([]string, 0, len(auditNameSQL))
	for k := range auditNameSQL {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}()

// AuditNameKinds reports whether AuditNames can name objects of kind.
func AuditNameKinds(kind string) bool { _, ok := auditNameSQL[kind]; return ok }

// AuditNames names the objects a page of the audit log refers to, in one
// statement whatever the number of rows and kinds (a UNION ALL of one
// SELECT per kind asked). Unknown kinds and ids that no longer exist are
// left out.
func (db *DB) AuditNames(ctx context.Context, refs map[string][]int64) (map[string]map[int64]string, error) {
	out := make(map[string]map[int64]string, len(refs))
	var parts []string
	var args []any
	for _, kind := range auditNameKinds {
		if ids := refs[kind]; len(ids) > 0 {
			parts = append(parts, "SELECT '"+kind+"', q.* FROM ("+auditNameSQL[kind]+") q")
			args = append(args, ids)
		}
	}
	if len(parts) == 0 {
		return out, nil
	}
	rows, err := db.conn(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id int64
		var name sql.NullString
		if err := rows.Scan(&kind, &id, &name); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[int64]string{}
		}
		out[kind][id] = name.String
	}
	return out, rows.Err()
}

// prefixPattern escapes % and _ for a LIKE search of s at the start.
func prefixPattern(s string) string {
	p := likePattern(s) // "%s%"
	return strings.TrimPrefix(p, "%")
}

// ReviewStep is a project review with what its audit row names: the
// project's alliance and the actor's username.
type ReviewStep struct {
	model.ProjectReview
	AllianceID int64
	Username   string
}

// ReviewSteps lists every project review, oldest first (the demo writes
// the audit trail of its projects from them).
func (db *DB) ReviewSteps(ctx context.Context) ([]ReviewStep, error) {
	var out []ReviewStep
	err := db.conn(ctx).Table("project_reviews r").
		Select("r.*, p.alliance_id, COALESCE(u.username, '') AS username").
		Joins("JOIN projects p ON p.id = r.project_id").
		Joins("LEFT JOIN users u ON u.id = r.actor_id").
		Order("r.created_at, r.id").Scan(&out).Error
	return out, err
}

// AppendAuditAt writes an audit row dated at: only for rows that record
// what happened before they were written (the demo's trail).
func (db *DB) AppendAuditAt(ctx context.Context, e *model.AuditEntry, at time.Time) error {
	e.CreatedAt, e.UpdatedAt = at.UTC(), at.UTC()
	return db.conn(ctx).Create(e).Error
}

// AuditTrail returns the newest n audit rows of one object (kind and id as
// the audit log records them), newest first.
func (db *DB) AuditTrail(ctx context.Context, kind, id string, n int) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	err := db.conn(ctx).Where("object_kind = ? AND object_id = ?", kind, id).Order("id DESC").Limit(n).Find(&out).Error
	return out, err
}
