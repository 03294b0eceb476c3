package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// UserByID loads a user.
func (db *DB) UserByID(ctx context.Context, id int64) (*model.User, error) {
	var u model.User
	if err := db.conn(ctx).Take(&u, id).Error; err != nil {
		return nil, notFound(err, "user", id)
	}
	return &u, nil
}

// UserByUsername loads a user by normalised username.
func (db *DB) UserByUsername(ctx context.Context, username string) (*model.User, error) {
	var u model.User
	if err := db.conn(ctx).Where("username = ?", username).Take(&u).Error; err != nil {
		return nil, notFound(err, "user", username)
	}
	return &u, nil
}

// CreateUser inserts a user and its first password-history row. A taken
// username is a ValidationError on the username field.
func (db *DB) CreateUser(ctx context.Context, u *model.User) error {
	now := db.Now()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Version == 0 {
		u.Version = 1
	}
	if u.Status == "" {
		u.Status = model.UserActive
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.conn(ctx).Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return (&model.ValidationError{}).Add("username", "user.username_taken")
			}
			return err
		}
		return db.conn(ctx).Create(&passwordHistory{UserID: u.ID, PasswordHash: u.PasswordHash, CreatedAt: now, UpdatedAt: now}).Error
	})
}

// LoginAttempt is the change a login makes to the user row.
type LoginAttempt struct {
	FailedAttempts int
	FirstFailedAt  *time.Time
	LockedUntil    *time.Time
	LastLoginAt    *time.Time
}

// RecordLoginAttempt writes the counters of a login attempt. It does not
// bump the version: a login must not make an administrator's open edit stale.
func (db *DB) RecordLoginAttempt(ctx context.Context, userID int64, a LoginAttempt) error {
	updates := map[string]any{
		"failed_attempts": a.FailedAttempts,
		"first_failed_at": a.FirstFailedAt,
		"locked_until":    a.LockedUntil,
		"updated_at":      db.Now(),
	}
	if a.LastLoginAt != nil {
		updates["last_login_at"] = a.LastLoginAt
	}
	return db.conn(ctx).Model(&model.User{}).Where("id = ?", userID).Updates(updates).Error
}

// SetPassword stores a new hash, records it in the history and clears or sets
// the must-change flag. The version guards the fields of the edit form only,
// so a password change does not make an administrator's open edit stale.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool) error {
	now := db.Now()
	return db.WithTx(ctx, func(ctx context.Context) error {
		res := db.conn(ctx).Model(&model.User{}).Where("id = ?", userID).Updates(map[string]any{
			"password_hash":        hash,
			"must_change_password": mustChange,
			"password_changed_at":  now,
			"failed_attempts":      0,
			"first_failed_at":      nil,
			"locked_until":         nil,
			"updated_at":           now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return model.NotFound("user", userID)
		}
		return db.conn(ctx).Create(&passwordHistory{UserID: userID, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}).Error
	})
}

// RecentPasswordHashes returns the user's last n password hashes, newest first.
func (db *DB) RecentPasswordHashes(ctx context.Context, userID int64, n int) ([]string, error) {
	var hashes []string
	err := db.conn(ctx).Model(&passwordHistory{}).Where("user_id = ?", userID).
		Order("id DESC").Limit(n).Pluck("password_hash", &hashes).Error
	return hashes, err
}

// CountUsers counts all users (demo seeding, readiness of a new install).
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := db.conn(ctx).Model(&model.User{}).Count(&n).Error
	return n, err
}

type passwordHistory struct {
	ID           int64
	UserID       int64
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (passwordHistory) TableName() string { return "password_history" }

// SetUserStatus sets active or disabled (not a field of the edit form, so
// the version stays).
func (db *DB) SetUserStatus(ctx context.Context, userID int64, status string) error {
	res := db.conn(ctx).Model(&model.User{}).Where("id = ?", userID).Updates(map[string]any{
		"status": status, "updated_at": db.Now(),
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("user", userID)
	}
	return res.Error
}

// UpdateUserProfile changes the editable fields if the version matches,
// bumping it; a mismatch is a conflict (someone saved first).
func (db *DB) UpdateUserProfile(ctx context.Context, id int64, version int, displayName, phone, email string) error {
	res := db.conn(ctx).Model(&model.User{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"display_name": displayName, "phone": phone, "email": email,
		"version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.UserByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}
