package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestLoginLockIsPerSource: failures are counted per account and source.
// Behind a trusted proxy (the test server trusts 127.0.0.1), a stranger at
// one address is slowed down and then locked out of the account, the owner
// at another address still signs in and is told; spraying from one address
// and guessing from many are both bounded; the security administrator
// unlocks (page and API, audited). On both databases.
func TestLoginLockIsPerSource(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.HTTP.TrustedProxies = "127.0.0.1/32" })
			li := srv.CreateUser(t, "li", "", "")
			srv.CreateUser(t, "wang", "", "")
			zhao := srv.CreateUser(t, "zhao", "", "")
			srv.CreateUser(t, "sec", model.RoleSecadmin, model.DomainSys)
			var clockMu sync.Mutex
			clockAt := time.Now().UTC()
			srv.DB.SetClock(func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clockAt })
			advance := func(d time.Duration) { clockMu.Lock(); clockAt = clockAt.Add(d); clockMu.Unlock() }

			from := func(t *testing.T, ip string) *testenv.Client {
				c := srv.Client(t)
				c.Header.Set("X-Forwarded-For", ip)
				return c
			}
			msg := func(t *testing.T, r *testenv.Response) string {
				return strings.TrimSpace(r.Doc(t).Find("#login-error").Text())
			}
			try := func(t *testing.T, c *testenv.Client, user, pw string) *testenv.Response {
				t.Helper()
				return c.Submit("/login", "/login", url.Values{"username": {user}, "password": {pw}})
			}
			const attacker, owner = "203.0.113.5", "198.51.100.7"

			t.Run("a stranger is slowed down, then locked out of the account from its address only", func(t *testing.T) {
				c := from(t, attacker)
				for i := 0; i < 3; i++ {
					if m := msg(t, try(t, c, "li", "Wrong@Pass1")); m != "用户名或密码错误" {
						t.Fatalf("attempt %d: %q", i+1, m)
					}
				}
				// The fourth at once: wait (1 s), whatever the password.
				if m := msg(t, try(t, c, "li", testenv.Password)); !strings.Contains(m, "登录尝试过于频繁") {
					t.Fatalf("fourth attempt at once: %q, want the slow-down", m)
				}
				advance(2 * time.Second)
				try(t, c, "li", "Wrong@Pass1")
				advance(3 * time.Second)
				try(t, c, "li", "Wrong@Pass1")
				advance(10 * time.Second)
				if m := msg(t, try(t, c, "li", testenv.Password)); !strings.HasPrefix(m, "账号已锁定") {
					t.Fatalf("the right password from the locked address: %q", m)
				}
				if n := countWhere(t, srv.DB, "login_events", "reason = 'bad_password_locked' AND ip = ?", attacker); n != 1 {
					t.Errorf("lock events from the attacker's address (the proxy's header believed): %d", n)
				}
				if n := countWhere(t, srv.DB, "notifications", "kind = 'account_locked' AND user_id = ?", li.ID); n != 1 {
					t.Errorf("notifications of the lock: %d", n)
				}
			})

			t.Run("the owner at another address signs in and is told", func(t *testing.T) {
				c := from(t, owner)
				c.Login("li", testenv.Password)
				home := c.Get("/")
				if home.Status != http.StatusOK || !strings.Contains(home.Body, attacker) || !strings.Contains(home.Body, "锁定") {
					t.Errorf("the owner's first page does not tell of the lock: %d", home.Status)
				}
				// The stranger is still locked out.
				if m := msg(t, try(t, from(t, attacker), "li", testenv.Password)); !strings.HasPrefix(m, "账号已锁定") {
					t.Errorf("the attacker after the owner's login: %q", m)
				}
			})

			t.Run("the security admin unlocks, page (with confirmation) and API, audited", func(t *testing.T) {
				// A fresh account and address (the clock must stay near the
				// sessions' real-time expiry for the pages to answer).
				const attacker = "203.0.113.77"
				lock := func() {
					c := from(t, attacker)
					for i := 0; i < 5; i++ {
						try(t, c, "zhao", "Wrong@Pass1")
						advance(20 * time.Second)
					}
					if m := msg(t, try(t, c, "zhao", testenv.Password)); !strings.HasPrefix(m, "账号已锁定") {
						t.Fatalf("not locked: %q", m)
					}
				}
				lock()
				sec := from(t, "10.0.0.1")
				sec.Login("sec", testenv.Password)
				page := fmt.Sprintf("/admin/users/%d", zhao.ID)
				pr := sec.Get(page)
				if pr.Status != http.StatusOK {
					t.Fatalf("user page: %d %s", pr.Status, pr.Location())
				}
				doc := pr.Doc(t)
				form := doc.Find(`form[action$="/unlock"]`)
				if form.Length() != 1 || !strings.Contains(form.AttrOr("data-confirm", ""), "解除") {
					t.Fatalf("no unlock button with a confirmation")
				}
				if got := doc.Find("#locked-sources li").Text(); !strings.Contains(got, attacker) {
					t.Errorf("the page does not name the locked address: %q", got)
				}
				u, _ := srv.DB.UserByID(t.Context(), zhao.ID)
				res := sec.PostForm(page+"/unlock", url.Values{"csrf_token": {sec.CSRFCookie()}, "version": {fmt.Sprint(u.Version)}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("unlock: %d", res.Status)
				}
				from(t, attacker).Login("zhao", testenv.Password)
				if n := countWhere(t, srv.DB, "audit_log", "action = 'user.unlock' AND username = 'sec' AND changes LIKE ?", "%"+attacker+"%"); n != 1 {
					t.Errorf("unlock audit rows naming the address: %d", n)
				}
				lock()
				u, _ = srv.DB.UserByID(t.Context(), zhao.ID)
				if r := apiRaw(t, sec, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/unlock", zhao.ID), fmt.Sprintf(`{"version":%d}`, u.Version)); r.Status != http.StatusOK {
					t.Fatalf("API unlock: %d %.300s", r.Status, r.Body)
				}
				from(t, attacker).Login("zhao", testenv.Password)
				if n := countWhere(t, srv.DB, "audit_log", "action = 'user.unlock'"); n != 2 {
					t.Errorf("unlock audit rows: %d", n)
				}
			})
			t.Run("many addresses: the account-wide delay bounds the guesses, the owner's address passes", func(t *testing.T) {
				advance(time.Hour)
				before := countWhere(t, srv.DB, "login_events", "reason = 'bad_password' AND username = 'li'")
				for i := 0; i < 12; i++ {
					try(t, from(t, fmt.Sprintf("192.0.2.%d", 10+i)), "li", "Wrong@Pass1")
				}
				if n := countWhere(t, srv.DB, "login_events", "reason = 'bad_password' AND username = 'li'") - before; n != 3 {
					t.Errorf("%d passwords tried from 12 addresses at once, want 3 (then the delay)", n)
				}
				if n := countWhere(t, srv.DB, "login_events", "reason = 'throttled' AND username = 'li'"); n < 9 {
					t.Errorf("%d attempts delayed", n)
				}
				// The owner's usual address is not held up.
				from(t, owner).Login("li", testenv.Password)
			})

			t.Run("spraying from one address is refused after a while, for every account", func(t *testing.T) {
				advance(time.Hour)
				c := from(t, "192.0.2.200")
				for i := 0; i < 20; i++ {
					try(t, c, fmt.Sprintf("guess%d", i), "Wrong@Pass1")
				}
				if m := msg(t, try(t, c, "wang", testenv.Password)); !strings.Contains(m, "登录尝试过于频繁") {
					t.Errorf("the 21st attempt from a spraying address: %q", m)
				}
				// Elsewhere, wang signs in.
				from(t, "192.0.2.201").Login("wang", testenv.Password)
			})

			t.Run("an unknown name is slowed down and locked exactly like a known one", func(t *testing.T) {
				answers := func(user, ip string) []string {
					c := from(t, ip)
					var out []string
					for i := 0; i < 4; i++ {
						out = append(out, msg(t, try(t, c, user, "Wrong@Pass1")))
					}
					return out
				}
				known, unknown := answers("wang", "192.0.2.50"), answers("nobody.here", "192.0.2.51")
				if fmt.Sprint(known) != fmt.Sprint(unknown) || !strings.Contains(known[3], "登录尝试过于频繁") {
					t.Errorf("known %q, unknown %q: must answer alike, the fourth slowed down", known, unknown)
				}
			})

			t.Run("without a trusted proxy the header is not believed", func(t *testing.T) {
				plain := testenv.NewServer(t, d)
				plain.CreateUser(t, "zhou", "", "")
				c := plain.Client(t)
				c.Header.Set("X-Forwarded-For", "203.0.113.99")
				c.Header.Set("X-Real-IP", "203.0.113.98")
				c.Login("zhou", testenv.Password)
				if n := countWhere(t, plain.DB, "login_events", "username = 'zhou' AND ip = '127.0.0.1'"); n != 1 {
					t.Errorf("login events at the direct peer: %d", n)
				}
				if n := countWhere(t, plain.DB, "login_events", "ip LIKE '203.0.113.%'"); n != 0 {
					t.Errorf("a client chose its address by a header: %d events", n)
				}
			})

		})
	}
}

