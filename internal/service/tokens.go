package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Tokens manages personal API tokens. A person makes and revokes only their
// own (an operator may make one for anybody from the command line); the
// secret is returned once and stored only as its SHA-256.
//
// No policy rule is involved: every signed-in person may hold tokens, and
// the object check is ownership (a token carries exactly its owner's rights,
// which the Authorizer checks on every request it makes).
type Tokens struct {
	db *store.DB
}

// NewTokens builds the service.
func NewTokens(d Deps) *Tokens { return &Tokens{db: d.DB} }

// TokenInput is what a person asks for.
type TokenInput struct {
	Name string
	// ExpiresInDays: 1..model.TokenMaxDays, or 0 for a token that never expires.
	ExpiresInDays int
}

// Validate trims the name and checks both fields.
func (in *TokenInput) Validate() error {
	ve := &model.ValidationError{}
	in.Name = model.Text(ve, "name", in.Name, true, model.TokenNameMax, false)
	if in.ExpiresInDays < 0 || in.ExpiresInDays > model.TokenMaxDays {
		ve.AddArgs("expires_in_days", "token.bad_expiry", model.TokenMaxDays)
	}
	return ve.Err()
}

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret makes "txn_" + 32 random bytes in lower-case base32.
func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return model.TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(b[:])), nil
}

// Create makes a token for the actor. It returns the token and its secret,
// which is never shown again.
func (s *Tokens) Create(ctx context.Context, actor model.Actor, in TokenInput) (*model.APIToken, string, error) {
	if actor.UserID == 0 {
		return nil, "", model.ErrUnauthenticated
	}
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	return s.create(ctx, actor, actor.UserID, in.Name, time.Duration(in.ExpiresInDays)*24*time.Hour)
}

// ErrUserNotActive refuses a token for a disabled or locked account.
var ErrUserNotActive = model.Rule("user_not_active", "token.user_not_active")

// CreateForUser makes a token for the named user on an operator's behalf
// (`tongxin token create`): whoever can run the binary against the database
// holds every right already. validFor 0 means never expires.
func (s *Tokens) CreateForUser(ctx context.Context, actor model.Actor, username, name string, validFor time.Duration) (*model.APIToken, string, error) {
	u, err := s.db.UserByUsername(ctx, model.NormalizeUsername(username))
	if err != nil {
		return nil, "", err
	}
	if u.Status != model.UserActive {
		return nil, "", ErrUserNotActive
	}
	ve := &model.ValidationError{}
	name = model.Text(ve, "name", name, true, model.TokenNameMax, false)
	if validFor < 0 || validFor > model.TokenMaxDays*24*time.Hour {
		ve.AddArgs("expires_in_days", "token.bad_expiry", model.TokenMaxDays)
	}
	if err := ve.Err(); err != nil {
		return nil, "", err
	}
	return s.create(ctx, actor, u.ID, name, validFor)
}

func (s *Tokens) create(ctx context.Context, actor model.Actor, userID int64, name string, validFor time.Duration) (*model.APIToken, string, error) {
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	t := &model.APIToken{UserID: userID, Name: name, TokenHash: model.HashToken(secret), Prefix: secret[:model.TokenShownPrefix]}
	if validFor > 0 {
		exp := s.db.Now().Add(validFor)
		t.ExpiresAt = &exp
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		// Never the secret or its hash: the prefix names the token.
		return audit(ctx, s.db, actor, "token.create", "api_token", t.ID, model.DomainSys, map[string]Change{
			"user_id": {nil, userID}, "name": {nil, t.Name}, "prefix": {nil, t.Prefix}, "expires_at": {nil, t.ExpiresAt},
		})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// List pages through the actor's own tokens.
func (s *Tokens) List(ctx context.Context, actor model.Actor, req model.PageRequest) (model.List[model.APIToken], error) {
	if actor.UserID == 0 {
		return model.List[model.APIToken]{}, model.ErrUnauthenticated
	}
	return s.db.ListAPITokens(ctx, store.APITokenFilter{UserID: actor.UserID}, req)
}

// Get loads one of the actor's own tokens; another person's is ErrNotFound.
func (s *Tokens) Get(ctx context.Context, actor model.Actor, id int64) (*model.APIToken, error) {
	t, err := s.db.APITokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.UserID == 0 || t.UserID != actor.UserID {
		return nil, model.NotFound("api_token", id)
	}
	return t, nil
}

// Revoke ends one of the actor's own tokens at once. Another person's token
// is ErrNotFound (its existence is not confirmed); revoking a revoked token
// changes nothing and writes no audit row.
func (s *Tokens) Revoke(ctx context.Context, actor model.Actor, id int64) (*model.APIToken, error) {
	var out *model.APIToken
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.Get(ctx, actor, id)
		if err != nil {
			return err
		}
		now := s.db.Now()
		changed, err := s.db.RevokeAPIToken(ctx, id, now)
		if err != nil {
			return err
		}
		if changed {
			t.RevokedAt = &now
			if err := audit(ctx, s.db, actor, "token.revoke", "api_token", t.ID, model.DomainSys, map[string]Change{
				"revoked_at": {nil, now},
			}); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	return out, err
}

// Authenticate returns the active user a bearer secret belongs to, or
// model.ErrUnauthenticated when the secret is malformed, unknown, revoked or
// expired, or its user is not active. The secret is hashed and looked up by
// its hash: no secret is ever compared in Go. It records the use at most
// once per model.TokenTouchEvery.
func (s *Tokens) Authenticate(ctx context.Context, secret string) (*model.User, error) {
	if !model.LooksLikeToken(secret) {
		return nil, model.ErrUnauthenticated
	}
	now := s.db.Now()
	ta, err := s.db.AuthenticateAPIToken(ctx, model.HashToken(secret), now)
	if err != nil {
		return nil, err
	}
	if ta.LastUsedAt == nil || now.Sub(*ta.LastUsedAt) >= model.TokenTouchEvery {
		if _, err := s.db.TouchAPIToken(ctx, ta.TokenID, now, model.TokenTouchEvery); err != nil {
			return nil, err
		}
	}
	return ta.User, nil
}
