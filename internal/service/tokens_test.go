package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// auditRows returns "action changes" of the audit rows about tokens, in order.
func auditRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(),
		"SELECT action, object_id, username, changes FROM audit_log WHERE object_kind = 'api_token' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, id, user, changes string
		if err := rows.Scan(&action, &id, &user, &changes); err != nil {
			t.Fatal(err)
		}
		out = append(out, action+" "+id+" "+user+" "+changes)
	}
	return out
}

func TestTokens(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tokens := service.NewTokens(service.Deps{DB: db})
		alice := testenv.CreateUser(t, db, "alice", "", "")
		bob := testenv.CreateUser(t, db, "bob", "", "")
		asAlice := model.Actor{UserID: alice.ID, Username: "alice", IP: "10.0.0.1"}
		asBob := model.Actor{UserID: bob.ID, Username: "bob"}

		t.Run("validation", func(t *testing.T) {
			tests := []struct {
				in    service.TokenInput
				field string
			}{
				{service.TokenInput{Name: "", ExpiresInDays: 90}, "name"},
				{service.TokenInput{Name: "   ", ExpiresInDays: 90}, "name"},
				{service.TokenInput{Name: strings.Repeat("令", 65), ExpiresInDays: 90}, "name"},
				{service.TokenInput{Name: "a\x07b", ExpiresInDays: 90}, "name"},
				{service.TokenInput{Name: "line\nbreak", ExpiresInDays: 90}, "name"},
				{service.TokenInput{Name: "ok", ExpiresInDays: -1}, "expires_in_days"},
				{service.TokenInput{Name: "ok", ExpiresInDays: model.TokenMaxDays + 1}, "expires_in_days"},
			}
			for _, tt := range tests {
				_, _, err := tokens.Create(ctx, asAlice, tt.in)
				var ve *model.ValidationError
				if !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
					t.Errorf("Create(%+v) = %v, want a message on %s", tt.in, err, tt.field)
				}
			}
			if _, _, err := tokens.Create(ctx, asAlice, service.TokenInput{Name: strings.Repeat("令", 64), ExpiresInDays: model.TokenMaxDays}); err != nil {
				t.Errorf("64 characters and the longest validity: %v", err)
			}
			if _, _, err := tokens.Create(ctx, model.Actor{}, service.TokenInput{Name: "x"}); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("no actor: %v", err)
			}
		})

		t.Run("create: the secret once, its hash stored, an audit row without either", func(t *testing.T) {
			tok, secret, err := tokens.Create(ctx, asAlice, service.TokenInput{Name: " 数据同步 ", ExpiresInDays: 30})
			if err != nil {
				t.Fatal(err)
			}
			if !model.LooksLikeToken(secret) || tok.Name != "数据同步" || tok.Prefix != secret[:8] || tok.TokenHash != model.HashToken(secret) {
				t.Fatalf("token %+v, secret %q", tok, secret)
			}
			want := db.Now().Add(30 * 24 * time.Hour)
			if tok.ExpiresAt == nil || tok.ExpiresAt.Sub(want).Abs() > time.Minute {
				t.Errorf("expires %v, want about %v", tok.ExpiresAt, want)
			}
			stored, _ := db.APITokenByID(ctx, tok.ID)
			if stored.TokenHash != model.HashToken(secret) || strings.Contains(stored.TokenHash, secret) {
				t.Errorf("stored hash %q", stored.TokenHash)
			}
			rows := auditRows(t, db)
			last := rows[len(rows)-1]
			if !strings.HasPrefix(last, "token.create ") || !strings.Contains(last, "数据同步") || !strings.Contains(last, tok.Prefix) {
				t.Errorf("audit row %q", last)
			}
			for _, r := range rows {
				if strings.Contains(r, secret) || strings.Contains(r, tok.TokenHash) {
					t.Fatalf("an audit row holds the secret or its hash: %q", r)
				}
			}
			never, _, err := tokens.Create(ctx, asAlice, service.TokenInput{Name: "永久", ExpiresInDays: 0})
			if err != nil || never.ExpiresAt != nil {
				t.Errorf("0 days: %+v %v, want no expiry", never, err)
			}
			u, err := tokens.Authenticate(ctx, secret)
			if err != nil || u.ID != alice.ID {
				t.Fatalf("Authenticate = %v, %v", u, err)
			}
		})

		t.Run("a person sees and revokes only their own", func(t *testing.T) {
			bt, bsecret, err := tokens.Create(ctx, asBob, service.TokenInput{Name: "bob's", ExpiresInDays: 90})
			if err != nil {
				t.Fatal(err)
			}
			l, err := tokens.List(ctx, asAlice, model.PageRequest{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range l.Items {
				if tk.UserID != alice.ID {
					t.Fatalf("alice's list holds token %d of user %d", tk.ID, tk.UserID)
				}
			}
			if l.Total != 3 {
				t.Errorf("alice has %d tokens, want 3", l.Total)
			}
			if _, err := tokens.Get(ctx, asAlice, bt.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("alice reads bob's token: %v", err)
			}
			before := len(auditRows(t, db))
			if _, err := tokens.Revoke(ctx, asAlice, bt.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("alice revokes bob's token: %v", err)
			}
			if _, err := tokens.Revoke(ctx, asAlice, 987654); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("a missing token: %v", err)
			}
			if _, err := tokens.Authenticate(ctx, bsecret); err != nil {
				t.Fatalf("bob's token stopped working: %v", err)
			}
			if n := len(auditRows(t, db)); n != before {
				t.Errorf("refused revokes wrote %d audit rows", n-before)
			}
			got, err := tokens.Revoke(ctx, asBob, bt.ID)
			if err != nil || got.RevokedAt == nil {
				t.Fatalf("bob revokes his own: %+v %v", got, err)
			}
			if _, err := tokens.Authenticate(ctx, bsecret); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("revoked token still works: %v", err)
			}
			if _, err := tokens.Revoke(ctx, asBob, bt.ID); err != nil {
				t.Errorf("revoking twice: %v", err)
			}
			rows := auditRows(t, db)
			if len(rows) != before+1 || !strings.HasPrefix(rows[len(rows)-1], "token.revoke ") || !strings.Contains(rows[len(rows)-1], " bob ") {
				t.Errorf("audit after revoking (twice): %q", rows[before:])
			}
		})

		t.Run("authenticate refuses malformed, unknown and inactive", func(t *testing.T) {
			_, secret, err := tokens.Create(ctx, asBob, service.TokenInput{Name: "x", ExpiresInDays: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"", "txn_", "Bearer " + secret, strings.ToUpper(secret), secret[:len(secret)-1] + "a" + "a", model.TokenPrefix + strings.Repeat("a", 52)} {
				if _, err := tokens.Authenticate(ctx, bad); !errors.Is(err, model.ErrUnauthenticated) {
					t.Errorf("Authenticate(%q) = %v", bad, err)
				}
			}
			if err := db.SetUserStatus(ctx, bob.ID, model.UserLocked); err != nil {
				t.Fatal(err)
			}
			if _, err := tokens.Authenticate(ctx, secret); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("locked user: %v", err)
			}
			if _, _, err := tokens.CreateForUser(ctx, model.Actor{Username: "cli"}, "bob", "x", 0); !errors.Is(err, service.ErrUserNotActive) {
				t.Errorf("CreateForUser of a locked user: %v", err)
			}
			if err := db.SetUserStatus(ctx, bob.ID, model.UserActive); err != nil {
				t.Fatal(err)
			}
			if _, err := tokens.Authenticate(ctx, secret); err != nil {
				t.Errorf("active again: %v", err)
			}
			if _, _, err := tokens.CreateForUser(ctx, model.Actor{Username: "cli"}, "nobody", "x", 0); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("CreateForUser of an unknown user: %v", err)
			}
			tok, s2, err := tokens.CreateForUser(ctx, model.Actor{Username: "cli"}, " BOB ", "etl", 2*time.Hour)
			if err != nil || tok.UserID != bob.ID || tok.ExpiresAt == nil {
				t.Fatalf("CreateForUser: %+v %v", tok, err)
			}
			db.SetClock(func() time.Time { return time.Now().Add(3 * time.Hour) })
			defer db.SetClock(func() time.Time { return time.Now().UTC() })
			if _, err := tokens.Authenticate(ctx, s2); !errors.Is(err, model.ErrUnauthenticated) {
				t.Errorf("expired: %v", err)
			}
		})

		t.Run("a use is written at most once a minute", func(t *testing.T) {
			tok, secret, err := tokens.Create(ctx, asAlice, service.TokenInput{Name: "busy", ExpiresInDays: 1})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now().UTC().Truncate(time.Second)
			clock := start
			db.SetClock(func() time.Time { return clock })
			defer db.SetClock(func() time.Time { return time.Now().UTC() })
			lastUsed := func() int64 {
				got, err := db.APITokenByID(ctx, tok.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.LastUsedAt == nil {
					return 0
				}
				return got.LastUsedAt.Unix()
			}
			if lastUsed() != 0 {
				t.Fatal("a new token has been used")
			}
			distinct := map[int64]bool{}
			for i := 0; i < 20; i++ { // 20 requests over 95 seconds: written at 0 s and at 60 s
				clock = start.Add(time.Duration(i) * 5 * time.Second)
				if _, err := tokens.Authenticate(ctx, secret); err != nil {
					t.Fatal(err)
				}
				distinct[lastUsed()] = true
			}
			if len(distinct) != 2 || !distinct[start.Unix()] || !distinct[start.Add(time.Minute).Unix()] {
				t.Errorf("last_used_at took the values %v, want only the first use and the use a minute later", distinct)
			}
		})
	})
}