// TestPasswordChangeEndsOtherSessions: changing one's password signs the
// account out everywhere else, and the page says how many sessions ended;
// an administrator's reset ends them all. On both databases.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			u := srv.CreateUser(t, "li", "", "")
			srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
			a, b, c := srv.Client(t), srv.Client(t), srv.Client(t)
			for _, cl := range []*testenv.Client{a, b, c} {
				cl.Login("li", testenv.Password)
			}
			res := a.Submit("/profile/password", "/profile/password", url.Values{"current_password": {testenv.Password},
				"new_password": {"Xuhui@2026a"}, "confirm_password": {"Xuhui@2026a"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("change: %d %.300s", res.Status, res.Body)
			}
			home := a.Get("/")
			if home.Status != http.StatusOK || !strings.Contains(home.Body, "已退出其他 2 个会话") {
				t.Errorf("the page does not say the other sessions ended: %d", home.Status)
			}
			for i, cl := range []*testenv.Client{b, c} {
				if r := cl.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
					t.Errorf("other session %d still signed in: %d %s", i, r.Status, r.Location())
				}
			}
			if n := countWhere(t, srv.DB, "sessions", "user_id = ?", u.ID); n != 1 {
				t.Errorf("%d sessions of li left, want 1", n)
			}
			if n := countWhere(t, srv.DB, "audit_log", "action = 'user.password_change' AND changes LIKE ?", `%"sessions_ended":2%`); n != 1 {
				t.Errorf("audit rows of the change with the count: %d", n)
			}

			// An administrator's reset ends every session, the current one included.
			root := srv.Client(t)
			root.Login("root", testenv.Password)
			fresh, _ := srv.DB.UserByID(t.Context(), u.ID)
			r := apiRaw(t, root, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/reset-password", u.ID), fmt.Sprintf(`{"version":%d}`, fresh.Version))
			if r.Status != http.StatusOK {
				t.Fatalf("reset: %d", r.Status)
			}
			if n := countWhere(t, srv.DB, "sessions", "user_id = ?", u.ID); n != 0 {
				t.Errorf("%d sessions of li after a reset, want 0", n)
			}
			if r := a.Get("/"); r.Status != http.StatusSeeOther {
				t.Errorf("the changing session survived the reset: %d", r.Status)
			}
		})
	}
}
