package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Notifications: the in-app inbox. Rows are written by the services in the
// transaction of the change they report; a user reads and marks only their own.

// NotificationFilter selects one user's notifications.
type NotificationFilter struct {
	UserID int64
	// Unread keeps the unread ones only.
	Unread bool
}

var notificationSort = sortSpec[model.Notification]{
	Columns: []sortColumn[model.Notification]{
		// unread: the unread ones first, each group newest first.
		{Key: "unread", Column: "(CASE WHEN notifications.read_at IS NULL THEN 1 ELSE 0 END)", Kind: "int",
			Value: func(n *model.Notification) any {
				if n.ReadAt == nil {
					return 1
				}
				return 0
			}},
		{Key: "newest", Column: "notifications.id", Kind: "int", Value: func(n *model.Notification) any { return n.ID }},
	},
	Default:     "unread",
	DefaultDesc: true,
	IDColumn:    "notifications.id",
	ID:          func(n *model.Notification) int64 { return n.ID },
}

// NotificationSortKeys lists the keys ListNotifications sorts by.
func NotificationSortKeys() []string { return sortKeys(notificationSort) }

func (db *DB) notificationQuery(ctx context.Context, f NotificationFilter) *gorm.DB {
	q := db.conn(ctx).Model(&model.Notification{}).Where("notifications.user_id = ?", f.UserID)
	if f.Unread {
		q = q.Where("notifications.read_at IS NULL")
	}
	return q
}

// ListNotifications pages through a user's notifications, unread first by default.
func (db *DB) ListNotifications(ctx context.Context, f NotificationFilter, req model.PageRequest) (model.List[model.Notification], error) {
	return page(db.notificationQuery(ctx, f), notificationSort, req)
}

// CountUnread counts a user's unread notifications up to limit: one COUNT
// over notifications_unread_idx (user_id, read_at) that never reads more
// than limit+1 index entries. The top bar's bell shows it.
func (db *DB) CountUnread(ctx context.Context, userID int64, limit int) (int, error) {
	var n int64
	sub := db.conn(ctx).Table("notifications").Select("1").Where("user_id = ? AND read_at IS NULL", userID).Limit(limit + 1)
	err := db.conn(ctx).Table("(?) AS unread", sub).Count(&n).Error
	return int(n), err
}

// NotificationByID loads a notification of the user; another user's is not found.
func (db *DB) NotificationByID(ctx context.Context, userID, id int64) (*model.Notification, error) {
	var n model.Notification
	if err := db.conn(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&n).Error; err != nil {
		return nil, notFound(err, "notification", id)
	}
	return &n, nil
}

// CreateNotifications inserts the notifications in one statement.
func (db *DB) CreateNotifications(ctx context.Context, ns []model.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := db.Now()
	for i := range ns {
		ns[i].CreatedAt, ns[i].UpdatedAt = now, now
		if ns[i].Params == "" {
			ns[i].Params = "{}"
		}
	}
	return db.conn(ctx).Create(&ns).Error
}

// MarkNotificationRead marks one of the user's notifications read (a read
// one stays as it was) and reports whether it changed.
func (db *DB) MarkNotificationRead(ctx context.Context, userID, id int64) (bool, error) {
	now := db.Now()
	res := db.conn(ctx).Model(&model.Notification{}).Where("id = ? AND user_id = ? AND read_at IS NULL", id, userID).
		Updates(map[string]any{"read_at": now, "updated_at": now})
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.NotificationByID(ctx, userID, id); err != nil {
			return false, err
		}
	}
	return res.RowsAffected > 0, nil
}

// MarkAllNotificationsRead marks every unread notification of the user read
// and returns how many.
func (db *DB) MarkAllNotificationsRead(ctx context.Context, userID int64) (int64, error) {
	now := db.Now()
	res := db.conn(ctx).Model(&model.Notification{}).Where("user_id = ? AND read_at IS NULL", userID).
		Updates(map[string]any{"read_at": now, "updated_at": now})
	return res.RowsAffected, res.Error
}

// RoleHolder names a role in a domain whose holders a notification goes to.
type RoleHolder struct{ Role, Domain string }

// RoleHolders returns the ids of the users who hold one of the roles in its
// domain now (valid at the store's clock), disabled users left out, in id order.
func (db *DB) RoleHolders(ctx context.Context, holders ...RoleHolder) ([]int64, error) {
	if len(holders) == 0 {
		return nil, nil
	}
	conds := make([]string, 0, len(holders))
	args := make([]any, 0, 2*len(holders)+3)
	for _, h := range holders {
		conds = append(conds, "(ra.role = ? AND ra.domain = ?)")
		args = append(args, h.Role, h.Domain)
	}
	now := db.Now()
	var ids []int64
	err := db.conn(ctx).Table("role_assignments ra").
		Joins("JOIN users u ON u.id = ra.user_id AND u.status <> ?", model.UserDisabled).
		Where("("+strings.Join(conds, " OR ")+")", args...).
		Where("ra.valid_from <= ? AND (ra.valid_until IS NULL OR ra.valid_until > ?)", now, now).
		Distinct().Order("ra.user_id").Pluck("ra.user_id", &ids).Error
	return ids, err
}
