package store

import (
	"context"

	"tongxin/internal/model"
)

// DigestRecipient is a user the daily digest may be mailed to.
type DigestRecipient struct {
	ID       int64
	Username string
	Email    string
}

// DigestRecipients pages (by id, after afterID) through the active users
// with an e-mail address.
func (db *DB) DigestRecipients(ctx context.Context, afterID int64, limit int) ([]DigestRecipient, error) {
	var out []DigestRecipient
	err := db.conn(ctx).Table("users").Select("id, username, email").
		Where("id > ? AND status = ? AND COALESCE(email, '') <> ''", afterID, model.UserActive).
		Order("id").Limit(limit).Scan(&out).Error
	return out, err
}
