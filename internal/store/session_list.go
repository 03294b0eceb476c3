package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// OnlineSession is a live session of a logged-in user, as 在线用户 lists it.
// It never carries the session token.
type OnlineSession struct {
	ID          int64
	UserID      int64
	Username    string
	DisplayName string
	IP          string
	UserAgent   string
	CreatedAt   time.Time // 登录时间
	UpdatedAt   time.Time // 最后活动: the last time the session was saved
	Expiry      time.Time
}

// SessionFilter selects online sessions.
type SessionFilter struct {
	// Username matches a part of the username or the display name.
	Username string
	// UserID keeps the sessions of one user.
	UserID int64
}

var sessionSort = sortSpec[OnlineSession]{
	Columns: []sortColumn[OnlineSession]{
		{Key: "updated_at", Column: "sessions.updated_at", Kind: "time", Value: func(s *OnlineSession) any { return s.UpdatedAt }},
		{Key: "created_at", Column: "sessions.created_at", Kind: "time", Value: func(s *OnlineSession) any { return s.CreatedAt }},
		{Key: "expiry", Column: "sessions.expiry", Kind: "time", Value: func(s *OnlineSession) any { return s.Expiry }},
		{Key: "username", Column: "users.username", Kind: "text", Value: func(s *OnlineSession) any { return s.Username }},
		{Key: "ip", Column: "sessions.ip", Kind: "text", Value: func(s *OnlineSession) any { return s.IP }},
	},
	Default:     "updated_at",
	DefaultDesc: true,
	IDColumn:    "sessions.id",
	ID:          func(s *OnlineSession) int64 { return s.ID },
}

// SessionSortKeys lists the keys ListSessions sorts by.
func SessionSortKeys() []string { return sortKeys(sessionSort) }

// onlineSessions selects the unexpired sessions that belong to a user.
func (db *DB) onlineSessions(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("sessions").
		Select("sessions.id, sessions.user_id, users.username, users.display_name, sessions.ip, sessions.user_agent, "+
			"sessions.created_at, sessions.updated_at, sessions.expiry").
		Joins("JOIN users ON users.id = sessions.user_id").
		Where("sessions.expiry > ? AND sessions.user_id IS NOT NULL", db.Now())
}

// ListSessions pages through the online sessions matching f, the most
// recently active first by default.
func (db *DB) ListSessions(ctx context.Context, f SessionFilter, req model.PageRequest) (model.List[OnlineSession], error) {
	q := db.onlineSessions(ctx)
	if f.Username != "" {
		p := likePattern(f.Username)
		q = q.Where("(lower(users.username) LIKE lower(?) ESCAPE '\\' OR users.display_name LIKE ? ESCAPE '\\')", p, p)
	}
	if f.UserID != 0 {
		q = q.Where("sessions.user_id = ?", f.UserID)
	}
	return page(q, sessionSort, req)
}

// OnlineSessionByID loads an online session; an expired or anonymous one is
// model.ErrNotFound.
func (db *DB) OnlineSessionByID(ctx context.Context, id int64) (*OnlineSession, error) {
	var s OnlineSession
	if err := db.onlineSessions(ctx).Where("sessions.id = ?", id).Take(&s).Error; err != nil {
		return nil, notFound(err, "session", id)
	}
	return &s, nil
}

// DeleteSession removes one session row: its holder's next request finds
// no session and goes to the login page.
func (db *DB) DeleteSession(ctx context.Context, id int64) error {
	res := db.conn(ctx).Where("id = ?", id).Delete(&session{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return model.NotFound("session", id)
	}
	return nil
}

// SessionIDByToken returns the id of the session stored under token (the
// token as stored, i.e. hashed), or model.ErrNotFound.
func (db *DB) SessionIDByToken(ctx context.Context, token string) (int64, error) {
	var row session
	if err := db.conn(ctx).Select("id").Where("token = ?", token).Take(&row).Error; err != nil {
		return 0, notFound(err, "session", "token")
	}
	return row.ID, nil
}
