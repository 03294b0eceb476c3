package store

import (
	"context"

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
