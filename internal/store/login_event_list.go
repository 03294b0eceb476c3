package store

import (
	"context"
	"fmt"
	"net"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// LoginEventFilter selects login events for 登录日志. Zero fields do not filter.
type LoginEventFilter struct {
	// From and To bound created_at: From inclusive, To exclusive (UTC).
	From, To time.Time
	// Username matches a part of the username typed at the login form
	// (case-insensitive for latin letters).
	Username string
	// Result is model.LoginSuccess, LoginFailure or LoginLogout.
	Result string
	// IP matches exactly when it is a whole address (10.2.3.4, ::1) and as a
	// prefix otherwise (10.2.), so that a subnet can be looked at.
	IP string
}

var loginEventSort = sortSpec[model.LoginEvent]{
	Columns: []sortColumn[model.LoginEvent]{
		{Key: "created_at", Column: "login_events.created_at", Kind: "time", Value: func(e *model.LoginEvent) any { return e.CreatedAt }},
		{Key: "username", Column: "login_events.username", Kind: "text", Value: func(e *model.LoginEvent) any { return e.Username }},
		{Key: "result", Column: "login_events.result", Kind: "text", Value: func(e *model.LoginEvent) any { return e.Result }},
		{Key: "ip", Column: "login_events.ip", Kind: "text", Value: func(e *model.LoginEvent) any { return e.IP }},
	},
	Default:     "created_at",
	DefaultDesc: true,
	IDColumn:    "login_events.id",
	ID:          func(e *model.LoginEvent) int64 { return e.ID },
}

// LoginEventSortKeys lists the keys ListLoginEvents sorts by.
func LoginEventSortKeys() []string { return sortKeys(loginEventSort) }

func (db *DB) loginEventQuery(ctx context.Context, f LoginEventFilter) *gorm.DB {
	q := db.conn(ctx).Model(&model.LoginEvent{})
	if !f.From.IsZero() {
		q = q.Where("login_events.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("login_events.created_at < ?", f.To.UTC())
	}
	if f.Username != "" {
		q = q.Where("lower(login_events.username) LIKE lower(?) ESCAPE '\\'", likePattern(f.Username))
	}
	if f.Result != "" {
		q = q.Where("login_events.result = ?", f.Result)
	}
	if f.IP != "" {
		if net.ParseIP(f.IP) != nil {
			q = q.Where("login_events.ip = ?", f.IP)
		} else {
			p := likePattern(f.IP)
			q = q.Where("login_events.ip LIKE ? ESCAPE '\\'", p[1:]) // a prefix: drop the leading %
		}
	}
	return q
}

// ListLoginEvents pages through login events matching f, newest first by default.
func (db *DB) ListLoginEvents(ctx context.Context, f LoginEventFilter, req model.PageRequest) (model.List[model.LoginEvent], error) {
	return page(db.loginEventQuery(ctx, f), loginEventSort, req)
}

// EachLoginEvent calls fn for every login event matching f, in the order req
// asks for (its Sort and Desc; cursors and limit are ignored). It reads
// keyset batches of batch rows, so an export never holds more than one batch.
func (db *DB) EachLoginEvent(ctx context.Context, f LoginEventFilter, req model.PageRequest, batch int, fn func(*model.LoginEvent) error) error {
	return eachKeyset(db.loginEventQuery(ctx, f), loginEventSort, req, batch, fn)
}

// eachKeyset walks every row of q in keyset batches, without counting, in
// the sort order req picks from spec. It is page() for exports.
func eachKeyset[T any](q *gorm.DB, spec sortSpec[T], req model.PageRequest, batch int, fn func(*T) error) error {
	if batch <= 0 {
		batch = 1000
	}
	col, desc := spec.pick(req)
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	order := fmt.Sprintf("%s %s, %s %s", col.Column, dir, spec.IDColumn, dir)
	var lastVal any
	var lastID int64
	for {
		rows := q.Session(&gorm.Session{})
		if lastID != 0 {
			rows = rows.Where(fmt.Sprintf("(%s, %s) %s (?, ?)", col.Column, spec.IDColumn, op), lastVal, lastID)
		}
		var items []T
		if err := rows.Order(order).Limit(batch).Find(&items).Error; err != nil {
			return err
		}
		for i := range items {
			if err := fn(&items[i]); err != nil {
				return err
			}
		}
		if len(items) < batch {
			return nil
		}
		last := &items[len(items)-1]
		lastVal, lastID = col.Value(last), spec.ID(last)
		if t, ok := lastVal.(time.Time); ok {
			lastVal = t.UTC()
		}
	}
}
