package store

import (
	"context"
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
