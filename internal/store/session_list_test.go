package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestOnlineSessions lists the unexpired sessions of users, finds one by id
// and deletes it, on both dialects.
func TestOnlineSessions(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		li := testenv.CreateUser(t, db, "li.ming", "", "")
		zhang := testenv.CreateUser(t, db, "zhang.wei", "", "")
		zhang.DisplayName = "张伟"
		if err := db.UpdateUserProfile(ctx, zhang.ID, zhang.Version, "张伟", "", ""); err != nil {
			t.Fatal(err)
		}
		ss := db.Sessions()
		commit := func(token string, uid int64, ip string, expiry time.Time) {
			t.Helper()
			c := ctx
			if uid != 0 {
				var o *store.SessionOwner
				c, o = store.WithSessionOwner(ctx)
				o.UserID, o.IP, o.UserAgent = uid, ip, "Mozilla/5.0 "+ip
			}
			if err := ss.CommitCtx(c, token, []byte("data"), expiry); err != nil {
				t.Fatal(err)
			}
		}
		later := time.Now().Add(time.Hour)
		commit("li-1", li.ID, "10.0.0.1", later)
		commit("li-2", li.ID, "10.0.0.2", later.Add(time.Minute))
		commit("zhang-1", zhang.ID, "10.0.0.3", later)
		commit("li-old", li.ID, "10.0.0.4", time.Now().Add(-time.Minute)) // expired
		commit("anonymous", 0, "", later)                                 // not logged in

		l, err := db.ListSessions(ctx, store.SessionFilter{}, model.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != 3 || len(l.Items) != 3 {
			t.Fatalf("online sessions: total %d, rows %+v", l.Total, l.Items)
		}
		for _, s := range l.Items {
			if s.UserID == 0 || s.Username == "" || s.IP == "" || s.UserAgent == "" || s.CreatedAt.IsZero() || s.UpdatedAt.IsZero() || !s.Expiry.After(time.Now()) {
				t.Errorf("incomplete row %+v", s)
			}
			if s.Username == "zhang.wei" && s.DisplayName != "张伟" {
				t.Errorf("display name %q", s.DisplayName)
			}
		}
		for _, tc := range []struct {
			f    store.SessionFilter
			want int
		}{
			{store.SessionFilter{Username: "LI."}, 2},
			{store.SessionFilter{Username: "张"}, 1},
			{store.SessionFilter{Username: "%"}, 0},
			{store.SessionFilter{UserID: zhang.ID}, 1},
		} {
			l, err := db.ListSessions(ctx, tc.f, model.PageRequest{})
			if err != nil || len(l.Items) != tc.want {
				t.Errorf("filter %+v: %d rows, err %v, want %d", tc.f, len(l.Items), err, tc.want)
			}
		}
		for _, key := range store.SessionSortKeys() {
			req := model.PageRequest{Limit: 2, Sort: key, Desc: true}
			seen := 0
			for n := 0; n < 5; n++ {
				l, err := db.ListSessions(ctx, store.SessionFilter{}, req)
				if err != nil {
					t.Fatalf("sort %s: %v", key, err)
				}
				seen += len(l.Items)
				if l.Next == "" {
					break
				}
				req.After = l.Next
			}
			if seen != 3 {
				t.Errorf("sort %s: paged through %d rows, want 3", key, seen)
			}
		}

		// By id: an expired or anonymous session is not online.
		byIP := map[string]int64{}
		for _, s := range l.Items {
			byIP[s.IP] = s.ID
		}
		one, err := db.OnlineSessionByID(ctx, byIP["10.0.0.3"])
		if err != nil || one.Username != "zhang.wei" {
			t.Fatalf("by id: %+v %v", one, err)
		}
		old, err := db.SessionIDByToken(ctx, "li-old")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.OnlineSessionByID(ctx, old); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("an expired session: %v, want not found", err)
		}
		if _, err := db.SessionIDByToken(ctx, "no-such-token"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("unknown token: %v, want not found", err)
		}

		// Deleting a row ends that session only.
		if err := db.DeleteSession(ctx, byIP["10.0.0.1"]); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.FindCtx(ctx, "li-1"); ok {
			t.Errorf("the deleted session is still found")
		}
		if _, ok, _ := ss.FindCtx(ctx, "li-2"); !ok {
			t.Errorf("the user's other session went too")
		}
		if err := db.DeleteSession(ctx, byIP["10.0.0.1"]); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("deleting twice: %v, want not found", err)
		}
		if l, _ := db.ListSessions(ctx, store.SessionFilter{}, model.PageRequest{}); l.Total != 2 {
			t.Errorf("after delete: total %d, want 2", l.Total)
		}
	})
}
