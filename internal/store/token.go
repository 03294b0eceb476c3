package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// CreateAPIToken inserts a token (its hash; the secret is never stored).
func (db *DB) CreateAPIToken(ctx context.Context, t *model.APIToken) error {
	now := db.Now()
	t.CreatedAt, t.UpdatedAt = now, now
	if err := db.conn(ctx).Create(t).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			// Two equal hashes of 256 random bits: a broken random source.
			return model.Conflict("token.duplicate")
		}
		return err
	}
	return nil
}

// APITokenByID loads a token.
func (db *DB) APITokenByID(ctx context.Context, id int64) (*model.APIToken, error) {
	var t model.APIToken
	if err := db.conn(ctx).Take(&t, id).Error; err != nil {
		return nil, notFound(err, "api_token", id)
	}
	return &t, nil
}

// APITokenFilter selects tokens.
type APITokenFilter struct {
	// UserID is required: a list only ever shows one person's tokens.
	UserID int64
}

var apiTokenSort = sortSpec[model.APIToken]{
	Columns: []sortColumn[model.APIToken]{
		{Key: "created_at", Column: "api_tokens.created_at", Kind: "time", Value: func(t *model.APIToken) any { return t.CreatedAt }},
		{Key: "name", Column: "api_tokens.name", Kind: "text", Value: func(t *model.APIToken) any { return t.Name }},
		{Key: "id", Column: "api_tokens.id", Kind: "int", Value: func(t *model.APIToken) any { return t.ID }},
	},
	Default:     "created_at",
	DefaultDesc: true,
	IDColumn:    "api_tokens.id",
	ID:          func(t *model.APIToken) int64 { return t.ID },
}

// APITokenSortKeys lists the keys ListAPITokens sorts by.
func APITokenSortKeys() []string { return sortKeys(apiTokenSort) }

// ListAPITokens pages through the tokens of f.UserID, newest first by default.
func (db *DB) ListAPITokens(ctx context.Context, f APITokenFilter, req model.PageRequest) (model.List[model.APIToken], error) {
	q := db.conn(ctx).Model(&model.APIToken{}).Where("api_tokens.user_id = ?", f.UserID)
	return page(q, apiTokenSort, req)
}

// RevokeAPIToken sets revoked_at unless it is set already; it reports
// whether it changed the row.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := db.conn(ctx).Model(&model.APIToken{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": at.UTC(), "updated_at": db.Now()})
	return res.RowsAffected > 0, res.Error
}

// TokenAuth is what a bearer request learns from its token.
type TokenAuth struct {
	User       *model.User
	TokenID    int64
	LastUsedAt *time.Time
}

// tokenUserRow is a user row with the token's columns beside it.
type tokenUserRow struct {
	model.User      `gorm:"embedded"`
	TokenID         int64
	TokenLastUsedAt *time.Time
}

// AuthenticateAPIToken finds the active user of a token that is neither
// revoked nor expired at now, in one query (token joined to its user, so a
// disabled user's tokens stop at once). Anything else is ErrUnauthenticated.
func (db *DB) AuthenticateAPIToken(ctx context.Context, hash string, now time.Time) (*TokenAuth, error) {
	var row tokenUserRow
	err := db.conn(ctx).Table("api_tokens").
		Select("users.*, api_tokens.id AS token_id, api_tokens.last_used_at AS token_last_used_at").
		Joins("JOIN users ON users.id = api_tokens.user_id").
		Where("api_tokens.token_hash = ? AND api_tokens.revoked_at IS NULL", hash).
		Where("(api_tokens.expires_at IS NULL OR api_tokens.expires_at > ?)", now.UTC()).
		Where("users.status = ?", model.UserActive).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, model.ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	u := row.User
	return &TokenAuth{User: &u, TokenID: row.TokenID, LastUsedAt: row.TokenLastUsedAt}, nil
}

// TouchAPIToken records a use at now unless one was recorded after
// now-every; the condition sits in the UPDATE too, so that concurrent
// requests (and several instances) write at most once per interval. It
// leaves updated_at alone: a use is not a change of the token.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, now time.Time, every time.Duration) (bool, error) {
	now = now.UTC()
	res := db.conn(ctx).Model(&model.APIToken{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", id, now.Add(-every)).
		UpdateColumn("last_used_at", now)
	return res.RowsAffected > 0, res.Error
}

// SetAPITokenExpiry changes a token's expiry (tests, and an operator who
// shortens a token's life).
func (db *DB) SetAPITokenExpiry(ctx context.Context, id int64, at *time.Time) error {
	if at != nil {
		u := at.UTC()
		at = &u
	}
	res := db.conn(ctx).Model(&model.APIToken{}).Where("id = ?", id).
		Updates(map[string]any{"expires_at": at, "updated_at": db.Now()})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("api_token", id)
	}
	return res.Error
}
