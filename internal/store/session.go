package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// session is a row of the sessions table: the data of alexedwards/scs and,
// beside it, the owner, so that 在线用户 can list sessions and force a logout.
type session struct {
	ID        int64
	Token     string
	Data      []byte
	Expiry    time.Time
	UserID    *int64
	IP        string
	UserAgent string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SessionStore implements scs.CtxStore over the sessions table on both
// dialects.
type SessionStore struct {
	db *DB
}

// SessionOwner is filled by the login handler so that the commit of the
// session records whose it is (for 在线用户 and force logout). It travels in
// the request context; a commit without one keeps the row's owner.
type SessionOwner struct {
	UserID    int64
	IP        string
	UserAgent string
	// loaded is the (hashed) token this request's session was read with.
	// Committing that token again may only update its row: if the row is
	// gone, an administrator ended the session while the request ran, and
	// writing it back would bring a forced-out user back, unlisted.
	loaded string
}

type ownerKey struct{}

// WithSessionOwner returns a context carrying an empty owner to fill later.
func WithSessionOwner(ctx context.Context) (context.Context, *SessionOwner) {
	o := &SessionOwner{}
	return context.WithValue(ctx, ownerKey{}, o), o
}

// Sessions returns the store for scs.
func (db *DB) Sessions() *SessionStore { return &SessionStore{db: db} }

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var row session
	err := s.db.conn(ctx).Select("data", "expiry").Where("token = ? AND expiry > ?", token, s.db.Now()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if o, ok := ctx.Value(ownerKey{}).(*SessionOwner); ok {
		o.loaded = token
	}
	return row.Data, true, nil
}

// CommitCtx inserts or replaces the session; a session this request loaded
// is only updated, never recreated (see SessionOwner).
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	now := s.db.Now()
	if o, ok := ctx.Value(ownerKey{}).(*SessionOwner); ok && o.loaded == token && o.UserID == 0 {
		return s.db.conn(ctx).Model(&session{}).Where("token = ?", token).
			Updates(map[string]any{"data": b, "expiry": expiry.UTC(), "updated_at": now}).Error
	}
	row := session{Token: token, Data: b, Expiry: expiry.UTC(), CreatedAt: now, UpdatedAt: now}
	cols := []string{"data", "expiry", "updated_at"}
	if o, ok := ctx.Value(ownerKey{}).(*SessionOwner); ok && o.UserID != 0 {
		uid := o.UserID
		row.UserID, row.IP, row.UserAgent = &uid, o.IP, o.UserAgent
		cols = append(cols, "user_id", "ip", "user_agent")
	}
	return s.db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns(cols),
	}).Create(&row).Error
}

// DeleteCtx removes a session (logout, token renewal).
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.conn(ctx).Where("token = ?", token).Delete(&session{}).Error
}

// Find, Commit and Delete satisfy scs.Store; scs calls the Ctx variants.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit satisfies scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete satisfies scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteUserSessions ends every session of a user (force logout, disable,
// password reset).
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res := db.conn(ctx).Where("user_id = ?", userID).Delete(&session{})
	return res.RowsAffected, res.Error
}

// DeleteOtherUserSessions ends every session of a user but the one stored
// under keepToken (hashed, as stored): a password change signs out the
// account everywhere else.
func (db *DB) DeleteOtherUserSessions(ctx context.Context, userID int64, keepToken string) (int64, error) {
	res := db.conn(ctx).Where("user_id = ? AND token <> ?", userID, keepToken).Delete(&session{})
	return res.RowsAffected, res.Error
}

// DeleteExpiredSessions removes expired rows (a periodic job).
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := db.conn(ctx).Where("expiry <= ?", db.Now()).Delete(&session{})
	return res.RowsAffected, res.Error
}
