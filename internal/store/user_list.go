package store

import (
	"context"

	"tongxin/internal/model"
)

// UserFilter selects users for the admin list.
type UserFilter struct {
	// Query matches username or display name (substring, case-insensitive for latin).
	Query  string
	Status string
	// Role and Domain match users holding such an assignment valid now.
	// Domain is a code (district:310104, sys) or part of the name of a
	// district, an alliance or a unit (徐汇区, 第八人民医院).
	Role   string
	Domain string
}

var userSort = sortSpec[model.User]{
	Columns: []sortColumn[model.User]{
		{Key: "id", Column: "users.id", Kind: "int", Value: func(u *model.User) any { return u.ID }},
		{Key: "username", Column: "users.username", Kind: "text", Value: func(u *model.User) any { return u.Username }},
		{Key: "display_name", Column: "users.display_name", Kind: "text", Value: func(u *model.User) any { return u.DisplayName }},
		{Key: "status", Column: "users.status", Kind: "text", Value: func(u *model.User) any { return u.Status }},
		{Key: "created_at", Column: "users.created_at", Kind: "time", Value: func(u *model.User) any { return u.CreatedAt }},
	},
	Default:  "id",
	IDColumn: "users.id",
	ID:       func(u *model.User) int64 { return u.ID },
}

// UserSortKeys lists the keys ListUsers sorts by.
func UserSortKeys() []string { return sortKeys(userSort) }

// ListUsers pages through users matching f.
func (db *DB) ListUsers(ctx context.Context, f UserFilter, req model.PageRequest) (model.List[model.User], error) {
	q := db.conn(ctx).Model(&model.User{})
	if f.Query != "" {
		p := likePattern(f.Query)
		q = q.Where("(lower(users.username) LIKE lower(?) ESCAPE '\\' OR users.display_name LIKE ? ESCAPE '\\')", p, p)
	}
	if f.Status != "" {
		q = q.Where("users.status = ?", f.Status)
	}
	if f.Role != "" || f.Domain != "" {
		sub := db.conn(ctx).Table("role_assignments ra").Select("1").
			Where("ra.user_id = users.id AND ra.valid_from <= ? AND (ra.valid_until IS NULL OR ra.valid_until > ?)", db.Now(), db.Now())
		if f.Role != "" {
			sub = sub.Where("ra.role = ?", f.Role)
		}
		if _, _, err := model.ParseDomain(f.Domain); err == nil {
			sub = sub.Where("ra.domain = ?", f.Domain)
		} else if f.Domain != "" {
			p := likePattern(f.Domain)
			sub = sub.Where(`ra.domain IN (SELECT 'district:' || id FROM districts WHERE lower(name) LIKE lower(?) ESCAPE '\'
				UNION ALL SELECT 'alliance:' || id FROM alliances WHERE lower(name) LIKE lower(?) ESCAPE '\'
				UNION ALL SELECT 'unit:' || id FROM units WHERE lower(name) LIKE lower(?) ESCAPE '\')`, p, p, p)
		}
		q = q.Where("EXISTS (?)", sub)
	}
	return page(q, userSort, req)
}
