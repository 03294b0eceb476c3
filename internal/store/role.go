package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"tongxin/internal/model"
)

// CreateRoleAssignment inserts a role assignment.
func (db *DB) CreateRoleAssignment(ctx context.Context, r *model.RoleAssignment) error {
	now := db.Now()
	r.CreatedAt, r.UpdatedAt = now, now
	if r.Source == "" {
		r.Source = model.SourceManual
	}
	return db.conn(ctx).Create(r).Error
}

// RoleAssignmentsOfUser lists a user's assignments, valid or not.
func (db *DB) RoleAssignmentsOfUser(ctx context.Context, userID int64) ([]model.RoleAssignment, error) {
	var out []model.RoleAssignment
	err := db.conn(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, err
}

// ValidRoleAssignments returns the assignments of active users valid at now,
// and the nearest later instant at which an assignment starts or ends.
func (db *DB) ValidRoleAssignments(ctx context.Context, now time.Time) ([]model.RoleAssignment, time.Time, error) {
	var valid []model.RoleAssignment
	err := db.conn(ctx).Table("role_assignments AS ra").Select("ra.*").
		Joins("JOIN users u ON u.id = ra.user_id AND u.status = ?", model.UserActive).
		Where("ra.valid_from <= ? AND (ra.valid_until IS NULL OR ra.valid_until > ?)", now, now).
		Order("ra.id").Find(&valid).Error
	if err != nil {
		return nil, time.Time{}, err
	}
	var next time.Time
	for _, q := range []string{
		"SELECT min(valid_from) FROM role_assignments WHERE valid_from > ?",
		"SELECT min(valid_until) FROM role_assignments WHERE valid_until > ?",
	} {
		var t nullTime
		if err := db.conn(ctx).Raw(q, now).Scan(&t).Error; err != nil {
			return nil, time.Time{}, err
		}
		if t.Valid && (next.IsZero() || t.Time.Before(next)) {
			next = t.Time
		}
	}
	return valid, next, nil
}

// RevokeRoleAssignments ends every open assignment of a user now.
func (db *DB) RevokeRoleAssignments(ctx context.Context, userID int64) error {
	now := db.Now()
	return db.conn(ctx).Model(&model.RoleAssignment{}).
		Where("user_id = ? AND (valid_until IS NULL OR valid_until > ?)", userID, now).
		Updates(map[string]any{"valid_until": now, "updated_at": now}).Error
}

// RoleAssignmentByID loads one assignment.
func (db *DB) RoleAssignmentByID(ctx context.Context, id int64) (*model.RoleAssignment, error) {
	var ra model.RoleAssignment
	if err := db.conn(ctx).Take(&ra, id).Error; err != nil {
		return nil, notFound(err, "role_assignment", id)
	}
	return &ra, nil
}

// OpenRoleAssignments lists a user's assignments that are valid now or later.
func (db *DB) OpenRoleAssignments(ctx context.Context, userID int64, now time.Time) ([]model.RoleAssignment, error) {
	var out []model.RoleAssignment
	err := db.conn(ctx).Where("user_id = ? AND (valid_until IS NULL OR valid_until > ?)", userID, now).Order("id").Find(&out).Error
	return out, err
}

// EndRoleAssignment sets the end of an assignment.
func (db *DB) EndRoleAssignment(ctx context.Context, id int64, at time.Time) error {
	return db.conn(ctx).Model(&model.RoleAssignment{}).Where("id = ?", id).
		Updates(map[string]any{"valid_until": at, "updated_at": db.Now()}).Error
}

// DomainExists reports whether the domain's object exists.
func (db *DB) DomainExists(ctx context.Context, kind string, id int64) (bool, error) {
	var table string
	switch kind {
	case model.DomainSys:
		return true, nil
	case model.DomainDistrict:
		table = "districts"
	case model.DomainAlliance:
		table = "alliances"
	case model.DomainUnit:
		table = "units"
	default:
		return false, nil
	}
	var n int64
	err := db.conn(ctx).Table(table).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// Districts lists the districts in code order.
func (db *DB) Districts(ctx context.Context) ([]model.District, error) {
	var out []model.District
	err := db.conn(ctx).Order("id").Find(&out).Error
	return out, err
}

// DomainOption is a domain a role may be granted in, found by name: the
// object's name, its kind (district, alliance, unit) and where it lies.
type DomainOption struct {
	Domain   string
	Kind     string
	Name     string
	Street   string // the street of an alliance or unit, if any
	District string // its district (empty for a district)
}

// DomainSearchLimit is the most options a search answers per kind.
const DomainSearchLimit = 50

// SearchDomains finds the active districts, alliances or units whose name
// contains q (case-insensitive for latin), or, for kind "street", the
// alliances and units of the streets whose name contains q. Names order
// them; at most DomainSearchLimit of each kind.
func (db *DB) SearchDomains(ctx context.Context, kind, q string) ([]DomainOption, error) {
	pat := likePattern(strings.TrimSpace(q))
	var out []DomainOption
	scan := func(kind, query string, args ...any) error {
		rows, err := db.conn(ctx).Raw(query, args...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			var street, district sql.NullString
			if err := rows.Scan(&id, &name, &street, &district); err != nil {
				return err
			}
			out = append(out, DomainOption{Domain: model.DomainOf(kind, id), Kind: kind, Name: name, Street: street.String, District: district.String})
		}
		return rows.Err()
	}
	const (
		alliances = `SELECT a.id, a.name, s.name, d.name FROM alliances a LEFT JOIN streets s ON s.id = a.street_id
			JOIN districts d ON d.id = a.district_id WHERE a.status = 'active' AND `
		units = `SELECT u.id, u.name, s.name, d.name FROM units u LEFT JOIN streets s ON s.id = u.street_id
			JOIN districts d ON d.id = u.district_id WHERE u.status = 'active' AND `
	)
	var err error
	switch kind {
	case model.DomainDistrict:
		err = scan(kind, `SELECT id, name, NULL, NULL FROM districts WHERE lower(name) LIKE lower(?) ESCAPE '\' ORDER BY name, id LIMIT ?`, pat, DomainSearchLimit)
	case model.DomainAlliance:
		err = scan(kind, alliances+`lower(a.name) LIKE lower(?) ESCAPE '\' ORDER BY a.name, a.id LIMIT ?`, pat, DomainSearchLimit)
	case model.DomainUnit:
		err = scan(kind, units+`lower(u.name) LIKE lower(?) ESCAPE '\' ORDER BY u.name, u.id LIMIT ?`, pat, DomainSearchLimit)
	case "street":
		if err = scan(model.DomainAlliance, alliances+`lower(s.name) LIKE lower(?) ESCAPE '\' ORDER BY s.name, a.name, a.id LIMIT ?`, pat, DomainSearchLimit); err == nil {
			err = scan(model.DomainUnit, units+`lower(s.name) LIKE lower(?) ESCAPE '\' ORDER BY s.name, u.name, u.id LIMIT ?`, pat, DomainSearchLimit)
		}
	}
	return out, err
}

// DomainNames names domains (徐汇区, the alliance's or the unit's name) in
// one statement, whatever the domains; sys and unknown domains are left out.
func (db *DB) DomainNames(ctx context.Context, domains []string) (map[string]string, error) {
	// Every kind is asked, an empty one for id 0 (no row has it), so that a
	// page runs the same statement whatever its domains.
	refs := map[string][]int64{model.DomainDistrict: {0}, model.DomainAlliance: {0}, model.DomainUnit: {0}}
	for _, d := range domains {
		if kind, id, err := model.ParseDomain(d); err == nil && kind != model.DomainSys && !slices.Contains(refs[kind], id) {
			refs[kind] = append(refs[kind], id)
		}
	}
	names, err := db.AuditNames(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for kind, m := range names {
		for id, n := range m {
			out[model.DomainOf(kind, id)] = n
		}
	}
	return out, nil
}
