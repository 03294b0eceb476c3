package service_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSecurity checks who may read login events and sessions, the filter
// rules, and that a force logout deletes the session and is audited.
func TestSecurity(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sec := testenv.CreateUser(t, db, "sec", model.RoleSecadmin, model.DomainSys)
		aud := testenv.CreateUser(t, db, "aud", model.RoleAuditor, model.DomainSys)
		rev := testenv.CreateUser(t, db, "rev", model.RoleDistrictReviewer, "district:310104")
		victim := testenv.CreateUser(t, db, "victim", "", "")
		az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		svc := service.NewSecurity(service.Deps{DB: db, Authz: az})
		as := func(u *model.User) model.Actor {
			return model.Actor{UserID: u.ID, Username: u.Username, IP: "10.9.9.9", RequestID: "req-" + u.Username}
		}
		if err := db.AppendLoginEvent(ctx, &model.LoginEvent{UserID: &victim.ID, Username: "victim", IP: "10.1.1.1", Result: model.LoginFailure, Reason: "bad_password"}); err != nil {
			t.Fatal(err)
		}

		// Login events: the security admin and the auditor, nobody else.
		for _, u := range []*model.User{sec, aud} {
			l, err := svc.LoginEvents(ctx, as(u), store.LoginEventFilter{Result: model.LoginFailure}, model.PageRequest{})
			if err != nil || l.Total != 1 {
				t.Errorf("%s reads login events: total %d, err %v", u.Username, l.Total, err)
			}
			n := 0
			if err := svc.EachLoginEvent(ctx, as(u), store.LoginEventFilter{}, model.PageRequest{}, func(*model.LoginEvent) error { n++; return nil }); err != nil || n != 1 {
				t.Errorf("%s exports login events: %d rows, err %v", u.Username, n, err)
			}
		}
		if _, err := svc.LoginEvents(ctx, as(rev), store.LoginEventFilter{}, model.PageRequest{}); err == nil {
			t.Errorf("a district reviewer read the login events")
		}
		if err := svc.EachLoginEvent(ctx, as(rev), store.LoginEventFilter{}, model.PageRequest{}, func(*model.LoginEvent) error { return nil }); err == nil {
			t.Errorf("a district reviewer exported the login events")
		}

		// Filter rules.
		day := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
		for name, f := range map[string]store.LoginEventFilter{
			"result": {Result: "maybe"},
			"to":     {From: day, To: day},
			"ip":     {IP: string(make([]byte, 65))},
		} {
			_, err := svc.LoginEvents(ctx, as(sec), f, model.PageRequest{})
			var ve *model.ValidationError
			if !errors.As(err, &ve) || ve.Fields[name] == "" {
				t.Errorf("filter %+v: %v, want a message on %s", f, err, name)
			}
		}

		// Sessions: the security admin only.
		c, o := store.WithSessionOwner(ctx)
		o.UserID, o.IP = victim.ID, "10.1.1.1"
		if err := db.Sessions().CommitCtx(c, "victim-token", []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.Sessions().CommitCtx(c, "victim-token-2", []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		l, err := svc.Sessions(ctx, as(sec), store.SessionFilter{}, model.PageRequest{})
		if err != nil || len(l.Items) != 2 {
			t.Fatalf("sessions: %+v %v", l, err)
		}
		for _, u := range []*model.User{aud, rev} {
			if _, err := svc.Sessions(ctx, as(u), store.SessionFilter{}, model.PageRequest{}); err == nil {
				t.Errorf("%s read the sessions", u.Username)
			}
			if _, err := svc.RevokeSession(ctx, as(u), l.Items[0].ID); err == nil {
				t.Errorf("%s revoked a session", u.Username)
			}
			if _, _, err := svc.RevokeUserSessions(ctx, as(u), victim.ID); err == nil {
				t.Errorf("%s revoked a user's sessions", u.Username)
			}
		}

		// Force logout of one session, audited in the same transaction.
		gone, err := svc.RevokeSession(ctx, as(sec), l.Items[0].ID)
		if err != nil || gone.UserID != victim.ID {
			t.Fatalf("revoke: %+v %v", gone, err)
		}
		if _, err := svc.RevokeSession(ctx, as(sec), l.Items[0].ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("revoking twice: %v, want not found", err)
		}
		if n := sessionRevokeAudits(t, db, "session", l.Items[0].ID); n != 1 {
			t.Errorf("audit rows for the session: %d, want 1", n)
		}

		// All of a user's sessions; never one's own.
		var re *model.RuleError
		if _, _, err := svc.RevokeUserSessions(ctx, as(sec), sec.ID); !errors.As(err, &re) {
			t.Errorf("revoking one's own sessions: %v, want a rule error", err)
		}
		if _, _, err := svc.RevokeUserSessions(ctx, as(sec), 999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("an unknown user: %v, want not found", err)
		}
		u, n, err := svc.RevokeUserSessions(ctx, as(sec), victim.ID)
		if err != nil || n != 1 || u.Username != "victim" {
			t.Fatalf("revoke all: %v %d %v", u, n, err)
		}
		if l, _ := svc.Sessions(ctx, as(sec), store.SessionFilter{}, model.PageRequest{}); len(l.Items) != 0 {
			t.Errorf("sessions left: %+v", l.Items)
		}
		if n := sessionRevokeAudits(t, db, "user", victim.ID); n != 1 {
			t.Errorf("audit rows for the user: %d, want 1", n)
		}
	})
}

// sessionRevokeAudits counts session.revoke audit rows about an object.
func sessionRevokeAudits(t *testing.T, db *store.DB, kind string, id int64) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM audit_log WHERE action = 'session.revoke' AND object_kind = $1 AND object_id = $2 AND username = 'sec' AND request_id = 'req-sec'"
	if db.Dialect() == store.SQLite {
		q = "SELECT count(*) FROM audit_log WHERE action = 'session.revoke' AND object_kind = ? AND object_id = ? AND username = 'sec' AND request_id = 'req-sec'"
	}
	if err := db.SQL().QueryRowContext(context.Background(), q, kind, strconv.FormatInt(id, 10)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
