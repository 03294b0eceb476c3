package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestLoginEventList filters, sorts, pages and streams login events on both dialects.
func TestLoginEventList(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := testenv.CreateUser(t, db, "wang.fang", "", "")
		base := time.Date(2026, 3, 5, 0, 30, 0, 0, time.UTC) // 08:30 in Shanghai
		// Ten events an hour apart: wang.fang from 10.2.3.x, a stranger from 10.20.0.1.
		for i := 0; i < 10; i++ {
			at := base.Add(time.Duration(i) * time.Hour)
			db.SetClock(func() time.Time { return at })
			e := &model.LoginEvent{Username: "wang.fang", IP: fmt.Sprintf("10.2.3.%d", i), UserAgent: "UA", Result: model.LoginSuccess}
			switch i % 3 {
			case 1:
				e.Result, e.Reason = model.LoginFailure, "bad_password"
			case 2:
				e.Result = model.LoginLogout
			}
			if e.Result != model.LoginFailure || i != 4 {
				e.UserID = &u.ID
			}
			if i == 4 {
				e.Username, e.IP, e.Reason = "nobody_50%", "10.20.0.1", "unknown_user"
			}
			if err := db.AppendLoginEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		db.SetClock(func() time.Time { return time.Now().UTC() })

		list := func(f store.LoginEventFilter, req model.PageRequest) model.List[model.LoginEvent] {
			t.Helper()
			l, err := db.ListLoginEvents(ctx, f, req)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		ips := func(l model.List[model.LoginEvent]) []string {
			var out []string
			for _, e := range l.Items {
				out = append(out, e.IP)
			}
			return out
		}

		all := list(store.LoginEventFilter{}, model.PageRequest{Limit: 100})
		if all.Total != 10 || len(all.Items) != 10 {
			t.Fatalf("all: total %d, %d rows", all.Total, len(all.Items))
		}
		for i := 1; i < len(all.Items); i++ {
			if !all.Items[i-1].CreatedAt.After(all.Items[i].CreatedAt) {
				t.Fatalf("default order is not newest first: %v", ips(all))
			}
		}

		cases := []struct {
			name string
			f    store.LoginEventFilter
			want int64
		}{
			{"failures", store.LoginEventFilter{Result: model.LoginFailure}, 3},
			{"logouts", store.LoginEventFilter{Result: model.LoginLogout}, 3},
			{"username part, any case", store.LoginEventFilter{Username: "FANG"}, 9},
			{"LIKE wildcards are literal", store.LoginEventFilter{Username: "50%"}, 1},
			{"underscore is literal", store.LoginEventFilter{Username: "g_f"}, 0},
			{"a whole IP matches exactly", store.LoginEventFilter{IP: "10.2.3.1"}, 1},
			{"a partial IP is a prefix", store.LoginEventFilter{IP: "10.2."}, 9},
			{"a prefix matches the start only", store.LoginEventFilter{IP: "2.3"}, 0},
			{"from inclusive", store.LoginEventFilter{From: base.Add(7 * time.Hour)}, 3},
			{"to exclusive", store.LoginEventFilter{To: base.Add(2 * time.Hour)}, 2},
			{"from and to", store.LoginEventFilter{From: base.Add(time.Hour), To: base.Add(4 * time.Hour), Result: model.LoginSuccess}, 1},
		}
		for _, tc := range cases {
			if l := list(tc.f, model.PageRequest{Limit: 100}); l.Total != tc.want || int64(len(l.Items)) != tc.want {
				t.Errorf("%s: total %d rows %d, want %d (%v)", tc.name, l.Total, len(l.Items), tc.want, ips(l))
			}
		}

		// Keyset pages of 4, every sort, both directions: each row once.
		for _, key := range store.LoginEventSortKeys() {
			for _, desc := range []bool{false, true} {
				req := model.PageRequest{Limit: 4, Sort: key, Desc: desc}
				seen := map[int64]bool{}
				for n := 0; ; n++ {
					l := list(store.LoginEventFilter{}, req)
					for _, e := range l.Items {
						if seen[e.ID] {
							t.Fatalf("sort %s desc=%v: row %d twice", key, desc, e.ID)
						}
						seen[e.ID] = true
					}
					if l.Next == "" || n > 5 {
						break
					}
					req.After = l.Next
				}
				if len(seen) != 10 {
					t.Fatalf("sort %s desc=%v: saw %d rows, want 10", key, desc, len(seen))
				}
			}
		}

		// Streaming in batches of 3 sees the filtered rows once, in list order.
		var got []string
		err := db.EachLoginEvent(ctx, store.LoginEventFilter{IP: "10.2."}, model.PageRequest{}, 3, func(e *model.LoginEvent) error {
			got = append(got, e.IP)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := ips(list(store.LoginEventFilter{IP: "10.2."}, model.PageRequest{Limit: 100}))
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 9 {
			t.Fatalf("each = %v, want %v", got, want)
		}
		got = got[:0]
		if err := db.EachLoginEvent(ctx, store.LoginEventFilter{}, model.PageRequest{Sort: "ip"}, 4, func(e *model.LoginEvent) error {
			got = append(got, e.IP)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 10 || got[0] != "10.2.3.0" || got[9] != "10.20.0.1" {
			t.Fatalf("each by ip = %v", got)
		}
		stop := fmt.Errorf("stop")
		n := 0
		if err := db.EachLoginEvent(ctx, store.LoginEventFilter{}, model.PageRequest{}, 2, func(*model.LoginEvent) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		}); err != stop || n != 3 {
			t.Fatalf("an error from fn must stop the walk: err %v after %d rows", err, n)
		}
	})
}
