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
