package store

import (
	"context"
	"time"

	"tongxin/internal/model"
)

// UnreadNoticesSince returns the user's unread notifications of the kinds
// created after since (all of them when since is nil), newest first, at
// most limit.
func (db *DB) UnreadNoticesSince(ctx context.Context, userID int64, kinds []string, since *time.Time, limit int) ([]model.Notification, error) {
	q := db.conn(ctx).Where("user_id = ? AND kind IN ? AND read_at IS NULL", userID, kinds)
	if since != nil {
		q = q.Where("created_at > ?", since.UTC())
	}
	var out []model.Notification
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
