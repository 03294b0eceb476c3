package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func newToken(t *testing.T, db *store.DB, userID int64, secret string, expires *time.Time) *model.APIToken {
	t.Helper()
	tok := &model.APIToken{UserID: userID, Name: "t " + secret, TokenHash: model.HashToken(secret), Prefix: secret[:8], ExpiresAt: expires}
	if err := db.CreateAPIToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAPITokens(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 5, 6, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		alice := testenv.CreateUser(t, db, "alice", "", "")
		bob := testenv.CreateUser(t, db, "bob", "", "")
		later := now.Add(24 * time.Hour)
		a1 := newToken(t, db, alice.ID, "txn_alice1", &later)
		a2 := newToken(t, db, alice.ID, "txn_alice2", nil)
		b1 := newToken(t, db, bob.ID, "txn_bob001", nil)

		t.Run("a hash is unique", func(t *testing.T) {
			err := db.CreateAPIToken(ctx, &model.APIToken{UserID: bob.ID, Name: "again", TokenHash: model.HashToken("txn_alice1"), Prefix: "txn_alic"})
			if !errors.Is(err, model.ErrConflict) {
				t.Fatalf("duplicate hash: %v, want a conflict", err)
			}
		})

		t.Run("load and list one person's tokens", func(t *testing.T) {
			got, err := db.APITokenByID(ctx, a1.ID)
			if err != nil || got.Name != a1.Name || got.ExpiresAt == nil || !got.ExpiresAt.Equal(later) || got.RevokedAt != nil {
				t.Fatalf("APITokenByID = %+v, %v", got, err)
			}
			if _, err := db.APITokenByID(ctx, 99999); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("missing token: %v", err)
			}
			l, err := db.ListAPITokens(ctx, store.APITokenFilter{UserID: alice.ID}, model.PageRequest{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 2 || len(l.Items) != 1 || l.Next == "" {
				t.Fatalf("page 1: total %d, %d items, next %q", l.Total, len(l.Items), l.Next)
			}
			l2, err := db.ListAPITokens(ctx, store.APITokenFilter{UserID: alice.ID}, model.PageRequest{Limit: 1, After: l.Next})
			if err != nil {
				t.Fatal(err)
			}
			ids := map[int64]bool{l.Items[0].ID: true, l2.Items[0].ID: true}
			if !ids[a1.ID] || !ids[a2.ID] || ids[b1.ID] {
				t.Fatalf("alice's list holds %v", ids)
			}
		})

		t.Run("authenticate joins the user and refuses the rest", func(t *testing.T) {
			ta, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_alice1"), db.Now())
			if err != nil || ta.User.ID != alice.ID || ta.User.Username != "alice" || ta.TokenID != a1.ID || ta.LastUsedAt != nil {
				t.Fatalf("AuthenticateAPIToken = %+v, %v", ta, err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_nobody"), db.Now()); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("unknown hash: %v", err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_alice1"), later); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("at its expiry: %v", err)
			}
			past := now.Add(-time.Minute)
			if err := db.SetAPITokenExpiry(ctx, a2.ID, &past); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_alice2"), db.Now()); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("expired: %v", err)
			}
			if err := db.SetAPITokenExpiry(ctx, a2.ID, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_alice2"), db.Now()); err != nil {
				t.Errorf("expiry lifted: %v", err)
			}
			changed, err := db.RevokeAPIToken(ctx, a2.ID, db.Now())
			if err != nil || !changed {
				t.Fatalf("revoke: %v %v", changed, err)
			}
			if changed, err := db.RevokeAPIToken(ctx, a2.ID, db.Now()); err != nil || changed {
				t.Fatalf("second revoke changed it again: %v %v", changed, err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_alice2"), db.Now()); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("revoked: %v", err)
			}
			if err := db.SetUserStatus(ctx, bob.ID, model.UserDisabled); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateAPIToken(ctx, model.HashToken("txn_bob001"), db.Now()); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("disabled user: %v", err)
			}
		})

		t.Run("a use is recorded at most once a minute", func(t *testing.T) {
			lastUsed := func() string {
				var v any
				if err := db.SQL().QueryRowContext(ctx, "SELECT last_used_at FROM api_tokens WHERE id = "+fmt.Sprint(a1.ID)).Scan(&v); err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(v)
			}
			// The store's clock moves on: were a use to touch updated_at, it would show.
			db.SetClock(func() time.Time { return now.Add(time.Hour) })
			before := lastUsed()
			for i, step := range []struct {
				at    time.Duration
				write bool
			}{{0, true}, {0, false}, {30 * time.Second, false}, {59 * time.Second, false}, {time.Minute, true}, {61 * time.Second, false}} {
				wrote, err := db.TouchAPIToken(ctx, a1.ID, now.Add(step.at), model.TokenTouchEvery)
				if err != nil || wrote != step.write {
					t.Fatalf("step %d (+%v): wrote %v, %v; want %v", i, step.at, wrote, err, step.write)
				}
				after := lastUsed()
				if (after != before) != step.write {
					t.Fatalf("step %d: last_used_at %s → %s", i, before, after)
				}
				before = after
			}
			tok, _ := db.APITokenByID(ctx, a1.ID)
			if tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(now.Add(time.Minute)) || !tok.UpdatedAt.Equal(tok.CreatedAt) {
				t.Fatalf("last_used_at %v, updated_at %v (a use must not touch updated_at)", tok.LastUsedAt, tok.UpdatedAt)
			}
		})
	})
}
